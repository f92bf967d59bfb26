"""Rollups: per-hour counts that let the dashboard answer in milliseconds on millions of posts.

Every chart of the dashboard is a count of posts grouped by a few dimensions. Scanning 10M posts
for each takes seconds, so each batch also writes its counts per hour:

* ``posts_hourly``: posts per hour, platform, language, sentiment and keyword set;
* ``facets_hourly``: the same, per hashtag, mention, link domain, entity (``facet`` says
  which; ``type`` is the entity type) and notable author (at least ``NOTABLE_FOLLOWERS``
  followers). A post counts once per distinct value.

The rollup files of a batch are committed in the same catalog entry as its rows, so they never
disagree with the tables. Rollup rows are additive: a query sums ``posts`` over any set of
files, and compaction re-aggregates a partition's files into one without changing a sum. The
catalog counter ``rollup_posts`` says how many tweets rows the rollups cover; a reader uses them
only while it equals the tweets row count (a lake written before rollups existed gets them
from :func:`rebuild_rollups`, which ``tweetlake compact`` runs).

Rows are computed with DuckDB over the batch's Arrow tables.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from tweetlake.progress import Reporter, SilentReporter
from tweetlake.storage import Storage
from tweetlake.tables.catalog import Catalog, CatalogState, Commit, FileEntry
from tweetlake.tables.schema import FACETS_HOURLY, POSTS_HOURLY, ROLLUP_SCHEMAS, SCHEMAS
from tweetlake.tables.writer import write_file

__all__ = [
    "AUTHOR_HASH",
    "AUTHOR_SAMPLED",
    "AUTHOR_SAMPLE_RATE",
    "COVERAGE",
    "NOTABLE_FOLLOWERS",
    "aggregate",
    "covered",
    "rebuild_rollups",
    "rollup_batch",
]

log = logging.getLogger(__name__)

#: The catalog counter of tweets rows the rollups include.
COVERAGE = "rollup_posts"
#: Distinct authors are not additive, so each rollup row keeps the hashes of its authors that
#: fall in the lowest 1/8 of the hash space (md5, stable across engines and versions): the
#: distinct hashes in any set of rows, times 8, estimate its distinct authors (hash sampling;
#: about 4/sqrt(n) relative error, so readers count exactly when the sample is small).
AUTHOR_SAMPLE_RATE = 8
AUTHOR_HASH = "md5_number_upper({column})"
AUTHOR_SAMPLED = f"{AUTHOR_HASH} < {2**64 // AUTHOR_SAMPLE_RATE}"
_SAMPLE = (
    f"coalesce(list_distinct(list({AUTHOR_HASH.format(column='screen_name')}) "
    f"FILTER (WHERE {AUTHOR_SAMPLED.format(column='screen_name')})), [])"
)

#: Authors need this many followers for ``facets_hourly`` (top authors rank by reach, so the
#: list is made of such accounts; below it, every post would be its own row and the rollup
#: would be as large as the table).
NOTABLE_FOLLOWERS = 1_000

#: The order of a rollup file's rows: by facet and value, so a query for one value reads only
#: the row groups that hold it.
ORDER = {"posts_hourly": "hour_start", "facets_hourly": "facet, type, value, hour_start"}

_POST_DIMENSIONS = (
    "t.created_ts, date_trunc('hour', t.created_ts) AS hour_start, t.platform, coalesce(t.lang, 'und') AS lang, "
    "t.sentiment, list_sort(coalesce(t.matched_keywords, [])) AS keywords"
)
_POSTS_SQL = f"""
SELECT hour_start, platform, lang, sentiment, keywords,
       count(*) AS posts, min(created_ts) AS oldest, max(created_ts) AS newest, {{sample}} AS author_sample
FROM (SELECT {_POST_DIMENSIONS}, t.screen_name FROM t) GROUP BY ALL ORDER BY {ORDER["posts_hourly"]}
"""
_FACETS_SQL = f"""
WITH f AS (
    SELECT {_POST_DIMENSIONS}, t.screen_name, 'hashtag' AS facet, NULL::VARCHAR AS type,
           unnest(list_distinct(t.hashtags)) AS value, NULL::BIGINT AS followers, NULL::VARCHAR AS name FROM t
    UNION ALL
    SELECT {_POST_DIMENSIONS}, t.screen_name, 'mention', NULL, unnest(list_distinct(t.mentions)), NULL, NULL FROM t
    UNION ALL
    SELECT {_POST_DIMENSIONS}, t.screen_name, 'domain', NULL, unnest(list_distinct(t.domains)), NULL, NULL FROM t
    UNION ALL
    SELECT {_POST_DIMENSIONS}, t.screen_name, 'entity', e.type, e.entity, NULL, NULL
    FROM (SELECT DISTINCT platform, id, type, entity FROM e) e JOIN t USING (platform, id)
    UNION ALL
    SELECT {_POST_DIMENSIONS}, t.screen_name, 'author', NULL, t.screen_name, t.followers, t.name
    FROM t WHERE t.followers >= {{notable}}
)
SELECT hour_start, facet, type, value, platform, lang, sentiment, keywords,
       count(*) AS posts, max(created_ts) AS newest, {{sample}} AS author_sample,
       max(followers) AS followers, max(name) AS name
FROM f WHERE value IS NOT NULL GROUP BY ALL ORDER BY {ORDER["facets_hourly"]}
"""
_TWEET_COLUMNS = [
    "platform",
    "id",
    "created_ts",
    "lang",
    "sentiment",
    "matched_keywords",
    "hashtags",
    "mentions",
    "domains",
    "screen_name",
    "name",
    "followers",
]
_ENTITY_COLUMNS = ["platform", "id", "type", "entity"]


def rollup_batch(tweets: pa.Table, entities: pa.Table) -> dict[str, pa.Table]:
    """The rollup rows of one batch: ``{"posts_hourly": ..., "facets_hourly": ...}``."""
    con = _connection()
    try:
        con.register("t", tweets.select(_TWEET_COLUMNS))
        con.register("e", entities.select(_ENTITY_COLUMNS))
        posts = con.sql(_POSTS_SQL.format(sample=_SAMPLE)).to_arrow_table()
        facets = con.sql(_FACETS_SQL.format(notable=NOTABLE_FOLLOWERS, sample=_SAMPLE)).to_arrow_table()
    finally:
        con.unregister("t")
        con.unregister("e")
    return {"posts_hourly": _conform(posts, POSTS_HOURLY), "facets_hourly": _conform(facets, FACETS_HOURLY)}


_local = threading.local()


def _connection() -> duckdb.DuckDBPyConnection:
    """This thread's DuckDB connection (opening one costs ~25 ms, more than a batch's rollup)."""
    con: duckdb.DuckDBPyConnection | None = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect(":memory:", config={"threads": 1, "memory_limit": "256MB"})
        con.execute("SET enable_progress_bar = false")
        _local.con = con
    return con


def aggregate(table_name: str, table: pa.Table) -> pa.Table:
    """Sum rollup rows that share all dimensions (compaction's merge for rollups), in ``ORDER``."""
    schema = ROLLUP_SCHEMAS[table_name]
    measures = {
        "posts": "sum(posts)::BIGINT AS posts",
        "oldest": "min(oldest) AS oldest",
        "newest": "max(newest) AS newest",
        "author_sample": "list_distinct(flatten(list(author_sample))) AS author_sample",
        "followers": "max(followers) AS followers",
        "name": "max(name) AS name",
    }
    dimensions = [n for n in schema.names if n not in measures]
    select = ", ".join([*dimensions, *(sql for name, sql in measures.items() if name in schema.names)])
    con = duckdb.connect(":memory:", config={"threads": 2})
    con.execute("SET enable_progress_bar = false")
    try:
        con.register("r", table)
        result = con.sql(f"SELECT {select} FROM r GROUP BY ALL ORDER BY {ORDER[table_name]}").to_arrow_table()
    finally:
        con.close()
    return _conform(result, schema)


def covered(state: CatalogState) -> bool:
    """True when the rollups count every row of the tweets table."""
    return state.counts.get(COVERAGE, 0) == state.rows("tweets")


def rebuild_rollups(storage: Storage, catalog: Catalog, state: CatalogState, reporter: Reporter | None = None) -> int:
    """Recompute both rollups from the tables, one day at a time, in one commit (the caller
    holds the writer lock). Returns the number of tweets rows covered."""
    reporter = reporter or SilentReporter()
    by_day: dict[str, dict[str, list[FileEntry]]] = {}
    for table in ("tweets", "entities"):
        for entry in state.table_files(table):
            by_day.setdefault(entry.path.split("/")[1], {}).setdefault(table, []).append(entry)
    reporter.total("rollups", len(by_day))
    adds: dict[str, list[FileEntry]] = {}
    rows = 0
    tag = f"rebuild-{state.seq + 1:012d}-{uuid.uuid4().hex[:8]}"
    removes = {name: [e.path for e in state.table_files(name)] for name in ROLLUP_SCHEMAS}
    # Each day's rollup rows fall in that day's partition (hour_start has the post's date).
    planned = [f"{name}/{day}/part-{tag}.parquet" for day in by_day for name in ROLLUP_SCHEMAS]
    catalog.write_inflight(tag, planned, [p for paths in removes.values() for p in paths])
    for day, files in sorted(by_day.items()):
        tweets = _read(storage, "tweets", files.get("tweets", []), _TWEET_COLUMNS)
        entities = _read(storage, "entities", files.get("entities", []), _ENTITY_COLUMNS)
        rows += tweets.num_rows
        for name, table in rollup_batch(tweets, entities).items():
            if table.num_rows:
                adds.setdefault(name, []).append(write_file(storage, f"{name}/{day}/part-{tag}.parquet", table))
        reporter.advance("rollups", 1)
    counts = {COVERAGE: rows - state.counts.get(COVERAGE, 0)}
    catalog.commit(state, Commit(seq=0, kind="rollups", ts=datetime.now(UTC), add=adds, remove=removes, counts=counts))
    for paths in removes.values():
        for path in paths:
            storage.delete(path)
    log.info("rebuilt rollups over %d posts", rows)
    return rows


def _read(storage: Storage, table: str, entries: list[FileEntry], columns: list[str]) -> pa.Table:
    schema = SCHEMAS[table]
    if not entries:
        return pa.schema([schema.field(c) for c in columns]).empty_table()
    return pa.concat_tables([pq.read_table(storage.open(e.path), columns=columns, schema=schema) for e in entries])


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    return table.select(schema.names).cast(schema)
