"""Bluesky Jetstream: real payloads, and the client against the local Jetstream server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tweetlake.analyzers import Analyzers
from tweetlake.analyzers.fake import WordListSentiment
from tweetlake.enrich.runner import Enricher
from tweetlake.errors import TerminalError
from tweetlake.pipeline import ingest
from tweetlake.query.engine import QueryEngine
from tweetlake.record import Post
from tweetlake.sources.backoff import exponential
from tweetlake.sources.base import Item, Notice, Rejected
from tweetlake.sources.bluesky import JetstreamSource, map_event
from tweetlake.sources.keywords import KeywordFilter
from tweetlake.storage import Storage
from tweetlake.testing.jetstream import FakeJetstream


def _real(shared_data: Path, name: str = "expected_v1.jsonl") -> list[dict[str, Any]]:
    path = shared_data / "bluesky-jetstream-events" / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def post_event(rkey: str, text: str, did: str = "did:plc:alice", **record: Any) -> dict[str, Any]:
    body = {"$type": "app.bsky.feed.post", "createdAt": "2026-11-28T10:00:00.000Z", "langs": ["en"], "text": text}
    body.update(record)
    return {"did": did, "time_us": 0, "kind": "commit",
            "commit": {"rev": "r" + rkey, "operation": "create", "collection": "app.bsky.feed.post", "rkey": rkey,
                       "record": body, "cid": "bafy" + rkey}}  # fmt: skip


def test_real_jetstream_events_map_to_posts(shared_data: Path) -> None:
    events = _real(shared_data)
    items = [item for event in events for item in map_event(event)]
    posts = [i for i in items if isinstance(i, Post)]
    deletes = [i for i in items if isinstance(i, Notice) and i.kind == "delete"]
    no_text = [i for i in items if isinstance(i, Notice) and i.kind == "no_text"]
    assert len(posts) + len(no_text) == 17 and len(no_text) <= 2 and len(deletes) == 1
    assert {p.lang for p in posts} >= {"en", "tr", "de", "ja"}
    for p in posts:
        assert p.platform == "bluesky" and p.id.startswith("at://did:") and "/app.bsky.feed.post/" in p.id
        assert p.post_url and p.post_url.startswith("https://bsky.app/profile/")
        assert p.created_ts.year == 2026
    linked = [p for p in posts if p.urls]
    assert linked and all(u.startswith("http") for p in linked for u in p.urls)
    replies = [p for p in posts if p.in_reply_to_id]
    assert replies and all(r.in_reply_to_id.startswith("at://") for r in replies)  # type: ignore[union-attr]


def test_facets_use_utf8_byte_offsets() -> None:
    text = "Привет @bob.bsky.social! #ukraine ✨"
    raw = text.encode()
    start = raw.index(b"@bob")
    facets = [
        {"index": {"byteStart": start, "byteEnd": start + len(b"@bob.bsky.social")},
         "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:bob"}]},
        {"index": {"byteStart": raw.index(b"#"), "byteEnd": raw.index(b"#") + 8},
         "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "ukraine"}]},
    ]  # fmt: skip
    embed = {"$type": "app.bsky.embed.record", "record": {"uri": "at://did:plc:x/app.bsky.feed.post/q", "cid": "c"}}
    (p,) = map_event(post_event("1", text, facets=facets, tags=["extra"], embed=embed))
    assert isinstance(p, Post)
    assert p.mentions == ["bob.bsky.social"] and p.hashtags == ["ukraine", "extra"]
    assert p.is_quote_status and p.quoted_id == "at://did:plc:x/app.bsky.feed.post/q"


@pytest.fixture
def server() -> Iterator[FakeJetstream]:
    with FakeJetstream() as s:
        yield s


def _collect(source: JetstreamSource, want: int, timeout: float = 20) -> list[Item]:
    items: list[Item] = []
    deadline = time.monotonic() + timeout
    while sum(isinstance(i, Post) for i in items) < want:
        assert time.monotonic() < deadline, f"only {items!r}"
        items += source.poll(100)
    return items


def _source(server: FakeJetstream, **kwargs: Any) -> JetstreamSource:
    return JetstreamSource(server.url, appview=None, backoff=exponential(scale=0.01), **kwargs)


def test_live_tail_reconnects_and_resumes_from_cursor(server: FakeJetstream) -> None:
    source = _source(server)
    server.drop_after(2)  # the first connection is dropped after two events
    source.open(None)
    try:
        time.sleep(0.3)
        server.publish([post_event(str(i), f"post {i}") for i in range(5)])
        posts = [i for i in _collect(source, 5) if isinstance(i, Post)]
        assert len({p.id for p in posts}) == 5  # nothing lost (replays may repeat; the lake drops those)
        assert source._thread.reconnects >= 1
        cursors = [q["cursor"][0] for q in server.requests if "cursor" in q]
        assert cursors, "the reconnect must ask for a cursor"
        assert server.requests[-1]["wantedCollections"] == ["app.bsky.feed.post"]
        assert source.snapshot() is not None
    finally:
        source.close()


def test_stall_is_detected_and_handshake_errors_retried(server: FakeJetstream) -> None:
    source = _source(server, stall_timeout=1.0)
    server.fail_handshakes(503, 429)
    server.stall_after(1)  # the first connection to get through goes silent after one event
    source.open(None)
    try:
        deadline = time.monotonic() + 10
        while server.connections < 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        server.publish([post_event("a", "first")])
        _collect(source, 1)
        server.publish([post_event("b", "second")])  # sent only after the client reconnects
        posts = [i for i in _collect(source, 1, timeout=15) if isinstance(i, Post)]
        assert posts[-1].text == "second"
        assert len(server.requests) >= 4  # 503, 429, the stalled one, and the new one
    finally:
        source.close()


def test_malformed_frames_are_rejected_not_fatal(server: FakeJetstream) -> None:
    source = _source(server)
    server.send_malformed(2)
    source.open(None)
    try:
        time.sleep(0.3)
        server.publish([post_event("ok", "fine post")])
        items = _collect(source, 1)
        rejected = [i for i in items if isinstance(i, Rejected)]
        assert len(rejected) == 2 and "invalid JSON frame" in rejected[0].reason
    finally:
        source.close()


def test_a_bad_subscription_stops_with_a_clear_error(server: FakeJetstream) -> None:
    source = _source(server)
    server.fail_handshakes(400)
    source.open(None)
    try:
        with pytest.raises(TerminalError, match="rejected the subscription"):
            for _ in range(100):
                source.poll(10)
    finally:
        source.close()


def test_end_to_end_into_the_tables_with_deletes(server: FakeJetstream, tmp_path: Path) -> None:
    storage = Storage(tmp_path / "lake")
    stop = threading.Event()
    source = _source(server)
    result: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: result.update(r=ingest(storage, source, keywords=KeywordFilter("ukraine"), stop=stop))
    )
    thread.start()
    try:
        time.sleep(0.5)
        server.publish(
            [post_event("1", "Kyiv and Ukraine today"), post_event("2", "cats"), post_event("3", "#Ukraine")]
        )
        commit = {"rev": "x", "operation": "delete", "collection": "app.bsky.feed.post", "rkey": "1"}
        delete = {"did": "did:plc:alice", "time_us": 0, "kind": "commit", "commit": commit}
        server.publish([delete])
        time.sleep(2.5)
    finally:
        stop.set()
        thread.join(timeout=20)
    counts = result["r"].counts
    assert (counts.received, counts.accepted, counts.filtered, counts.notices) == (3, 2, 1, {"delete": 1})
    Enricher(storage, Analyzers(WordListSentiment())).run()
    with QueryEngine(storage) as engine:
        ids = [r[0] for r in engine.execute("SELECT id FROM tweets ORDER BY id").rows()]
        assert ids == ["at://did:plc:alice/app.bsky.feed.post/1", "at://did:plc:alice/app.bsky.feed.post/3"]
        assert engine.execute("SELECT platform, id FROM deletes").rows() == [("bluesky", ids[0])]


def test_profiles_fill_author_fields_in_batches_and_failures_do_not_block(server: FakeJetstream) -> None:
    from tweetlake.testing.appview import FakeAppView

    profiles = {
        f"did:plc:u{i}": {
            "handle": f"user{i}.bsky.social",
            "displayName": f"User {i}",
            "description": "hi",
            "followersCount": i * 10,
            "followsCount": i,
        }
        for i in range(30)
    }
    with FakeAppView(profiles) as appview:
        source = JetstreamSource(server.url, appview=appview.base_url, backoff=exponential(scale=0.01))
        source.open(None)
        try:
            time.sleep(0.3)
            events = [post_event(str(i), f"post {i}", did=f"did:plc:u{i}") for i in range(30)]
            parent = {"uri": "at://did:plc:u2/app.bsky.feed.post/x", "cid": "c"}
            events.append(post_event("r", "a reply", did="did:plc:u1", reply={"parent": parent, "root": parent}))
            server.publish(events)
            posts = [i for i in _collect(source, 31) if isinstance(i, Post)]
        finally:
            source.close()
        by_id = {p.id.rsplit("/", 1)[1]: p for p in posts}
        assert (by_id["7"].screen_name, by_id["7"].name, by_id["7"].followers) == ("user7.bsky.social", "User 7", 70)
        assert by_id["r"].in_reply_to_screen_name == "user2.bsky.social"
        assert all(len(call) <= 25 for call in appview.calls) and len(appview.calls) >= 2
        assert by_id["7"].post_url == "https://bsky.app/profile/user7.bsky.social/post/7"


def test_a_failing_appview_leaves_fields_empty(server: FakeJetstream) -> None:
    from tweetlake.testing.appview import FakeAppView

    with FakeAppView({"did:plc:alice": {"handle": "alice.test"}}) as appview:
        appview.fail_next = 5
        source = JetstreamSource(server.url, appview=appview.base_url, backoff=exponential(scale=0.01))
        source.open(None)
        try:
            time.sleep(0.3)
            server.publish([post_event("1", "still flows")])
            (post,) = [i for i in _collect(source, 1) if isinstance(i, Post)]
        finally:
            source.close()
    assert post.text == "still flows" and post.screen_name is None
