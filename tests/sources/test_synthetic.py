from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from tweetlake.record import Post
from tweetlake.sources.synthetic import SyntheticSource

START = datetime(2026, 1, 1, tzinfo=UTC)


def _posts(source: SyntheticSource, n: int) -> list[Post]:
    source.open(None)
    items = source.poll(n)
    assert all(isinstance(i, Post) for i in items)
    return items  # type: ignore[return-value]


def test_same_seed_same_posts_and_other_seed_differs() -> None:
    a = _posts(SyntheticSource(seed=3, count=200, start=START), 200)
    b = _posts(SyntheticSource(seed=3, count=200, start=START), 200)
    c = _posts(SyntheticSource(seed=4, count=200, start=START), 200)
    assert [p.text for p in a] == [p.text for p in b]
    assert [p.id for p in a] == [p.id for p in b]
    assert {p.id for p in a}.isdisjoint({p.id for p in c})


def test_realistic_mix() -> None:
    posts = _posts(SyntheticSource(seed=1, count=3000, start=START), 3000)
    langs = Counter(p.lang for p in posts)
    assert len(langs) >= 6 and langs.most_common(1)[0][0] == "en"
    assert sum(p.is_repost for p in posts) > 100
    assert sum(p.is_quote_status for p in posts) > 50
    assert sum(p.in_reply_to_screen_name is not None for p in posts) > 100
    assert sum(bool(p.hashtags) for p in posts) > 1000
    assert sum(bool(p.urls) for p in posts) > 300
    assert sum(bool(p.mentions) for p in posts) > 300
    assert len({p.screen_name for p in posts}) > 200
    assert len({p.id for p in posts}) == 3000


def test_resumes_from_cursor_and_stops_at_count() -> None:
    first = SyntheticSource(seed=9, count=10, start=START)
    first.open(None)
    head = first.poll(4)
    cursor = first.snapshot()
    rest = SyntheticSource(seed=9, count=10, start=START)
    rest.open(cursor)
    tail = rest.poll(100)
    assert rest.exhausted
    full = _posts(SyntheticSource(seed=9, count=10, start=START), 10)
    assert [p.id for p in head + tail] == [p.id for p in full]  # type: ignore[union-attr]


def test_rate_limits_emission() -> None:
    source = SyntheticSource(seed=1, rate=50)
    source.open(None)
    first = source.poll(1000)
    assert len(first) <= 2  # nothing is due yet at t=0
