"""The dashboard's data: one function per chart, each a read-only query with bound parameters.

Filters arrive as a :class:`Filters` value (parsed and validated from the URL). They become a
``WHERE`` clause assembled from fixed fragments; every value is a bound parameter, never pasted
into SQL. Relative time ranges (``1h``, ``24h``, ...) end at the newest post in the lake, so a
replayed archive from 2019 shows its data instead of an empty "last hour".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tweetlake.analyzers.base import SENTIMENT_LABELS
from tweetlake.errors import ConfigError
from tweetlake.query.engine import QueryEngine, QueryResult

__all__ = ["RANGES", "Dashboard", "Filters"]

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
    (timedelta(days=2), 1800),
    (timedelta(days=10), 3 * 3600),
    (timedelta(days=40), 86400),
)


_SENTIMENTS = (*SENTIMENT_LABELS, "NONE")


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


class Dashboard:
    """Answers the dashboard's questions from a lake, through the guarded query layer."""

    def __init__(self, engine: QueryEngine) -> None:
        self.engine = engine
        self._bounds: tuple[int, datetime | None, datetime | None] = (-1, None, None)

    # -- filters -----------------------------------------------------------------------------------
    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """Oldest and newest post times, cached until the next catalog commit."""
        self.engine.connection()
        seq = self.engine.state.seq
        if self._bounds[0] != seq:
            oldest, newest = self.engine.execute("SELECT min(created_ts), max(created_ts) FROM tweets").rows()[0]
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

    def where(self, f: Filters, window: Window | None = None, alias: str = "") -> tuple[str, list[Any]]:
        """The ``WHERE`` clause (fixed fragments) and its bound values for ``tweets``."""
        p = f"{alias}." if alias else ""
        window = window or self.window(f)
        clauses: list[str] = []
        params: list[Any] = []

        def add(fragment: str, *values: Any) -> None:
            clauses.append(fragment)
            params.extend(values)

        if window.start is not None:
            add(f"{p}created_ts >= ?", window.start)
        if window.end is not None:
            add(f"{p}created_ts <= ?", window.end)
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
            type_clause = " AND type = ?" if f.entity_type else ""
            add(
                f"({p}platform, {p}id) IN (SELECT platform, id FROM entities WHERE entity = ?{type_clause})",
                f.entity,
                *([f.entity_type] if f.entity_type else []),
            )
        return (" AND ".join(clauses) or "TRUE"), params

    def _run(self, sql: str, params: list[Any], max_rows: int = 10_000) -> QueryResult:
        return self.engine.execute(sql, params, max_rows=max_rows)

    # -- charts ------------------------------------------------------------------------------------
    def summary(self, f: Filters) -> dict[str, Any]:
        window = self.window(f)
        where, params = self.where(f, window)
        newest_anywhere = self.newest()
        minute_ago = (newest_anywhere or datetime.now(UTC)) - timedelta(minutes=1)
        row = self._run(
            "SELECT count(*) AS posts, approx_count_distinct(screen_name) AS authors, "
            "count(*) FILTER (WHERE sentiment = 'POSITIVE') AS positive, "
            "count(*) FILTER (WHERE sentiment = 'NEGATIVE') AS negative, "
            "count(*) FILTER (WHERE sentiment = 'NEUTRAL') AS neutral, "
            "count(*) FILTER (WHERE sentiment = 'MIXED') AS mixed, "
            "count(*) FILTER (WHERE sentiment IS NULL) AS unscored, "
            "count(*) FILTER (WHERE created_ts > ?) AS per_minute, "
            "max(created_ts) AS newest "
            f"FROM tweets WHERE {where}",
            [minute_ago, *params],
        )
        values = dict(zip(row.columns, row.rows()[0], strict=True))
        per_minute = int(values["per_minute"])
        scored = values["positive"] + values["negative"] + values["neutral"] + values["mixed"]
        counts = self.engine.state.counts
        quarantined = counts.get("quarantined_ingest", 0) + counts.get("quarantined_enrich", 0)
        return {
            "posts": values["posts"],
            "authors": values["authors"],
            "per_minute": per_minute,
            "sentiment": {k: values[k] for k in ("positive", "negative", "neutral", "mixed", "unscored")},
            "net_sentiment": round((values["positive"] - values["negative"]) / scored, 4) if scored else None,
            "newest": _iso(values["newest"]),
            "freshness_seconds": (
                round((datetime.now(UTC) - newest_anywhere).total_seconds(), 1) if newest_anywhere else None
            ),
            "quarantined": quarantined,
            "window": {"start": _iso(window.start), "end": _iso(window.end), "bucket_seconds": window.bucket_seconds},
        }

    def volume(self, f: Filters) -> dict[str, Any]:
        """Posts per time bucket by sentiment, net sentiment per bucket, and spikes."""
        window = self.window(f)
        where, params = self.where(f, window)
        result = self._run(
            f"SELECT time_bucket(to_seconds(?::BIGINT), created_ts) AS bucket, coalesce(sentiment, 'NONE') AS s, "
            f"count(*) AS n FROM tweets WHERE {where} GROUP BY ALL ORDER BY bucket",
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
        """Top entities (per type), hashtags, mentions, link domains or authors (by reach)."""
        window = self.window(f)
        where, params = self.where(f, window, alias="t")
        if kind == "entities":
            # Entity rows carry the post's time and platform, so only the other filters need a join.
            if f.only_time():
                where, params = self.where(Filters(), window, "e")
                source = f"entities e WHERE {where}"
            else:
                source = f"entities e SEMI JOIN (SELECT platform, id FROM tweets t WHERE {where}) USING (platform, id)"
            sql = (
                f"SELECT e.type, e.entity, count(*) AS posts FROM {source} "
                "GROUP BY e.type, e.entity "
                "QUALIFY row_number() OVER (PARTITION BY e.type ORDER BY posts DESC, e.entity) <= ? "
                "ORDER BY e.type, posts DESC"
            )
        elif kind in ("hashtags", "mentions", "domains"):
            sql = (
                f"SELECT x AS {kind[:-1]}, count(*) AS posts FROM "
                f"(SELECT unnest(t.{kind}) AS x FROM tweets t WHERE {where}) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?"
            )
        elif kind == "authors":
            sql = (
                "SELECT t.screen_name AS author, any_value(t.name) AS name, max(t.followers) AS followers, "
                f"count(*) AS posts FROM tweets t WHERE {where} AND t.screen_name IS NOT NULL "
                "GROUP BY 1 ORDER BY followers DESC NULLS LAST, posts DESC LIMIT ?"
            )
        else:
            raise ConfigError(f"unknown top list {kind!r}; choose entities, hashtags, mentions, domains or authors")
        return _records(self._run(sql, [*params, limit]))

    def keywords(self, f: Filters) -> list[dict[str, Any]]:
        """Share of voice: volume and sentiment per matched keyword."""
        where, params = self.where(f)
        sql = (
            "SELECT k AS keyword, count(*) AS posts, "
            "count(*) FILTER (WHERE sentiment = 'POSITIVE') AS positive, "
            "count(*) FILTER (WHERE sentiment = 'NEGATIVE') AS negative, "
            "count(*) FILTER (WHERE sentiment = 'NEUTRAL') AS neutral, "
            "count(*) FILTER (WHERE sentiment = 'MIXED') AS mixed "
            f"FROM (SELECT unnest(matched_keywords) AS k, sentiment FROM tweets WHERE {where}) "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 50"
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
        where, params = self.where(f)
        column = "coalesce(lang, 'und')" if kind == "lang" else "platform"
        sql = (
            f"SELECT {column} AS {kind}, count(*) AS posts FROM tweets WHERE {where} "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 30"
        )
        return _records(self._run(sql, params))

    def posts(self, f: Filters, page: int = 1, size: int = 25) -> dict[str, Any]:
        """The latest posts, newest first, with their entities (text offsets) for highlighting."""
        if page < 1 or not 1 <= size <= 200:
            raise ConfigError("page must be 1 or more and size between 1 and 200")
        where, params = self.where(f, alias="t")
        # Two steps: find the page's keys (narrow columns), then read the full rows of just those
        # posts; sorting wide rows of the whole match set would cost far more.
        keys = self._run(
            f"SELECT t.platform, t.id, t.created_ts FROM tweets t WHERE {where} "
            "ORDER BY t.created_ts DESC, t.id DESC LIMIT ? OFFSET ?",
            [*params, size + 1, (page - 1) * size],
        ).rows()
        has_more = len(keys) > size
        keys = keys[:size]
        if not keys:
            return {"page": page, "size": size, "has_more": False, "rows": []}
        low, high = min(k[2] for k in keys), max(k[2] for k in keys)
        ids = [k[1] for k in keys]
        rows = _records(
            self._run(
                "SELECT t.platform, t.id, t.created_ts, t.screen_name, t.name, t.followers, t.lang, t.text, "
                "t.sentiment, s.sentiment_reason, t.post_url, t.hashtags, t.matched_keywords, t.is_repost "
                "FROM tweets t LEFT JOIN sentiment s ON s.platform = t.platform AND s.id = t.id "
                "AND s.created_ts BETWEEN ? AND ? "
                "WHERE t.created_ts BETWEEN ? AND ? AND t.id IN (SELECT unnest(?::VARCHAR[])) "
                "ORDER BY t.created_ts DESC, t.id DESC",
                [low, high, low, high, ids],
            )
        )
        wanted = {(k[0], k[1]) for k in keys}
        rows = [r for r in rows if (r["platform"], r["id"]) in wanted]
        if rows:
            times = [k[2] for k in keys]
            entities = self._run(
                "SELECT platform, id, entity, type, score, begin_offset, end_offset FROM entities "
                "WHERE created_ts BETWEEN ? AND ? AND id IN (SELECT unnest(?::VARCHAR[])) ORDER BY begin_offset",
                [min(times), max(times), [r["id"] for r in rows]],
            )
            by_post: dict[tuple[str, str], list[dict[str, Any]]] = {}
            for e in _records(entities):
                by_post.setdefault((e.pop("platform"), e.pop("id")), []).append(e)
            for r in rows:
                r["entities"] = by_post.get((r["platform"], r["id"]), [])
        return {"page": page, "size": size, "has_more": has_more, "rows": rows}

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
