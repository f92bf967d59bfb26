"""``synthetic``: a seeded, deterministic generator of realistic posts.

For the demo, the tests and the benchmarks. Post number ``i`` of seed ``s`` is always the same
post (its own random stream is seeded from ``(s, i)``), so a run can resume from a cursor and a
re-run produces the same ids, which the lake de-duplicates.

The mix: nine languages (mostly English, as on the real stream), positive, negative, neutral and
mixed opinions, people, places, organisations and products, hashtags, mentions, links, replies,
quotes and retweets, from a pool of authors with heavy-tailed follower counts. Topics carry the
words users typically track (``ukraine``, ``climate``, ``ai``, ``football``, ``coffee``, ...).

Timing: with ``rate`` the source emits that many posts a second and stamps them with the wall
clock (a live stream). Without it, it emits as fast as the pipeline takes them; ``start`` then
fixes the timestamps so output is fully reproducible. Those timestamps follow a news cycle: in
every 2,500 posts, the last 400 come eight times denser and mostly about one topic (a spike).
"""

from __future__ import annotations

import random
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tweetlake.errors import ConfigError
from tweetlake.record import Post, reference_created_at
from tweetlake.sources.base import Item, Source

__all__ = ["SyntheticSource", "generate_post"]

from tweetlake.sources.synthetic_vocab import (
    AUTHORS,
    BIOS,
    DOMAINS,
    FIRST,
    LANG_WEIGHTS,
    LAST,
    ORGS,
    PEOPLE,
    PLACES,
    PRODUCTS,
    SENTIMENT_WEIGHTS,
    SOURCES,
    TEMPLATES,
    TOPICS,
)


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


@dataclass(frozen=True, slots=True)
class _Author:
    id: str
    name: str
    screen_name: str
    description: str
    followers: int
    friends: int
    location: str


def _author(seed: int, number: int) -> _Author:
    rng = random.Random(f"author:{seed}:{number}")
    first, last = rng.choice(FIRST), rng.choice(LAST)
    ascii_name = unicodedata.normalize("NFKD", f"{first}{last}").encode("ascii", "ignore").decode()
    handle = ascii_name.lower()
    return _Author(
        id=f"{seed}{number:06d}",
        name=f"{first} {last}",
        screen_name=f"{handle}{number % 997}",
        description=rng.choice(BIOS),
        followers=int(rng.paretovariate(1.1) * 40),
        friends=int(rng.lognormvariate(5.5, 1.0)),
        location=rng.choice([*PLACES, "", "Earth", "🌍"]),
    )


# News bursts: in every cycle of _CYCLE posts, the last _BURST come _DENSITY times closer together
# and mostly about one topic, so volume charts show spikes with a story behind them.
_CYCLE, _BURST, _DENSITY = 2500, 400, 8


def _burst_topic(index: int) -> int | None:
    cycle, position = divmod(index, _CYCLE)
    return cycle % len(TOPICS) if position >= _CYCLE - _BURST else None


def time_offset(index: int) -> float:
    """Post ``index``'s time offset in units of the average spacing outside bursts."""
    cycle, position = divmod(index, _CYCLE)
    calm = _CYCLE - _BURST
    per_cycle = calm + _BURST / _DENSITY
    within = position if position < calm else calm + (position - calm) / _DENSITY
    return cycle * per_cycle + within


def generate_post(seed: int, index: int, created: datetime) -> Post:
    """Build post ``index`` of the stream for ``seed``, stamped with ``created``."""
    rng = random.Random(seed * 1_000_003 + index)
    # A few prolific accounts write a third of the posts; the long tail writes the rest.
    author = _author(seed, rng.randrange(40) if rng.random() < 0.33 else rng.randrange(AUTHORS))
    lang = _weighted(rng, LANG_WEIGHTS)
    burst = _burst_topic(index)
    topic = TOPICS[burst] if burst is not None and rng.random() < 0.8 else rng.choice(TOPICS)
    sentiment = _weighted(rng, SENTIMENT_WEIGHTS)
    template = rng.choice(TEMPLATES[lang][sentiment])
    text = template.format(
        s=rng.choice(topic.subjects[lang]),
        p=rng.choice(PEOPLE),
        l=rng.choice(PLACES),
        o=rng.choice(ORGS),
        x=rng.choice(PRODUCTS),
    )
    hashtags = rng.sample(topic.hashtags, k=rng.choice((0, 1, 1, 2)))
    mentions: list[str] = []
    urls: list[str] = []
    if hashtags:
        text += " " + " ".join(f"#{tag}" for tag in hashtags)
    if rng.random() < 0.25:
        url = f"https://{rng.choice(DOMAINS)}/{topic.keyword}/{rng.randrange(10**6)}"
        urls.append(url)
        text += f" {url}"
    post_id = f"{seed}{index:012d}"
    kind = rng.random()
    reply_to = quoted = repost_of = reply_name = None
    if kind < 0.12 and index > 0:  # retweet of an earlier post
        original = _author(seed, rng.randrange(AUTHORS))
        repost_of = f"{seed}{rng.randrange(index):012d}"
        mentions.append(original.screen_name)
        text = f"RT @{original.screen_name}: {text}"
    elif kind < 0.27 and index > 0:  # reply
        other = _author(seed, rng.randrange(AUTHORS))
        reply_name = other.screen_name
        reply_to = f"{seed}{rng.randrange(index):012d}"
        mentions.append(other.screen_name)
        text = f"@{other.screen_name} {text}"
    elif kind < 0.35 and index > 0:  # quote
        quoted = f"{seed}{rng.randrange(index):012d}"
    if rng.random() < 0.1:
        extra = _author(seed, rng.randrange(AUTHORS)).screen_name
        mentions.append(extra)
        text += f" cc @{extra}"
    return Post(
        created_at=reference_created_at(created),
        text=text,
        name=author.name,
        screen_name=author.screen_name,
        description=author.description,
        id=post_id,
        followers=author.followers,
        friends=author.friends,
        source=rng.choice(SOURCES),
        lang=lang,
        location=author.location or None,
        truncated=False,
        filter_level="low",
        in_reply_to_screen_name=reply_name,
        is_quote_status=quoted is not None,
        platform="synthetic",
        created_ts=created,
        author_id=author.id,
        hashtags=hashtags,
        mentions=mentions,
        urls=urls,
        is_repost=repost_of is not None,
        repost_of_id=repost_of,
        quoted_id=quoted,
        in_reply_to_id=reply_to,
        post_url=None,
    )


class SyntheticSource(Source):
    """Generate posts ``0 .. count-1`` of seed ``seed``.

    Args:
        seed: selects the stream; the same seed gives the same posts and ids.
        count: how many posts in all (None: until stopped).
        rate: posts per second, stamped with the wall clock (None: as fast as possible).
        start: timestamp of post 0 when ``rate`` is None; later posts follow ``spacing`` apart.
            Defaults to the moment the source opens.
        spacing: seconds between consecutive posts' timestamps when ``rate`` is None (outside
            news bursts, where posts come eight times closer together).
    """

    name = "synthetic"

    def __init__(
        self,
        seed: int = 1,
        count: int | None = None,
        rate: float | None = None,
        start: datetime | None = None,
        spacing: float = 0.001,
    ) -> None:
        if count is not None and count < 0:
            raise ConfigError(f"--count must be 0 or more, got {count}")
        if rate is not None and rate <= 0:
            raise ConfigError(f"--rate must be a positive number of posts per second, got {rate}")
        if start is not None and start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self.seed, self.count, self.rate, self.spacing = seed, count, rate, spacing
        self.start = start
        self.next_index = 0
        self._first_index = 0
        self._clock_start = 0.0

    @property
    def source_id(self) -> str:
        return f"synthetic-seed{self.seed}"

    def open(self, resume: Any | None) -> None:
        if isinstance(resume, dict) and isinstance(resume.get("next_index"), int):
            self.next_index = resume["next_index"]
        self._first_index = self.next_index
        self._clock_start = time.monotonic()
        if self.start is None:
            self.start = datetime.now(UTC)

    def snapshot(self) -> dict[str, int]:
        return {"next_index": self.next_index}

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.next_index >= self.count

    def poll(self, max_items: int) -> list[Item]:
        limit = max_items
        if self.count is not None:
            limit = min(limit, self.count - self.next_index)
        if self.rate is not None:
            due = int((time.monotonic() - self._clock_start) * self.rate) - (self.next_index - self._first_index)
            if due <= 0:
                time.sleep(min(0.05, 1 / self.rate))
                return []
            limit = min(limit, due)
        items: list[Item] = []
        assert self.start is not None
        for _ in range(max(limit, 0)):
            i = self.next_index
            live = self.rate is not None
            created = datetime.now(UTC) if live else self.start + timedelta(seconds=time_offset(i) * self.spacing)
            items.append(generate_post(self.seed, i, created))
            self.next_index += 1
        return items
