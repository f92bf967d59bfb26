"""Pipeline throughput: ingest and enrich posts/s, against the analyzers alone on the same posts.

    .venv/bin/python benchmarks/pipeline.py [--posts 20000] [--out benchmarks/results/pipeline.json]

Measured in one run, on one process each, so the ratios hold on a noisy shared machine:

* ``ingest``: synthetic source → keyword filter → delivery (durable gzip batches), posts/s;
* ``enrich``: pending batches → de-duplication → analyzers → Parquet + catalog commit, posts/s;
* ``analyzers``: the same analyzers called directly on the same posts' texts (the baseline);
* ``enrich_efficiency`` = enrich posts/s ÷ analyzers posts/s (1.0 means the pipeline adds nothing).
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from benchmarks_worker import analyse_lines
from rich.console import Console
from rich.table import Table

from tweetlake import Analyzers, Enricher, Storage, ingest
from tweetlake.analyzers import AnalyzerSpec, load_entities, load_sentiment
from tweetlake.record import Post, encode_post
from tweetlake.sources.synthetic import SyntheticSource


def _analyzers_alone(posts: list[Post]) -> float:
    return len(posts) / analyse_lines([encode_post(p) for p in posts], AnalyzerSpec("vader", "spacy", False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/pipeline.json"))
    args = parser.parse_args()

    analyzers = Analyzers(load_sentiment("vader"), load_entities("spacy"))
    with tempfile.TemporaryDirectory(prefix="tweetlake-bench-") as tmp:
        storage = Storage(Path(tmp) / "lake")
        result = ingest(storage, SyntheticSource(seed=1, count=args.posts))
        ingest_rate = result.counts.accepted / result.seconds
        totals = Enricher(storage, analyzers).run()
        enrich_rate = totals.posts / totals.seconds
    source = SyntheticSource(seed=1, count=args.posts)
    source.open(None)
    posts = [p for p in source.poll(args.posts) if isinstance(p, Post)]
    baseline = _analyzers_alone(posts)

    figures = {
        "posts": args.posts,
        "ingest_posts_per_s": round(ingest_rate, 1),
        "enrich_posts_per_s": round(enrich_rate, 1),
        "analyzers_alone_posts_per_s": round(baseline, 1),
        "enrich_efficiency": round(enrich_rate / baseline, 3),
        "analyzers": {
            "sentiment": analyzers.sentiment.name,
            "entities": analyzers.entities.name if analyzers.entities else None,
        },
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine()},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    table = Table(title=f"pipeline throughput, {args.posts:,} synthetic posts, 1 process")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key in ("ingest_posts_per_s", "enrich_posts_per_s", "analyzers_alone_posts_per_s", "enrich_efficiency"):
        table.add_row(key, f"{figures[key]:,}")
    Console().print(table)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
