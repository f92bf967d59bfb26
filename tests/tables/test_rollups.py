"""Rollups: the dashboard answers the same from them as from the tables, before and after
compaction, and a lake without them gets them rebuilt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.dashboard.conftest import ANALYZERS
from tweetlake.dashboard.queries import Dashboard, Filters
from tweetlake.enrich.runner import Enricher
from tweetlake.pipeline import ingest
from tweetlake.query.engine import QueryEngine
from tweetlake.sources.keywords import KeywordFilter
from tweetlake.sources.synthetic import SyntheticSource
from tweetlake.storage import Storage
from tweetlake.tables import rollups
from tweetlake.tables.catalog import LOCK, Catalog, Commit
from tweetlake.tables.compact import CompactionPolicy, compact_tables

SHAPES: list[dict[str, str]] = [
    {},
    {"range": "6h"},
    {"range": "1h"},
    {"keyword": "ukraine"},
    {"sentiment": "NEGATIVE"},
    {"sentiment": "NONE", "lang": "en"},
    {"entity": "Kyiv", "entity_type": "LOCATION"},
    {"entity": "Kyiv"},
    {"hashtag": "ukraine", "lang": "en"},
    {"domain": "bbc.co.uk"},
    {"hashtag": "ukraine", "entity": "Kyiv"},
    {"author": "x"},
]


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rollups") / "lake"
    storage = Storage(root)
    # Eight hours of posts, so windows have whole hours (from the rollups) and partial ones,
    # four of them on each side of a UTC midnight (so of two `dt=` day folders).
    midnight = (datetime.now(UTC) - timedelta(hours=5)).replace(hour=0, minute=0, second=0, microsecond=0)
    start = midnight - timedelta(hours=4)
    keywords = KeywordFilter("ukraine, russia, climate, ai, football")
    for seed in (3, 4):  # two runs: several batches, several files per partition
        source = SyntheticSource(seed=seed, count=2000, start=start + timedelta(seconds=seed), spacing=14.0)
        ingest(storage, source, keywords=keywords)
        Enricher(storage, ANALYZERS).run()
    return root


def answers(dashboard: Dashboard, params: dict[str, str]) -> dict[str, Any]:
    f = Filters.parse(params)
    summary = dashboard.summary(f)
    summary.pop("freshness_seconds")
    summary["authors"] = round(summary["authors"], -2)  # an estimate: compare to the hundred
    return {
        "summary": summary,
        "volume": dashboard.volume(f),
        "keywords": dashboard.keywords(f),
        "lang": dashboard.breakdown("lang", f),
        "platform": dashboard.breakdown("platform", f),
        **{kind: dashboard.top(kind, f, limit=5) for kind in ("entities", "hashtags", "domains", "authors")},
        "posts": [(p["id"], p["sentiment_reason"], len(p["entities"])) for p in dashboard.posts(f, 2, 10)["rows"]],
    }


def both_ways(root: Path, params: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, bool]:
    with QueryEngine(Storage(root)) as engine:
        dashboard = Dashboard(engine)
        fast = answers(dashboard, params)
        used = dashboard.split(Filters.parse(params), dashboard.window(Filters.parse(params))) is not None
        with monkeypatch.context() as m:
            m.setattr(Dashboard, "_rollups", lambda self: False)
            slow = answers(Dashboard(engine), params)
    return fast, slow, used


def custom_windows(root: Path) -> list[dict[str, str]]:
    with QueryEngine(Storage(root)) as engine:
        oldest, newest = Dashboard(engine).bounds()
    assert oldest and newest
    # windows that start and end inside hours, and one that ends on an hour boundary
    middle = oldest + (newest - oldest) / 2
    on_hour = middle.replace(minute=0, second=0, microsecond=0)
    return [
        {"range": "custom", "start": (oldest + timedelta(minutes=37)).isoformat(), "end": middle.isoformat()},
        {"range": "custom", "start": oldest.isoformat(), "end": on_hour.isoformat(), "keyword": "russia"},
    ]


def test_rollups_give_the_tables_answers(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = Catalog(Storage(lake)).read()
    assert rollups.covered(state) and state.rows("posts_hourly") > 0 and state.rows("facets_hourly") > 0
    used = 0
    for params in SHAPES + custom_windows(lake):
        fast, slow, via_rollups = both_ways(lake, params, monkeypatch)
        # Distinct authors are estimated both ways (hash sample / HyperLogLog): close, not equal.
        estimate, reference = fast["summary"].pop("authors"), slow["summary"].pop("authors")
        assert abs(estimate - reference) <= 0.2 * reference + 2, (params, estimate, reference)
        assert fast == slow, params
        used += via_rollups
    assert used >= 8, "most filter shapes should be answered from the rollups"


def test_compaction_and_rebuild_keep_the_answers(lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    root = tmp_path / "lake"
    shutil.copytree(lake, root)
    storage = Storage(root)
    catalog = Catalog(storage)
    with QueryEngine(storage) as engine:
        before = {str(p): answers(Dashboard(engine), p) for p in SHAPES[:9]}
    with storage.lock(LOCK, "test"):
        state = catalog.read()
        files = len(state.table_files("posts_hourly"))
        result = compact_tables(storage, catalog, state, CompactionPolicy(), min_files=2)
        assert result.files_after > 0 and len(state.table_files("posts_hourly")) < files
        # A lake from before rollups: drop them, and `compact` rebuilds them.
        removes = {name: [e.path for e in state.table_files(name)] for name in rollups.ROLLUP_SCHEMAS}
        catalog.commit(
            state,
            Commit(
                seq=0,
                kind="test",
                ts=datetime.now(UTC),
                remove=removes,
                counts={rollups.COVERAGE: -state.rows("tweets")},
            ),
        )
        assert not rollups.covered(state)
        with QueryEngine(storage) as engine:
            assert answers(Dashboard(engine), SHAPES[3]) == before[str(SHAPES[3])]  # the tables alone
        assert rollups.rebuild_rollups(storage, catalog, state) == state.rows("tweets")
        assert rollups.covered(state)
    with QueryEngine(storage) as engine:
        for params in SHAPES[:9]:
            assert answers(Dashboard(engine), params) == before[str(params)], params


def test_windows_across_midnight_see_both_days(lake: Path) -> None:
    """Queries bound the day folders (``dt``) as well as the time, so the engine skips whole
    files: a window across a UTC midnight must still see every post on both sides."""
    with QueryEngine(Storage(lake)) as engine:
        dashboard = Dashboard(engine)
        oldest, newest = dashboard.bounds()
        assert oldest and newest
        midnight = newest.replace(hour=0, minute=0, second=0, microsecond=0)
        assert oldest < midnight - timedelta(hours=2) and midnight + timedelta(hours=2) < newest

        def count(where: str, start: datetime, end: datetime) -> int:
            sql = f"SELECT count(*) FROM tweets WHERE created_ts BETWEEN ? AND ? AND {where}"
            return int(engine.execute(sql, [start, end]).rows()[0][0])

        kyiv = "(platform, id) IN (SELECT platform, id FROM entities WHERE entity = 'Kyiv' AND type = 'LOCATION')"
        shapes = [({}, "TRUE"), ({"keyword": "ukraine"}, "list_contains(matched_keywords, 'ukraine')"),
                  ({"entity": "Kyiv", "entity_type": "LOCATION"}, kyiv)]  # fmt: skip
        # Inside hours (edges from the table, whole hours from the rollups) and on the hour.
        for start, end in [
            (midnight - timedelta(minutes=97), midnight + timedelta(minutes=83, seconds=5)),
            (midnight - timedelta(hours=2), midnight + timedelta(hours=1)),
        ]:
            window = {"range": "custom", "start": start.isoformat(), "end": end.isoformat()}
            for params, where in shapes:
                assert dashboard.summary(Filters.parse({**window, **params}))["posts"] == count(where, start, end)
        # A page of posts from both days, with each post's entities and sentiment reason.
        window = {"range": "custom", "start": (midnight - timedelta(minutes=30)).isoformat()}
        window["end"] = (midnight + timedelta(minutes=10)).isoformat()
        rows = dashboard.posts(Filters.parse(window), 1, 200)["rows"]
        newest_first = [datetime.fromisoformat(r["created_ts"].replace("Z", "+00:00")) for r in rows]
        assert newest_first[-1] < midnight < newest_first[0]
        expected = dict(
            engine.execute(
                "SELECT id, count(*) FROM entities WHERE id IN (SELECT unnest(?::VARCHAR[])) GROUP BY id",
                [[r["id"] for r in rows]],
            ).rows()
        )
        assert {r["id"]: len(r["entities"]) for r in rows if r["entities"]} == expected
        assert all((r["sentiment"] is None) == (r["sentiment_reason"] is not None) for r in rows)


def test_rollup_rows_count_each_post_once_per_value(lake: Path) -> None:
    storage = Storage(lake)
    state = Catalog(storage).read()
    facets = pq.read_table(storage.open(state.table_files("facets_hourly")[0].path)).to_pylist()
    assert {r["facet"] for r in facets} >= {"hashtag", "entity"}
    assert all(r["posts"] >= 1 and r["hour_start"].minute == 0 for r in facets)
    authors = [r for r in facets if r["facet"] == "author"]
    assert all(r["followers"] >= rollups.NOTABLE_FOLLOWERS for r in authors)
    with QueryEngine(storage) as engine:
        total = engine.execute("SELECT sum(posts) FROM posts_hourly").rows()[0][0]
        assert total == state.rows("tweets")


def test_lists_under_an_entity_filter_read_the_newest_matches(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tweetlake.dashboard import queries

    monkeypatch.setattr(queries, "LIST_SAMPLE", 60)
    f = Filters.parse({"entity": "Kyiv", "entity_type": "LOCATION"})
    with QueryEngine(Storage(lake)) as engine:
        dashboard = Dashboard(engine)
        summary = dashboard.summary(f)
        assert summary["lists"] and summary["lists"]["newest_posts"] == 60
        since = summary["lists"]["since"]
        fast = {kind: dashboard.top(kind, f) for kind in ("entities", "hashtags", "authors")}
        assert Dashboard(engine).summary(Filters.parse({"keyword": "ukraine"}))["lists"] is None
        monkeypatch.setattr(Dashboard, "_rollups", lambda self: False)
        recent = Filters.parse({**f.to_params(), "range": "custom", "start": since, "end": summary["window"]["end"]})
        slow = Dashboard(engine)
        assert fast == {kind: slow.top(kind, recent) for kind in ("entities", "hashtags", "authors")}
        assert 60 <= slow.summary(recent)["posts"] < summary["posts"]


def test_author_sample_uses_the_hash_readers_compute_with_duckdb() -> None:
    import duckdb
    import pyarrow as pa

    names = [f"user_{i}" for i in range(400)] + ["Zoë", "ユーザー", "", None, "user_1"]
    ours = rollups._sampled_author_hashes(pa.chunked_array([pa.array(names, pa.string())])).to_pylist()
    con = duckdb.connect()
    con.register("n", pa.table({"name": pa.array(names, pa.string())}))
    sampled = rollups.AUTHOR_SAMPLED.format(column="name")
    theirs = [
        row[0]
        for row in con.sql(
            f"SELECT CASE WHEN {sampled} THEN {rollups.AUTHOR_HASH.format(column='name')} END FROM n"
        ).fetchall()
    ]
    assert ours == theirs
    assert 20 < sum(h is not None for h in ours) < 90  # about 1 in 8 of the names


def test_a_batch_counts_each_post_once_per_value_and_dimension() -> None:
    import pyarrow as pa

    from tweetlake.tables.schema import ENTITIES, TWEETS

    hour = datetime(2026, 3, 1, 10, tzinfo=UTC)
    rows = [  # two posts in the 10:00 hour, one at 11:xx; same keywords in different orders
        dict(id="1", created_ts=hour + timedelta(minutes=5), lang=None, sentiment="POSITIVE",
             matched_keywords=["b", "a"], hashtags=["x", "x", "y"], mentions=["m", "m"],
             domains=["d.org", "d.org"], screen_name="big", name="Big", followers=5000),
        dict(id="2", created_ts=hour + timedelta(minutes=50), lang=None, sentiment="POSITIVE",
             matched_keywords=["a", "b"], hashtags=["x"], mentions=[], domains=[],
             screen_name="small", name="Small", followers=10),
        dict(id="3", created_ts=hour + timedelta(minutes=70), lang="en", sentiment=None,
             matched_keywords=[], hashtags=[], mentions=[], domains=[],
             screen_name="big", name="Big", followers=5001),
    ]  # fmt: skip
    columns = ["platform", *rows[0]]
    tweets = pa.table(
        {c: [r.get(c, "x") for r in rows] for c in columns}, schema=pa.schema([TWEETS.field(c) for c in columns])
    )
    found = [("1", "Kyiv", "LOCATION"), ("1", "Kyiv", "LOCATION"), ("1", "Kyiv", "PERSON"), ("3", "Kyiv", "LOCATION")]
    entities = pa.table(
        {
            "platform": ["x"] * 4,
            "id": [f[0] for f in found],
            "entity": [f[1] for f in found],
            "type": [f[2] for f in found],
        },
        schema=pa.schema([ENTITIES.field(c) for c in ("platform", "id", "entity", "type")]),
    )
    result = rollups.rollup_batch(tweets, entities)
    posts = {(r["hour_start"].hour, r["lang"], tuple(r["keywords"])): r for r in result["posts_hourly"].to_pylist()}
    assert {k: r["posts"] for k, r in posts.items()} == {(10, "und", ("a", "b")): 2, (11, "en", ()): 1}
    assert posts[(10, "und", ("a", "b"))]["oldest"] == rows[0]["created_ts"]
    assert posts[(10, "und", ("a", "b"))]["newest"] == rows[1]["created_ts"]
    facets = {(r["hour_start"].hour, r["facet"], r["type"], r["value"]): r for r in result["facets_hourly"].to_pylist()}
    assert {k: r["posts"] for k, r in facets.items()} == {
        (10, "hashtag", None, "x"): 2,
        (10, "hashtag", None, "y"): 1,
        (10, "mention", None, "m"): 1,
        (10, "domain", None, "d.org"): 1,
        (10, "entity", "LOCATION", "Kyiv"): 1,
        (10, "entity", "PERSON", "Kyiv"): 1,
        (11, "entity", "LOCATION", "Kyiv"): 1,
        (10, "author", None, "big"): 1,
        (11, "author", None, "big"): 1,
    }
    assert facets[(11, "author", None, "big")]["followers"] == 5001
    assert facets[(10, "author", None, "big")]["name"] == "Big"
    assert result["facets_hourly"].schema == rollups.ROLLUP_SCHEMAS["facets_hourly"]
