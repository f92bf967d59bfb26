"""Compaction: merge small table files into large ones, atomically, without changing any row.

Streaming writes one small file per batch and partition, and small files are what makes a lake
slow to query (150-240x slower for 5,000 files than for 20, measured on this kind of machine).
Compaction merges, per table and partition, runs of files below ``target_rows`` into files of up to
``target_rows`` rows, sorted by ``created_ts``. Steps:

1. read the small files of a partition, sorted by time (DuckDB sorts within
   :data:`MERGE_MEMORY` and spills the rest to disk), and write the merged file
   (``compact-<seq>-<id>.parquet``) a row group at a time as the sorted rows arrive; rollup
   files are re-aggregated instead (rows of the same hour and dimensions are summed, so the
   file shrinks while every sum stays the same);
2. check the row count is unchanged (or delete the merged file and stop);
3. commit one catalog entry that adds the merged files and removes the small ones (the commit
   point: readers switch from the old files to the new ones all at once);
4. delete the small files. A reader that listed them just before step 3 retries once.

Files that already reached ``target_rows`` are left alone, so a long-running lake does not rewrite
old data again and again.
"""

from __future__ import annotations

import logging
import math
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from tweetlake import lake
from tweetlake.errors import LakeError
from tweetlake.progress import Reporter, SilentReporter
from tweetlake.runtime import release_memory
from tweetlake.storage import Storage
from tweetlake.tables.catalog import Catalog, CatalogState, Commit, FileEntry
from tweetlake.tables.rollups import aggregate
from tweetlake.tables.schema import ROLLUP_SCHEMAS, SCHEMAS
from tweetlake.tables.writer import write_batches, write_file

__all__ = ["CompactionPolicy", "CompactionResult", "compact_tables"]

log = logging.getLogger(__name__)

#: DuckDB's memory for sorting one merge: a larger merge spills to a temporary folder. Should
#: a merge still run out (rows far wider than posts usually are), it is redone with the next.
MERGE_MEMORY = ("256MB", "1GB", "4GB")
#: Rows DuckDB hands over at a time (the writer gathers them into row groups).
_BATCH_ROWS = 16_384


@dataclass(frozen=True, slots=True)
class CompactionPolicy:
    """``target_rows``: merged file size. ``min_files``: while following, merge ``min_files``
    files of about the same size (the same power of ``min_files`` rows) in a partition, so each
    row is rewritten a few times on its way to a full-size file, not once per merge
    (``tweetlake compact`` merges every small file of a partition)."""

    target_rows: int = 1_000_000
    min_files: int = 32

    def due(self, state: CatalogState) -> bool:
        groups = _small_groups(state, self.target_rows, self.min_files)
        return any(len(group) >= self.min_files for group in groups.values())


@dataclass
class CompactionResult:
    files_before: int = 0
    files_after: int = 0
    rows: int = 0
    partitions: int = 0


def _small_groups(
    state: CatalogState, target_rows: int, tier: int | None = None
) -> dict[tuple[str, str, int], list[FileEntry]]:
    """Files under ``target_rows`` by table, partition and (with ``tier``) size tier: files of
    ``tier**k`` to ``tier**(k+1)`` rows share tier ``k``."""
    groups: dict[tuple[str, str, int], list[FileEntry]] = {}
    for table in lake.ALL_TABLES:
        for entry in state.table_files(table):
            if entry.rows < target_rows:
                part = entry.path.split("/")[1]
                level = int(math.log(max(entry.rows, 1), tier)) if tier else 0
                groups.setdefault((table, part, level), []).append(entry)
    return groups


def compact_tables(
    storage: Storage,
    catalog: Catalog,
    state: CatalogState,
    policy: CompactionPolicy,
    *,
    min_files: int | None = None,
    reporter: Reporter | None = None,
) -> CompactionResult:
    """Merge small files; the caller holds the writer lock."""
    reporter = reporter or SilentReporter()
    threshold = policy.min_files if min_files is None else min_files
    tier = policy.min_files if min_files is None else None
    groups = _small_groups(state, policy.target_rows, tier)
    groups = {k: v for k, v in groups.items() if len(v) >= max(2, threshold)}
    result = CompactionResult()
    reporter.total("compact", len(groups))
    for (table, part, _), entries in sorted(groups.items()):
        for chunk in _pack(entries, policy.target_rows):
            if len(chunk) >= 2:
                _merge(storage, catalog, state, table, part, chunk)
                result.files_before += len(chunk)
                result.files_after += 1
                result.rows += sum(e.rows for e in chunk)
        result.partitions += 1
        reporter.advance("compact", 1)
    if result.files_before:
        release_memory()  # the merged tables were freed; give their pages back
    return result


def _pack(entries: list[FileEntry], target_rows: int) -> list[list[FileEntry]]:
    """Group files, in name (time) order, into runs of at most ``target_rows`` rows."""
    chunks: list[list[FileEntry]] = [[]]
    rows = 0
    for entry in entries:
        if chunks[-1] and rows + entry.rows > target_rows:
            chunks.append([])
            rows = 0
        chunks[-1].append(entry)
        rows += entry.rows
    return chunks


def _merge(
    storage: Storage, catalog: Catalog, state: CatalogState, table: str, part: str, entries: list[FileEntry]
) -> None:
    expected = sum(e.rows for e in entries)
    path = f"{table}/{part}/compact-{state.seq + 1:012d}-{uuid.uuid4().hex[:8]}.parquet"
    catalog.write_inflight(path, [path], [e.path for e in entries])
    if table in ROLLUP_SCHEMAS:
        # Rollup rows of the same hour and dimensions add up: the merge shrinks them.
        merged = pa.concat_tables([pq.read_table(storage.open(e.path), schema=SCHEMAS[table]) for e in entries])
        _check_rows(table, part, merged.num_rows, expected)  # 2., before anything is written
        added = write_file(storage, path, aggregate(table, merged))
    else:
        # Table rows are sorted by time, by DuckDB under a memory limit, and written a row
        # group at a time as they come: memory stays bounded however large the merge.
        added = _sorted_merge(storage, table, entries, path)
        if added.rows != expected:  # 2., once the rows have streamed through
            storage.delete(path)
        _check_rows(table, part, added.rows, expected)
    commit = Commit(
        seq=0, kind="compact", ts=datetime.now(UTC), add={table: [added]}, remove={table: [e.path for e in entries]}
    )
    catalog.commit(state, commit)  # 3.
    for entry in entries:  # 4.
        storage.delete(entry.path)
    log.info("compacted %s/%s: %d files -> 1 (%d rows)", table, part, len(entries), expected)


def _check_rows(table: str, part: str, rows: int, expected: int) -> None:
    if rows != expected:
        raise LakeError(
            f"compaction of {table}/{part} read {rows} rows, the catalog says {expected}; "
            "nothing was changed. A table file may have been edited outside tweetlake."
        )


def _sorted_merge(storage: Storage, table: str, entries: list[FileEntry], path: str) -> FileEntry:
    import duckdb  # here, not at the top: the analyzer workers import this module and never merge

    for attempt, memory in enumerate(MERGE_MEMORY, start=1):
        try:
            return write_batches(storage, path, SCHEMAS[table], _sorted(storage, table, entries, memory))
        except duckdb.OutOfMemoryException as exc:  # nothing was written: the file is discarded
            if attempt == len(MERGE_MEMORY):
                raise LakeError(
                    f"compaction of {path.rsplit('/', 1)[0]} ran out of memory even at {memory}: "
                    f"{str(exc).splitlines()[0]}. Nothing was changed; free memory and run "
                    "`tweetlake compact` again."
                ) from None
            log.warning("compaction of %s needs more than %s; sorting again with more", path, memory)
    raise AssertionError("unreachable")


def _sorted(storage: Storage, table: str, entries: list[FileEntry], memory: str) -> Iterator[pa.RecordBatch]:
    """The rows of ``entries`` in time order, in batches of :data:`_BATCH_ROWS`.

    DuckDB sorts in at most ``memory`` and spills the rest to a temporary folder."""
    import duckdb

    schema = SCHEMAS[table]
    with tempfile.TemporaryDirectory(prefix="tweetlake-compact-") as spill:
        config: dict[str, str | bool | int | float | list[str]] = {
            "threads": 2,
            "memory_limit": memory,
            "temp_directory": spill,
        }
        con = duckdb.connect(":memory:", config=config)
        try:
            con.execute("SET enable_progress_bar = false")
            files, params = [storage.full(e.path) for e in entries], None
            if storage.is_local:
                source = "read_parquet($files, hive_partitioning = false, union_by_name = true)"
                params = {"files": files}
            else:  # DuckDB reads an object store through pyarrow (its httpfs extension is offline)
                fs = pafs.PyFileSystem(pafs.FSSpecHandler(storage.fs))
                con.register("merge_source", ds.dataset(files, schema=schema, filesystem=fs, format="parquet"))
                source = "merge_source"
            # A column that none of the files has yet (written before it was added) is NULL, as
            # the query views read it. (Not by a union with an empty table of the schema, as the
            # views do: that made every merge ~20 % slower.)
            present = set(con.sql(f"SELECT * FROM {source}", params=params).columns)
            columns = ", ".join(f'"{n}"' if n in present else f'NULL AS "{n}"' for n in schema.names)
            sql = f"SELECT {columns} FROM {source} ORDER BY created_ts, platform, id"
            yield from con.sql(sql, params=params).to_arrow_reader(_BATCH_ROWS)
        finally:
            con.close()
