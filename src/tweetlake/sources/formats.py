"""Archive formats, detected per line, mapped to :class:`~tweetlake.record.Post`.

Three formats are recognised (``source-protocols.md`` §1.6-1.7 has the field mappings):

* **v1.1 status** (``user`` + ``text``/``full_text``): the stream and REST objects. The full text
  comes from ``retweeted_status`` (for retweets), then ``extended_tweet.full_text``, then
  ``full_text``, then ``text``. Stream control lines (``delete``, ``limit``, ``scrub_geo``, ...)
  become :class:`Notice` items. Timeline arrays and ``{"statuses": [...]}`` pages are unpacked.
* **X API v2** (``data`` + optional ``includes``): one streamed line or one response page whose
  ``data`` is a list. Authors come from ``includes.users``. The 2026 ``posts`` renames are
  accepted too.
* **Flat JSON lines**: the reference's 15-field records, and tweetlake's own post records.

X ids are snowflakes, so a v1.1 or v2 object without ``created_at`` still gets its true creation
time from its id.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from tweetlake.record import Post, reference_created_at
from tweetlake.sources.base import Item, Notice, Rejected

__all__ = ["parse_object", "parse_time", "snowflake_time"]

_NOTICE_KEYS = ("delete", "limit", "scrub_geo", "status_withheld", "user_withheld", "disconnect", "warning")
_TAGS = re.compile(r"<[^>]+>")
_TWITTER_EPOCH_MS = 1288834974657
_V11_TIME = "%a %b %d %H:%M:%S %z %Y"


class FormatError(ValueError):
    """A record looks like a known format but cannot be mapped; the message says why."""


def parse_object(obj: Any, origin: str, line: int | None, raw: str) -> list[Item]:
    """Map one decoded JSON value to posts, notices or a rejection."""
    try:
        return _dispatch(obj, origin, line, raw)
    except FormatError as exc:
        return [Rejected(str(exc), origin, line, raw)]


def _dispatch(obj: Any, origin: str, line: int | None, raw: str) -> list[Item]:
    if isinstance(obj, list):
        items: list[Item] = []
        for element in obj:
            items.extend(parse_object(element, origin, line, raw))
        return items
    if not isinstance(obj, dict):
        raise FormatError(f"expected a JSON object per line, got {type(obj).__name__}")
    for key in _NOTICE_KEYS:
        if key in obj and len(obj) <= 2:
            detail = obj[key] if isinstance(obj[key], dict) else {"value": obj[key]}
            status = detail.get("status") if key == "delete" else None
            if isinstance(status, dict) and (status.get("id_str") or status.get("id")):
                detail = {"platform": "x", "id": str(status.get("id_str") or status.get("id"))}
            return [Notice(key, origin, detail)]
    if isinstance(obj.get("statuses"), list):
        return _dispatch(obj["statuses"], origin, line, raw)
    if "data" in obj:
        return _v2(obj, origin, line)
    if "errors" in obj and len(obj) <= 2:
        return [Notice("error", origin, {"errors": obj["errors"]})]
    if isinstance(obj.get("user"), dict) and ("text" in obj or "full_text" in obj):
        return [_v11(obj)]
    if "text" in obj and "id" in obj:
        return [_flat(obj)]
    keys = ", ".join(sorted(obj)[:8])
    raise FormatError(
        f"unrecognised record (keys: {keys}). Expected a v1.1 status (user + text), an X API v2 "
        "object (data + includes), or a flat record with id, text and created_at"
    )


# -- helpers -------------------------------------------------------------------------------------
def parse_time(value: Any, field: str = "created_at") -> datetime:
    """Parse a creation time: v1.1 (``Wed Oct 10 20:19:24 +0000 2018``), ISO 8601, or epoch s/ms.

    A time without a zone is taken as UTC.
    """
    if isinstance(value, bool):
        raise FormatError(f"`{field}` must be a time, got a boolean")
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(seconds, UTC)
    if not isinstance(value, str) or not value.strip():
        raise FormatError(f"`{field}` is missing or empty; expected a time like 2026-11-28T10:00:00Z")
    text = value.strip()
    try:
        parsed = datetime.strptime(text, _V11_TIME)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
        except ValueError:
            raise FormatError(
                f"`{field}` {value!r} is not a time tweetlake understands; use ISO 8601 "
                "(2026-11-28T10:00:00Z), the v1.1 form (Wed Oct 10 20:19:24 +0000 2018) or epoch ms"
            ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def snowflake_time(post_id: str) -> datetime | None:
    """The creation time encoded in an X snowflake id (ids issued since November 2010)."""
    if not post_id.isdigit():
        return None
    value = int(post_id)
    if value < 1 << 32:  # pre-snowflake sequential ids carry no time
        return None
    return datetime.fromtimestamp(((value >> 22) + _TWITTER_EPOCH_MS) / 1000, UTC)


def _str(obj: dict[str, Any], key: str, *, required: bool = False, where: str = "") -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise FormatError(f"missing field `{where}{key}`")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FormatError(f"field `{where}{key}` must be a string, got {type(value).__name__}")
    return str(value)


def _int(obj: dict[str, Any], key: str, where: str = "") -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        raise FormatError(f"field `{where}{key}` must be an integer, got {value!r:.40}")
    return value


def _bool(obj: dict[str, Any], key: str, where: str = "") -> bool:
    value = obj.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise FormatError(f"field `{where}{key}` must be true or false, got {value!r:.40}")
    return value


def _dict(obj: dict[str, Any], key: str) -> dict[str, Any]:
    value = obj.get(key)
    return value if isinstance(value, dict) else {}


def _texts(entries: Any, key: str, fallback: str | None = None) -> list[str]:
    out: list[str] = []
    if isinstance(entries, list):
        for entry in entries:
            if isinstance(entry, dict):
                value = entry.get(key) or (entry.get(fallback) if fallback else None)
                if isinstance(value, str) and value:
                    out.append(value)
    return out


def _created(obj: dict[str, Any], post_id: str) -> datetime:
    if obj.get("created_at") is not None:
        return parse_time(obj["created_at"])
    from_id = snowflake_time(post_id)
    if from_id is None:
        raise FormatError("missing field `created_at`, and the id is not an X snowflake id to derive it from")
    return from_id


def _checked(build: Callable[[], Post]) -> Post:
    try:
        return build()
    except (ValueError, TypeError, msgspec.ValidationError) as exc:
        raise FormatError(str(exc)) from None


# -- v1.1 ----------------------------------------------------------------------------------------
def _full_text(status: dict[str, Any]) -> tuple[str, bool, dict[str, Any]]:
    """(text, complete?, entities) by the pick order extended_tweet → full_text → text."""
    extended = _dict(status, "extended_tweet")
    if isinstance(extended.get("full_text"), str):
        return extended["full_text"], True, _dict(extended, "entities") or _dict(status, "entities")
    if isinstance(status.get("full_text"), str):
        return status["full_text"], True, _dict(status, "entities")
    text = status.get("text")
    if not isinstance(text, str):
        raise FormatError("field `text` must be a string")
    return text, not bool(status.get("truncated")), _dict(status, "entities")


def _v11(status: dict[str, Any]) -> Post:
    user = _dict(status, "user")
    post_id = _str(status, "id_str") or _str(status, "id", required=True)
    assert post_id is not None
    retweeted = status.get("retweeted_status")
    is_repost = isinstance(retweeted, dict)
    if isinstance(retweeted, dict):
        inner_text, complete, entities = _full_text(retweeted)
        inner_user = _dict(retweeted, "user")
        text = f"RT @{inner_user.get('screen_name', '')}: {inner_text}"
        repost_of = _str(retweeted, "id_str") or _str(retweeted, "id")
    else:
        text, complete, entities = _full_text(status)
        repost_of = None
    created = _created(status, post_id)
    screen_name = _str(user, "screen_name", where="user.")
    source = _str(status, "source")
    return _checked(
        lambda: Post(
            created_at=reference_created_at(created),
            text=html.unescape(text),
            name=_str(user, "name", where="user."),
            screen_name=screen_name,
            description=_str(user, "description", where="user."),
            id=post_id,
            followers=_int(user, "followers_count", "user."),
            friends=_int(user, "friends_count", "user."),
            source=_TAGS.sub("", source) if source else None,
            lang=_str(status, "lang"),
            location=_str(user, "location", where="user."),
            truncated=not complete,
            filter_level=_str(status, "filter_level"),
            in_reply_to_screen_name=_str(status, "in_reply_to_screen_name"),
            is_quote_status=_bool(status, "is_quote_status"),
            platform="x",
            created_ts=created,
            author_id=_str(user, "id_str", where="user.") or _str(user, "id", where="user."),
            hashtags=_texts(entities.get("hashtags"), "text"),
            mentions=_texts(entities.get("user_mentions"), "screen_name"),
            urls=_texts(entities.get("urls"), "expanded_url", "url"),
            is_repost=is_repost,
            repost_of_id=repost_of,
            quoted_id=_str(status, "quoted_status_id_str") or _str(status, "quoted_status_id"),
            in_reply_to_id=_str(status, "in_reply_to_status_id_str") or _str(status, "in_reply_to_status_id"),
            post_url=f"https://x.com/{screen_name or 'i'}/status/{post_id}",
        )
    )


# -- v2 ------------------------------------------------------------------------------------------
def _v2(obj: dict[str, Any], origin: str, line: int | None) -> list[Item]:
    data = obj["data"]
    includes = _dict(obj, "includes")
    users = {u.get("id"): u for u in includes.get("users", []) if isinstance(u, dict)}
    tweets_list = includes.get("tweets", includes.get("posts", []))
    tweets = {t.get("id"): t for t in tweets_list if isinstance(t, dict)}
    if isinstance(data, list):
        return [_v2_tweet(t, users, tweets) if isinstance(t, dict) else _bad_v2(t) for t in data]
    if not isinstance(data, dict):
        raise FormatError(f"field `data` must be an object or a list, got {type(data).__name__}")
    return [_v2_tweet(data, users, tweets)]


def _bad_v2(value: Any) -> Post:
    raise FormatError(f"an element of `data` must be an object, got {type(value).__name__}")


def _v2_tweet(tweet: dict[str, Any], users: dict[Any, Any], tweets: dict[Any, Any]) -> Post:
    post_id = _str(tweet, "id", required=True, where="data.")
    assert post_id is not None
    note = _dict(tweet, "note_tweet")
    text = note.get("text") if isinstance(note.get("text"), str) else tweet.get("text")
    if not isinstance(text, str):
        raise FormatError("field `data.text` must be a string")
    refs = tweet.get("referenced_tweets", tweet.get("referenced_posts", []))
    ref_ids = {r.get("type"): r.get("id") for r in refs if isinstance(r, dict)} if isinstance(refs, list) else {}
    author = users.get(tweet.get("author_id"), {})
    metrics = _dict(author, "public_metrics")
    reply_user = users.get(tweet.get("in_reply_to_user_id"), {})
    retweeted = tweets.get(ref_ids.get("retweeted"))
    if isinstance(retweeted, dict) and isinstance(retweeted.get("text"), str):
        inner_note = _dict(retweeted, "note_tweet")
        inner = inner_note.get("text") or retweeted["text"]
        inner_author = users.get(retweeted.get("author_id"), {})
        text = f"RT @{inner_author.get('username', '')}: {inner}"
    entities = _dict(note, "entities") or _dict(tweet, "entities")
    created = _created(tweet, post_id)
    username = _str(author, "username", where="includes.users[].")
    return _checked(
        lambda: Post(
            created_at=reference_created_at(created),
            text=text,
            name=_str(author, "name", where="includes.users[]."),
            screen_name=username,
            description=_str(author, "description", where="includes.users[]."),
            id=post_id,
            followers=_int(metrics, "followers_count", "public_metrics."),
            friends=_int(metrics, "following_count", "public_metrics."),
            source=_str(tweet, "source"),
            lang=_str(tweet, "lang"),
            location=_str(author, "location", where="includes.users[]."),
            truncated=False,
            filter_level=None,
            in_reply_to_screen_name=_str(reply_user, "username"),
            is_quote_status="quoted" in ref_ids,
            platform="x",
            created_ts=created,
            author_id=_str(tweet, "author_id"),
            hashtags=_texts(entities.get("hashtags"), "tag"),
            mentions=_texts(entities.get("mentions"), "username"),
            urls=_texts(entities.get("urls"), "expanded_url", "url"),
            is_repost="retweeted" in ref_ids,
            repost_of_id=ref_ids.get("retweeted"),
            quoted_id=ref_ids.get("quoted"),
            in_reply_to_id=ref_ids.get("replied_to"),
            post_url=f"https://x.com/{username or 'i'}/status/{post_id}",
        )
    )


# -- flat reference / tweetlake records ----------------------------------------------------------
_LIST_FIELDS = ("hashtags", "mentions", "urls", "matched_keywords")


def _flat(obj: dict[str, Any]) -> Post:
    if "platform" in obj and "created_ts" in obj:
        # tweetlake's own post record (for example a raw-zone file replayed into another lake).
        try:
            return msgspec.convert(obj, Post, strict=False)
        except msgspec.ValidationError as exc:
            raise FormatError(f"tweetlake post record: {exc}") from None
    post_id = _str(obj, "id", required=True)
    assert post_id is not None
    text = obj.get("text")
    if not isinstance(text, str):
        raise FormatError(f"field `text` must be a string, got {type(text).__name__}")
    created = _created(obj, post_id)
    lists = {}
    for key in _LIST_FIELDS:
        value = obj.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise FormatError(f"field `{key}` must be a list of strings")
        lists[key] = value
    return _checked(
        lambda: Post(
            created_at=reference_created_at(created),
            text=text,
            name=_str(obj, "name"),
            screen_name=_str(obj, "screen_name"),
            description=_str(obj, "description"),
            id=post_id,
            followers=_int(obj, "followers"),
            friends=_int(obj, "friends"),
            source=_str(obj, "source"),
            lang=_str(obj, "lang"),
            location=_str(obj, "location"),
            truncated=_bool(obj, "truncated"),
            filter_level=_str(obj, "filter_level"),
            in_reply_to_screen_name=_str(obj, "in_reply_to_screen_name"),
            is_quote_status=_bool(obj, "is_quote_status"),
            platform=_str(obj, "platform") or "x",
            created_ts=created,
            hashtags=lists["hashtags"],
            mentions=lists["mentions"],
            urls=lists["urls"],
        )
    )
