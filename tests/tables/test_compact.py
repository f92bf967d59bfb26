from __future__ import annotations

import uuid

import pytest

from tweetlake.analyzers import Analyzers
from tweetlake.delivery.batcher import DeliveryLimits
from tweetlake.enrich.runner import Enricher
from tweetlake.errors import LakeError
from tweetlake.pipeline import ingest
from tweetlake.query.engine import QueryEngine
from tweetlake.sources.synthetic import SyntheticSource
from tweetlake.storage import Storage
from tweetlake.tables import compact
from tweetlake.tables.catalog import LOCK, Catalog
from tweetlake.tables.compact import CompactionPolicy, compact_tables

_SNAPSHOT = {
    "tweets": "SELECT * EXCLUDE (dt) FROM tweets ORDER BY id",
    "sentiment": "SELECT * EXCLUDE (dt) FROM sentiment ORDER BY id",
    "entities": "SELECT * EXCLUDE (dt) FROM entities ORDER BY id, entity, type",
}


def _snapshot(storage: Storage) -> dict[str, list[tuple[object, ...]]]:
    with QueryEngine(storage) as engine:
        return {t: engine.execute(sql, max_rows=10**7).rows() for t, sql in _SNAPSHOT.items()}


def _two_streams(storage: Storage, fake_analyzers: Analyzers) -> None:
    for seed in (7, 9):  # two streams over the same hours: files that overlap in time
        ingest(storage, SyntheticSource(seed=seed, count=500), limits=DeliveryLimits(max_records=100))
    Enricher(storage, fake_analyzers).run()


@pytest.mark.parametrize("where", ["local", "object store"])
def test_compaction_merges_files_without_changing_rows(where: str, storage: Storage, fake_analyzers: Analyzers) -> None:
    if where == "object store":
        storage = Storage(f"memory://compact-{uuid.uuid4().hex}")
    _two_streams(storage, fake_analyzers)
    before = _snapshot(storage)
    catalog = Catalog(storage)
    state = catalog.read()
    assert len(state.table_files("tweets")) == 10
    with storage.lock(LOCK, "test"):
        result = compact_tables(storage, catalog, state, CompactionPolicy(), min_files=2)
    assert result.files_before > result.files_after
    after_state = catalog.read()
    assert len(after_state.table_files("tweets")) == 1
    assert _snapshot(storage) == before
    # the merged file's rows are in time order (engines skip row groups by their time range)
    import pyarrow.parquet as pq

    (merged,) = after_state.table_files("tweets")
    times = pq.read_table(storage.open(merged.path), columns=["created_ts"])["created_ts"].to_pylist()
    assert times == sorted(times) and len(times) == 1000
    # the old files are gone from disk, so engines that glob the folder see each row once
    on_disk = storage.walk_files("tweets", ".parquet")
    assert on_disk == [e.path for e in after_state.table_files("tweets")]


def test_a_merge_out_of_memory_is_redone_with_more_or_changes_nothing(
    storage: Storage, fake_analyzers: Analyzers, monkeypatch: pytest.MonkeyPatch
) -> None:
    _two_streams(storage, fake_analyzers)
    before = _snapshot(storage)
    catalog = Catalog(storage)
    files = sorted(storage.walk_files("", ".parquet"))
    monkeypatch.setattr(compact, "MERGE_MEMORY", ("256KB",))  # too little to sort anything
    with storage.lock(LOCK, "test"), pytest.raises(LakeError, match="ran out of memory even at 256KB"):
        compact_tables(storage, catalog, catalog.read(), CompactionPolicy(), min_files=2)
    assert sorted(storage.walk_files("", ".parquet")) == files and _snapshot(storage) == before
    monkeypatch.setattr(compact, "MERGE_MEMORY", ("256KB", "256MB"))
    with storage.lock(LOCK, "test"):
        compact_tables(storage, catalog, catalog.read(), CompactionPolicy(), min_files=2)
    assert len(catalog.read().table_files("tweets")) == 1 and _snapshot(storage) == before


def test_enrich_follow_compacts_when_files_pile_up(storage: Storage, fake_analyzers: Analyzers) -> None:
    ingest(storage, SyntheticSource(seed=8, count=400), limits=DeliveryLimits(max_records=50))
    import threading

    stop = threading.Event()
    stop.set()  # drain what is pending, then stop
    Enricher(storage, fake_analyzers, compaction=CompactionPolicy(min_files=4)).run(follow=True, stop=stop)
    state = Catalog(storage).read()
    assert len(state.table_files("tweets")) == 1 and state.rows("tweets") == 400


def test_follow_mode_merges_files_of_the_same_size_tier(storage: Storage, fake_analyzers: Analyzers) -> None:
    """A merged file is not rewritten with every new batch: new small files merge among
    themselves until there are enough files of the merged file's size."""
    policy = CompactionPolicy(min_files=4)
    catalog = Catalog(storage)
    for seed in (11, 12):
        ingest(storage, SyntheticSource(seed=seed, count=40), limits=DeliveryLimits(max_records=10))
        Enricher(storage, fake_analyzers).run()
        with storage.lock(LOCK, "test"):
            state = catalog.read()
            assert policy.due(state)
            compact_tables(storage, catalog, state, policy)
    sizes = sorted(e.rows for e in catalog.read().table_files("tweets"))
    assert sizes == [40, 40], "the second merge left the first merged file alone"


@pytest.mark.parametrize("where", ["local", "object store"])
def test_files_from_before_a_column_was_added_merge_with_it_empty(
    where: str, storage: Storage, fake_analyzers: Analyzers
) -> None:
    import pyarrow.parquet as pq

    from tweetlake.tables.writer import parquet_bytes

    if where == "object store":
        storage = Storage(f"memory://compact-{uuid.uuid4().hex}")
    _two_streams(storage, fake_analyzers)
    # Every tweets file as a lake written before `domains` was a column would hold it.
    for path in storage.walk_files("tweets", ".parquet"):
        storage.write_atomic(path, parquet_bytes(pq.read_table(storage.open(path)).drop_columns(["domains"])))
    before = _snapshot(storage)
    catalog = Catalog(storage)
    with storage.lock(LOCK, "test"):
        compact_tables(storage, catalog, catalog.read(), CompactionPolicy(), min_files=2)
    (merged,) = catalog.read().table_files("tweets")
    assert pq.read_table(storage.open(merged.path))["domains"].null_count == merged.rows == 1000
    assert _snapshot(storage) == before


@pytest.mark.parametrize("table", ["tweets", "posts_hourly"])
def test_a_file_edited_outside_tweetlake_stops_its_merge_and_changes_nothing(
    table: str, storage: Storage, fake_analyzers: Analyzers
) -> None:
    import pyarrow.parquet as pq

    from tweetlake.tables.writer import parquet_bytes

    _two_streams(storage, fake_analyzers)
    catalog = Catalog(storage)
    first = catalog.read().table_files(table)[0]
    rows = pq.read_table(storage.open(first.path))
    storage.write_atomic(first.path, parquet_bytes(rows.slice(1)))  # one row fewer than the catalog says
    files = storage.walk_files(table, ".parquet")
    with storage.lock(LOCK, "test"), pytest.raises(LakeError, match=r"read \d+ rows, the catalog says \d+"):
        compact_tables(storage, catalog, catalog.read(), CompactionPolicy(), min_files=2)
    assert storage.walk_files(table, ".parquet") == files  # no merged file, no file removed
    assert [e.path for e in catalog.read().table_files(table)] == files
