"""The storage seam: every file the lake reads or writes goes through :class:`Storage`.

The lake's root is a local folder or any fsspec URL (``memory://`` in tests, ``s3://`` with the
``s3`` extra). Paths inside the lake are always relative POSIX paths such as
``raw/dt=2026-11-28/batch.jsonl.gz``; nothing else in tweetlake joins paths onto the root.

Durable state moves by atomic replacement:

* on a local disk, :meth:`Storage.write_atomic` writes a temporary file in the target folder,
  fsyncs it, renames it over the target, and fsyncs the folder, so a reader (or a process that
  restarts after ``kill -9``) sees either the old file or the whole new one, never a torn one;
* on an object store, one ``PUT`` of the whole object has the same all-or-nothing property.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import posixpath
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from tweetlake.errors import LockedError

__all__ = ["Storage"]

_TMP_PREFIX = ".tmp-"


class Storage:
    """A lake root plus the handful of file operations the pipeline needs.

    Args:
        root: a local directory (created if missing) or an fsspec URL.
        storage_options: passed to fsspec for remote roots (credentials come from the
            environment, never from here).
    """

    def __init__(self, root: str | os.PathLike[str], **storage_options: Any) -> None:
        root_str = os.fspath(root)
        fs, path = fsspec.core.url_to_fs(root_str, **storage_options)
        self.fs: fsspec.AbstractFileSystem = fs
        self.is_local = isinstance(fs, LocalFileSystem)
        self.root = str(Path(path).resolve()) if self.is_local else path.rstrip("/")
        self.url = self.root if self.is_local else root_str.rstrip("/")
        if self.is_local:
            os.makedirs(self.root, exist_ok=True)

    def __repr__(self) -> str:
        return f"Storage({self.url!r})"

    # -- paths -------------------------------------------------------------------------------------
    def full(self, rel: str) -> str:
        """The absolute path (or object key) of a lake-relative path."""
        return posixpath.join(self.root, rel) if rel else self.root

    def local_path(self, rel: str) -> str | None:
        """The local filesystem path of ``rel``, or None when the lake is not on a local disk."""
        return self.full(rel) if self.is_local else None

    # -- reading -----------------------------------------------------------------------------------
    def read_bytes(self, rel: str) -> bytes:
        try:
            data: bytes = self.fs.cat_file(self.full(rel))
        except FileNotFoundError:
            raise
        return data

    def open(self, rel: str, mode: str = "rb") -> IO[Any]:
        handle: IO[Any] = self.fs.open(self.full(rel), mode)
        return handle

    def exists(self, rel: str) -> bool:
        return bool(self.fs.exists(self.full(rel)))

    def listdir(self, rel_dir: str, suffix: str = "") -> list[str]:
        """Names (not paths) of the files directly inside ``rel_dir``, sorted; [] if it is missing.

        Temporary files of writes in progress are never listed.
        """
        base = self.full(rel_dir)
        if self.is_local:
            try:
                names = os.listdir(base)
            except FileNotFoundError:
                return []
        else:
            try:
                names = [posixpath.basename(p.rstrip("/")) for p in self.fs.ls(base, detail=False)]
            except FileNotFoundError:
                return []
        return sorted(n for n in names if n.endswith(suffix) and not n.startswith(_TMP_PREFIX))

    def walk_files(self, rel_dir: str, suffix: str = "") -> list[str]:
        """Lake-relative paths of every file below ``rel_dir`` (recursive), sorted."""
        base = self.full(rel_dir)
        if not self.fs.exists(base):
            return []
        found = self.fs.find(base)
        prefix = self.root.rstrip("/") + "/"
        out = []
        for path in found:
            rel = path[len(prefix) :] if path.startswith(prefix) else path
            name = posixpath.basename(rel)
            if name.endswith(suffix) and not name.startswith(_TMP_PREFIX):
                out.append(rel)
        return sorted(out)

    def size(self, rel: str) -> int:
        return int(self.fs.size(self.full(rel)))

    # -- writing -----------------------------------------------------------------------------------
    def write_atomic(self, rel: str, data: bytes) -> None:
        """Write ``data`` to ``rel`` so that readers see all of it or none of it."""
        if not self.is_local:
            self.fs.pipe_file(self.full(rel), data)
            return
        with self.open_atomic(rel) as handle:
            handle.write(data)

    @contextlib.contextmanager
    def open_atomic(self, rel: str) -> Iterator[IO[bytes]]:
        """A file to write ``rel`` through as a stream (data too large to hold as one ``bytes``),
        with :meth:`write_atomic`'s guarantee: readers see the whole file once the block ends,
        and nothing of it if the block raises. (On an object store the upload is aborted; a
        store that shows data as it is written, like fsspec's ``memory://``, has the new file
        removed, so there, write new paths only.)"""
        target = self.full(rel)
        if not self.is_local:
            # An object store publishes an upload when it completes: abort it on failure (and
            # remove what a store that publishes early shows, unless it was there before).
            existed = self.fs.exists(target)
            remote: Any = self.fs.open(target, "wb")
            try:
                yield remote
            except BaseException:
                getattr(remote, "discard", remote.close)()
                if not existed:
                    with contextlib.suppress(FileNotFoundError):
                        self.fs.rm_file(target)
                raise
            remote.close()
            return
        folder = os.path.dirname(target)
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f"{_TMP_PREFIX}{uuid.uuid4().hex}-{os.path.basename(target)}")
        try:
            with open(tmp, "wb") as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _fsync_dir(folder)

    def write_new(self, rel: str, data: bytes) -> None:
        """Like :meth:`write_atomic`, but fail if ``rel`` already exists (used for log entries)."""
        if not self.is_local:
            if self.exists(rel):
                raise FileExistsError(self.full(rel))
            self.fs.pipe_file(self.full(rel), data)
            return
        target = self.full(rel)
        folder = os.path.dirname(target)
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f"{_TMP_PREFIX}{uuid.uuid4().hex}-{os.path.basename(target)}")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, target)  # fails with EEXIST instead of replacing
        finally:
            os.unlink(tmp)
        _fsync_dir(folder)

    def move(self, src: str, dst: str) -> None:
        """Move a file within the lake (atomic on a local disk)."""
        if self.is_local:
            os.makedirs(os.path.dirname(self.full(dst)), exist_ok=True)
            os.replace(self.full(src), self.full(dst))
            _fsync_dir(os.path.dirname(self.full(dst)))
        else:
            self.fs.mv(self.full(src), self.full(dst))

    def delete(self, rel: str, missing_ok: bool = True) -> None:
        try:
            self.fs.rm_file(self.full(rel))
        except FileNotFoundError:
            if not missing_ok:
                raise

    # -- locking -----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, rel: str, purpose: str) -> Iterator[None]:
        """Hold an exclusive, process-wide lock named ``rel`` for the duration of the block.

        The lock is an OS file lock, released automatically if the process dies (even by
        ``kill -9``), so a crash never leaves a stale lock behind.

        Raises:
            LockedError: another process holds it; the message names that process.
        """
        if not self.is_local:
            # Object stores have no locks: a single writer per lake is the caller's promise.
            yield
            return
        path = self.full(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
                raise LockedError(
                    f"{purpose}: the lake {self.url} is locked by {holder}. Only one enricher may "
                    "write a lake at a time; stop the other one (or wait for it) and try again."
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
            yield
        finally:
            os.close(fd)


def _fsync_dir(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
