"""The dashboard's data: one function per chart, each a read-only query with bound parameters.

Filters arrive as a :class:`Filters` value (parsed and validated from the URL). They become a
``WHERE`` clause assembled from fixed fragments; every value is a bound parameter, never pasted
into SQL. Relative time ranges (``1h``, ``24h``, ...) end at the newest post in the lake, so a
replayed archive from 2019 shows its data instead of an empty "last hour".

Counts come from the rollup tables (``posts_hourly``, ``facets_hourly``) for the whole hours of
the window, and from the tweets table for the partial hours at its edges and the last minute,
so they are exact and fresh while reading thousands of rows instead of millions. Filters the
rollups cannot answer (an author, or two of hashtag / mention / domain / entity together) and
the lists that need the posts themselves (a top list under a hashtag, mention, domain or entity
filter) scan the tables; the post list reads only the hours that hold its page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tweetlake.analyzers.base import SENTIMENT_LABELS
from tweetlake.errors import ConfigError
from tweetlake.query.engine import QueryEngine, QueryResult
from tweetlake.tables import rollups

__all__ = ["LIST_SAMPLE", "RANGES", "Dashboard", "Filters"]

#: Relative ranges offered in the UI; ``all`` means no time filter.
RANGES: dict[str, timedelta | None] = {
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "all": None,
}
_BUCKETS = (  # (max span, bucket seconds)
    (timedelta(minutes=20), 15),
    (timedelta(hours=2), 60),
    (timedelta(hours=8), 300),
    (timedelta(days=2), 3600),
    (timedelta(days=10), 3 * 3600),
    (timedelta(days=40), 86400),
)


_SENTIMENTS = (*SENTIMENT_LABELS, "NONE")
#: The filters that ``facets_hourly`` answers (at most one at a time).
_FACET_FILTERS = ("hashtag", "mention", "domain", "entity")


@dataclass(frozen=True, slots=True)
class Filters:
    """What the user selected. Every field is optional; ``range`` defaults to all data."""

    range: str = "all"
    start: datetime | None = None
    end: datetime | None = None
    keyword: str | None = None
    sentiment: str | None = None
    lang: str | None = None
    platform: str | None = None
    entity: str | None = None
    entity_type: str | None = None
    hashtag: str | None = None
    mention: str | None = None
    domain: str | None = None
    author: str | None = None

    @classmethod
    def parse(cls, params: dict[str, str]) -> Filters:
        """Build from URL parameters; unknown or malformed values raise :class:`ConfigError`."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(params) - names - {"page", "size", "limit", "token", "kind", "format"})
        if unknown:
            raise ConfigError(f"unknown filter(s) {unknown}; valid: {sorted(names)}")
        values: dict[str, Any] = {k: v for k, v in params.items() if k in names and v != ""}
        if values.get("range", "all") not in RANGES and values.get("range") != "custom":
            raise ConfigError(f"range must be one of {[*RANGES, 'custom']}, got {values['range']!r}")
        for key in ("start", "end"):
            if key in values:
                try:
                    parsed = datetime.fromisoformat(values[key].replace("Z", "+00:00"))
                except ValueError:
                    raise ConfigError(f"{key} must be an ISO 8601 time, got {values[key]!r}") from None
                values[key] = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        if "sentiment" in values and values["sentiment"] not in _SENTIMENTS:
            raise ConfigError(f"sentiment must be one of {list(_SENTIMENTS)}, got {values['sentiment']!r}")
        return cls(**values)

    def facet(self) -> bool:
        """True when a hashtag, mention, domain or entity is filtered (``facets_hourly`` rows)."""
        return any(getattr(self, name) for name in _FACET_FILTERS)

    def only_time(self) -> bool:
        """True when nothing but the time range is filtered."""
        return all(getattr(self, f.name) is None for f in fields(self) if f.name not in ("range", "start", "end"))

    def to_params(self) -> dict[str, str]:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and not (f.name == "range" and value == "all"):
                out[f.name] = value.isoformat() if isinstance(value, datetime) else str(value)
        return out


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime | None
    end: datetime | None
    bucket_seconds: int


@dataclass(frozen=True, slots=True)
class Split:
    """Rows in ``[low, high)`` come from a rollup (``low`` None: from the first hour), the rest
    of the window from the tweets table."""

    low: datetime | None
    high: datetime


#: Top lists under a hashtag, mention, domain or entity filter count at most this many of the
#: newest matching posts (see :meth:`Dashboard.lists_window`); the summary says when they do.
LIST_SAMPLE = 10_000
#: Sampled authors below this count are counted from the posts instead (the sample's relative
#: error, about 1/sqrt(this), would pass 10 %).
_EXACT_BELOW = 128
_HOUR = timedelta(hours=1)


class Dashboard:
    """Answers the dashboard's questions from a lake, through the guarded query layer."""

    def __init__(self, engine: QueryEngine) -> None:
        self.engine = engine
        self._bounds: tuple[int, datetime | None, datetime | None] = (-1, None, None)
        self._types: dict[tuple[int, str], bool] = {}

    # -- filters -----------------------------------------------------------------------------------
    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """Oldest and newest post times, cached until the next catalog commit."""
        self.engine.connection()
        seq = self.engine.state.seq
        if self._bounds[0] != seq:
            table, low, high = (
                ("posts_hourly", "oldest", "newest") if self._rollups() else ("tweets", *["created_ts"] * 2)
            )
            oldest, newest = self._run(f"SELECT min({low}), max({high}) FROM {table}", []).rows()[0]
            self._bounds = (seq, oldest, newest)
        return self._bounds[1], self._bounds[2]

    def newest(self) -> datetime | None:
        return self.bounds()[1]

    def window(self, f: Filters) -> Window:
        oldest, newest = self.bounds()
        if f.range == "custom" or f.start or f.end:
            start, end = f.start, f.end
        elif RANGES.get(f.range) is not None and newest is not None:
            end = newest
            start = newest - RANGES[f.range]  # type: ignore[operator]
        else:
            start, end = None, None
        start = start or oldest
        end = end or newest
        span = (end - start) if start and end else timedelta(0)
        bucket = next((seconds for limit, seconds in _BUCKETS if span <= limit), 7 * 86400)
        return Window(start, end, bucket)

    def where(
        self, f: Filters, window: Window | None = None, alias: str = "", *, days: bool = True
    ) -> tuple[str, list[Any]]:
        """The ``WHERE`` clause (fixed fragments) and its bound values for ``tweets``.

        ``days=False`` leaves out the partition bounds (see :func:`_time_bounds`), for a clause
        that will sit inside an ``OR``, where they would keep the time filter out of the scan."""
        p = f"{alias}." if alias else ""
        window = window or self.window(f)
        clauses, params = _time_bounds(f"{p}created_ts", window.start, window.end, days=days)

        def add(fragment: str, *values: Any) -> None:
            clauses.append(fragment)
            params.extend(values)

        if f.keyword:
            add(f"list_contains({p}matched_keywords, ?)", f.keyword)
        if f.sentiment == "NONE":
            add(f"{p}sentiment IS NULL")
        elif f.sentiment:
            add(f"{p}sentiment = ?", f.sentiment)
        if f.lang:
            add(f"coalesce({p}lang, 'und') = ?", f.lang)
        if f.platform:
            add(f"{p}platform = ?", f.platform)
        if f.hashtag:
            add(f"list_contains({p}hashtags, lower(?))", f.hashtag)
        if f.mention:
            add(f"list_contains({p}mentions, lower(?))", f.mention)
        if f.domain:
            add(f"list_contains({p}domains, lower(?))", f.domain)
        if f.author:
            add(f"{p}screen_name = ?", f.author)
        if f.entity:
            inner, values = self._entity_posts(f.entity, f.entity_type, window)
            add(f"({p}platform, {p}id) IN ({inner})", *values)
        return (" AND ".join(clauses) or "TRUE"), params

    @staticmethod
    def _entity_posts(entity: str, entity_type: str | None, window: Window) -> tuple[str, list[Any]]:
        """The (platform, id) of the posts naming ``entity`` in the window (entity rows carry
        their post's time, so the window narrows this subquery too)."""
        clauses, params = _time_bounds("created_ts", window.start, window.end)
        clauses.append("entity = ?")
        params.append(entity)
        if entity_type is not None:
            clauses.append("type = ?")
            params.append(entity_type)
        return f"SELECT platform, id FROM entities WHERE {' AND '.join(clauses)}", params

    # -- rollups -----------------------------------------------------------------------------------
    def _rollups(self) -> bool:
        return rollups.covered(self.engine.state) and self.engine.state.rows("tweets") > 0

    def split(self, f: Filters, window: Window) -> Split | None:
        """Which hours of the window the rollups can count for these filters, or None."""
        self.engine.connection()
        if not self._rollups() or f.author or sum(bool(getattr(f, n)) for n in _FACET_FILTERS) > 1:
            return None
        oldest, newest = self.bounds()
        if window.end is None or newest is None:
            return None
        if f.entity and not f.entity_type and not self._one_type(f.entity):
            return None  # the rollup counts a post once per entity type; the table counts it once
        # The last minute always comes from the table, so "posts in the last minute" is exact.
        high = _floor_hour(min(window.end, newest - timedelta(minutes=1)))
        low = None if window.start is None or (oldest and window.start <= oldest) else _ceil_hour(window.start)
        if low is not None and low >= high:
            return None
        return Split(low, high)

    def _one_type(self, entity: str) -> bool:
        key = (self.engine.state.seq, entity)
        if key not in self._types:
            sql = "SELECT count(DISTINCT type) FROM facets_hourly WHERE facet = 'entity' AND value = ?"
            self._types = {key: int(self._run(sql, [entity]).rows()[0][0]) <= 1}  # one entry: per commit
        return self._types[key]

    def lists_window(self, f: Filters, window: Window) -> Window:
        """The window of the top lists. Under a hashtag, mention, domain or entity filter the
        lists count what appears *with* that value, which the rollups cannot (they count values,
        not pairs); they then read the newest :data:`LIST_SAMPLE` matching posts."""
        if not f.facet():
            return window
        return self.narrow(f, window, LIST_SAMPLE)

    def _rollup_where(self, f: Filters, split: Split, *, facet: str | None = None) -> tuple[str, list[Any]]:
        """The ``WHERE`` clause over a rollup table for the rollup part of a split window."""
        clauses, params = _time_bounds("hour_start", split.low, split.high, end_open=True)
        if facet is not None:
            clauses.append("facet = ?")
            params.append(facet)
        for name in _FACET_FILTERS:
            value = getattr(f, name)
            if value:
                clauses += ["facet = ?", "value = ?"]
                params += [name, value if name == "entity" else value.lower()]
                if name == "entity" and f.entity_type:
                    clauses.append("type = ?")
                    params.append(f.entity_type)
        if f.keyword:
            clauses.append("list_contains(keywords, ?)")
            params.append(f.keyword)
        if f.sentiment == "NONE":
            clauses.append("sentiment IS NULL")
        elif f.sentiment:
            clauses.append("sentiment = ?")
            params.append(f.sentiment)
        if f.lang:
            clauses.append("lang = ?")
            params.append(f.lang)
        if f.platform:
            clauses.append("platform = ?")
            params.append(f.platform)
        return " AND ".join(clauses), params

    def _edges(self, f: Filters, window: Window, split: Split, alias: str = "t") -> tuple[str, list[Any]]:
        """The tweets ``WHERE`` clause for the parts of the window outside the rollup's hours.

        Each part gets its own clause so an entity filter's subquery reads only that part."""
        parts = [Window(split.high, window.end, window.bucket_seconds)]
        if split.low is not None and window.start is not None and window.start < split.low:
            parts.insert(0, Window(window.start, split.low - timedelta(milliseconds=1), window.bucket_seconds))
        first, last = parts[0].start, parts[-1].end
        assert first is not None and last is not None  # a split window has both ends
        clauses, params = [], [_day(first), _day(last)]
        for part in parts:
            where, values = self.where(f, part, alias=alias, days=False)
            clauses.append(f"({where})")
            params += values
        return f"({alias}.dt BETWEEN ? AND ? AND ({' OR '.join(clauses)}))", params

    def _table_where(self, f: Filters, window: Window, split: Split | None, alias: str = "t") -> tuple[str, list[Any]]:
        """The ``WHERE`` clause of the rows the tables answer: the window, or (split) its edges."""
        return self.where(f, window, alias=alias) if split is None else self._edges(f, window, split, alias)

    def source(self, f: Filters, window: Window) -> tuple[str, list[Any]]:
        """A subquery of (ts, platform, lang, sentiment, keywords, posts, newest) rows whose
        ``posts`` sum to the posts matching the filters: rollup rows plus the edges' posts."""
        raw = (
            "SELECT t.created_ts AS ts, t.platform, coalesce(t.lang, 'und') AS lang, t.sentiment, "
            "t.matched_keywords AS keywords, 1::BIGINT AS posts, t.created_ts AS newest FROM tweets t WHERE "
        )
        split = self.split(f, window)
        if split is None:
            where, params = self.where(f, window, alias="t")
            return f"({raw}{where})", params
        table = _rollup_table(f)
        rollup_where, rollup_params = self._rollup_where(f, split)
        edges, edge_params = self._edges(f, window, split)
        sql = (
            "(SELECT hour_start AS ts, platform, lang, sentiment, keywords, posts, newest "
            f"FROM {table} WHERE {rollup_where} UNION ALL {raw}{edges})"
        )
        return sql, [*rollup_params, *edge_params]

    def _run(self, sql: str, params: list[Any], max_rows: int = 10_000) -> QueryResult:
        # Every chart's statement is an aggregate or has a LIMIT: its result is small.
        return self.engine.execute(sql, params, max_rows=max_rows, bounded=True)

    # -- charts ------------------------------------------------------------------------------------
    def summary(self, f: Filters) -> dict[str, Any]:
        window = self.window(f)
        newest_anywhere = self.newest()
        minute_ago = (newest_anywhere or datetime.now(UTC)) - timedelta(minutes=1)
        values = self._summary_counts(f, window, minute_ago)
        scored = values["positive"] + values["negative"] + values["neutral"] + values["mixed"]
        counts = self.engine.state.counts
        quarantined = counts.get("quarantined_ingest", 0) + counts.get("quarantined_enrich", 0)
        lists = self.lists_window(f, window)
        return {
            "posts": values["posts"],
            "authors": values["authors"],
            # set when the top lists read only the newest matching posts of the window
            "lists": {"newest_posts": LIST_SAMPLE, "since": _iso(lists.start)} if lists.start != window.start else None,
            "per_minute": values["per_minute"],
            "sentiment": {k: values[k] for k in ("positive", "negative", "neutral", "mixed", "unscored")},
            "net_sentiment": round((values["positive"] - values["negative"]) / scored, 4) if scored else None,
            "newest": _iso(values["newest"]),
            "freshness_seconds": (
                round((datetime.now(UTC) - newest_anywhere).total_seconds(), 1) if newest_anywhere else None
            ),
            "quarantined": quarantined,
            "window": {"start": _iso(window.start), "end": _iso(window.end), "bucket_seconds": window.bucket_seconds},
        }

    def _summary_counts(self, f: Filters, window: Window, minute_ago: datetime) -> dict[str, Any]:
        """Posts by sentiment, posts in the last minute, the newest post and distinct authors,
        in one query.

        Distinct authors are estimated: from the rollups, the distinct sampled author hashes
        (1 in 8) of the rollup rows and of the edges' posts, times 8; when that sample is small
        (under about a thousand authors, where its error grows) and without rollups, a
        HyperLogLog estimate over the posts themselves."""
        sums = (
            f"coalesce(sum(posts)::BIGINT, 0) AS posts, {_sentiment_sums(_SENTIMENT_COUNTS)}, "
            "coalesce(sum(posts) FILTER (WHERE ts > ?)::BIGINT, 0) AS per_minute, max(newest) AS newest"
        )
        split = self.split(f, window)
        if split is not None:
            table = _rollup_table(f)
            rollup_where, rollup_params = self._rollup_where(f, split)
            edges, edge_params = self._edges(f, window, split)
            author = rollups.AUTHOR_HASH.format(column="screen_name")
            sampled = rollups.AUTHOR_SAMPLED.format(column="screen_name")
            # The edges are read once (with an entity filter, that is a join) for both parts.
            row = self._run(
                "WITH edge AS MATERIALIZED (SELECT t.created_ts AS ts, t.sentiment, 1::BIGINT AS posts, "
                f"t.created_ts AS newest, t.screen_name FROM tweets t WHERE {edges}), "
                f"roll AS (SELECT hour_start AS ts, sentiment, posts, newest, author_sample FROM {table} "
                f"WHERE {rollup_where}) "
                f"SELECT {sums}, (SELECT count(DISTINCT h) FROM (SELECT unnest(author_sample) AS h FROM roll "
                f"UNION ALL SELECT {author} FROM edge WHERE {sampled})) AS author_sample "
                "FROM (SELECT ts, sentiment, posts, newest FROM roll UNION ALL "
                "SELECT ts, sentiment, posts, newest FROM edge)",
                [*edge_params, *rollup_params, minute_ago],
            )
            values = dict(zip(row.columns, row.rows()[0], strict=True))
            sample = int(values.pop("author_sample"))
            if sample >= _EXACT_BELOW:
                values["authors"] = sample * rollups.AUTHOR_SAMPLE_RATE
            else:
                where, params = self.where(f, window)
                values["authors"] = self._run(
                    f"SELECT approx_count_distinct(screen_name) FROM tweets WHERE {where}", params
                ).rows()[0][0]
        else:
            where, params = self.where(f, window)
            row = self._run(
                f"SELECT {sums}, approx_count_distinct(screen_name) AS authors FROM "
                f"(SELECT created_ts AS ts, sentiment, 1::BIGINT AS posts, created_ts AS newest, screen_name "
                f"FROM tweets WHERE {where})",
                [minute_ago, *params],
            )
            values = dict(zip(row.columns, row.rows()[0], strict=True))
        return {k: (v if k == "newest" else int(v)) for k, v in values.items()}

    def volume(self, f: Filters) -> dict[str, Any]:
        """Posts per time bucket by sentiment, net sentiment per bucket, and spikes."""
        window = self.window(f)
        if window.bucket_seconds % 3600 == 0:
            source, params = self.source(f, window)
        else:  # buckets under an hour: windows of at most 8 hours, read from the table
            where, params = self.where(f, window)
            source = f"(SELECT created_ts AS ts, sentiment, 1 AS posts FROM tweets WHERE {where})"
        result = self._run(
            "SELECT time_bucket(to_seconds(?::BIGINT), ts) AS bucket, coalesce(sentiment, 'NONE') AS s, "
            f"sum(posts)::BIGINT AS n FROM {source} GROUP BY ALL ORDER BY bucket",
            [window.bucket_seconds, *params],
            max_rows=100_000,
        )
        series: dict[str, dict[str, int]] = {}
        for bucket, label, n in result.rows():
            series.setdefault(_iso(bucket) or "", {})[label] = int(n)
        buckets = sorted(series)
        rows = []
        for b in buckets:
            counts = series[b]
            total = sum(counts.values())
            scored = total - counts.get("NONE", 0)
            net = (counts.get("POSITIVE", 0) - counts.get("NEGATIVE", 0)) / scored if scored else None
            rows.append({"bucket": b, **{k: counts.get(k, 0) for k in _SENTIMENTS}, "total": total, "net": net})
        return {"bucket_seconds": window.bucket_seconds, "rows": rows, "spikes": find_spikes(rows)}

    def top(self, kind: str, f: Filters, limit: int = 10) -> list[dict[str, Any]]:
        """Top entities (per type), hashtags, mentions, link domains or authors (by reach).

        Each counts posts: a post that names the same entity twice counts once."""
        if kind not in ("entities", "hashtags", "mentions", "domains", "authors"):
            raise ConfigError(f"unknown top list {kind!r}; choose entities, hashtags, mentions, domains or authors")
        window = self.window(f)
        if f.facet():
            window, split = self.lists_window(f, window), None
        else:
            split = self.split(f, window)
        if kind == "authors":
            if split is not None:
                rows = self._top_authors(f, window, split, limit)
                if len(rows) == limit:
                    return rows
            return self._top_authors(f, window, None, limit)
        facet = "entity" if kind == "entities" else kind[:-1]
        if split is None:
            rows_sql, rows_params = self._facet_rows(kind, f, window, None)
        else:
            rollup_where, rollup_params = self._rollup_where(f, split, facet=facet)
            edge_sql, edge_params = self._facet_rows(kind, f, window, split)
            rows_sql = f"SELECT type, value, posts AS n FROM facets_hourly WHERE {rollup_where} UNION ALL {edge_sql}"
            rows_params = [*rollup_params, *edge_params]
        if kind == "entities":
            sql = (
                f"SELECT type, value AS entity, sum(n)::BIGINT AS posts FROM ({rows_sql}) GROUP BY type, value "
                "QUALIFY row_number() OVER (PARTITION BY type ORDER BY posts DESC, entity) <= ? "
                "ORDER BY type, posts DESC, entity"
            )
        else:
            sql = (
                f"SELECT value AS {facet}, sum(n)::BIGINT AS posts FROM ({rows_sql}) "
                "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?"
            )
        return _records(self._run(sql, [*rows_params, limit]))

    def _facet_rows(self, kind: str, f: Filters, window: Window, split: Split | None) -> tuple[str, list[Any]]:
        """(type, value, posts) rows, one per post and value, from the tables (for the window,
        or with ``split``, for its edges)."""
        where, params = self._table_where(f, window, split)
        if kind != "entities":
            rows = f"SELECT NULL AS type, unnest(list_distinct(t.{kind})) AS value FROM tweets t WHERE {where}"
            return f"SELECT type, value, 1::BIGINT AS n FROM ({rows})", params
        # Entity rows carry the post's time and platform, so only the other filters need a join.
        if f.only_time():
            time_where, params = self._table_where(f, window, split, alias="e")
            source = f"entities e WHERE {time_where}"
        elif f.entity and replace(f, entity=None, entity_type=None).only_time():
            # entities that appear with an entity: the entities table joined with itself
            time_where, time_params = self.where(Filters(), window, alias="e")
            inner, inner_params = self._entity_posts(f.entity, f.entity_type, window)
            source = f"entities e WHERE {time_where} AND (e.platform, e.id) IN ({inner})"
            params = [*time_params, *inner_params]
        else:
            source = (
                f"entities e SEMI JOIN (SELECT t.platform, t.id FROM tweets t WHERE {where}) s USING (platform, id)"
            )
        rows = f"SELECT DISTINCT e.platform, e.id, e.type, e.entity AS value FROM {source}"
        return f"SELECT type, value, 1::BIGINT AS n FROM ({rows})", params

    def _top_authors(self, f: Filters, window: Window, split: Split | None, limit: int) -> list[dict[str, Any]]:
        raw = (
            "SELECT t.screen_name AS author, t.name, t.followers, 1::BIGINT AS posts FROM tweets t "
            "WHERE t.screen_name IS NOT NULL AND "
        )
        if split is None:
            where, params = self.where(f, window, alias="t")
            rows_sql = f"{raw}{where}"
        else:
            rollup_where, rollup_params = self._rollup_where(f, split, facet="author")
            edges, edge_params = self._edges(f, window, split)
            rows_sql = (
                f"SELECT value AS author, name, followers, posts FROM facets_hourly WHERE {rollup_where} "
                f"UNION ALL {raw}t.followers >= {rollups.NOTABLE_FOLLOWERS} AND {edges}"
            )
            params = [*rollup_params, *edge_params]
        sql = (
            "SELECT author, any_value(name) AS name, max(followers) AS followers, sum(posts)::BIGINT AS posts "
            f"FROM ({rows_sql}) GROUP BY 1 ORDER BY followers DESC NULLS LAST, posts DESC, author LIMIT ?"
        )
        return _records(self._run(sql, [*params, limit]))

    def keywords(self, f: Filters) -> list[dict[str, Any]]:
        """Share of voice: volume and sentiment per matched keyword."""
        source, params = self.source(f, self.window(f))
        sql = (
            f"SELECT k AS keyword, sum(posts)::BIGINT AS posts, {_sentiment_sums(_SENTIMENT_COUNTS[:4])} "
            f"FROM (SELECT unnest(keywords) AS k, sentiment, posts FROM {source}) "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50"
        )
        rows = _records(self._run(sql, params))
        total = sum(r["posts"] for r in rows) or 1
        for r in rows:
            scored = r["positive"] + r["negative"] + r["neutral"] + r["mixed"]
            r["share"] = round(r["posts"] / total, 4)
            r["net"] = round((r["positive"] - r["negative"]) / scored, 4) if scored else None
        return rows

    def breakdown(self, kind: str, f: Filters) -> list[dict[str, Any]]:
        if kind not in ("lang", "platform"):
            raise ConfigError(f"unknown breakdown {kind!r}; choose lang or platform")
        source, params = self.source(f, self.window(f))
        sql = f"SELECT {kind}, sum(posts)::BIGINT AS posts FROM {source} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 30"
        return _records(self._run(sql, params))

    def posts(self, f: Filters, page: int = 1, size: int = 25) -> dict[str, Any]:
        """The latest posts, newest first, with their entities (text offsets) for highlighting."""
        if page < 1 or not 1 <= size <= 200:
            raise ConfigError("page must be 1 or more and size between 1 and 200")
        window = self.narrow(f, self.window(f), page * size + 1)
        where, params = self.where(f, window, alias="t")
        page_rows = self._run(
            "SELECT t.platform, t.id, t.created_ts, t.screen_name, t.name, t.followers, t.lang, t.text, "
            "t.sentiment, t.post_url, t.hashtags, t.matched_keywords, t.is_repost "
            f"FROM tweets t WHERE {where} ORDER BY t.created_ts DESC, t.id DESC LIMIT ? OFFSET ?",
            [*params, size + 1, (page - 1) * size],
        )
        has_more = page_rows.table.num_rows > size
        if page_rows.table.num_rows == 0:
            return {"page": page, "size": size, "has_more": False, "rows": []}
        times = page_rows.table.column("created_ts").to_pylist()[:size]
        rows = _records(page_rows)[:size]
        # The page's entities and sentiment reasons, in one statement: rows of the same posts,
        # found by time and id. A sentiment row has a reason exactly when it has no label
        # (enrich/core.py), and the tweets row carries the label: only unlabelled posts need one.
        span_clauses, span_params = _time_bounds("created_ts", min(times), max(times))
        span = " AND ".join(span_clauses)
        sql = (
            "SELECT 'entity' AS kind, platform, id, entity, type, score, begin_offset, end_offset, "
            f"NULL AS sentiment_reason FROM entities WHERE {span} AND id IN (SELECT unnest(?::VARCHAR[]))"
        )
        lookup = [*span_params, [r["id"] for r in rows]]
        unlabelled = [r["id"] for r in rows if r["sentiment"] is None]
        if unlabelled:
            sql += (
                " UNION ALL SELECT 'reason', platform, id, NULL, NULL, NULL, NULL, NULL, sentiment_reason "
                f"FROM sentiment WHERE {span} AND id IN (SELECT unnest(?::VARCHAR[]))"
            )
            lookup += [*span_params, unlabelled]
        by_post: dict[tuple[str, str], list[dict[str, Any]]] = {}
        reasons: dict[tuple[str, str], str | None] = {}
        for e in _records(self._run(f"{sql} ORDER BY begin_offset", lookup)):
            key, kind, reason = (e.pop("platform"), e.pop("id")), e.pop("kind"), e.pop("sentiment_reason")
            if kind == "reason":
                reasons[key] = reason
            else:
                by_post.setdefault(key, []).append(e)
        for r in rows:
            key = (r["platform"], r["id"])
            r["sentiment_reason"] = reasons.get(key)
            r["entities"] = by_post.get(key, [])
        return {"page": page, "size": size, "has_more": has_more, "rows": rows}

    def narrow(self, f: Filters, window: Window, rows: int) -> Window:
        """The window cut to the newest hours that hold at least ``rows`` matching posts,
        counted in the rollups (the post list then reads those hours, not the whole lake)."""
        split = self.split(f, window)
        if split is None:
            return window
        where, params = self._rollup_where(f, split)
        table = _rollup_table(f)
        hours = self._run(
            f"SELECT hour_start, sum(sum(posts)) OVER (ORDER BY hour_start DESC) AS newer FROM {table} "
            f"WHERE {where} GROUP BY hour_start QUALIFY newer >= ? ORDER BY hour_start DESC LIMIT 1",
            [*params, rows],
        ).rows()
        if not hours:
            return window
        return replace(window, start=max(hours[0][0], window.start) if window.start else hours[0][0])

    def quarantine(self, limit: int = 20) -> dict[str, Any]:
        reasons = _records(
            self._run(
                "SELECT stage, regexp_replace(reason, ':.*$', '') AS reason, count(*) AS records "
                "FROM quarantine GROUP BY ALL ORDER BY records DESC LIMIT 50",
                [],
            )
        )
        samples = _records(
            self._run(
                "SELECT stage, reason, origin, line, quarantined_ts FROM quarantine "
                "ORDER BY quarantined_ts DESC LIMIT ?",
                [limit],
            )
        )
        return {"reasons": reasons, "samples": samples}

    def spike_filters(self, f: Filters, bucket: str, bucket_seconds: int) -> Filters:
        """The filters that show the posts of one volume bucket (a spike's drivers)."""
        start = datetime.fromisoformat(bucket)
        return replace(f, range="custom", start=start, end=start + timedelta(seconds=bucket_seconds))


def find_spikes(
    rows: list[dict[str, Any]], history: int = 12, z: float = 3.0, min_posts: int = 10
) -> list[dict[str, Any]]:
    """Buckets whose volume exceeds a rolling baseline (mean + z·std of the previous buckets)."""
    spikes = []
    totals = [r["total"] for r in rows]
    for i in range(len(totals)):
        past = totals[max(0, i - history) : i]
        if len(past) < 4:
            continue
        mean = sum(past) / len(past)
        std = math.sqrt(sum((x - mean) ** 2 for x in past) / len(past))
        threshold = mean + z * max(std, math.sqrt(mean), 1.0)
        if totals[i] >= min_posts and totals[i] > threshold:
            spikes.append(
                {
                    "bucket": rows[i]["bucket"],
                    "posts": totals[i],
                    "baseline": round(mean, 1),
                    "ratio": round(totals[i] / mean, 2) if mean else None,
                }
            )
    return spikes


#: Sentiment count columns: (column name, test on ``sentiment``); the summary adds "unscored".
_SENTIMENT_COUNTS = (
    ("positive", "= 'POSITIVE'"),
    ("negative", "= 'NEGATIVE'"),
    ("neutral", "= 'NEUTRAL'"),
    ("mixed", "= 'MIXED'"),
    ("unscored", "IS NULL"),
)


def _sentiment_sums(labels: tuple[tuple[str, str], ...]) -> str:
    """``sum(posts)`` per sentiment label, as select-list columns (0 when no row matches)."""
    return ", ".join(
        f"coalesce(sum(posts) FILTER (WHERE sentiment {test})::BIGINT, 0) AS {name}" for name, test in labels
    )


def _rollup_table(f: Filters) -> str:
    """The rollup that counts posts for these filters."""
    return "facets_hourly" if f.facet() else "posts_hourly"


def _time_bounds(
    column: str, start: datetime | None, end: datetime | None, *, end_open: bool = False, days: bool = True
) -> tuple[list[str], list[Any]]:
    """The clauses, and their values, that keep ``column`` in ``[start, end]`` (``[start, end)``
    with ``end_open``); either bound may be None.

    Each bound is repeated on ``dt``, the UTC day of the row's time and the Hive partition
    of its file (tables/writer.py), so the engine drops whole files by their folder before it
    reads their footers. At 10M posts this halves a lookup of a few posts by time. Inside an
    ``OR`` the day bounds would keep DuckDB from pushing the time filter into the scan, so
    ``days=False`` leaves them out there (the caller bounds the days outside the ``OR``)."""
    table = column.rpartition(".")[0]
    dt = f"{table}.dt" if table else "dt"
    clauses: list[str] = []
    params: list[Any] = []
    if start is not None:
        clauses += [f"{column} >= ?", f"{dt} >= ?"] if days else [f"{column} >= ?"]
        params += [start, _day(start)] if days else [start]
    if end is not None:
        below = "<" if end_open else "<="
        clauses += [f"{column} {below} ?", f"{dt} <= ?"] if days else [f"{column} {below} ?"]
        params += [end, _day(end)] if days else [end]
    return clauses, params


def _day(value: datetime) -> date:
    return value.astimezone(UTC).date()


def _floor_hour(value: datetime) -> datetime:
    return value.replace(minute=0, second=0, microsecond=0)


def _ceil_hour(value: datetime) -> datetime:
    floor = _floor_hour(value)
    return floor if floor == value else floor + _HOUR


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return None if value is None else str(value)


def _records(result: QueryResult) -> list[dict[str, Any]]:
    out = []
    for row in result.rows():
        record = {}
        for column, value in zip(result.columns, row, strict=True):
            record[column] = _iso(value) if isinstance(value, datetime) else value
        out.append(record)
    return out
