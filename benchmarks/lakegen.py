"""Build large benchmark lakes fast: vectorized rows written straight into the tables.

Query benchmarks need lakes of 1M and 10M posts; pushing 10M posts through the analyzers would
take hours on this machine, and the query layer cannot tell how the rows were made. So this
writes rows with the synthetic source's vocabulary and proportions (languages, sentiment mix,
hashtags, links, entities about 1.4 per post, news bursts), in many small files the way a
streaming lake grows, with the rollups the enricher would write, and commits them through the
real catalog. ``compact`` then merges them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

from tweetlake.sources.synthetic_vocab import DOMAINS, FIRST, LANG_WEIGHTS, LAST, PEOPLE, PLACES, TOPICS
from tweetlake.storage import Storage
from tweetlake.tables.catalog import LOCK, Catalog, Commit, FileEntry
from tweetlake.tables.rollups import COVERAGE, rollup_batch
from tweetlake.tables.schema import ENTITIES, PARTITION_COLUMNS, SENTIMENT, TWEETS
from tweetlake.tables.writer import split_by_day, write_file

LABELS = np.array(["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED", None], dtype=object)


def _strings(values: list[str]) -> np.ndarray:
    return np.array(values, dtype=object)


def chunk_tables(
    rng: np.random.Generator, start: int, n: int, t0: datetime, span: float
) -> tuple[dict[str, pa.Table], np.ndarray]:
    """Rows for posts ``start .. start+n`` over ``span`` seconds after ``t0``, and each entity
    row's post (its row number in ``tweets``)."""
    idx = np.arange(start, start + n)
    # time: uniform, plus a burst in every 1/20 of the span
    offsets = np.sort(rng.uniform(0, span, n))
    burst = rng.random(n) < 0.1
    offsets[burst] = (np.floor(offsets[burst] / (span / 20)) * (span / 20)) + rng.uniform(0, span / 400, burst.sum())
    created = pa.array([t0 + timedelta(seconds=float(s)) for s in offsets], pa.timestamp("ms", tz="UTC"))
    langs = _strings([w for w, _ in LANG_WEIGHTS])
    lang_p = np.array([p for _, p in LANG_WEIGHTS], dtype=float)
    lang = langs[rng.choice(len(langs), n, p=lang_p / lang_p.sum())]
    label = LABELS[rng.choice(5, n, p=[0.27, 0.27, 0.27, 0.09, 0.10])]
    label[lang != "en"] = np.where(rng.random((lang != "en").sum()) < 0.75, label[lang != "en"], None)
    topic_names = _strings([t.keyword for t in TOPICS])
    topic = rng.integers(0, len(TOPICS), n)
    authors = rng.integers(0, 20_000, n)
    names = _strings([f"{a}{b}".lower() for a in FIRST for b in LAST])
    screen = [f"{names[a % len(names)]}{a}" for a in authors]
    hashtags = [[TOPICS[t].hashtags[0].lower()] if r < 0.7 else [] for t, r in zip(topic, rng.random(n), strict=True)]
    domains = _strings(DOMAINS)
    link = rng.random(n) < 0.25
    dom = domains[rng.integers(0, len(domains), n)]
    ids = [f"b{i:012d}" for i in idx]
    texts = [f"post {i} about {topic_names[t]}" for i, t in zip(idx, topic, strict=True)]
    tweets = {name: pa.nulls(n, TWEETS.field(name).type) for name in TWEETS.names}
    tweets.update(
        created_at=pa.array(["Sat Nov 28 10:00:00 +0000 2026"] * n),
        text=pa.array(texts),
        name=pa.array(screen),
        screen_name=pa.array(screen),
        id=pa.array(ids),
        followers=pa.array((rng.pareto(1.2, n) * 50).astype(np.int64)),
        friends=pa.array(rng.integers(0, 2000, n)),
        lang=pa.array(lang.tolist()),
        truncated=pa.array(np.zeros(n, bool)),
        is_quote_status=pa.array(rng.random(n) < 0.08),
        platform=pa.array(["synthetic"] * n),
        created_ts=created,
        ingested_ts=created,
        hashtags=pa.array(hashtags, pa.list_(pa.string())),
        mentions=pa.array([[] for _ in range(n)], pa.list_(pa.string())),
        urls=pa.array([[f"https://{d}/x"] if k else [] for d, k in zip(dom, link, strict=True)], pa.list_(pa.string())),
        matched_keywords=pa.array([[topic_names[t]] for t in topic], pa.list_(pa.string())),
        is_repost=pa.array(rng.random(n) < 0.12),
        domains=pa.array([[d] if k else [] for d, k in zip(dom, link, strict=True)], pa.list_(pa.string())),
        sentiment=pa.array(label.tolist(), pa.string()),
        batch_id=pa.array(["bulk"] * n),
    )
    scores = rng.dirichlet([1, 1, 1, 0.3], n)
    scored = label != None  # noqa: E711 - numpy object comparison
    sentiment = {name: pa.nulls(n, SENTIMENT.field(name).type) for name in SENTIMENT.names}
    sentiment.update(
        id=pa.array(ids),
        text=pa.array(texts),
        sentiment=pa.array(label.tolist(), pa.string()),
        sentiment_pos_score=pa.array(scores[:, 0], mask=~scored.astype(bool)),
        sentiment_neg_score=pa.array(scores[:, 1], mask=~scored.astype(bool)),
        sentiment_neu_score=pa.array(scores[:, 2], mask=~scored.astype(bool)),
        sentiment_mixed_score=pa.array(scores[:, 3], mask=~scored.astype(bool)),
        platform=pa.array(["synthetic"] * n),
        created_ts=created,
        lang=pa.array(lang.tolist()),
        lang_detected=pa.array(np.zeros(n, bool)),
        sentiment_model=pa.array(["bulk"] * n),
        # as the enricher writes it: an unlabelled post always says why (enrich/core.py)
        sentiment_reason=pa.array(
            [
                None if s else "not analyzed" if g == "en" else f"language '{g}' not supported by bulk"
                for s, g in zip(scored, lang, strict=True)
            ],
            pa.string(),
        ),
    )
    per_post = rng.poisson(1.4, n)
    owner = np.repeat(np.arange(n), per_post)
    vocab = _strings(PEOPLE + PLACES)
    kinds = _strings(["PERSON"] * len(PEOPLE) + ["LOCATION"] * len(PLACES))
    pick = rng.integers(0, len(vocab), len(owner))
    entities = {name: pa.nulls(len(owner), ENTITIES.field(name).type) for name in ENTITIES.names}
    entities.update(
        id=pa.array([ids[o] for o in owner]),
        entity=pa.array(vocab[pick].tolist()),
        type=pa.array(kinds[pick].tolist()),
        score=pa.array(rng.uniform(0.4, 0.99, len(owner))),
        platform=pa.array(["synthetic"] * len(owner)),
        created_ts=created.take(pa.array(owner)),
        begin_offset=pa.array(np.zeros(len(owner), np.int32)),
        end_offset=pa.array(np.full(len(owner), 5, np.int32)),
        entity_model=pa.array(["bulk"] * len(owner)),
    )
    return {
        "tweets": pa.table(tweets, schema=TWEETS),
        "sentiment": pa.table(sentiment, schema=SENTIMENT),
        "entities": pa.table(entities, schema=ENTITIES),
    }, owner


def build_lake(storage: Storage, posts: int, files_per_chunk: int = 50, chunk: int = 250_000, seed: int = 7) -> float:
    """Write ``posts`` posts as small files committed through the catalog; returns seconds."""
    started = time.monotonic()
    rng = np.random.default_rng(seed)
    catalog = Catalog(storage)
    t0 = datetime.now(UTC) - timedelta(days=7)
    span = 7 * 86400.0
    with storage.lock(LOCK, "lakegen"):
        state = catalog.read()
        for start in range(0, posts, chunk):
            n = min(chunk, posts - start)
            tables, owner = chunk_tables(rng, start, n, t0 + timedelta(seconds=span * start / posts), span * n / posts)
            step = -(-n // files_per_chunk)
            entity_part = owner // step

            for part_no in range(files_per_chunk):
                adds: dict[str, list[FileEntry]] = {}
                pieces = {
                    name: table.filter(pa.array(entity_part == part_no))
                    if name == "entities"
                    else table.slice(part_no * step, step)
                    for name, table in tables.items()
                }
                # the rollups too, as the enricher writes them with every batch
                rolled = rollup_batch(pieces["tweets"], pieces["entities"])
                for name, table in {**pieces, **rolled}.items():
                    for day, rows in split_by_day(table, PARTITION_COLUMNS[name]):
                        path = f"{name}/{day}/part-bulk-{start:010d}-{part_no:04d}.parquet"
                        adds.setdefault(name, []).append(write_file(storage, path, rows))
                counts = {"received": 0, COVERAGE: pieces["tweets"].num_rows}
                if part_no == 0:
                    counts.update(received=n, accepted=n, enriched=n, batches=1)
                catalog.commit(state, Commit(seq=0, kind="batch", ts=datetime.now(UTC), add=adds, counts=counts))
        catalog.checkpoint(state, catalog.load_keys(state))
    return time.monotonic() - started
