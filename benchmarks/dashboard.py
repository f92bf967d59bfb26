"""Dashboard endpoint latency on a large lake, through a real HTTP server.

    .venv/bin/python benchmarks/dashboard.py [--posts 1000000] [--lake DIR] [--requests 20]

Builds (or reuses, with ``--lake``) a lake of synthetic posts spread over seven days, compacts it,
serves it with the real dashboard server on 127.0.0.1, and times every endpoint under a mix of
filters with an HTTP client. The lake is enriched with the word-list and dictionary analyzers
(the rows' shape is what matters here, not their accuracy). Reports p50/p95/max per endpoint and
the p95 as a ratio to ``/api/config`` (the same HTTP path with no query: the baseline).
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2 as httpx
from rich.console import Console
from rich.table import Table

from tweetlake import Enricher, KeywordFilter, Storage, ingest
from tweetlake.analyzers import Analyzers
from tweetlake.analyzers.fake import DictionaryEntities, WordListSentiment
from tweetlake.dashboard.server import DashboardServer
from tweetlake.delivery.batcher import DeliveryLimits
from tweetlake.sources.synthetic import SyntheticSource, time_offset
from tweetlake.sources.synthetic_vocab import PEOPLE, PLACES
from tweetlake.tables.catalog import LOCK, Catalog
from tweetlake.tables.compact import CompactionPolicy, compact_tables

ENDPOINTS = [
    "summary",
    "volume",
    "keywords",
    "top/entities",
    "top/hashtags",
    "top/mentions",
    "top/domains",
    "top/authors",
    "breakdown/lang",
    "breakdown/platform",
    "posts",
    "quarantine",
]
FILTERS = [
    {},
    {"range": "24h"},
    {"range": "1h"},
    {"keyword": "ukraine"},
    {"sentiment": "NEGATIVE", "range": "7d"},
    {"entity": "Kyiv", "entity_type": "LOCATION"},
    {"hashtag": "climate", "lang": "en"},
]


def build(lake: Path, posts: int) -> None:
    storage = Storage(lake)
    # About three in four synthetic posts match these keywords; generate until `posts` are accepted.
    generate = int(posts / 0.74)
    spacing = 7 * 86400 / time_offset(generate)
    start = datetime.now(UTC) - timedelta(days=7)
    started = time.monotonic()
    accepted = 0
    while accepted < posts:
        result = ingest(
            storage,
            SyntheticSource(seed=99, count=generate, start=start, spacing=spacing),
            keywords=KeywordFilter("ukraine, russia, climate, ai, football, coffee, election"),
            limits=DeliveryLimits(max_records=50_000, max_bytes=1 << 30, max_seconds=3600),
        )
        accepted += result.counts.accepted
        generate += int((posts - accepted) / 0.7) + 1
    entities = {name: "PERSON" for name in PEOPLE} | {name: "LOCATION" for name in PLACES}
    Enricher(storage, Analyzers(WordListSentiment(frozenset({"en"})), DictionaryEntities(entities))).run()
    catalog = Catalog(storage)
    with storage.lock(LOCK, "benchmark"):
        state = catalog.read()
        compact_tables(storage, catalog, state, CompactionPolicy(), min_files=2)
        catalog.checkpoint(state, catalog.load_keys(state))
    print(f"built {posts:,} posts in {time.monotonic() - started:.0f} s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure(lake: Path, requests: int) -> dict[str, dict[str, float]]:
    server = DashboardServer(Storage(lake), port=_free_port())
    server.start()
    timings: dict[str, list[float]] = {}
    try:
        with httpx.Client(base_url=server.url.rstrip("/"), timeout=60) as client:
            for path in ["config", *ENDPOINTS]:
                client.get(f"/api/{path}").raise_for_status()  # warm up
                samples = timings.setdefault(path, [])
                for i in range(requests):
                    params = FILTERS[i % len(FILTERS)]
                    t0 = time.perf_counter()
                    client.get(f"/api/{path}", params=params).raise_for_status()
                    samples.append((time.perf_counter() - t0) * 1000)
    finally:
        server.stop()
    out = {}
    for path, samples in timings.items():
        ordered = sorted(samples)
        out[path] = {
            "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
            "max_ms": round(ordered[-1], 1),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--lake", type=Path, default=None, help="Reuse (or build once into) this lake.")
    parser.add_argument("--requests", type=int, default=21, help="Requests per endpoint (filters rotate).")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/dashboard.json"))
    args = parser.parse_args()
    lake = args.lake or Path(f"benchmarks/results/lake-{args.posts}")
    if not (lake / "_catalog").exists():
        build(lake, args.posts)
    rows = Catalog(Storage(lake)).read().rows("tweets")
    figures = measure(lake, args.requests)
    baseline = figures["config"]["p95_ms"] or 1.0
    for values in figures.values():
        values["p95_vs_baseline"] = round(values["p95_ms"] / baseline, 1)
    result = {
        "tweets_rows": rows,
        "requests_per_endpoint": args.requests,
        "filters": FILTERS,
        "endpoints": figures,
        "target_p95_ms": 200,
        "all_within_target": all(v["p95_ms"] <= 200 for k, v in figures.items() if k != "config"),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    table = Table(title=f"dashboard endpoints on {rows:,} posts (p95 target 200 ms)")
    for column in ("endpoint", "p50 ms", "p95 ms", "max ms", "p95 / baseline"):
        table.add_column(column, justify="left" if column == "endpoint" else "right")
    for path, v in figures.items():
        name = f"{path} (baseline)" if path == "config" else path
        table.add_row(name, f"{v['p50_ms']}", f"{v['p95_ms']}", f"{v['max_ms']}", f"{v['p95_vs_baseline']}")
    Console().print(table)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
