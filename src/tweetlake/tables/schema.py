"""The tables' Arrow schemas: the reference's Glue columns first, exactly, then ours; then the rollups.

The reference's columns keep their names, order and types (``string``, ``bigint``, ``boolean``,
``double``), so the reference's own DDL still reads the files. tweetlake's extra columns follow.
The Hive partition column ``dt`` (``YYYY-MM-DD`` of ``created_ts``) is in the folder name, not in
the files. Timestamps are stored in milliseconds, UTC, which every engine reads.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

__all__ = ["PARTITION_COLUMNS", "REFERENCE_COLUMNS", "ROLLUP_SCHEMAS", "SCHEMAS", "TABLE_SCHEMAS", "TIMESTAMP"]

TIMESTAMP: Final = pa.timestamp("ms", tz="UTC")
_STRINGS: Final = pa.list_(pa.string())

TWEETS: Final = pa.schema(
    [
        # the reference's 15 columns
        ("created_at", pa.string()),
        ("text", pa.string()),
        ("name", pa.string()),
        ("screen_name", pa.string()),
        ("description", pa.string()),
        ("id", pa.string()),
        ("followers", pa.int64()),
        ("friends", pa.int64()),
        ("source", pa.string()),
        ("lang", pa.string()),
        ("location", pa.string()),
        ("truncated", pa.bool_()),
        ("filter_level", pa.string()),
        ("in_reply_to_screen_name", pa.string()),
        ("is_quote_status", pa.bool_()),
        # tweetlake's additions
        ("platform", pa.string()),
        ("created_ts", TIMESTAMP),
        ("ingested_ts", TIMESTAMP),
        ("author_id", pa.string()),
        ("hashtags", _STRINGS),
        ("mentions", _STRINGS),
        ("urls", _STRINGS),
        ("matched_keywords", _STRINGS),
        ("is_repost", pa.bool_()),
        ("repost_of_id", pa.string()),
        ("quoted_id", pa.string()),
        ("in_reply_to_id", pa.string()),
        ("post_url", pa.string()),
        ("batch_id", pa.string()),
        # the post's sentiment label, copied from `sentiment` so filters need no join
        ("sentiment", pa.string()),
        # the host names of `urls` (lower case, without "www."), for top domains and filters
        ("domains", _STRINGS),
    ]
)

SENTIMENT: Final = pa.schema(
    [
        # the reference's 7 columns
        ("id", pa.string()),
        ("text", pa.string()),
        ("sentiment", pa.string()),
        ("sentiment_pos_score", pa.float64()),
        ("sentiment_neg_score", pa.float64()),
        ("sentiment_neu_score", pa.float64()),
        ("sentiment_mixed_score", pa.float64()),
        # tweetlake's additions
        ("platform", pa.string()),
        ("created_ts", TIMESTAMP),
        ("lang", pa.string()),
        ("lang_detected", pa.bool_()),
        ("sentiment_model", pa.string()),
        ("sentiment_reason", pa.string()),
    ]
)

ENTITIES: Final = pa.schema(
    [
        # the reference's 4 columns
        ("id", pa.string()),
        ("entity", pa.string()),
        ("type", pa.string()),
        ("score", pa.float64()),
        # tweetlake's additions
        ("platform", pa.string()),
        ("created_ts", TIMESTAMP),
        ("begin_offset", pa.int32()),
        ("end_offset", pa.int32()),
        ("entity_model", pa.string()),
    ]
)

# The hashes of the posts' authors that fall in a fixed 1/8 of the hash space (tables/rollups.py).
_AUTHOR_SAMPLE: Final = pa.list_(pa.uint64())

# -- rollups: counts per hour, maintained in the same commit as the rows they count -------------
# The dashboard answers from these instead of scanning millions of posts (see tables/rollups.py).
# `lang` is the post's language or "und"; `keywords` is the sorted list of matched keywords.
POSTS_HOURLY: Final = pa.schema(
    [
        ("hour_start", TIMESTAMP),
        ("platform", pa.string()),
        ("lang", pa.string()),
        ("sentiment", pa.string()),
        ("keywords", _STRINGS),
        ("posts", pa.int64()),
        ("oldest", TIMESTAMP),
        ("newest", TIMESTAMP),
        ("author_sample", _AUTHOR_SAMPLE),
    ]
)

# One row per hour, facet value and post dimensions; `posts` counts each post once per value.
# facet: "hashtag", "mention", "domain", "entity" (then `type` is the entity type) or "author"
# (`value` is the screen name; only posts by accounts with at least NOTABLE_FOLLOWERS followers,
# with the account's largest follower count and its display name).
FACETS_HOURLY: Final = pa.schema(
    [
        ("hour_start", TIMESTAMP),
        ("facet", pa.string()),
        ("type", pa.string()),
        ("value", pa.string()),
        ("platform", pa.string()),
        ("lang", pa.string()),
        ("sentiment", pa.string()),
        ("keywords", _STRINGS),
        ("posts", pa.int64()),
        ("newest", TIMESTAMP),
        ("author_sample", _AUTHOR_SAMPLE),
        ("followers", pa.int64()),
        ("name", pa.string()),
    ]
)

#: The three tables of the reference design (plus our columns).
TABLE_SCHEMAS: Final = {"tweets": TWEETS, "sentiment": SENTIMENT, "entities": ENTITIES}
#: The rollup tables, derived from the three.
ROLLUP_SCHEMAS: Final = {"posts_hourly": POSTS_HOURLY, "facets_hourly": FACETS_HOURLY}
#: Every table the catalog tracks.
SCHEMAS: Final = {**TABLE_SCHEMAS, **ROLLUP_SCHEMAS}

#: The timestamp whose UTC day is each table's Hive partition (``dt=YYYY-MM-DD``).
PARTITION_COLUMNS: Final = {
    **{name: "created_ts" for name in TABLE_SCHEMAS},
    **{name: "hour_start" for name in ROLLUP_SCHEMAS},
}

#: How many leading columns of each table are the reference's own.
REFERENCE_COLUMNS: Final = {"tweets": 15, "sentiment": 7, "entities": 4}
