"""What is in a lake, stage by stage, with counts that add up.

Two identities always hold (``LakeStatus.check`` verifies them):

* ``received = accepted + filtered + quarantined at ingest``
  (every record a source produced was accepted, filtered out by keywords, or quarantined);
* ``accepted = enriched + duplicates + quarantined at enrich + pending``
  (every accepted post is in the tables, was a duplicate, was quarantined, or waits for enrich).

Control notices (delete, limit, ...) are counted separately: they are not posts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import msgspec

from tweetlake import lake
from tweetlake.delivery.batcher import IngestCounts, decode_manifest
from tweetlake.storage import Storage
from tweetlake.tables.catalog import Catalog

__all__ = ["LakeStatus", "lake_status"]


@dataclass
class LakeStatus:
    lake: str
    received: int = 0
    accepted: int = 0
    filtered: int = 0
    quarantined_ingest: int = 0
    duplicates: int = 0
    quarantined_enrich: int = 0
    enriched: int = 0
    pending_posts: int = 0
    pending_batches: int = 0
    enriched_batches: int = 0
    sentiment_unsupported: int = 0
    entity_rows: int = 0
    notices: dict[str, int] = field(default_factory=dict)
    unsupported_languages: dict[str, int] = field(default_factory=dict)
    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    cursors: dict[str, object] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    catalog_seq: int = 0

    @property
    def quarantined(self) -> int:
        return self.quarantined_ingest + self.quarantined_enrich

    def check(self) -> list[str]:
        """The identities that do not hold (empty when the counts add up)."""
        problems = []
        if self.received != self.accepted + self.filtered + self.quarantined_ingest:
            problems.append(
                f"received {self.received} != accepted {self.accepted} + filtered {self.filtered} "
                f"+ quarantined at ingest {self.quarantined_ingest}"
            )
        total = self.enriched + self.duplicates + self.quarantined_enrich + self.pending_posts
        if self.accepted != total:
            problems.append(
                f"accepted {self.accepted} != enriched {self.enriched} + duplicates {self.duplicates} "
                f"+ quarantined at enrich {self.quarantined_enrich} + pending {self.pending_posts}"
            )
        return problems

    def as_dict(self) -> dict[str, object]:
        out = {k: v for k, v in self.__dict__.items()}
        out["quarantined"] = self.quarantined
        out["counts_add_up"] = not self.check()
        return out


def lake_status(storage: Storage) -> LakeStatus:
    """Read the catalog and the pending manifests; cheap enough to call every second."""
    status = _read_status(storage)
    for _ in range(5):
        # A batch enriched between reading the catalog and listing raw/_pending was missed by
        # both; a catalog that moved on in the meantime means: read again.
        if Catalog(storage).read().seq == status.catalog_seq:
            break
        status = _read_status(storage)
    return status


def _read_status(storage: Storage) -> LakeStatus:
    state = Catalog(storage).read()
    c = state.counts
    status = LakeStatus(
        lake=storage.url,
        received=c.get("received", 0),
        accepted=c.get("accepted", 0),
        filtered=c.get("filtered", 0),
        quarantined_ingest=c.get("quarantined_ingest", 0),
        duplicates=c.get("duplicates", 0),
        quarantined_enrich=c.get("quarantined_enrich", 0),
        enriched=c.get("enriched", 0),
        enriched_batches=c.get("batches", 0),
        sentiment_unsupported=c.get("sentiment_unsupported", 0),
        entity_rows=c.get("entity_rows", 0),
        notices=dict(state.notices),
        catalog_seq=state.seq,
    )
    prefix = "sentiment_unsupported_lang:"
    status.unsupported_languages = {k[len(prefix) :]: v for k, v in c.items() if k.startswith(prefix)}
    pending = IngestCounts()
    notices: Counter[str] = Counter(state.notices)
    for name in storage.listdir(lake.PENDING, ".json"):
        try:
            manifest = decode_manifest(storage.read_bytes(f"{lake.PENDING}/{name}"))
        except FileNotFoundError:  # enriched between list and read
            continue
        pending.add(manifest.counts)
        notices.update(manifest.counts.notices)
        status.pending_batches += 1
    status.received += pending.received
    status.accepted += pending.accepted
    status.filtered += pending.filtered
    status.quarantined_ingest += pending.quarantined
    status.pending_posts = pending.accepted
    status.notices = dict(notices)
    for table in lake.ALL_TABLES:  # the three tables, then the rollups
        files = state.table_files(table)
        status.tables[table] = {
            "rows": sum(f.rows for f in files),
            "files": len(files),
            "bytes": sum(f.bytes for f in files),
        }
    for name in storage.listdir(lake.CURSORS, ".json"):
        status.cursors[name[: -len(".json")]] = msgspec.json.decode(storage.read_bytes(f"{lake.CURSORS}/{name}"))
    for name in storage.listdir(lake.SOURCES, ".json"):
        status.sources[name[: -len(".json")]] = msgspec.json.decode(storage.read_bytes(f"{lake.SOURCES}/{name}"))
    return status
