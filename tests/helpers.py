"""Small builders used across tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tweetlake.record import Post, reference_created_at

T0 = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def post(post_id: str = "1", text: str = "I love Kyiv", **fields: Any) -> Post:
    created = fields.pop("created_ts", T0)
    values: dict[str, Any] = {
        "created_at": reference_created_at(created),
        "text": text,
        "id": post_id,
        "platform": "x",
        "created_ts": created,
        "lang": "en",
        "screen_name": "someone",
    }
    values.update(fields)
    return Post(**values)


def reference_line(post_id: str, text: Any, **fields: Any) -> str:
    """A line in the reference design's own 15-field JSON format."""
    record = {
        "created_at": "Sat Nov 28 10:00:00 +0000 2026",
        "text": text,
        "name": "Ann",
        "screen_name": "ann",
        "description": "",
        "id": post_id,
        "followers": 10,
        "friends": 5,
        "source": "Twitter for iPhone",
        "lang": "en",
        "location": "Kyiv",
        "truncated": False,
        "filter_level": "low",
        "in_reply_to_screen_name": None,
        "is_quote_status": False,
    }
    record.update(fields)
    return json.dumps(record)
