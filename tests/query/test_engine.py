from __future__ import annotations

from pathlib import Path

import pytest

from tweetlake.analyzers import Analyzers
from tweetlake.delivery.batcher import DeliveryLimits
from tweetlake.enrich.runner import Enricher
from tweetlake.errors import QueryError
from tweetlake.pipeline import ingest
from tweetlake.query.engine import QueryEngine
from tweetlake.sources.synthetic import SyntheticSource
from tweetlake.storage import Storage


@pytest.fixture
def engine(storage: Storage, fake_analyzers: Analyzers) -> QueryEngine:
    ingest(storage, SyntheticSource(seed=1, count=300), limits=DeliveryLimits(max_records=100))
    Enricher(storage, fake_analyzers).run()
    return QueryEngine(storage, max_rows=50)


def test_reference_columns_come_first_in_order(engine: QueryEngine) -> None:
    expected = {
        "tweets": [
            "created_at",
            "text",
            "name",
            "screen_name",
            "description",
            "id",
            "followers",
            "friends",
            "source",
            "lang",
            "location",
            "truncated",
            "filter_level",
            "in_reply_to_screen_name",
            "is_quote_status",
        ],
        "entities": ["id", "entity", "type", "score"],
        "sentiment": [
            "id",
            "text",
            "sentiment",
            "sentiment_pos_score",
            "sentiment_neg_score",
            "sentiment_neu_score",
            "sentiment_mixed_score",
        ],
    }
    types = {
        "followers": "BIGINT",
        "friends": "BIGINT",
        "truncated": "BOOLEAN",
        "is_quote_status": "BOOLEAN",
        "score": "DOUBLE",
    }
    for table, columns in expected.items():
        described = engine.execute(f"DESCRIBE {table}").rows()
        assert [r[0] for r in described[: len(columns)]] == columns
        for name, kind, *_ in described[: len(columns)]:
            assert kind == types.get(name, "DOUBLE" if "score" in name else "VARCHAR"), (table, name, kind)


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE x AS SELECT 1",
        "COPY tweets TO 'out.csv'",
        "INSERT INTO tweets SELECT * FROM tweets",
        "DROP VIEW tweets",
        "ATTACH 'other.duckdb'",
        "SET enable_external_access = true",
        "INSTALL httpfs",
        "SELECT 1; DROP VIEW tweets",
    ],
)
def test_writes_and_settings_are_rejected(engine: QueryEngine, sql: str) -> None:
    with pytest.raises(QueryError):
        engine.execute(sql)
    assert engine.execute("SELECT count(*) FROM tweets").rows() == [(300,)]


def test_files_outside_the_lake_are_refused(engine: QueryEngine, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    with pytest.raises(QueryError, match="may only read the lake"):
        engine.execute(f"SELECT * FROM read_csv('{secret}')")


def test_row_cap_sets_truncated_and_params_are_bound(engine: QueryEngine) -> None:
    result = engine.execute("SELECT id FROM tweets")
    assert result.truncated and result.table.num_rows == 50
    small = engine.execute("SELECT id FROM tweets WHERE lang = ? LIMIT 3", ["en"])
    assert not small.truncated and small.table.num_rows == 3
    injected = engine.execute("SELECT count(*) FROM tweets WHERE lang = ?", ["en' OR '1'='1"])
    assert injected.rows() == [(0,)]


def test_a_bounded_result_read_whole_is_the_streamed_one(engine: QueryEngine) -> None:
    sql = "SELECT id, created_ts, hashtags FROM tweets WHERE lang = ? ORDER BY id"
    streamed, whole = (engine.execute(sql, ["en"], bounded=b) for b in (False, True))
    assert whole.truncated and whole.table.num_rows == 50
    assert whole.table.equals(streamed.table)
    with pytest.raises(QueryError, match="not allowed"):
        engine.execute("DROP VIEW tweets", bounded=True)


def test_time_limit_interrupts(storage: Storage, engine: QueryEngine) -> None:
    slow = QueryEngine(storage, timeout=0.3)
    with pytest.raises(QueryError, match="time limit"):
        slow.execute("SELECT count(*) FROM range(10000000000) a, range(10) b WHERE a.range % 7 = b.range")


def test_views_follow_new_commits(storage: Storage, engine: QueryEngine, fake_analyzers: Analyzers) -> None:
    assert engine.execute("SELECT count(*) FROM tweets").rows() == [(300,)]
    ingest(storage, SyntheticSource(seed=1, count=400))
    Enricher(storage, fake_analyzers).run()
    assert engine.execute("SELECT count(*) FROM tweets").rows() == [(400,)]


def test_empty_lake_has_typed_empty_views(tmp_path: Path) -> None:
    with QueryEngine(Storage(tmp_path / "empty")) as engine:
        for table in ("tweets", "sentiment", "entities", "quarantine"):
            assert engine.execute(f"SELECT count(*) FROM {table}").rows() == [(0,)]


def test_a_lake_on_an_object_store_is_queryable(fake_analyzers: Analyzers, tmp_path: Path) -> None:
    remote = Storage("memory://query-remote-lake")
    archive = tmp_path / "a.jsonl"
    from tests.helpers import reference_line

    archive.write_text(reference_line("1", "love Kyiv") + "\n{broken\n")
    from tweetlake.sources.replay import ReplaySource

    ingest(remote, ReplaySource([str(archive)]))
    ingest(remote, SyntheticSource(seed=4, count=120))
    Enricher(remote, fake_analyzers).run()
    with QueryEngine(remote) as engine:
        assert engine.execute("SELECT count(*), min(dt) IS NOT NULL FROM tweets").rows() == [(121, True)]
        assert engine.execute("SELECT count(*) FROM entities WHERE entity = 'Kyiv'").rows()[0][0] >= 1
        assert engine.execute("SELECT line, stage FROM quarantine").rows() == [(2, "ingest")]
        with pytest.raises(QueryError):
            engine.execute(f"SELECT * FROM read_csv('{archive}')")


def test_files_from_before_a_column_was_added_still_read(storage: Storage, engine: QueryEngine) -> None:
    from datetime import UTC, datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    from tweetlake.tables.catalog import LOCK, Catalog, Commit
    from tweetlake.tables.writer import write_file

    def view_sql() -> str:
        sql = "SELECT sql FROM duckdb_views() WHERE view_name = 'tweets'"
        return str(engine.connection().execute(sql).fetchall()[0][0])

    # Every file has today's columns: the view need not match columns by name across files.
    assert "union_by_name" not in view_sql()
    # A file from before `tweets` had a sentiment column, holding five more posts.
    catalog = Catalog(storage)
    with storage.lock(LOCK, "test"):
        state = catalog.read()
        newest = state.table_files("tweets")[-1].path
        old = pq.read_table(storage.open(newest)).slice(0, 5).drop_columns(["sentiment"])
        old = old.set_column(old.schema.get_field_index("id"), "id", pa.array([f"old-{i}" for i in range(5)]))
        entry = write_file(storage, f"{newest.rsplit('/', 1)[0]}/part-older.parquet", old)
        catalog.commit(state, Commit(seq=0, kind="test", ts=datetime.now(UTC), add={"tweets": [entry]}))
    assert "union_by_name" in view_sql()
    sql = "SELECT count(*), count(*) FILTER (WHERE id LIKE 'old-%' AND sentiment IS NULL) FROM tweets"
    assert engine.execute(sql).rows() == [(305, 5)]


def test_a_column_no_file_has_yet_reads_as_null(storage: Storage, engine: QueryEngine) -> None:
    import pyarrow.parquet as pq

    from tweetlake.tables.schema import TWEETS
    from tweetlake.tables.writer import parquet_bytes

    # Every tweets file as a lake written before `domains` was a column would hold it.
    for path in storage.walk_files("tweets", ".parquet"):
        storage.write_atomic(path, parquet_bytes(pq.read_table(storage.open(path)).drop_columns(["domains"])))
    assert [row[0] for row in engine.execute("DESCRIBE tweets").rows()] == [*TWEETS.names, "dt"]
    sql = "SELECT count(*), count(domains), count(text) FROM tweets"
    assert engine.execute(sql).rows() == [(300, 0, 300)]
    assert engine.execute("SELECT count(*) FROM tweets WHERE list_contains(domains, 'bbc.co.uk')").rows() == [(0,)]
