"""Write table rows as Snappy Parquet files, one file per Hive date partition.

Files are written whole and atomically through the storage seam, in row groups of 131,072 rows
(DuckDB reads large row groups several times faster than pyarrow's default small ones, and
compacted files are sorted by time, so a time filter skips most groups).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tweetlake.storage import Storage
from tweetlake.tables.catalog import FileEntry

__all__ = ["parquet_bytes", "split_by_day", "write_batches", "write_file"]

# Row groups of this size let engines skip whole groups by their min/max statistics (time ranges
# on compacted, time-sorted files) while staying large enough to scan fast.
_ROW_GROUP = 131_072
# Rollup files are sorted by facet and value (tables/rollups.py): small row groups let a query
# for one entity or hashtag skip the rest by their min/max statistics.
_ROW_GROUPS = {"posts_hourly": 16_384, "facets_hourly": 16_384}


_OPTIONS: dict[str, Any] = {"compression": "snappy", "coerce_timestamps": "ms", "allow_truncated_timestamps": True}


def parquet_bytes(table: pa.Table, row_group_size: int = _ROW_GROUP) -> bytes:
    """Serialize a table as Snappy Parquet, in row groups of up to 131,072 rows by default."""
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=row_group_size, **_OPTIONS)
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


def write_file(storage: Storage, path: str, table: pa.Table) -> FileEntry:
    """Write ``table`` to ``path`` (``<table name>/dt=.../<file>``) atomically."""
    data = parquet_bytes(table, _row_group(path))
    storage.write_atomic(path, data)
    return FileEntry(path=path, rows=table.num_rows, bytes=len(data))


def write_batches(storage: Storage, path: str, schema: pa.Schema, batches: Iterable[pa.RecordBatch]) -> FileEntry:
    """Write rows to ``path`` atomically as they arrive, a row group at a time, so a file of
    millions of rows is never whole in memory. Each batch is cast to ``schema``."""
    size = _row_group(path)
    rows = 0
    with storage.open_atomic(path) as handle:
        with pq.ParquetWriter(handle, schema, **_OPTIONS) as writer:
            group: list[pa.RecordBatch] = []
            pending = 0
            for batch in batches:
                group.append(batch)
                pending += batch.num_rows
                if pending >= size:
                    rows += _write_group(writer, schema, group, size)
                    pending = sum(b.num_rows for b in group)
            while group:
                rows += _write_group(writer, schema, group, size)
        written = handle.tell()
    return FileEntry(path=path, rows=rows, bytes=written)


def _write_group(writer: pq.ParquetWriter, schema: pa.Schema, group: list[pa.RecordBatch], size: int) -> int:
    """Write the first ``size`` rows held in ``group`` as one row group; keep the rest in it."""
    table = pa.Table.from_batches(group)
    head, rest = table.slice(0, size), table.slice(size)
    writer.write_table(head.cast(schema), row_group_size=size)
    group[:] = [b for b in rest.to_batches() if b.num_rows]
    return int(head.num_rows)


def _row_group(path: str) -> int:
    return _ROW_GROUPS.get(path.split("/", 1)[0], _ROW_GROUP)
