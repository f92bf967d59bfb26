"""The post record: the one normalized shape that every source produces.

A :class:`Post` carries the reference design's 15 tweet fields first, in the reference's order
and with its types, then what the reference lacks: the platform, typed UTC timestamps, hashtags,
mentions, URLs, the keywords that matched, repost/quote/reply links and the ingest time.

Posts travel through the raw zone as JSON lines (``msgspec`` encodes and validates them), so a
raw file written by another tool is checked field by field when enrichment reads it back.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Final

import msgspec

__all__ = ["PLATFORMS", "Post", "decode_key", "decode_post", "encode_post", "post_key", "reference_created_at"]

#: Platforms a post can come from. ``synthetic`` marks generated demo and test data.
PLATFORMS: Final = frozenset({"x", "bluesky", "mastodon", "synthetic"})

_UTCDatetime = Annotated[datetime, msgspec.Meta(tz=True)]


class Post(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """One social post, normalized. Field order is the ``tweets`` table's column order."""

    # -- the reference's 15 fields, in its Glue table's order ---------------------------------
    created_at: str
    """Creation time as the reference writes it: ``Wed Oct 10 20:19:24 +0000 2018``."""
    text: str
    name: str | None = None
    screen_name: str | None = None
    description: str | None = None
    id: str
    followers: int | None = None
    friends: int | None = None
    source: str | None = None
    lang: str | None = None
    location: str | None = None
    truncated: bool = False
    filter_level: str | None = None
    in_reply_to_screen_name: str | None = None
    is_quote_status: bool = False
    # -- tweetlake's additions -------------------------------------------------------------------
    platform: str
    created_ts: _UTCDatetime
    ingested_ts: _UTCDatetime | None = None
    author_id: str | None = None
    hashtags: list[str] = msgspec.field(default_factory=list)
    mentions: list[str] = msgspec.field(default_factory=list)
    urls: list[str] = msgspec.field(default_factory=list)
    matched_keywords: list[str] = msgspec.field(default_factory=list)
    is_repost: bool = False
    repost_of_id: str | None = None
    quoted_id: str | None = None
    in_reply_to_id: str | None = None
    post_url: str | None = None

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("empty text: a post needs non-blank `text` to be analysed")
        if not self.id:
            raise ValueError("empty `id`: every post needs its platform's post id")
        if self.platform not in PLATFORMS:
            raise ValueError(f"unknown platform {self.platform!r}; expected one of {sorted(PLATFORMS)}")

    @property
    def key(self) -> str:
        """The de-duplication key: platform and post id."""
        return f"{self.platform}:{self.id}"


class _Key(msgspec.Struct):
    """The two fields of a post that make its key, typed as in :class:`Post`."""

    platform: str
    id: str


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Post)
_key_decoder = msgspec.json.Decoder(_Key)


def encode_post(post: Post) -> bytes:
    """Serialize a post as one compact JSON document (no trailing newline)."""
    return _encoder.encode(post)


def decode_post(line: bytes | str) -> Post:
    """Parse and validate one JSON line as a :class:`Post`.

    Raises:
        msgspec.DecodeError: the line is not valid JSON.
        msgspec.ValidationError: a field is missing, has the wrong type, or the text is empty;
            the message names the field, e.g. ``Expected `str`, got `int` - at `$.text```.
    """
    return _decoder.decode(line)


def decode_key(line: bytes | str) -> int:
    """The :func:`post_key` of one JSON line, reading only ``platform`` and ``id``.

    About a sixth of the cost of :func:`decode_post`, and it builds no post. It checks less:
    every line that :func:`decode_post` accepts has a key, but a line with a key may still be
    an invalid post.

    Raises:
        msgspec.DecodeError: the line is not JSON, or lacks a string ``platform`` or ``id``.
    """
    key = _key_decoder.decode(line)
    return post_key(key.platform, key.id)


def post_key(platform: str, post_id: str) -> int:
    """A 64-bit hash of ``(platform, id)``, the key the lake de-duplicates on.

    64 bits keep ten million keys in 80 MB. The chance that two different posts share a key is
    below one in a million at that size (birthday bound), which we accept and document.
    """
    digest = hashlib.blake2b(f"{platform}\x00{post_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def reference_created_at(ts: datetime) -> str:
    """Format a timestamp the way the reference's ``created_at`` column holds it (v1.1 style)."""
    ts = ts.astimezone(UTC)
    # Spelled out rather than strftime("%a %b"), which follows the process locale.
    return f"{_DAYS[ts.weekday()]} {_MONTHS[ts.month - 1]} {ts:%d %H:%M:%S} +0000 {ts.year:04d}"


_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
