"""The analyzers alone, for the pipeline-efficiency baseline (a module so spawned workers import it)."""

from __future__ import annotations

import time

from tweetlake.analyzers import AnalyzerSpec, load_analyzers
from tweetlake.record import decode_post


def analyse_lines(lines: list[bytes], spec: AnalyzerSpec, batch: int = 1000) -> float:
    """Seconds the analyzers alone take on these posts (decoding and model loading not timed)."""
    analyzers = load_analyzers(spec.sentiment, spec.entities, spec.langid)
    posts = [decode_post(line) for line in lines]
    started = time.perf_counter()
    for i in range(0, len(posts), batch):
        chunk = posts[i : i + batch]
        texts, langs = [p.text for p in chunk], [p.lang for p in chunk]
        keep = [k for k, lang in enumerate(langs) if analyzers.sentiment.unsupported_reason(lang) is None]
        analyzers.sentiment.analyze([texts[k] for k in keep], [langs[k] for k in keep])
        if analyzers.entities is not None:
            keep = [k for k, lang in enumerate(langs) if analyzers.entities.unsupported_reason(lang) is None]
            analyzers.entities.extract([texts[k] for k in keep], [langs[k] for k in keep])
    return time.perf_counter() - started
