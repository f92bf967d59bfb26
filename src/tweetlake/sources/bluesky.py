"""``bluesky``: the Bluesky Jetstream firehose (free, no key), the default live source.

Jetstream is a websocket of JSON events (``source-protocols.md`` §2). It has no keyword filter,
so tweetlake subscribes to every post (``wantedCollections=app.bsky.feed.post``) and the
pipeline's keyword filter does the matching, hundreds of events a second.

* **Cursor**: each event's ``time_us``. The source's snapshot is the newest ``time_us`` returned;
  a reconnect or restart resumes from it minus a safety margin (5 s), and the lake drops the
  duplicates. A resume older than Jetstream's 36 h window is clamped by the server, silently:
  the source logs the gap when the first event is newer than the cursor asked for.
* **Liveness**: websocket pings every 30 s; no frame for ``stall_timeout`` (60 s) means a stall,
  and the source reconnects. Backoff is 1 s doubling to 60 s with jitter (Jetstream documents none).
* **Deletes**: a post's delete commit becomes a ``delete`` notice with its id, recorded in the
  lake's ``deletes`` zone so users can honour it.
* **Profiles**: handle, display name, description and follower counts come from the public
  AppView (``app.bsky.actor.getProfiles``, 25 actors a call), cached for an hour; a profile
  lookup that fails leaves those fields empty rather than blocking the stream.
* **Facets** give hashtags, mentions and links; their offsets are UTF-8 byte offsets.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import msgspec

from tweetlake.errors import ConfigError
from tweetlake.record import Post, reference_created_at
from tweetlake.sources.backoff import Backoff, StreamError, StreamThread, exponential
from tweetlake.sources.base import Item, Notice, Rejected, Source
from tweetlake.sources.formats import parse_time

__all__ = ["JETSTREAM", "JetstreamSource", "ProfileCache", "map_event"]

log = logging.getLogger(__name__)

JETSTREAM = "wss://jetstream2.us-east.bsky.network/subscribe"
APPVIEW = "https://public.api.bsky.app"
POST = "app.bsky.feed.post"
_QUOTE_EMBEDS = ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia")
_json = msgspec.json.Decoder()


@dataclass(frozen=True, slots=True)
class _Mark:
    """Queued after a group of items: the Jetstream time they reach (the resume cursor)."""

    time_us: int


class ProfileCache:
    """Bluesky profiles by DID, fetched 25 at a time from the AppView and kept for ``ttl`` seconds."""

    def __init__(self, endpoint: str = APPVIEW, ttl: float = 3600.0, client: httpx.Client | None = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.ttl = ttl
        self._client = client or httpx.Client(timeout=10.0, headers={"User-Agent": "tweetlake"})
        self._profiles: dict[str, tuple[float, dict[str, Any]]] = {}
        self._failed_until = 0.0
        self.lookups = 0

    def get(self, did: str) -> dict[str, Any] | None:
        entry = self._profiles.get(did)
        return entry[1] if entry and entry[0] > time.monotonic() else None

    def forget(self, did: str) -> None:
        self._profiles.pop(did, None)

    def fetch(self, dids: Sequence[str]) -> None:
        """Look up the DIDs not cached yet. Failures are logged, and lookups pause for 30 s."""
        now = time.monotonic()
        missing = sorted({d for d in dids if self.get(d) is None})
        if not missing or now < self._failed_until:
            return
        for start in range(0, len(missing), 25):
            chunk = missing[start : start + 25]
            query = urlencode([("actors", d) for d in chunk])
            try:
                response = self._client.get(f"{self.endpoint}/xrpc/app.bsky.actor.getProfiles?{query}")
                response.raise_for_status()
                profiles = response.json().get("profiles", [])
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("bluesky profile lookup failed (%s); posts keep going without profiles for 30 s", exc)
                self._failed_until = now + 30
                return
            self.lookups += 1
            for profile in profiles:
                if isinstance(profile, dict) and isinstance(profile.get("did"), str):
                    self._profiles[profile["did"]] = (now + self.ttl, profile)

    def close(self) -> None:
        self._client.close()


def _facets(record: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Hashtags, mentioned handles and links, from facets (UTF-8 byte offsets) and ``tags``."""
    text_bytes = str(record.get("text", "")).encode("utf-8")
    tags: list[str] = []
    mentions: list[str] = []
    links: list[str] = []
    for facet in record.get("facets") or []:
        if not isinstance(facet, dict):
            continue
        index = facet.get("index") or {}
        start, end = index.get("byteStart"), index.get("byteEnd")
        for feature in facet.get("features") or []:
            kind = str(feature.get("$type", ""))
            if kind.endswith("#tag") and isinstance(feature.get("tag"), str):
                tags.append(feature["tag"])
            elif kind.endswith("#link") and isinstance(feature.get("uri"), str):
                links.append(feature["uri"])
            elif kind.endswith("#mention") and isinstance(start, int) and isinstance(end, int):
                handle = text_bytes[start:end].decode("utf-8", errors="replace").lstrip("@")
                if handle:
                    mentions.append(handle)
    tags += [t for t in record.get("tags") or [] if isinstance(t, str) and t not in tags]
    return tags, mentions, links


def _did_of(uri: str) -> str | None:
    """``at://did:plc:x/app.bsky.feed.post/rk`` → ``did:plc:x``."""
    if not uri.startswith("at://"):
        return None
    return uri[5:].split("/", 1)[0] or None


def map_event(event: Any, profiles: ProfileCache | None = None) -> list[Item]:
    """One Jetstream event → a post, a notice, or nothing (other collections are ignored)."""
    if not isinstance(event, dict) or "kind" not in event or "did" not in event:
        raise ValueError("not a Jetstream event: expected an object with did, time_us and kind")
    did = event["did"]
    kind = event["kind"]
    if kind in ("identity", "account"):
        if profiles is not None:
            profiles.forget(did)  # a new handle or a deactivated account: look it up again
        return []
    commit = event.get("commit")
    if kind != "commit" or not isinstance(commit, dict) or commit.get("collection") != POST:
        return []
    post_id = f"at://{did}/{POST}/{commit.get('rkey')}"
    operation = commit.get("operation")
    if operation == "delete":
        return [Notice("delete", "jetstream", {"platform": "bluesky", "id": post_id})]
    if operation != "create":
        return [Notice(f"post_{operation}", "jetstream", {"platform": "bluesky", "id": post_id})]
    record = commit.get("record")
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise ValueError("post commit without a record.text string")
    if not record["text"].strip():
        # Allowed by the lexicon when the post has an embed (an image, a link card): nothing to
        # analyse, so it is counted as a notice rather than stored or quarantined.
        return [Notice("no_text", "jetstream", {"platform": "bluesky", "id": post_id})]
    return [_post(did, post_id, str(commit.get("rkey")), record, int(event.get("time_us", 0)), profiles)]


def _post(
    did: str, post_id: str, rkey: str, record: dict[str, Any], time_us: int, profiles: ProfileCache | None
) -> Post:
    try:
        created = parse_time(record.get("createdAt"), "record.createdAt")
    except ValueError:
        created = datetime.fromtimestamp(time_us / 1e6, UTC)  # the client's clock can be wrong or absent
    profile = profiles.get(did) if profiles else None
    profile = profile or {}
    reply = record.get("reply") or {}
    parent_uri = ((reply.get("parent") or {}).get("uri")) if isinstance(reply, dict) else None
    parent_did = _did_of(parent_uri) if isinstance(parent_uri, str) else None
    parent = (profiles.get(parent_did) if profiles and parent_did else None) or {}
    embed = record.get("embed") or {}
    quoted = None
    if isinstance(embed, dict) and embed.get("$type") in _QUOTE_EMBEDS:
        inner = embed.get("record") or {}
        quoted = inner.get("uri") or (inner.get("record") or {}).get("uri")
    tags, mentions, links = _facets(record)
    langs = record.get("langs") or []
    handle = profile.get("handle")
    return Post(
        created_at=reference_created_at(created),
        text=record["text"],
        name=profile.get("displayName") or None,
        screen_name=handle,
        description=profile.get("description") or None,
        id=post_id,
        followers=profile.get("followersCount"),
        friends=profile.get("followsCount"),
        source=None,
        lang=langs[0] if langs and isinstance(langs[0], str) else None,
        location=None,
        truncated=False,
        filter_level=None,
        in_reply_to_screen_name=parent.get("handle") or (parent_did if parent_did else None),
        is_quote_status=quoted is not None,
        platform="bluesky",
        created_ts=created,
        author_id=did,
        hashtags=tags,
        mentions=mentions,
        urls=links,
        quoted_id=quoted,
        in_reply_to_id=parent_uri if isinstance(parent_uri, str) else None,
        post_url=f"https://bsky.app/profile/{handle or did}/post/{rkey}",
    )


class JetstreamSource(Source):
    """Posts from a Jetstream ``/subscribe`` websocket.

    Args:
        endpoint: the Jetstream URL (``wss://…/subscribe``); a self-hosted relay or a test server.
        appview: where profiles come from (None: do not look profiles up).
        cursor_margin: seconds to rewind on resume (duplicates are dropped downstream).
        stall_timeout: seconds without any frame before reconnecting.
        backoff: reconnection waits (default: 1 s doubling to 60 s with jitter).
    """

    name = "bluesky"

    def __init__(
        self,
        endpoint: str = JETSTREAM,
        *,
        appview: str | None = APPVIEW,
        cursor_margin: float = 5.0,
        stall_timeout: float = 60.0,
        backoff: Backoff | None = None,
        profile_batch_seconds: float = 0.5,
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("ws", "wss") or not parts.netloc:
            raise ConfigError(f"--endpoint {endpoint!r} is not a websocket URL like {JETSTREAM}")
        self.endpoint = endpoint
        self.cursor_margin = cursor_margin
        self.stall_timeout = stall_timeout
        self.profiles = ProfileCache(appview) if appview else None
        self.profile_batch_seconds = profile_batch_seconds
        self._thread = StreamThread("bluesky", self._connect_once, backoff or exponential())
        self._cursor: int | None = None  # newest time_us handed to the pipeline
        self._received_cursor: int | None = None  # newest time_us read from the socket
        self.events = 0
        self.malformed = 0
        self._ws: Any = None

    def _close_socket(self) -> None:
        if self._ws is not None:
            self._ws.close()

    @property
    def source_id(self) -> str:
        return f"bluesky-{urlsplit(self.endpoint).netloc}"

    def open(self, resume: Any | None) -> None:
        if isinstance(resume, dict) and isinstance(resume.get("time_us"), int):
            self._cursor = self._received_cursor = resume["time_us"]
        self._thread.start()

    def snapshot(self) -> dict[str, int] | None:
        return {"time_us": self._cursor} if self._cursor is not None else None

    @property
    def exhausted(self) -> bool:
        return False

    def poll(self, max_items: int) -> list[Item]:
        items: list[Item] = []
        for item in self._thread.take(max_items):
            if isinstance(item, _Mark):
                # every event up to this time_us has now been handed to the pipeline
                self._cursor = max(self._cursor or 0, item.time_us)
            else:
                items.append(item)
        return items

    def close(self) -> None:
        self._thread.stop(interrupt=self._close_socket)
        if self.profiles is not None:
            self.profiles.close()

    def _url(self) -> str:
        params: list[tuple[str, str]] = [("wantedCollections", POST)]
        if self._received_cursor is not None:
            params.append(("cursor", str(self._received_cursor - int(self.cursor_margin * 1e6))))
        sep = "&" if urlsplit(self.endpoint).query else "?"
        return f"{self.endpoint}{sep}{urlencode(params)}"

    def _connect_once(self, emit: Callable[[list[Item]], None]) -> bool:
        from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
        from websockets.sync.client import connect

        url = self._url()
        asked = self._received_cursor
        delivered = False
        pending: list[tuple[dict[str, Any] | None, str]] = []
        try:
            with connect(url, open_timeout=15, ping_interval=30, ping_timeout=30, max_size=2**24) as ws:
                self._ws = ws
                flush_at = time.monotonic() + self.profile_batch_seconds
                while not self._thread.stopped:
                    try:
                        frame = ws.recv(timeout=min(self.stall_timeout, 0.5) if pending else self.stall_timeout)
                    except TimeoutError:
                        if not pending:
                            raise StreamError(f"no data from Jetstream for {self.stall_timeout:g} s (stall)") from None
                        frame = None
                    if frame is not None:
                        text = frame.decode("utf-8", errors="replace") if isinstance(frame, bytes) else frame
                        try:
                            event = _json.decode(text)
                        except msgspec.DecodeError:
                            event = None
                        if asked is not None and not delivered and isinstance(event, dict):
                            first = event.get("time_us")
                            if isinstance(first, int) and first - asked > 3600 * 1e6:
                                log.warning("bluesky: resumed at %s but the first event is newer: a gap", asked)
                        delivered = True
                        pending.append((event if isinstance(event, dict) else None, text))
                    if pending and (time.monotonic() >= flush_at or len(pending) >= 500):
                        emit(self._map(pending))
                        pending = []
                        flush_at = time.monotonic() + self.profile_batch_seconds
        except InvalidStatus as exc:
            status = exc.response.status_code
            body = exc.response.body.decode("utf-8", errors="replace")[:200] if exc.response.body else ""
            if status == 400:
                raise StreamError(f"Jetstream rejected the subscription (400): {body}", fatal=True) from None
            kind = "rate_limit" if status == 429 else "http"
            raise StreamError(f"Jetstream answered HTTP {status} {body}".strip(), kind=kind) from None
        except ConnectionClosed as exc:
            raise StreamError(f"Jetstream connection closed ({exc.rcvd.code if exc.rcvd else 'abnormally'})") from None
        except (OSError, WebSocketException) as exc:
            raise StreamError(f"cannot reach Jetstream at {self.endpoint}: {exc}") from None
        finally:
            if pending:  # what arrived before the connection ended is not lost
                emit(self._map(pending))
        return delivered

    def _map(self, pending: list[tuple[dict[str, Any] | None, str]]) -> list[Item]:
        if self.profiles is not None:
            dids: list[str] = []
            for event, _ in pending:
                commit = (event or {}).get("commit") or {}
                if commit.get("collection") == POST and commit.get("operation") == "create":
                    dids.append(str(event["did"]))  # type: ignore[index]
                    parent = (((commit.get("record") or {}).get("reply") or {}).get("parent") or {}).get("uri")
                    if isinstance(parent, str) and _did_of(parent):
                        dids.append(str(_did_of(parent)))
            self.profiles.fetch(dids)
        items: list[Item] = []
        for event, text in pending:
            self.events += 1
            if event is None:
                self.malformed += 1
                items.append(Rejected("invalid JSON frame from Jetstream", self.endpoint, None, text))
                continue
            try:
                mapped = map_event(event, self.profiles)
            except (ValueError, TypeError, KeyError, msgspec.ValidationError) as exc:
                items.append(Rejected(f"unusable Jetstream event: {exc}", self.endpoint, None, text))
                continue
            items.extend(mapped)
            stamp = event.get("time_us")
            if isinstance(stamp, int):
                self._received_cursor = max(self._received_cursor or 0, stamp)
        if self._received_cursor is not None:
            items.append(_Mark(self._received_cursor))  # type: ignore[arg-type]
        return items
