"""The three tables' Arrow schemas: the reference's Glue columns first, exactly, then ours.

The reference's columns keep their names, order and types (``string``, ``bigint``, ``boolean``,
``double``), so the reference's own DDL still reads the files. tweetlake's extra columns follow.
The Hive partition column ``dt`` (``YYYY-MM-DD`` of ``created_ts``) is in the folder name, not in
the files. Timestamps are stored in milliseconds, UTC, which every engine reads.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

__all__ = ["REFERENCE_COLUMNS", "SCHEMAS", "TIMESTAMP"]

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

SCHEMAS: Final = {"tweets": TWEETS, "sentiment": SENTIMENT, "entities": ENTITIES}

#: How many leading columns of each table are the reference's own.
REFERENCE_COLUMNS: Final = {"tweets": 15, "sentiment": 7, "entities": 4}
