"""Analyzer throughput: tweets/s of every analyzer on 1 and 2 processes, and accuracy beside it.

    .venv/bin/python benchmarks/analyzers.py [--tweets 20000] [--out benchmarks/results/analyzers.json]

The texts are English synthetic posts (the stream's shape: hashtags, links, mentions), the same
for every analyzer, analysed in batches of 1,000. Each figure is also given as a ratio to VADER
measured in the same run (the baseline a user would otherwise pick), because these shared machines
are noisy. Accuracy comes from the labelled val/dev splits in ../shared/data when present
(TweetEval sentiment val; WNUT17 and Broad Twitter Corpus dev), so the table shows the
accuracy-against-speed trade-off in one place.
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks_worker import per_second, wait_for_start
from rich.console import Console
from rich.table import Table

from tweetlake.record import Post
from tweetlake.sources.synthetic import SyntheticSource

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SENTIMENT = ("vader", "linear")
ENTITIES = ("spacy",)
BATCH = 1000


def _texts(n: int) -> list[str]:
    source = SyntheticSource(seed=5, count=n * 3)
    source.open(None)
    posts = [p for p in source.poll(n * 3) if isinstance(p, Post) and p.lang == "en"]
    return [p.text for p in posts[:n]]


def _run(kind: str, name: str, texts: list[str]) -> tuple[float, float]:
    """Seconds (wall clock, CPU) to analyse ``texts`` (model loading excluded)."""
    from tweetlake.analyzers import load_entities, load_sentiment

    analyzer: Any = load_sentiment(name) if kind == "sentiment" else load_entities(name)
    call = analyzer.analyze if kind == "sentiment" else analyzer.extract
    call(texts[:50], ["en"] * 50)  # warm up caches and lazy loading
    wait_for_start()  # on 2 processes, both start timing together
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), BATCH):
        chunk = texts[i : i + BATCH]
        call(chunk, ["en"] * len(chunk))
    return time.perf_counter() - started, time.process_time() - cpu


def throughput(kind: str, name: str, texts: list[str], processes: int) -> float:
    # Each process times only its own analysis (not model loading); the slowest bounds the pair.
    return per_second(functools.partial(_run, kind, name), texts, processes)[0]


def accuracy(kind: str, name: str) -> dict[str, float]:
    from tweetlake.analyzers import load_entities, load_sentiment
    from tweetlake.evaluate import evaluate_entities, evaluate_sentiment, read_conll, read_sentiment

    if not DATA.is_dir():
        return {}
    if kind == "sentiment":
        examples = read_sentiment(
            DATA / "tweeteval-sentiment/val_text.txt", DATA / "tweeteval-sentiment/val_labels.txt"
        )
        return {"tweeteval_val_macro_recall": evaluate_sentiment(load_sentiment(name), examples).macro_recall}
    analyzer = load_entities(name)
    assert analyzer is not None
    return {
        "wnut17_dev_f1": evaluate_entities(
            analyzer, read_conll(DATA / "wnut17-emerging-entities/emerging.dev.conll")
        ).f1,
        "btc_dev_f1": evaluate_entities(analyzer, read_conll(DATA / "broad-twitter-corpus/splits/btc.dev")).f1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tweets", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/analyzers.json"))
    args = parser.parse_args()
    texts = _texts(args.tweets)
    results: dict[str, dict[str, Any]] = {}
    for kind, names in (("sentiment", SENTIMENT), ("entities", ENTITIES)):
        for name in names:
            key = f"{kind}:{name}"
            results[key] = {
                "tweets_per_s_1proc": round(throughput(kind, name, texts, 1), 1),
                "tweets_per_s_2proc": round(throughput(kind, name, texts, 2), 1),
                **accuracy(kind, name),
            }
            print(key, results[key], flush=True)
    baseline = results["sentiment:vader"]["tweets_per_s_1proc"]
    for values in results.values():
        values["speed_vs_vader"] = round(values["tweets_per_s_1proc"] / baseline, 2)
    out = {"tweets": len(texts), "batch": BATCH, "analyzers": results, "measured_at": datetime.now(UTC).isoformat()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    table = Table(title=f"analyzers on {len(texts):,} English posts (batches of {BATCH})")
    for column in ("analyzer", "tweets/s 1 proc", "tweets/s 2 proc", "× VADER", "accuracy (val/dev)"):
        table.add_column(column, justify="left" if column in ("analyzer", "accuracy (val/dev)") else "right")
    for key, v in results.items():
        acc = ", ".join(f"{k} {v[k]:.3f}" for k in v if k.endswith(("recall", "f1")))
        table.add_row(
            key, f"{v['tweets_per_s_1proc']:,.0f}", f"{v['tweets_per_s_2proc']:,.0f}", f"{v['speed_vs_vader']}", acc
        )
    Console().print(table)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
