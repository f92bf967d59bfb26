"""Mastodon streaming: real payloads, and the SSE client against the local Mastodon server."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tweetlake.errors import ConfigError, TerminalError
from tweetlake.record import Post
from tweetlake.sources.backoff import exponential
from tweetlake.sources.base import Item, Notice, Rejected
from tweetlake.sources.mastodon import MastodonSource, html_to_text, map_status, parse_event
from tweetlake.testing.mastodon import FakeMastodon

TOKEN = "test-user-token"


def status(i: int, content: str, tags: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    return {
        "id": str(110_000_000_000_000_000 + i), "created_at": "2026-11-28T10:00:00.000Z", "language": "en",
        "content": content, "spoiler_text": "", "url": f"https://example.social/@ann/{i}",
        "account": {"id": "7", "acct": "ann@example.social", "display_name": "Ann", "note": "<p>hi</p>",
                    "followers_count": 12, "following_count": 3},
        "tags": [{"name": t} for t in tags], "mentions": [], **extra,
    }  # fmt: skip


def test_real_streaming_payloads(shared_data: Path) -> None:
    folder = shared_data / "mastodon-streaming-events"
    items: list[Item] = []
    for path in sorted(folder.glob("msg.event_txt_*.txt")):
        message = json.loads(path.read_text(encoding="utf-8"))
        payload = message["payload"]
        data = payload if isinstance(payload, str) else json.dumps(payload)
        items += parse_event(message["event"], data, "test")
    posts = [i for i in items if isinstance(i, Post)]
    deletes = [i for i in items if isinstance(i, Notice) and i.kind == "delete"]
    assert len(posts) == 5 and len(deletes) == 1 and deletes[0].detail["id"] == "104061222412800865"
    first = posts[0]
    assert first.platform == "mastodon" and first.text.startswith("Trending tags:\n#neverforget")
    assert "<" not in first.text and first.hashtags and first.screen_name


def test_html_boosts_and_spoilers() -> None:
    assert html_to_text("<p>a &amp; b<br>c</p><p>d</p>") == "a & b\nc\nd"
    inner = status(1, "<p>original</p>")
    boost = status(2, "", reblog=inner)
    p = map_status(boost)
    assert p.is_repost and p.repost_of_id == inner["id"] and p.text == "RT @ann@example.social: original"
    warned = map_status(status(3, "<p>body</p>", spoiler_text="CW: war"))
    assert warned.text == "CW: war\nbody"


@pytest.fixture
def server() -> Iterator[FakeMastodon]:
    with FakeMastodon(TOKEN, heartbeat_seconds=0.3) as s:
        yield s  # type: ignore[misc]


def _collect(source: MastodonSource, want: int, timeout: float = 15) -> list[Item]:
    items: list[Item] = []
    deadline = time.monotonic() + timeout
    while sum(isinstance(i, Post) for i in items) < want:
        assert time.monotonic() < deadline, f"only {items!r}"
        items += source.poll(100)
    return items


def _source(server: FakeMastodon, **kwargs: Any) -> MastodonSource:
    return MastodonSource(server.base_url, TOKEN, backoff=exponential(scale=0.01), **kwargs)


def _connected(server: FakeMastodon, n: int = 1) -> None:
    deadline = time.monotonic() + 10
    while server.connects < n:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.1)


def test_updates_deletes_and_malformed_events(server: FakeMastodon) -> None:
    server.send_malformed(1)
    source = _source(server)
    source.open(None)
    try:
        _connected(server)
        server.publish_status(status(1, "<p>hello <b>world</b></p>"))
        server.publish_delete("110000000000000001")
        server.publish_raw("notification", "{}")
        items = _collect(source, 1)
        time.sleep(0.3)
        items += source.poll(100)
        assert [i.text for i in items if isinstance(i, Post)] == ["hello world"]
        assert any(isinstance(i, Notice) and i.kind == "delete" for i in items)
        assert any(isinstance(i, Rejected) for i in items)
        assert source.streaming_base == server.base_url  # discovered via /api/v2/instance
    finally:
        source.close()


def test_hashtag_stream_reconnect_and_stall(server: FakeMastodon) -> None:
    server.fail_connects(503)
    server.drop_after(1)
    source = _source(server, stream="hashtag", tag="ukraine", stall_timeout=1.0)
    source.open(None)
    try:
        _connected(server, 2)
        server.publish_status(status(1, "<p>one</p>", tags=("Ukraine",)))
        server.publish_status(status(2, "<p>not this</p>", tags=("cats",)))
        _collect(source, 1)
        server.publish_status(status(3, "<p>lost: sent while disconnected</p>", tags=("ukraine",)))
        _connected(server, 3)  # Mastodon does not replay what was missed
        server.publish_status(status(4, "<p>after the drop</p>", tags=("ukraine",)))
        posts = [i for i in _collect(source, 1) if isinstance(i, Post)]
        assert posts[-1].text == "after the drop"
    finally:
        source.close()


def test_missing_heartbeats_mean_a_stall(server: FakeMastodon) -> None:
    server.heartbeat_seconds = 60  # the server goes quiet
    source = _source(server, stall_timeout=1.0)
    source.open(None)
    try:
        _connected(server, 2)  # the client gave up on the silent connection and came back
    finally:
        source.close()


def test_bad_token_and_bad_stream_stop_clearly(server: FakeMastodon) -> None:
    source = MastodonSource(server.base_url, "not-the-token", backoff=exponential(scale=0.01))
    source.open(None)
    try:
        with pytest.raises(TerminalError, match="refused the token"):
            for _ in range(200):
                source.poll(10)
    finally:
        source.close()
    with pytest.raises(ConfigError, match="needs a tag"):
        MastodonSource(server.base_url, TOKEN, stream="hashtag")
    with pytest.raises(ConfigError, match="user access token"):
        MastodonSource(server.base_url, "")
