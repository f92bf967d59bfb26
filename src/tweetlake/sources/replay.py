"""``replay``: read archives the user owns (files or stdin, plain or gzip), line by line.

Gzip is detected from the file's first bytes, not its name. Every line is decoded on its own and
its format detected (:mod:`tweetlake.sources.formats`), so one archive may mix formats. A line
that is not valid JSON, or not a known format, becomes a :class:`Rejected` item with the file and
line number. Blank lines (stream keep-alives) are skipped.

Replay is not resumable by cursor: replaying a file again is harmless, because the lake drops
posts it already holds (same platform and id).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import sys
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import IO, cast

import msgspec

from tweetlake.errors import ConfigError
from tweetlake.sources.base import Item, Rejected, Source
from tweetlake.sources.formats import parse_object

__all__ = ["ReplaySource"]

_GZIP_MAGIC = b"\x1f\x8b"
_json = msgspec.json.Decoder()


def _open(path: str, stack: contextlib.ExitStack) -> IO[bytes]:
    """Open a file (or stdin), transparently gunzipping; ``stack`` closes what was opened."""
    if path == "-":
        raw: IO[bytes] = sys.stdin.buffer
    else:
        raw = stack.enter_context(open(path, "rb"))  # noqa: SIM115 - the stack closes it
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(cast(io.RawIOBase, raw))
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        return stack.enter_context(gzip.GzipFile(fileobj=buffered))  # type: ignore[arg-type]
    return buffered


class ReplaySource(Source):
    """Replay one or more archives in order.

    Args:
        paths: files to read; ``"-"`` reads standard input.
    """

    name = "replay"

    def __init__(self, paths: Sequence[str]) -> None:
        if not paths:
            raise ConfigError("replay needs at least one file (or '-' for stdin)")
        for path in paths:
            if path != "-" and not Path(path).is_file():
                raise ConfigError(f"replay: no such file {path!r}. Give archive paths, or '-' to read stdin.")
        self.paths = list(paths)
        self._lines: Generator[tuple[str, int, bytes]] = self._iter_lines()
        self._exhausted = False
        self.bytes_read = 0

    def _iter_lines(self) -> Generator[tuple[str, int, bytes]]:
        for path in self.paths:
            origin = "<stdin>" if path == "-" else path
            with contextlib.ExitStack() as stack:
                try:
                    for number, line in enumerate(_open(path, stack), start=1):
                        self.bytes_read += len(line)
                        yield origin, number, line
                except (OSError, EOFError) as exc:
                    yield origin, -1, f"cannot read {origin} (damaged or truncated archive?): {exc}".encode()

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def close(self) -> None:
        self._lines.close()  # closes the file being read, if replay stopped early

    def poll(self, max_items: int) -> list[Item]:
        items: list[Item] = []
        while len(items) < max_items:
            try:
                origin, number, line = next(self._lines)
            except StopIteration:
                self._exhausted = True
                break
            if number == -1:  # the archive itself is damaged (e.g. a truncated gzip)
                items.append(Rejected(line.decode(), origin, None, ""))
                continue
            stripped = line.strip()
            if not stripped:
                continue
            items.extend(_decode(stripped, origin, number))
        return items


def _decode(line: bytes, origin: str, number: int) -> list[Item]:
    text = line.decode("utf-8", errors="replace")
    try:
        obj = _json.decode(line)
    except msgspec.DecodeError as exc:
        return [Rejected(f"invalid JSON: {exc}", origin, number, text)]
    return parse_object(obj, origin, number, text)
