from __future__ import annotations

import csv
import gzip
import html
import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers import reference_line
from tweetlake.errors import ConfigError
from tweetlake.record import Post
from tweetlake.sources.base import Item, Notice, Rejected
from tweetlake.sources.replay import ReplaySource


def _all(source: ReplaySource) -> list[Item]:
    items: list[Item] = []
    while not source.exhausted:
        items.extend(source.poll(500))
    return items


def _posts(items: list[Item]) -> list[Post]:
    return [i for i in items if isinstance(i, Post)]


def _index(shared_data: Path) -> list[dict[str, str]]:
    with open(shared_data / "twitter-api-payloads/extracted-bodies/index.tsv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.mark.parametrize("api", ["v1.1", "v2"])
def test_every_real_recorded_payload_parses(shared_data: Path, api: str) -> None:
    base = shared_data / "twitter-api-payloads"
    rows = [r for r in _index(shared_data) if r["api"] == api]
    assert rows
    for row in rows:
        items = _all(ReplaySource([str(base / row["body_file"])]))
        rejected = [i for i in items if isinstance(i, Rejected)]
        # One recorded POST response carries a made-up id ("1234567890") and no created_at:
        # there is no true creation time to give it, so it must be rejected with that reason.
        assert all("not an X snowflake id" in r.reason for r in rejected), (row["body_file"], rejected[:1])
        posts = _posts(items)
        assert len(posts) + len(rejected) == int(row["tweet_objects"]), row["body_file"]
        for p in posts:
            assert p.platform == "x" and p.id.isdigit() and p.text
            assert datetime(2006, 3, 21, tzinfo=UTC) < p.created_ts < datetime(2024, 3, 1, tzinfo=UTC)


def test_v11_retweets_take_the_original_full_text(shared_data: Path) -> None:
    path = shared_data / "twitter-api-payloads/extracted-bodies/v1.1/testgetretweets__0.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    posts = _posts(_all(ReplaySource([str(path)])))
    for status, p in zip(raw, posts, strict=True):
        original = status["retweeted_status"]
        assert p.is_repost and p.repost_of_id == original["id_str"]
        assert p.text.startswith(f"RT @{original['user']['screen_name']}: ")
        assert p.screen_name == status["user"]["screen_name"]
        assert p.followers == status["user"]["followers_count"]


def test_v11_rest_full_text_and_quotes(shared_data: Path) -> None:
    path = shared_data / "twitter-api-payloads/extracted-bodies/v1.1/testcachedresult__2.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    posts = {p.id: p for p in _posts(_all(ReplaySource([str(path)])))}
    for status in raw:
        p = posts[status["id_str"]]
        assert p.is_quote_status == status["is_quote_status"]
        if "retweeted_status" not in status:
            assert p.text == html.unescape(status.get("full_text", status["text"]))
            assert p.hashtags == [h["text"] for h in status["entities"]["hashtags"]]


STREAM_STATUS = {
    "created_at": "Wed Oct 10 20:19:24 +0000 2018",
    "id": 1050118621198921728,
    "id_str": "1050118621198921728",
    "text": "To make room for more expression, we will now count all emojis as equal—including those with … https://t.co/x",
    "source": '<a href="http://twitter.com" rel="nofollow">Twitter Web Client</a>',
    "truncated": True,
    "in_reply_to_screen_name": None,
    "user": {
        "id_str": "6253282",
        "name": "Twitter API",
        "screen_name": "TwitterAPI",
        "location": "San Francisco, CA",
        "description": "The Real Twitter API.",
        "followers_count": 6133636,
        "friends_count": 12,
    },
    "is_quote_status": False,
    "extended_tweet": {
        "full_text": (
            "To make room for more expression, we will now count all emojis as equal—including those with "
            "gender and skin tone modifiers 👍🏻👍🏽👍🏿. This is now reflected in Twitter-Text, our Open Source "
            "library. #emoji"
        ),
        "entities": {"hashtags": [{"text": "emoji", "indices": [0, 1]}], "urls": [], "user_mentions": []},
    },
    "entities": {"hashtags": [], "urls": [], "user_mentions": []},
    "filter_level": "low",
    "lang": "en",
    "timestamp_ms": "1539202764000",
}


def _write(path: Path, lines: list[str], gz: bool = False) -> str:
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return str(path)


def test_stream_archive_with_notices_extended_text_and_bad_lines(tmp_path: Path) -> None:
    lines = [
        "",
        json.dumps(STREAM_STATUS),
        '{"delete":{"status":{"id":1,"id_str":"1","user_id":3,"user_id_str":"3"},"timestamp_ms":"1482242573699"}}',
        '{"limit":{"track":1234,"timestamp_ms":"1482242573699"}}',
        "{not json",
        '{"hello": "world"}',
        reference_line("77", "a reference record"),
    ]
    items = _all(ReplaySource([_write(tmp_path / "stream.jsonl.gz", lines, gz=True)]))
    posts = _posts(items)
    notices = [i for i in items if isinstance(i, Notice)]
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert [p.id for p in posts] == ["1050118621198921728", "77"]
    stream = posts[0]
    assert stream.text.endswith("#emoji") and not stream.truncated
    assert stream.hashtags == ["emoji"]
    assert stream.source == "Twitter Web Client"
    assert stream.filter_level == "low" and stream.followers == 6133636
    assert stream.created_at == "Wed Oct 10 20:19:24 +0000 2018"
    assert sorted(n.kind for n in notices) == ["delete", "limit"]
    assert [(r.line, r.reason.split(":")[0]) for r in rejected] == [
        (5, "invalid JSON"),
        (6, "unrecognised record (keys"),
    ]
    assert all(r.origin.endswith("stream.jsonl.gz") for r in rejected)


def test_v2_stream_line_with_includes(tmp_path: Path) -> None:
    line = {
        "data": {
            "id": "1234567890123456789",
            "text": "short",
            "author_id": "98",
            "created_at": "2024-01-15T10:35:00.000Z",
            "lang": "en",
            "note_tweet": {"text": "the full long text #cats", "entities": {"hashtags": [{"tag": "cats"}]}},
            "referenced_tweets": [{"type": "quoted", "id": "111"}],
            "in_reply_to_user_id": "222",
        },
        "includes": {
            "users": [
                {
                    "id": "98",
                    "name": "Cat Person",
                    "username": "catperson",
                    "description": "cats",
                    "location": "Berlin",
                    "public_metrics": {"followers_count": 517233, "following_count": 2034},
                },
                {"id": "222", "username": "other"},
            ]
        },
        "matching_rules": [{"id": "1", "tag": "cats"}],
    }
    (p,) = _posts(_all(ReplaySource([_write(tmp_path / "v2.jsonl", [json.dumps(line)])])))
    assert p.text == "the full long text #cats" and p.hashtags == ["cats"]
    assert (p.screen_name, p.name, p.followers, p.friends, p.location) == (
        "catperson",
        "Cat Person",
        517233,
        2034,
        "Berlin",
    )
    assert p.is_quote_status and p.quoted_id == "111"
    assert p.in_reply_to_screen_name == "other"
    assert p.created_ts == datetime(2024, 1, 15, 10, 35, tzinfo=UTC)


def test_reference_format_type_errors_name_the_field(tmp_path: Path) -> None:
    lines = [reference_line("1", "ok"), reference_line("2", "bad", followers="many"), reference_line("3", 5)]
    items = _all(ReplaySource([_write(tmp_path / "ref.jsonl", lines)]))
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert len(_posts(items)) == 1
    assert "followers" in rejected[0].reason and rejected[0].line == 2
    assert "text" in rejected[1].reason and rejected[1].line == 3


def test_reads_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (reference_line("5", "from stdin") + "\n").encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    (p,) = _posts(_all(ReplaySource(["-"])))
    assert p.text == "from stdin"


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        ReplaySource([str(tmp_path / "nope.jsonl")])
