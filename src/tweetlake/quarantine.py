"""Quarantine: records a stage could not use, kept with the reason, the origin and the line.

Every stage writes the same row shape as JSON lines under ``quarantine/dt=…/``, so one query
(the ``quarantine`` view) shows all of them::

    {"stage": "enrich", "reason": "invalid post: Expected `str`, got `int` - at `$.text`",
     "origin": "raw/dt=2026-11-28/….jsonl.gz", "line": 17, "batch_id": "…", "raw": "{…}",
     "quarantined_ts": "2026-11-28T10:00:00Z"}
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

__all__ = ["QuarantineRecord", "encode_quarantine"]

_MAX_RAW = 10_000


class QuarantineRecord(msgspec.Struct, kw_only=True):
    stage: str
    """``ingest`` (the source could not parse it) or ``enrich`` (invalid post, analyzer failure)."""
    reason: str
    origin: str
    """The file (or stream) the record came from."""
    line: int | None
    """1-based line in ``origin``, when known."""
    batch_id: str
    raw: str
    quarantined_ts: datetime = msgspec.field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if len(self.raw) > _MAX_RAW:
            self.raw = self.raw[:_MAX_RAW] + "…[truncated]"


_encoder = msgspec.json.Encoder()


def encode_quarantine(records: list[QuarantineRecord]) -> bytes:
    """JSON lines, one record per line."""
    return b"".join(_encoder.encode(r) + b"\n" for r in records)
