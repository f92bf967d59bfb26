"""The analyzers alone, for the pipeline-efficiency baseline (a module so spawned workers import it),
and the CPU clocks of a process tree."""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import time
from collections.abc import Callable
from typing import Any

from tweetlake.analyzers import AnalyzerSpec, load_analyzers
from tweetlake.analyzers.base import primary_language
from tweetlake.record import decode_post
from tweetlake.runtime import freeze_loaded

_START: Any = None


Timing = tuple[float, float]
"""Seconds of wall-clock time and of CPU time (user and system) that a timed part took."""


def per_second(measure: Callable[[list[Any]], Timing], items: list[Any], processes: int) -> Timing:
    """Items per second of ``measure`` on ``processes`` spawned processes, each on an equal share
    of ``items``, timed together (the slowest process bounds the rate), and the CPU seconds all
    of them took. ``measure`` must be picklable and call ``wait_for_start`` just before its
    clocks start."""
    if processes == 1:
        seconds, cpu = measure(items)
        return len(items) / seconds, cpu
    share = len(items) // processes
    parts = [items[i * share : (i + 1) * share] for i in range(processes)]
    context = mp.get_context("spawn")
    with context.Pool(processes, initializer=start_together, initargs=(context.Barrier(processes),)) as pool:
        timings = pool.map(measure, parts, chunksize=1)
    return sum(len(p) for p in parts) / max(s for s, _ in timings), sum(c for _, c in timings)


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


def analyse_lines(lines: list[bytes], spec: AnalyzerSpec, batch: int = 1000) -> Timing:
    """Seconds (wall clock, CPU) the analyzers alone take on these posts (decoding and model
    loading not timed).

    The same calls enrichment makes: language identification where a post has none, then
    sentiment and entities on the posts whose language each supports."""
    analyzers = load_analyzers(spec.sentiment, spec.entities, spec.langid)
    posts = [decode_post(line) for line in lines]
    freeze_loaded()  # as an analyzer worker does after loading its models
    wait_for_start()
    started, cpu = time.perf_counter(), time.process_time()
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
    return time.perf_counter() - started, time.process_time() - cpu


class CpuClock:
    """The CPU seconds (user and system) of this process and of the processes below it, read at
    two moments: when enrichment starts (its workers have loaded their models) and when it
    commits its last batch. A :class:`tweetlake.progress.Reporter`, so the enricher itself
    says when those moments are; nothing runs beside it to watch.

    Linux only (``/proc``): elsewhere the other processes read as 0 CPU seconds.
    """

    def __init__(self) -> None:
        self._children: set[int] = set()
        self._batches = 0
        self._start: dict[int, float] = {}
        self._end: dict[int, float] = {}

    def total(self, stage: str, total: int | None) -> None:
        if not self._start:  # the first call: the enricher is ready and about to begin
            self._children = descendants(os.getpid())
            self._batches = total or 0
            self._start = self._read()

    def advance(self, stage: str, n: int = 1, **fields: int) -> None:
        self._batches -= n
        if self._batches <= 0:  # the last commit: every worker has finished its pieces
            self._end = self._read()

    def _read(self) -> dict[int, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        times = {0: usage.ru_utime + usage.ru_stime}  # 0: this process
        for pid in self._children:
            stat = _stat(pid)
            times[pid] = (int(stat[11]) + int(stat[12])) / _TICKS if stat else 0.0  # utime, stime
        return times

    @property
    def parent_seconds(self) -> float:
        """This process's CPU seconds between the two moments (0 before the last commit)."""
        return self._end[0] - self._start[0] if self._end else 0.0

    @property
    def children_seconds(self) -> float:
        """The other processes' CPU seconds between the two moments (0 before the last commit)."""
        if not self._end:
            return 0.0
        return sum((self._end.get(pid, 0.0) - self._start.get(pid, 0.0) for pid in self._children), 0.0)


def descendants(root: int) -> set[int]:
    """The processes below ``root``: its children, theirs, and so on (Linux ``/proc``; none
    elsewhere)."""
    parents = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        stat = _stat(int(entry)) if entry.isdigit() else None
        if stat is not None:
            parents[int(entry)] = int(stat[1])
    tree = {root}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                changed = True
    return tree - {root}


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the process's name (state, ppid, ...; utime is
    [11], stime [12]), or None for a process that is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
