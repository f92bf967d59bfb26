"""The lake's layout: where every zone lives, relative to the lake root.

::

    LAKE/
      raw/dt=YYYY-MM-DD/<batch>.jsonl.gz      delivery: accepted posts, JSON lines (gzip)
      raw/_pending/<batch>.json               delivery: a batch's manifest = its commit marker
      raw/_done/<batch>.json                  enrich: the manifest, moved here once enriched
      quarantine/dt=YYYY-MM-DD/<batch>.<stage>.jsonl
                                              records that could not be used, with the reason
      deletes/dt=YYYY-MM-DD/<batch>.jsonl     delete notices from the platforms (to honour)
      tweets/dt=YYYY-MM-DD/part-<batch>.parquet
      sentiment/dt=YYYY-MM-DD/part-<batch>.parquet
      entities/dt=YYYY-MM-DD/part-<batch>.parquet
      posts_hourly/dt=YYYY-MM-DD/part-<batch>.parquet    rollup: posts per hour and dimension
      facets_hourly/dt=YYYY-MM-DD/part-<batch>.parquet   rollup: hashtags, mentions, domains,
                                              entities per hour and dimension
      _catalog/log/<seq>.json                 the commit log of the tables
      _catalog/checkpoint.json                the log folded up to some sequence number
      _catalog/keys/<...>.u64                 post keys already in the tables (for de-duplication)
      _state/cursors/<source>.json            each source's resume position
      _state/sources/<source>.json            what each source last connected with (X rules, ...)

Folders starting with ``_`` are ignored by Hive, Spark and Athena.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

__all__ = [
    "ALL_TABLES",
    "CATALOG",
    "CURSORS",
    "DELETES",
    "DONE",
    "PENDING",
    "QUARANTINE",
    "RAW",
    "ROLLUPS",
    "SOURCES",
    "TABLES",
    "partition",
]

RAW: Final = "raw"
PENDING: Final = "raw/_pending"
DONE: Final = "raw/_done"
QUARANTINE: Final = "quarantine"
DELETES: Final = "deletes"
CATALOG: Final = "_catalog"
CURSORS: Final = "_state/cursors"
SOURCES: Final = "_state/sources"
TABLES: Final = ("tweets", "sentiment", "entities")
ROLLUPS: Final = ("posts_hourly", "facets_hourly")
ALL_TABLES: Final = (*TABLES, *ROLLUPS)


def partition(ts: datetime) -> str:
    """The Hive partition folder for a UTC timestamp: ``dt=YYYY-MM-DD``."""
    return f"dt={ts:%Y-%m-%d}"
