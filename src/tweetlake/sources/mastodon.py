"""``mastodon``: a Mastodon server's streaming API over SSE (free; needs a user token since 4.2).

* **Endpoints** (``source-protocols.md`` §3): the streaming host comes from
  ``GET /api/v2/instance`` (``configuration.urls.streaming``), else the server itself; the stream
  is ``GET /api/v1/streaming/public`` (or ``public/local``, or ``hashtag?tag=…``) with
  ``Authorization: Bearer <user token>``.
* **Events**: ``update`` carries a Status (HTML ``content``: tags stripped, ``<br>`` and
  paragraphs kept as new lines, ``spoiler_text`` put first); a boost's text is the boosted
  status's. ``delete`` carries the bare id and becomes a ``delete`` notice; ``status.update`` (an
  edit) is counted; unknown events are ignored.
* **Liveness**: the server writes a ``:thump`` comment every 15 s; 45 s without a byte is a stall.
  Missed events are not replayed by Mastodon, so a reconnect can miss posts (documented; the
  timelines API backfill is not done here). Backoff: 1 s doubling to 60 s with jitter.
* **Secrets**: the token comes from ``TWEETLAKE_MASTODON_TOKEN`` or ``[sources.mastodon]
  token_file``, and is only ever sent in the ``Authorization`` header.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec

from tweetlake.errors import ConfigError
from tweetlake.record import Post, reference_created_at
from tweetlake.sources.backoff import Backoff, StreamError, StreamThread, exponential
from tweetlake.sources.base import Item, Notice, Rejected, Source
from tweetlake.sources.formats import parse_time

__all__ = ["MastodonSource", "html_to_text", "map_status"]

log = logging.getLogger(__name__)

STREAMS = {"public": "public", "public:local": "public/local", "public:remote": "public/remote", "hashtag": "hashtag"}
_BREAKS = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
_json = msgspec.json.Decoder()


def html_to_text(content: str) -> str:
    """Mastodon's HTML ``content`` as plain text: line breaks kept, tags dropped, entities decoded."""
    return html.unescape(_TAGS.sub("", _BREAKS.sub("\n", content))).strip()


def map_status(status: dict[str, Any], origin: str = "mastodon") -> Post:
    """A Mastodon Status → a post. A boost keeps the booster as author and the boosted text."""
    account = status.get("account") or {}
    inner = status.get("reblog") if isinstance(status.get("reblog"), dict) else None
    shown = inner or status
    text = html_to_text(str(shown.get("content") or ""))
    if shown.get("spoiler_text"):
        text = f"{shown['spoiler_text']}\n{text}".strip()
    if inner is not None:
        text = f"RT @{(inner.get('account') or {}).get('acct', '')}: {text}"
    created = parse_time(status.get("created_at"))
    mentions = shown.get("mentions") or []
    reply_account = shown.get("in_reply_to_account_id")
    reply_name = (
        next((m.get("acct") for m in mentions if m.get("id") == reply_account), None) if reply_account else None
    )
    application = status.get("application") or {}
    quote = shown.get("quote")
    quoted_id = None
    if isinstance(quote, dict):
        quoted_status = quote.get("quoted_status") if "quoted_status" in quote else quote
        quoted_id = str((quoted_status or {}).get("id") or "") or None
    return Post(
        created_at=reference_created_at(created),
        text=text,
        name=account.get("display_name") or account.get("username"),
        screen_name=account.get("acct"),
        description=html_to_text(str(account.get("note") or "")) or None,
        id=str(status["id"]),
        followers=account.get("followers_count"),
        friends=account.get("following_count"),
        source=application.get("name") if isinstance(application, dict) else None,
        lang=shown.get("language"),
        location=None,
        truncated=False,
        filter_level=None,
        in_reply_to_screen_name=reply_name,
        is_quote_status=quote is not None,
        platform="mastodon",
        created_ts=created,
        author_id=str(account.get("id")) if account.get("id") is not None else None,
        hashtags=[t["name"] for t in shown.get("tags") or [] if isinstance(t, dict) and t.get("name")],
        mentions=[m["acct"] for m in mentions if isinstance(m, dict) and m.get("acct")],
        urls=[c["url"]] if isinstance(c := shown.get("card"), dict) and c.get("url") else [],
        is_repost=inner is not None,
        repost_of_id=str(inner["id"]) if inner is not None and inner.get("id") else None,
        quoted_id=quoted_id,
        in_reply_to_id=str(shown["in_reply_to_id"]) if shown.get("in_reply_to_id") else None,
        post_url=status.get("url") or status.get("uri"),
    )


def parse_event(event: str, data: str, origin: str) -> list[Item]:
    """One SSE event → items. ``data`` is the raw payload text."""
    if event in ("update", "status.update"):
        try:
            status = _json.decode(data)
        except msgspec.DecodeError as exc:
            return [Rejected(f"invalid JSON in a Mastodon {event} event: {exc}", origin, None, data)]
        if event == "status.update":
            return [Notice("post_update", origin, {"platform": "mastodon", "id": str((status or {}).get("id"))})]
        try:
            return [map_status(status, origin)]
        except (KeyError, TypeError, ValueError, msgspec.ValidationError) as exc:
            return [Rejected(f"unusable Mastodon status: {exc}", origin, None, data)]
    if event == "delete":
        return [Notice("delete", origin, {"platform": "mastodon", "id": data.strip()})]
    return []  # notifications, filters_changed, announcements …: not posts


class MastodonSource(Source):
    """Posts from a Mastodon server's SSE streaming API.

    Args:
        endpoint: the server, e.g. ``https://mastodon.social`` (or a test server).
        token: a user access token with ``read:statuses``.
        stream: ``public``, ``public:local``, ``public:remote`` or ``hashtag`` (with ``tag``).
        stall_timeout: seconds without a byte (the heartbeat is every 15 s).
    """

    name = "mastodon"

    def __init__(
        self,
        endpoint: str,
        token: str,
        *,
        stream: str = "public",
        tag: str | None = None,
        stall_timeout: float = 45.0,
        backoff: Backoff | None = None,
    ) -> None:
        if not token:
            raise ConfigError(
                "the Mastodon source needs a user access token (every stream needs one since 4.2): set "
                "TWEETLAKE_MASTODON_TOKEN, or [sources.mastodon] token_file in tweetlake.toml"
            )
        if stream not in STREAMS:
            raise ConfigError(f"unknown Mastodon stream {stream!r}; choose one of {sorted(STREAMS)}")
        if stream == "hashtag" and not tag:
            raise ConfigError("the hashtag stream needs a tag: --tag NAME (without #)")
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"--endpoint {endpoint!r} is not a server URL like https://mastodon.social")
        self.endpoint = endpoint.rstrip("/")
        self.stream, self.tag = stream, tag
        self.stall_timeout = stall_timeout
        headers = {"Authorization": f"Bearer {token}", "User-Agent": "tweetlake", "Accept": "text/event-stream"}
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(15.0, read=stall_timeout))
        self._thread = StreamThread("mastodon", self._connect_once, backoff or exponential())
        self.streaming_base = self.endpoint

    @property
    def source_id(self) -> str:
        return f"mastodon-{urlsplit(self.endpoint).netloc}-{self.stream}{'-' + self.tag if self.tag else ''}"

    def describe(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "streaming": self.streaming_base, "stream": self.stream, "tag": self.tag}

    def open(self, resume: Any | None) -> None:
        self.streaming_base = self._discover()
        self._thread.start()

    def _discover(self) -> str:
        """The streaming host from ``/api/v2/instance``, or the server itself."""
        try:
            response = self._client.get(f"{self.endpoint}/api/v2/instance", headers={"Accept": "application/json"})
            streaming = ((response.json().get("configuration") or {}).get("urls") or {}).get("streaming")
        except (httpx.HTTPError, ValueError, AttributeError):
            return self.endpoint
        if not isinstance(streaming, str) or not streaming:
            return self.endpoint
        return streaming.replace("wss://", "https://", 1).replace("ws://", "http://", 1).rstrip("/")

    @property
    def exhausted(self) -> bool:
        return False

    def poll(self, max_items: int) -> list[Item]:
        return self._thread.take(max_items)

    def close(self) -> None:
        self._thread.stop(interrupt=self._client.close)
        self._client.close()

    def _connect_once(self, emit: Callable[[list[Item]], None]) -> bool:
        url = f"{self.streaming_base}/api/v1/streaming/{STREAMS[self.stream]}"
        params = {"tag": self.tag} if self.tag else {}
        delivered = False
        try:
            with self._client.stream("GET", url, params=params) as response:
                if response.status_code != 200:
                    response.read()
                    raise self._http_error(response)
                event, data = "", []
                for line in response.iter_lines():
                    if self._thread.stopped:
                        return delivered
                    if line.startswith(":"):
                        continue  # greeting and heartbeats
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].lstrip(" "))
                    elif line == "":
                        if event and data:
                            items = parse_event(event, "\n".join(data), self.endpoint)
                            if items:
                                delivered = True
                                emit(items)
                        event, data = "", []
        except httpx.ReadTimeout:
            raise StreamError(f"no data or heartbeat from Mastodon for {self.stall_timeout:g} s (stall)") from None
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise StreamError(f"Mastodon stream connection lost: {type(exc).__name__}") from None
        return delivered

    def _http_error(self, response: httpx.Response) -> StreamError:
        status = response.status_code
        try:
            detail = str(response.json().get("error", ""))
        except ValueError:
            detail = response.text[:200]
        if status == 401:
            return StreamError(
                "Mastodon refused the token (401): it must be a user token with read:statuses "
                "(TWEETLAKE_MASTODON_TOKEN or [sources.mastodon] token_file)",
                fatal=True,
            )
        if status in (400, 403, 404):
            return StreamError(
                f"Mastodon refused the stream ({status}: {detail}); check --stream and --tag", fatal=True
            )
        kind = "rate_limit" if status == 429 else "http"
        return StreamError(f"Mastodon answered HTTP {status}: {detail}", kind=kind)
