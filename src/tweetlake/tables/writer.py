"""Write table rows as Snappy Parquet files, one file per Hive date partition.

Files are written whole and atomically through the storage seam, in row groups of 131,072 rows
(DuckDB reads large row groups several times faster than pyarrow's default small ones, and
compacted files are sorted by time, so a time filter skips most groups).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tweetlake.storage import Storage
from tweetlake.tables.catalog import FileEntry

__all__ = ["parquet_bytes", "split_by_day", "write_file"]

# Row groups of this size let engines skip whole groups by their min/max statistics (time ranges
# on compacted, time-sorted files) while staying large enough to scan fast.
_ROW_GROUP = 131_072
# Rollup files are sorted by facet and value (tables/rollups.py): small row groups let a query
# for one entity or hashtag skip the rest by their min/max statistics.
_ROW_GROUPS = {"posts_hourly": 16_384, "facets_hourly": 16_384}


def parquet_bytes(table: pa.Table, row_group_size: int = _ROW_GROUP, order: pa.Array | None = None) -> bytes:
    """Serialize a table as Snappy Parquet, in row groups of up to 131,072 rows by default.

    ``order``: row indices to write the rows in (a sort), taken one row group at a time, so
    no sorted copy of a large table is ever whole in memory."""
    sink = io.BytesIO()
    options: dict[str, Any] = {"compression": "snappy", "coerce_timestamps": "ms", "allow_truncated_timestamps": True}
    if order is None:
        pq.write_table(table, sink, row_group_size=row_group_size, **options)
        return sink.getvalue()
    with pq.ParquetWriter(sink, table.schema, **options) as writer:
        for start in range(0, len(order), row_group_size):
            writer.write_table(table.take(order[start : start + row_group_size]), row_group_size=row_group_size)
    return sink.getvalue()


def split_by_day(table: pa.Table, column: str) -> Iterator[tuple[str, pa.Table]]:
    """Yield ``(partition folder, rows)`` for each UTC day present in ``column`` (the table's
    ``schema.PARTITION_COLUMNS`` entry)."""
    if table.num_rows == 0:
        return
    # Timestamps are UTC (schema.TIMESTAMP), so the cast to a date gives the UTC day.
    days = pc.cast(table[column], pa.date32())
    bounds = pc.min_max(days)
    first, last = bounds["min"].as_py(), bounds["max"].as_py()
    if first == last:  # most batches hold a single day
        yield f"dt={first:%Y-%m-%d}", table
        return
    for day in sorted(pc.unique(days).to_pylist()):
        yield f"dt={day:%Y-%m-%d}", table.filter(pc.equal(days, pa.scalar(day, pa.date32())))


def write_file(storage: Storage, path: str, table: pa.Table, order: pa.Array | None = None) -> FileEntry:
    """Write ``table`` to ``path`` (``<table name>/dt=.../<file>``) atomically, its rows in
    ``order`` if given (see :func:`parquet_bytes`)."""
    data = parquet_bytes(table, _ROW_GROUPS.get(path.split("/", 1)[0], _ROW_GROUP), order)
    storage.write_atomic(path, data)
    return FileEntry(path=path, rows=table.num_rows, bytes=len(data))
