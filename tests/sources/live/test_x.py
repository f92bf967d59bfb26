"""X API v2 filtered stream: rules and the stream client against the local X server."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tweetlake.errors import ConfigError, TerminalError
from tweetlake.record import Post
from tweetlake.sources.backoff import Backoff
from tweetlake.sources.base import Item, Rejected
from tweetlake.sources.keywords import KeywordFilter
from tweetlake.sources.x import XStreamSource, keyword_rules
from tweetlake.testing.xapi import USAGE_CAPPED, FakeXServer

TOKEN = "test-bearer-token"
FAST = Backoff(scale=0.001)


def tweet(i: int, text: str) -> dict[str, Any]:
    return {
        "data": {"id": str(1_700_000_000_000_000_000 + i), "text": text, "author_id": "42", "lang": "en",
                 "created_at": "2026-11-28T10:00:00.000Z", "edit_history_tweet_ids": [str(i)]},
        "includes": {"users": [{"id": "42", "name": "Ann", "username": "ann", "location": "Kyiv",
                                "public_metrics": {"followers_count": 10, "following_count": 3}}]},
    }  # fmt: skip


@pytest.fixture
def server() -> Iterator[FakeXServer]:
    with FakeXServer(TOKEN, keepalive_seconds=0.3) as s:
        yield s  # type: ignore[misc]


def _source(server: FakeXServer, keywords: str = "ukraine, climate change -hoax", **kw: Any) -> XStreamSource:
    return XStreamSource(TOKEN, KeywordFilter(keywords), endpoint=server.base_url, backoff=FAST, **kw)


def _collect(source: XStreamSource, want: int, timeout: float = 15) -> list[Item]:
    items: list[Item] = []
    deadline = time.monotonic() + timeout
    while sum(isinstance(i, Post) for i in items) < want:
        assert time.monotonic() < deadline, f"only {items!r}"
        items += source.poll(100)
    return items


def test_keywords_become_rules_with_the_same_meaning() -> None:
    rules = keyword_rules(KeywordFilter("ukraine, climate change -hoax, example.com, -spam"))
    assert rules == [
        {"value": "ukraine -spam", "tag": "ukraine"},
        {"value": "climate change -hoax -spam", "tag": "climate change -hoax"},
        {"value": '"example com" -spam', "tag": "example.com"},
    ]
    with pytest.raises(ConfigError, match="needs keywords"):
        keyword_rules(KeywordFilter(""))


def test_rules_sync_validates_then_applies_only_the_difference(server: FakeXServer) -> None:
    server.rules = {
        "1": {"id": "1", "value": "old rule", "tag": "old"},
        "2": {"id": "2", "value": "ukraine", "tag": "u"},
    }
    source = _source(server)
    change = source.sync_rules()
    assert change == {"added": 1, "deleted": 1, "kept": 1}
    assert sorted(r["value"] for r in server.rules.values()) == ["climate change -hoax", "ukraine"]
    kinds = [kind for kind, _ in server.rule_requests]
    assert kinds[0] == "dry_run" and kinds.count("apply") == 2
    assert source.sync_rules() == {"added": 0, "deleted": 0, "kept": 2}
    source.close()


def test_stream_delivers_posts_with_authors_after_a_503(server: FakeXServer) -> None:
    server.fail_connects(503)
    source = _source(server, stall_timeout=1.0)
    source.open(None)
    try:
        time.sleep(0.5)
        server.publish([tweet(1, "News from Ukraine"), tweet(2, "cats"), tweet(3, "climate change is real")])
        posts = [i for i in _collect(source, 2) if isinstance(i, Post)]
        assert [p.text for p in posts] == ["News from Ukraine", "climate change is real"]
        assert (posts[0].screen_name, posts[0].followers, posts[0].location) == ("ann", 10, "Kyiv")
    finally:
        source.close()
    assert server.connects >= 2


def test_operational_disconnect_and_midline_reset_reconnect(server: FakeXServer) -> None:
    server.disconnect_after(1)
    source = _source(server, stall_timeout=2.0)
    source.open(None)
    try:
        time.sleep(0.3)
        server.publish([tweet(10, "ukraine one"), tweet(11, "ukraine two")])
        _collect(source, 1)
        deadline = time.monotonic() + 10
        while server.connects < 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.3)
        server.publish([tweet(12, "ukraine three")])
        items = _collect(source, 1)
        assert any(isinstance(i, Post) and i.text == "ukraine three" for i in items)
    finally:
        source.close()


def test_a_reset_in_the_middle_of_a_line_loses_nothing_whole(server: FakeXServer) -> None:
    server.reset_after(1)
    source = _source(server, stall_timeout=2.0)
    source.open(None)
    try:
        time.sleep(0.3)
        server.publish([tweet(40, "ukraine first"), tweet(41, "ukraine cut in half")])
        items = _collect(source, 1)
        deadline = time.monotonic() + 10
        while server.connects < 2:
            assert time.monotonic() < deadline
            items += source.poll(100)
            time.sleep(0.05)
        assert not any(isinstance(i, Rejected) for i in items), "half a line must not be parsed"
    finally:
        source.close()


def test_stall_without_keepalives_reconnects(server: FakeXServer) -> None:
    server.stall_after(0)
    source = _source(server, stall_timeout=1.0)
    source.open(None)
    try:
        deadline = time.monotonic() + 10
        while server.connects < 2:
            assert time.monotonic() < deadline, "the stalled connection was never abandoned"
            time.sleep(0.05)
    finally:
        source.close()


def test_malformed_lines_are_rejected(server: FakeXServer) -> None:
    server.send_malformed(1)
    source = _source(server)
    source.open(None)
    try:
        time.sleep(0.3)
        server.publish([tweet(20, "ukraine ok")])
        items = _collect(source, 1)
        assert any(isinstance(i, Rejected) and "invalid JSON line" in i.reason for i in items)
    finally:
        source.close()


@pytest.mark.parametrize(
    ("status", "message"),
    [(401, "refused the bearer token"), ((429, USAGE_CAPPED), "usage cap reached"), (403, "may not use the filtered")],
)
def test_non_retryable_errors_stop_with_a_message(
    server: FakeXServer, status: Any, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.fail_connects(status)
    source = _source(server)
    caplog.set_level(logging.DEBUG)
    source.open(None)
    try:
        with pytest.raises(TerminalError, match=message) as info:
            for _ in range(200):
                source.poll(10)
        assert TOKEN not in str(info.value)
    finally:
        source.close()
    assert TOKEN not in caplog.text
    assert server.connects == 1  # it never spins


def test_rate_limited_connect_backs_off_then_connects(server: FakeXServer) -> None:
    server.fail_connects(429)  # TooManyConnections
    source = _source(server)
    source.open(None)
    try:
        time.sleep(0.3)
        server.publish([tweet(30, "ukraine after 429")])
        _collect(source, 1)
    finally:
        source.close()
    assert server.connects == 2


def test_a_wrong_token_fails_at_rules_without_echoing_it(server: FakeXServer) -> None:
    source = XStreamSource("wrong-secret-value", KeywordFilter("ukraine"), endpoint=server.base_url)
    with pytest.raises(ConfigError, match="refused the bearer token") as info:
        source.open(None)
    assert "wrong-secret-value" not in str(info.value)
    source.close()
