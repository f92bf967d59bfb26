"""Delivery (the reference's Kinesis Firehose): buffer posts, flush durable batches to the raw zone.

A batch is flushed when any limit is reached: record count, bytes, or seconds since its first
record. A record is *accepted* only once its batch is durable. Flushing a batch takes four steps,
in this order, so that a crash at any point loses nothing and duplicates nothing downstream:

1. write the posts to ``raw/dt=…/<batch>.jsonl.gz`` (atomic: temp file, fsync, rename);
2. write the records the source could not parse to ``quarantine/dt=…/<batch>.ingest.jsonl``;
3. write the manifest ``raw/_pending/<batch>.json``: **the commit point**. It holds the counts
   since the previous batch and the source's cursor. Enrichment only ever reads batches that
   have a manifest, so files from an interrupted flush are never half-used;
4. write the source's cursor to ``_state/cursors/<source>.json`` for a fast resume. If a crash
   comes between 3 and 4 the stored cursor is one batch behind, so the source re-sends that
   batch on restart and the lake drops the duplicates: at-least-once delivery, exactly-once
   tables.
"""

from __future__ import annotations

import gzip
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from tweetlake import lake
from tweetlake.errors import ConfigError
from tweetlake.quarantine import QuarantineRecord, encode_quarantine
from tweetlake.record import Post, encode_post
from tweetlake.sources.base import Notice, Rejected
from tweetlake.storage import Storage

__all__ = ["BatchManifest", "Delivery", "DeliveryLimits", "IngestCounts", "load_cursor"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeliveryLimits:
    """Flush a batch when it holds ``max_records`` posts, ``max_bytes`` of JSON, or is
    ``max_seconds`` old, whichever comes first. The defaults favour freshness (~1 s).

    When enrichment runs in the same process and has caught up (``tweetlake run``), a batch is
    flushed as soon as it is ``min_seconds`` old: small batches while there is time for them,
    large ones (cheaper per post) when enrichment is busy."""

    max_records: int = 10_000
    max_bytes: int = 8 * 1024 * 1024
    max_seconds: float = 1.0
    min_seconds: float = 0.2

    def __post_init__(self) -> None:
        if self.max_records < 1 or self.max_bytes < 1 or self.max_seconds <= 0 or self.min_seconds <= 0:
            raise ConfigError(
                f"delivery limits must be positive, got {self}. Set [delivery] max_records, "
                "max_bytes, max_seconds and min_seconds in tweetlake.toml to positive numbers."
            )


class IngestCounts(msgspec.Struct, kw_only=True):
    """What happened to the records a source produced (per batch, or summed over batches)."""

    received: int = 0
    """Records read from the source: posts plus records that could not be parsed."""
    accepted: int = 0
    """Posts written to the raw zone in a durable batch."""
    filtered: int = 0
    """Posts that matched no keyword (or matched an exclusion)."""
    quarantined: int = 0
    """Records the source could not parse, written to quarantine."""
    notices: dict[str, int] = msgspec.field(default_factory=dict)
    """Control messages (delete, limit, ...) by kind. Not posts, so not in ``received``."""

    def add(self, other: IngestCounts) -> None:
        self.received += other.received
        self.accepted += other.accepted
        self.filtered += other.filtered
        self.quarantined += other.quarantined
        for kind, n in other.notices.items():
            self.notices[kind] = self.notices.get(kind, 0) + n


class BatchManifest(msgspec.Struct, kw_only=True):
    """The commit marker of one raw batch (``raw/_pending/<batch>.json``)."""

    batch_id: str
    source: str
    created_ts: datetime
    data: str | None
    quarantine: str | None
    records: int
    deletes: str | None = None
    bytes: int
    counts: IngestCounts
    cursor: Any = None


_manifest_decoder = msgspec.json.Decoder(BatchManifest)
_json = msgspec.json.Encoder()


def decode_manifest(data: bytes) -> BatchManifest:
    return _manifest_decoder.decode(data)


def new_batch_id(source_id: str, now: datetime) -> str:
    """Sortable by time, unique across processes and hosts."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in source_id)[:40]
    return f"{now:%Y%m%dT%H%M%S%fZ}-{safe}-{uuid.uuid4().hex[:10]}"


@dataclass
class _Buffer:
    lines: list[bytes] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    deletes: list[dict[str, Any]] = field(default_factory=list)
    counts: IngestCounts = field(default_factory=IngestCounts)
    bytes: int = 0
    opened: float | None = None


class Delivery:
    """Buffers one source's records and flushes them as durable raw batches.

    Args:
        storage: the lake.
        source_id: the source's stable id (cursor and batch names derive from it).
        limits: when to flush.
        clock: monotonic clock, replaceable in tests.
        gzip_level: compression of raw batches (1 is fastest; 6 is about 15 % smaller).
        resumed_cursor: the cursor the source resumed from (no batch is written to repeat it).
    """

    def __init__(
        self,
        storage: Storage,
        source_id: str,
        limits: DeliveryLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        gzip_level: int = 1,
        resumed_cursor: Any = None,
    ) -> None:
        self.storage = storage
        self.source_id = source_id
        self.limits = limits or DeliveryLimits()
        self.clock = clock
        self.gzip_level = gzip_level
        self.totals = IngestCounts()
        self.batches = 0
        self._buf = _Buffer()
        self._last_cursor: Any = resumed_cursor

    # -- adding ------------------------------------------------------------------------------------
    def _touch(self) -> None:
        if self._buf.opened is None:
            self._buf.opened = self.clock()

    def add_post(self, post: Post) -> None:
        """Buffer an accepted post (it counts as accepted once its batch is flushed)."""
        self._touch()
        line = encode_post(post)
        self._buf.lines.append(line)
        self._buf.bytes += len(line) + 1
        self._buf.counts.received += 1

    def add_filtered(self) -> None:
        self._touch()
        self._buf.counts.received += 1
        self._buf.counts.filtered += 1

    def add_rejected(self, rejected: Rejected) -> None:
        self._touch()
        self._buf.rejected.append(rejected)
        self._buf.counts.received += 1
        self._buf.bytes += len(rejected.raw)

    def add_notice(self, notice: Notice) -> None:
        self._touch()
        notices = self._buf.counts.notices
        notices[notice.kind] = notices.get(notice.kind, 0) + 1
        if notice.kind == "delete" and notice.detail.get("id"):
            self._buf.deletes.append(
                {"platform": notice.detail.get("platform"), "id": str(notice.detail["id"]), "origin": notice.origin}
            )

    # -- flushing ----------------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        return len(self._buf.lines)

    @property
    def room(self) -> int:
        """How many more posts fit in the open batch before the record limit (at least 1)."""
        return max(1, self.limits.max_records - len(self._buf.lines))

    def due(self, idle: bool = False) -> bool:
        """True when a limit is reached and :meth:`flush` should be called. ``idle``: the
        consumer has caught up, so ``min_seconds`` is enough."""
        buf = self._buf
        if buf.opened is None:
            return False
        age = self.clock() - buf.opened
        return (
            len(buf.lines) >= self.limits.max_records
            or buf.bytes >= self.limits.max_bytes
            or age >= self.limits.max_seconds
            or (idle and age >= self.limits.min_seconds)
        )

    def seconds_until_due(self) -> float:
        if self._buf.opened is None:
            return self.limits.max_seconds
        return max(0.0, self.limits.max_seconds - (self.clock() - self._buf.opened))

    def flush(self, cursor: Any = None) -> BatchManifest | None:
        """Make everything buffered durable, in the four steps of the module docstring.

        Returns the manifest, or None if there was nothing to record.
        """
        buf = self._buf
        if buf.opened is None and (cursor is None or cursor == self._last_cursor):
            return None
        self._buf = _Buffer()
        now = datetime.now(UTC)
        batch_id = new_batch_id(self.source_id, now)
        part = lake.partition(now)
        data_path = quarantine_path = None
        raw_bytes = 0
        # 1. the posts
        if buf.lines:
            data_path = f"{lake.RAW}/{part}/{batch_id}.jsonl.gz"
            payload = b"\n".join(buf.lines) + b"\n"
            raw_bytes = len(payload)
            self.storage.write_atomic(data_path, gzip.compress(payload, compresslevel=self.gzip_level, mtime=0))
        # 2. the records the source could not parse
        if buf.rejected:
            quarantine_path = f"{lake.QUARANTINE}/{part}/{batch_id}.ingest.jsonl"
            self.storage.write_atomic(quarantine_path, _quarantine_lines(buf.rejected, batch_id))
        # 2b. the delete notices, so users can honour them
        deletes_path = None
        if buf.deletes:
            deletes_path = f"{lake.DELETES}/{part}/{batch_id}.jsonl"
            received = now.isoformat().replace("+00:00", "Z")
            rows = [_json.encode({**d, "batch_id": batch_id, "received_ts": received}) + b"\n" for d in buf.deletes]
            self.storage.write_atomic(deletes_path, b"".join(rows))
        buf.counts.accepted = len(buf.lines)
        buf.counts.quarantined = len(buf.rejected)
        manifest = BatchManifest(
            batch_id=batch_id,
            source=self.source_id,
            created_ts=now,
            data=data_path,
            quarantine=quarantine_path,
            deletes=deletes_path,
            records=len(buf.lines),
            bytes=raw_bytes,
            counts=buf.counts,
            cursor=cursor,
        )
        # 3. the commit point
        self.storage.write_atomic(f"{lake.PENDING}/{batch_id}.json", _json.encode(manifest))
        # 4. the resume position
        if cursor is not None:
            self.storage.write_atomic(_cursor_path(self.source_id), _json.encode({"cursor": cursor, "batch": batch_id}))
        self._last_cursor = cursor
        self.totals.add(buf.counts)
        self.batches += 1
        log.debug("flushed %s: %d posts, %d quarantined", batch_id, len(buf.lines), len(buf.rejected))
        return manifest


def safe_name(source_id: str) -> str:
    """A source id as a file name."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in source_id)


def _cursor_path(source_id: str) -> str:
    return f"{lake.CURSORS}/{safe_name(source_id)}.json"


def load_cursor(storage: Storage, source_id: str) -> Any | None:
    """The last durable cursor of a source, or None."""
    try:
        data = storage.read_bytes(_cursor_path(source_id))
    except FileNotFoundError:
        return None
    return msgspec.json.decode(data).get("cursor")


def _quarantine_lines(rejected: list[Rejected], batch_id: str) -> bytes:
    reasons = Counter(r.reason.split(":")[0] for r in rejected)
    log.info("batch %s: %d records quarantined (%s)", batch_id, len(rejected), dict(reasons))
    return encode_quarantine(
        [
            QuarantineRecord(
                stage="ingest", reason=r.reason, origin=r.origin, line=r.line, batch_id=batch_id, raw=r.raw
            )
            for r in rejected
        ]
    )
