"""The catalog (the reference's Glue tables): which Parquet files make up each table.

A file in a table folder is part of the table only once a catalog commit lists it. Readers never
glob table folders (a writer may have died after writing a file but before committing it);
they ask the catalog. One log covers all three tables, so a batch's tweets, sentiment and
entities rows appear together, atomically.

Layout, under ``_catalog/``::

    log/<seq>.json        one commit per enriched batch or compaction (adds and removes files,
                          carries the counts and the batch id); written exclusively, never edited
    checkpoint.json       everything up to some seq, folded; then older log entries are deleted
    keys/<name>.u64       the 64-bit keys of the posts each commit added (for de-duplication);
                          a checkpoint merges them into one sorted file
    inflight.json         the outputs of the batch being written (so a restart can clean them)
    writer.lock           the single-writer lock (an OS lock: released if the writer dies)

A reader loads the checkpoint and applies the log entries after it. If a checkpoint deletes log
entries while a reader is listing them, the reader simply starts over.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import msgspec
import numpy as np

from tweetlake import lake
from tweetlake.errors import LakeError
from tweetlake.storage import Storage

__all__ = ["Catalog", "CatalogState", "Commit", "FileEntry", "KeyIndex"]

log = logging.getLogger(__name__)

LOG = f"{lake.CATALOG}/log"
KEYS = f"{lake.CATALOG}/keys"
CHECKPOINT = f"{lake.CATALOG}/checkpoint.json"
INFLIGHT = f"{lake.CATALOG}/inflight.json"
LOCK = f"{lake.CATALOG}/writer.lock"


def _log_path(seq: int) -> str:
    return f"{LOG}/{seq:012d}.json"


class FileEntry(msgspec.Struct, kw_only=True):
    path: str
    rows: int
    bytes: int


class Commit(msgspec.Struct, kw_only=True):
    seq: int
    kind: str
    """``batch`` (an enriched raw batch) or ``compact``."""
    ts: datetime
    batch_id: str | None = None
    add: dict[str, list[FileEntry]] = msgspec.field(default_factory=dict)
    remove: dict[str, list[str]] = msgspec.field(default_factory=dict)
    keys: str | None = None
    counts: dict[str, int] = msgspec.field(default_factory=dict)
    notices: dict[str, int] = msgspec.field(default_factory=dict)
    quarantine: list[str] = msgspec.field(default_factory=list)
    deletes: list[str] = msgspec.field(default_factory=list)


class Checkpoint(msgspec.Struct, kw_only=True):
    seq: int
    ts: datetime
    files: dict[str, list[FileEntry]]
    keys: list[str]
    counts: dict[str, int]
    notices: dict[str, int]
    quarantine: list[str]
    recent_batches: list[str]
    deletes: list[str] = msgspec.field(default_factory=list)


class Inflight(msgspec.Struct, kw_only=True):
    batch_id: str
    files: list[str]
    """Files about to be written (deleted on restart if the commit did not happen)."""
    removes: list[str] = msgspec.field(default_factory=list)
    """Files the commit removes (deleted on restart if the commit did happen)."""


_enc = msgspec.json.Encoder()
_commit_dec = msgspec.json.Decoder(Commit)
_checkpoint_dec = msgspec.json.Decoder(Checkpoint)
_inflight_dec = msgspec.json.Decoder(Inflight)


@dataclass
class CatalogState:
    """The tables as of commit ``seq``."""

    seq: int = 0
    files: dict[str, dict[str, FileEntry]] = field(default_factory=lambda: {t: {} for t in lake.ALL_TABLES})
    keys: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    notices: dict[str, int] = field(default_factory=dict)
    quarantine: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    recent_batches: list[str] = field(default_factory=list)
    """Batch ids committed since the checkpoint before the current one."""
    log_seqs: list[int] = field(default_factory=list)

    def apply(self, commit: Commit) -> None:
        if commit.seq != self.seq + 1:
            raise LakeError(
                f"catalog log jumps from {self.seq} to {commit.seq}; the catalog in {LOG} is damaged. "
                "Restore the missing entries, or rebuild the lake from its raw zone."
            )
        for table, paths in commit.remove.items():
            for path in paths:
                self.files.setdefault(table, {}).pop(path, None)
        for table, entries in commit.add.items():
            for entry in entries:
                self.files.setdefault(table, {})[entry.path] = entry
        if commit.keys:
            self.keys.append(commit.keys)
        for name, n in commit.counts.items():
            self.counts[name] = self.counts.get(name, 0) + n
        for name, n in commit.notices.items():
            self.notices[name] = self.notices.get(name, 0) + n
        self.quarantine.extend(commit.quarantine)
        self.deletes.extend(commit.deletes)
        if commit.batch_id:
            self.recent_batches.append(commit.batch_id)
        self.seq = commit.seq
        self.log_seqs.append(commit.seq)

    def copy(self) -> CatalogState:
        """A copy that commits can be applied to without changing this one."""
        return replace(
            self,
            files={t: dict(entries) for t, entries in self.files.items()},
            keys=list(self.keys),
            counts=dict(self.counts),
            notices=dict(self.notices),
            quarantine=list(self.quarantine),
            deletes=list(self.deletes),
            recent_batches=list(self.recent_batches),
            log_seqs=list(self.log_seqs),
        )

    def table_files(self, table: str) -> list[FileEntry]:
        return sorted(self.files.get(table, {}).values(), key=lambda e: e.path)

    def rows(self, table: str) -> int:
        return sum(e.rows for e in self.files.get(table, {}).values())


class KeyIndex:
    """The set of post keys (64-bit hashes of platform and id) already in the tables.

    A large sorted array plus a few small sorted ones, merged when they pile up: membership is a
    binary search, memory is 8 bytes a post.
    """

    def __init__(self) -> None:
        self._base = np.empty(0, dtype=np.uint64)
        self._recent: list[np.ndarray] = []
        self._recent_size = 0

    def __len__(self) -> int:
        return len(self._base) + self._recent_size

    def add(self, keys: np.ndarray) -> None:
        if len(keys) == 0:
            return
        self._recent.append(np.sort(keys.astype(np.uint64, copy=False)))
        self._recent_size += len(keys)
        if self._recent_size > max(65_536, len(self._base) // 8):
            self._merge()

    def _merge(self) -> None:
        self._base = np.unique(np.concatenate([self._base, *self._recent]))
        self._recent, self._recent_size = [], 0

    def contains(self, keys: np.ndarray) -> np.ndarray:
        """A boolean mask: which of ``keys`` are already present."""
        found = np.zeros(len(keys), dtype=bool)
        for array in (self._base, *self._recent):
            if len(array):
                pos = np.searchsorted(array, keys)
                pos[pos == len(array)] = 0
                found |= array[pos] == keys
        return found

    def to_bytes(self) -> bytes:
        self._merge()
        return self._base.astype("<u8").tobytes()

    @staticmethod
    def parse(data: bytes) -> np.ndarray:
        return np.frombuffer(data, dtype="<u8").astype(np.uint64)


class Catalog:
    """Read the catalog; with :meth:`writer`, commit to it."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def read(self) -> CatalogState:
        """The current state of the tables. Safe while a writer is committing."""
        for _attempt in range(5):
            try:
                return self._read_once()
            except FileNotFoundError:
                continue  # a checkpoint removed log entries under us; start again
        raise LakeError(f"could not read a consistent catalog from {self.storage.url}/{lake.CATALOG}")

    def _log_seqs(self) -> list[int]:
        """The sequence numbers of the log entries on disk, in order."""
        return sorted(int(name.split(".")[0]) for name in self.storage.listdir(LOG, ".json"))

    def update(self, state: CatalogState) -> CatalogState:
        """The state after ``state``'s commits: ``state`` itself when nothing is new, a copy
        with the new commits applied when the log still holds them all (readers that poll, like
        the query engine, read only what is new), else a fresh :meth:`read`."""
        # The log always holds the newest commit (a checkpoint keeps it), so an empty `newer`
        # means nothing happened, and a gap means a checkpoint folded commits we lack.
        newer = [seq for seq in self._log_seqs() if seq > state.seq]
        if not newer:
            return state
        if newer[0] != state.seq + 1:
            return self.read()  # a checkpoint folded the commits we lack
        try:
            commits = [_commit_dec.decode(self.storage.read_bytes(_log_path(seq))) for seq in newer]
        except FileNotFoundError:
            return self.read()
        state = state.copy()
        for commit in commits:
            state.apply(commit)
        return state

    def _read_once(self) -> CatalogState:
        state = CatalogState()
        try:
            cp = _checkpoint_dec.decode(self.storage.read_bytes(CHECKPOINT))
        except FileNotFoundError:
            cp = None
        if cp is not None:
            state.seq = cp.seq
            state.files = {t: {e.path: e for e in cp.files.get(t, [])} for t in lake.ALL_TABLES}
            state.keys = list(cp.keys)
            state.counts = dict(cp.counts)
            state.notices = dict(cp.notices)
            state.quarantine = list(cp.quarantine)
            state.deletes = list(cp.deletes)
            state.recent_batches = list(cp.recent_batches)
        for seq in self._log_seqs():
            if seq <= state.seq:
                continue
            state.apply(_commit_dec.decode(self.storage.read_bytes(_log_path(seq))))
        return state

    def load_keys(self, state: CatalogState) -> KeyIndex:
        index = KeyIndex()
        for path in state.keys:
            index.add(KeyIndex.parse(self.storage.read_bytes(path)))
        return index

    # -- writing (callers hold the writer lock) ------------------------------------------------------
    def commit(self, state: CatalogState, commit: Commit) -> None:
        """Append ``commit`` to the log (the commit point) and apply it to ``state``."""
        commit.seq = state.seq + 1
        try:
            self.storage.write_new(_log_path(commit.seq), _enc.encode(commit))
        except FileExistsError:
            raise LakeError(
                f"catalog entry {commit.seq} already exists: another process wrote to this lake. "
                "Only one enricher may write a lake at a time."
            ) from None
        state.apply(commit)

    def checkpoint(self, state: CatalogState, keys: KeyIndex) -> None:
        """Fold the log into ``checkpoint.json``, then delete the folded log entries and key files.

        1. write the merged key file ``keys/checkpoint-<seq>.u64``;
        2. write ``checkpoint.json`` atomically (from here on, readers start from it);
        3. delete the log entries and key files that the checkpoint now covers, except the
           newest entry: a reader that polls sees from it that commits were folded (see
           :meth:`update`); the next checkpoint deletes it.
        """
        if not state.log_seqs:
            return
        merged = f"{KEYS}/checkpoint-{state.seq:012d}.u64"
        self.storage.write_atomic(merged, keys.to_bytes())  # 1.
        old_keys = [k for k in state.keys if k != merged]
        cp = Checkpoint(
            seq=state.seq,
            ts=datetime.now(UTC),
            files={t: state.table_files(t) for t in lake.ALL_TABLES},
            keys=[merged],
            counts=state.counts,
            notices=state.notices,
            quarantine=state.quarantine,
            deletes=state.deletes,
            recent_batches=state.recent_batches[-1000:],
        )
        self.storage.write_atomic(CHECKPOINT, _enc.encode(cp))  # 2.
        for seq in self._log_seqs():  # 3.
            if seq < state.seq:
                self.storage.delete(_log_path(seq))
        for path in old_keys:
            self.storage.delete(path)
        state.keys = [merged]
        state.log_seqs = []
        state.recent_batches = state.recent_batches[-1000:]
        log.debug("checkpoint at seq %d", state.seq)

    def write_inflight(self, name: str, files: Iterable[str], removes: Iterable[str] = ()) -> None:
        """Record what the next commit will add and remove, before writing any of it."""
        record = Inflight(batch_id=name, files=list(files), removes=list(removes))
        self.storage.write_atomic(INFLIGHT, _enc.encode(record))

    def clean_inflight(self, state: CatalogState) -> int:
        """Finish or undo the files of a commit a writer died in the middle of. Returns count.

        If the commit happened, the files it removed are deleted (a compaction's old files);
        if it did not, the files written for it are deleted.
        """
        try:
            inflight = _inflight_dec.decode(self.storage.read_bytes(INFLIGHT))
        except FileNotFoundError:
            return 0
        live = {p for files in state.files.values() for p in files}
        committed = inflight.batch_id in state.recent_batches or any(p in live for p in inflight.files)
        stale = [p for p in inflight.removes if p not in live] if committed else inflight.files
        for path in stale:
            self.storage.delete(path)
        self.storage.delete(INFLIGHT)
        return len(stale)
