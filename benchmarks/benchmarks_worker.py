"""The analyzers alone, for the pipeline-efficiency baseline (a module so spawned workers import it)."""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable
from typing import Any

from tweetlake.analyzers import AnalyzerSpec, load_analyzers
from tweetlake.analyzers.base import primary_language
from tweetlake.record import decode_post
from tweetlake.runtime import freeze_loaded

_START: Any = None


def per_second(measure: Callable[[list[Any]], float], items: list[Any], processes: int) -> float:
    """Items per second of ``measure`` (which returns the seconds its timed part took) on
    ``processes`` spawned processes, each on an equal share of ``items``, timed together; the
    slowest process bounds the rate. ``measure`` must be picklable and call ``wait_for_start``
    just before its clock starts."""
    if processes == 1:
        return len(items) / measure(items)
    share = len(items) // processes
    parts = [items[i * share : (i + 1) * share] for i in range(processes)]
    context = mp.get_context("spawn")
    with context.Pool(processes, initializer=start_together, initargs=(context.Barrier(processes),)) as pool:
        seconds = pool.map(measure, parts, chunksize=1)
    return sum(len(p) for p in parts) / max(seconds)


def start_together(barrier: Any) -> None:
    """Pool initializer: the processes of one baseline start timing at the same moment, so they
    share the cores the way the pipeline's workers do (one process timing while another still
    loads its models would have a core to itself)."""
    global _START
    _START = barrier


def wait_for_start() -> None:
    """Wait for the other processes of the pool (no-op outside a ``start_together`` pool)."""
    if _START is not None:
        _START.wait(timeout=600)


def analyse_lines(lines: list[bytes], spec: AnalyzerSpec, batch: int = 1000) -> float:
    """Seconds the analyzers alone take on these posts (decoding and model loading not timed).

    The same calls enrichment makes: language identification where a post has none, then
    sentiment and entities on the posts whose language each supports."""
    analyzers = load_analyzers(spec.sentiment, spec.entities, spec.langid)
    posts = [decode_post(line) for line in lines]
    freeze_loaded()  # as an analyzer worker does after loading its models
    wait_for_start()
    started = time.perf_counter()
    for i in range(0, len(posts), batch):
        chunk = posts[i : i + batch]
        texts, langs = [p.text for p in chunk], [p.lang for p in chunk]
        unknown = [k for k, lang in enumerate(langs) if primary_language(lang) is None]
        if analyzers.langid is not None and unknown:
            for k, guess in zip(unknown, analyzers.langid.detect([texts[k] for k in unknown]), strict=True):
                langs[k] = guess or langs[k]
        keep = [k for k, lang in enumerate(langs) if analyzers.sentiment.unsupported_reason(lang) is None]
        analyzers.sentiment.analyze([texts[k] for k in keep], [langs[k] for k in keep])
        if analyzers.entities is not None:
            keep = [k for k, lang in enumerate(langs) if analyzers.entities.unsupported_reason(lang) is None]
            analyzers.entities.extract([texts[k] for k in keep], [langs[k] for k in keep])
    return time.perf_counter() - started
