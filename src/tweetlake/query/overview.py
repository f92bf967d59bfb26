"""Named analyst queries over the tables, shared by the demo's live summary (and the dashboard).

Every query goes through :class:`~tweetlake.query.engine.QueryEngine`, with bound parameters.
"""

from __future__ import annotations

from typing import Any

from tweetlake.query.engine import QueryEngine

__all__ = ["headline", "latest_posts", "sentiment_shares", "top_entities", "top_hashtags"]


def headline(engine: QueryEngine) -> dict[str, Any]:
    """Posts, unique authors, newest post time and posts in the last minute."""
    row = engine.execute(
        "SELECT count(*) AS posts, count(DISTINCT screen_name) AS authors, max(created_ts) AS newest, "
        "count(*) FILTER (WHERE created_ts >= now() - INTERVAL 1 MINUTE) AS last_minute FROM tweets"
    ).rows()[0]
    return dict(zip(("posts", "authors", "newest", "last_minute"), row, strict=True))


def sentiment_shares(engine: QueryEngine) -> list[tuple[str, int]]:
    """Posts per sentiment label; posts with no label are counted as ``UNSCORED``."""
    rows = engine.execute(
        "SELECT coalesce(sentiment, 'UNSCORED') AS label, count(*) AS n FROM sentiment GROUP BY 1 ORDER BY 2 DESC"
    ).rows()
    return [(str(label), int(n)) for label, n in rows]


def top_entities(engine: QueryEngine, limit: int = 8) -> list[tuple[str, str, int]]:
    rows = engine.execute(
        "SELECT entity, type, count(*) AS n FROM entities GROUP BY 1, 2 ORDER BY 3 DESC, 1 LIMIT ?", [limit]
    ).rows()
    return [(str(e), str(t), int(n)) for e, t, n in rows]


def top_hashtags(engine: QueryEngine, limit: int = 8) -> list[tuple[str, int]]:
    rows = engine.execute(
        "SELECT lower(tag) AS tag, count(*) AS n FROM (SELECT unnest(hashtags) AS tag FROM tweets) "
        "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?",
        [limit],
    ).rows()
    return [(str(t), int(n)) for t, n in rows]


def latest_posts(engine: QueryEngine, limit: int = 5) -> list[dict[str, Any]]:
    result = engine.execute(
        "SELECT t.created_ts, t.screen_name, t.lang, s.sentiment, t.text FROM tweets t "
        "LEFT JOIN sentiment s USING (id, platform) ORDER BY t.created_ts DESC LIMIT ?",
        [limit],
    )
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows()]
