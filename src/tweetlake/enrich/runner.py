"""The enrichment runner (the reference's S3 trigger + Lambda): every raw batch, exactly once.

It picks up the manifests in ``raw/_pending`` in batch order. For each batch:

1. read the raw lines, and decode each line's key only (platform + id);
2. drop posts the lake already holds, or that appear twice in the batch or in a batch in flight;
3. analyze the rest (:func:`~tweetlake.enrich.core.enrich_batch`, the pure function, which
   decodes and validates each post; invalid lines go to quarantine), in pieces across workers;
4. record the files it is about to write in ``_catalog/inflight.json``;
5. write the table files, named from the batch (``part-<batch>.parquet``), the enrich-stage
   quarantine file, and the keys of the new posts;
6. append one catalog commit listing all of them: **the commit point**;
7. move the manifest to ``raw/_done``.

A crash before 6 leaves the batch pending: the restart deletes what step 5 wrote (from the
inflight record) and does the batch again, with the same result, because the key set it checks
against is the committed one. A crash between 6 and 7 is finished on restart (the catalog already
lists the batch). So ``kill -9`` at any moment, then a re-run, gives the same tables as an
uninterrupted run.
"""

from __future__ import annotations

import atexit
import ctypes
import gzip
import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import msgspec
import numpy as np
import pyarrow as pa

from tweetlake import lake
from tweetlake.analyzers import Analyzers, AnalyzerSpec, load_analyzers
from tweetlake.delivery.batcher import BatchManifest, decode_manifest
from tweetlake.enrich.core import EnrichedBatch, enrich_batch, merge_batches
from tweetlake.errors import ConfigError, LakeError
from tweetlake.progress import Reporter, SilentReporter
from tweetlake.quarantine import QuarantineRecord, encode_quarantine
from tweetlake.record import decode_key
from tweetlake.runtime import configure_process, freeze_loaded
from tweetlake.storage import Storage
from tweetlake.tables.catalog import KEYS, LOCK, Catalog, CatalogState, Commit, FileEntry, KeyIndex
from tweetlake.tables.compact import CompactionPolicy, compact_tables
from tweetlake.tables.rollups import COVERAGE, rollup_batch
from tweetlake.tables.schema import PARTITION_COLUMNS
from tweetlake.tables.writer import split_by_day, write_file

__all__ = ["EnrichTotals", "Enricher"]

log = logging.getLogger(__name__)

#: A batch is split across the workers in pieces of at least this many posts (smaller pieces
#: cost more in hand-over than they gain in parallelism).
PIECE_MIN_POSTS = 100
#: While more batches wait, a batch is cut only into pieces of up to this many posts: each
#: piece costs a few milliseconds of fixed work (its tables and rollups, the hand-over), and
#: the workers are kept busy by the batches behind it anyway.
PIECE_MAX_POSTS = 1_000


@dataclass
class EnrichTotals:
    batches: int = 0
    posts: int = 0
    duplicates: int = 0
    quarantined: int = 0
    seconds: float = 0.0
    """Time from the end of start-up (loading the models) to the last commit."""
    startup_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def posts_per_second(self) -> float:
        return self.posts / self.seconds if self.seconds > 0 else 0.0


class Enricher:
    """Enrich pending raw batches into the tables.

    Args:
        storage: the lake.
        analyzers: the sentiment and entity analyzers (None: load them from ``spec`` when needed).
        reporter: receives progress (silent by default).
        checkpoint_every: fold the catalog log every this many commits.
        compaction: when to merge small table files while following (None: never).
    """

    def __init__(
        self,
        storage: Storage,
        analyzers: Analyzers | None,
        *,
        reporter: Reporter | None = None,
        checkpoint_every: int = 200,
        compaction: CompactionPolicy | None = None,
        workers: int = 1,
        spec: AnalyzerSpec | None = None,
    ) -> None:
        if (workers > 1 or analyzers is None) and spec is None:
            raise ConfigError(
                "parallel enrichment needs the analyzers by name (an AnalyzerSpec) to load them in workers"
            )
        self.storage = storage
        self._analyzers = analyzers
        self.workers = workers
        self.spec = spec
        self.reporter = reporter or SilentReporter()
        self.catalog = Catalog(storage)
        self.checkpoint_every = checkpoint_every
        self.compaction = compaction
        self.totals = EnrichTotals()
        #: Set once the writer lock is held and every worker has loaded its models.
        self.ready = threading.Event()
        #: Set while following and every pending batch is committed; cleared when work arrives.
        self.idle = threading.Event()
        #: Set by a producer after it flushes a batch: follow mode looks at once, not at the next poll.
        self.wake = threading.Event()
        self._state: CatalogState | None = None
        self._keys: KeyIndex | None = None

    @property
    def analyzers(self) -> Analyzers:
        """The analyzers of this process, loaded on first use (with workers, the parent needs none)."""
        if self._analyzers is None:
            assert self.spec is not None
            self._analyzers = load_analyzers(self.spec.sentiment, self.spec.entities, self.spec.langid)
        return self._analyzers

    @contextmanager
    def _writer(self) -> Iterator[tuple[CatalogState, KeyIndex]]:
        with self.storage.lock(LOCK, "enrich"):
            state = self.catalog.read()
            cleaned = self.catalog.clean_inflight(state)
            if cleaned:
                log.info("removed %d files of a batch interrupted before its commit", cleaned)
            self._finish_moves(state)
            keys = self.catalog.load_keys(state)
            self._state, self._keys = state, keys
            try:
                yield state, keys
            finally:
                self._state = self._keys = None

    def _finish_moves(self, state: CatalogState) -> None:
        """Move manifests of batches the catalog already has (crash between steps 6 and 7)."""
        done = set(state.recent_batches)
        for name in self.storage.listdir(lake.PENDING, ".json"):
            if name[: -len(".json")] in done:
                self.storage.move(f"{lake.PENDING}/{name}", f"{lake.DONE}/{name}")

    def pending(self) -> list[str]:
        """Manifest names waiting in ``raw/_pending``, oldest first."""
        return self.storage.listdir(lake.PENDING, ".json")

    def run(
        self, *, follow: bool = False, stop: threading.Event | None = None, poll_interval: float = 0.05
    ) -> EnrichTotals:
        """Process pending batches. Without ``follow``, drain and return; with it, keep watching
        until ``stop`` is set (then finish the pending batches and return)."""
        stop = stop or threading.Event()
        warm = time.monotonic()
        pool = _pool(self.workers, self.spec) if self.workers > 1 and self.spec is not None else None
        self._since_checkpoint = 0
        try:
            with self._writer() as (state, keys):
                # Load the models (in every worker) before timing, or taking posts from a source.
                analysis = _InProcess(self.analyzers) if pool is None else _Workers(pool, self.workers)
                self.totals.startup_seconds = time.monotonic() - warm
                self.ready.set()
                self._loop(state, keys, follow, stop, poll_interval, analysis, time.monotonic())
                if self._since_checkpoint:
                    self.catalog.checkpoint(state, keys)
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        return self.totals

    def _loop(
        self,
        state: CatalogState,
        keys: KeyIndex,
        follow: bool,
        stop: threading.Event,
        poll_interval: float,
        analysis: _Analysis,
        started: float,
    ) -> None:
        while True:
            names = self.pending()
            if names:
                self.idle.clear()
            self.reporter.total("enrich", self.totals.batches + len(names))
            self._drain(names, state, keys, analysis, started)
            if follow and self.compaction is not None and self.compaction.due(state):
                compact_tables(self.storage, self.catalog, state, self.compaction)
            if not follow or (stop.is_set() and not self.pending()):
                break
            if not names:
                self.idle.set()
                self.wake.wait(poll_interval)
                self.wake.clear()

    def _after_commit(self, state: CatalogState, keys: KeyIndex, started: float) -> None:
        self._since_checkpoint += 1
        if self._since_checkpoint >= self.checkpoint_every:
            self.catalog.checkpoint(state, keys)
            self._since_checkpoint = 0
        self.totals.seconds = time.monotonic() - started

    def _drain(
        self, names: list[str], state: CatalogState, keys: KeyIndex, analysis: _Analysis, started: float
    ) -> None:
        """Analyse each batch in pieces (``_Analysis.parts``), keeping every worker busy with up
        to two pieces; commit whole batches strictly in batch order.

        Splitting a batch lets all workers work on it at once: a small batch lands sooner, and
        the last batch of a drain (cut finer still) does not leave a worker idle. De-duplication
        stays in this process and also counts the posts of batches still in flight, so the
        tables are the same whatever the number of workers.
        """
        claims: set[int] = set()
        queue: deque[_Prepared] = deque()
        tasks = 0
        for index, name in enumerate(names):
            prepared = self._prepare(name, keys, claims)
            if prepared is None:
                continue
            parts = analysis.parts(len(prepared.lines), last=index == len(names) - 1)
            for piece in _split(prepared.lines, parts, PIECE_MIN_POSTS):
                prepared.pieces.append(analysis.submit(piece, prepared.origin, prepared.batch_id))
            prepared.submitted = len(prepared.pieces)
            queue.append(prepared)
            tasks += prepared.submitted
            while tasks >= analysis.depth:
                tasks -= self._finish_oldest(queue, state, keys, started, claims, analysis)
        while queue:
            self._finish_oldest(queue, state, keys, started, claims, analysis)

    def _finish_oldest(
        self,
        queue: deque[_Prepared],
        state: CatalogState,
        keys: KeyIndex,
        started: float,
        claims: set[int],
        analysis: _Analysis,
    ) -> int:
        """Wait for the oldest batch's pieces, commit it, and return how many pieces it was cut in."""
        prepared = queue.popleft()
        results: list[EnrichedBatch] = []
        waiting = prepared.pieces
        while waiting:
            done = [piece.result() for piece in waiting]
            results += done
            waiting = [f for result in done for f in _release(prepared, result, queue, claims, analysis)]
        self._finish(prepared, merge_batches(results), state, keys)
        # Its posts are in the committed key set now: claims keep only the keys of batches in
        # flight, so a long backlog does not grow the set.
        claims.difference_update(prepared.keys.values())
        self._after_commit(state, keys, started)
        return prepared.submitted

    # -- one batch ---------------------------------------------------------------------------------
    def _prepare(self, name: str, keys: KeyIndex, claims: set[int]) -> _Prepared | None:
        """Steps 1 and 2: read the lines, and hold back those whose post the lake (or an earlier
        line in flight) already has. Only the keys are decoded here: the analysis decodes and
        validates each post, in the worker."""
        manifest_path = f"{lake.PENDING}/{name}"
        try:
            manifest = decode_manifest(self.storage.read_bytes(manifest_path))
        except FileNotFoundError:
            return None  # another (stopped) writer finished it between list and read
        prepared = _Prepared(name, manifest, manifest.data or manifest_path)
        _claim(prepared, self._read_lines(manifest), keys, claims)
        return prepared

    def _finish(self, prepared: _Prepared, result: EnrichedBatch, state: CatalogState, keys: KeyIndex) -> None:
        """Steps 4 to 7: write the outputs, commit, and retire the manifest."""
        manifest, batch_id = prepared.manifest, prepared.batch_id
        quarantined = sorted(result.quarantined, key=lambda record: record.line or 0)
        new_keys = np.array([prepared.keys[line] for line in result.lines], dtype=np.uint64)
        # 4. + 5. write outputs
        adds, quarantine_path, keys_path = self._write_outputs(batch_id, result, quarantined, new_keys)
        # 6. commit
        counts = {
            "received": manifest.counts.received,
            "accepted": manifest.counts.accepted,
            "filtered": manifest.counts.filtered,
            "quarantined_ingest": manifest.counts.quarantined,
            "duplicates": prepared.duplicates,
            **result.counts.as_dict(),
            "quarantined_enrich": len(quarantined),
            "batches": 1,
            COVERAGE: result.tweets.num_rows,
        }
        for lang, n in result.counts.unsupported_languages.items():
            counts[f"sentiment_unsupported_lang:{lang}"] = n
        quarantine_files = [p for p in (manifest.quarantine, quarantine_path) if p]
        commit = Commit(
            seq=0,
            kind="batch",
            ts=datetime.now(UTC),
            batch_id=batch_id,
            add=adds,
            keys=keys_path,
            counts=counts,
            notices=manifest.counts.notices,
            quarantine=quarantine_files,
            deletes=[manifest.deletes] if manifest.deletes else [],
        )
        self.catalog.commit(state, commit)
        keys.add(new_keys)
        # 7. done
        self.storage.move(f"{lake.PENDING}/{prepared.name}", f"{lake.DONE}/{prepared.name}")
        self.totals.batches += 1
        self.totals.posts += result.counts.enriched
        self.totals.duplicates += prepared.duplicates
        self.totals.quarantined += len(quarantined)
        for key, n in counts.items():
            self.totals.counts[key] = self.totals.counts.get(key, 0) + n
        self.reporter.advance("enrich", 1, posts=result.counts.enriched)

    def _read_lines(self, manifest: BatchManifest) -> list[bytes]:
        if manifest.data is None:
            return []
        try:
            data = self.storage.read_bytes(manifest.data)
        except FileNotFoundError:
            raise LakeError(
                f"raw batch {manifest.data} is listed in raw/_pending/{manifest.batch_id}.json but "
                "missing. Restore the file, or move the manifest out of raw/_pending to skip it."
            ) from None
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        return data.split(b"\n")

    def _write_outputs(
        self, batch_id: str, result: EnrichedBatch, quarantined: list[QuarantineRecord], new_keys: np.ndarray
    ) -> tuple[dict[str, list[FileEntry]], str | None, str | None]:
        tables: dict[str, pa.Table] = {
            "tweets": result.tweets,
            "sentiment": result.sentiment,
            "entities": result.entities,
            # the batch's counts per hour, committed with its rows (tables/rollups.py)
            **result.rollups,
        }
        planned: list[tuple[str, str, pa.Table]] = []
        for table_name, table in tables.items():
            for part, rows in split_by_day(table, PARTITION_COLUMNS[table_name]):
                planned.append((table_name, f"{table_name}/{part}/part-{batch_id}.parquet", rows))
        quarantine_path = None
        if quarantined:
            day = quarantined[0].quarantined_ts
            quarantine_path = f"{lake.QUARANTINE}/{lake.partition(day)}/{batch_id}.enrich.jsonl"
        keys_path = f"{KEYS}/{batch_id}.u64" if len(new_keys) else None
        outputs = [p for _, p, _ in planned] + [p for p in (quarantine_path, keys_path) if p]
        self.catalog.write_inflight(batch_id, outputs)  # 4.
        adds: dict[str, list[FileEntry]] = {}
        for table_name, path, rows in planned:  # 5.
            adds.setdefault(table_name, []).append(write_file(self.storage, path, rows))
        if quarantine_path:
            self.storage.write_atomic(quarantine_path, encode_quarantine(quarantined))
        if keys_path:
            self.storage.write_atomic(keys_path, np.sort(new_keys).astype("<u8").tobytes())
        return adds, quarantine_path, keys_path


# -- worker processes ------------------------------------------------------------------------------
_WORKER_ANALYZERS: Analyzers | None = None


def _init_worker(spec: AnalyzerSpec, parent: int, loaded: threading.Barrier) -> None:
    global _WORKER_ANALYZERS
    _die_with_parent(parent)
    configure_process()
    _WORKER_ANALYZERS = load_analyzers(spec.sentiment, spec.entities, spec.langid)
    freeze_loaded()
    # A worker holds nothing to flush or close: skip the interpreter's teardown of its models
    # (freeing them object by object made stopping the pool take most of a second).
    atexit.register(os._exit, 0)
    # Take no task before every worker has loaded its models: otherwise the first worker takes
    # all the start-up checks and a still-loading worker delays the first batches.
    loaded.wait(timeout=600)


def _die_with_parent(parent: int) -> None:
    """A worker must not outlive its enricher (``kill -9`` of the enricher kills the workers)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            log.debug("prctl(PR_SET_PDEATHSIG) unavailable; workers may outlive a killed enricher")
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _ready(_: int) -> bool:
    return _WORKER_ANALYZERS is not None


def _analyze(lines: list[tuple[int, bytes]], origin: str, batch_id: str) -> EnrichedBatch:
    """Step 3 in a worker."""
    assert _WORKER_ANALYZERS is not None, "worker not initialised"
    return _analyze_piece(_WORKER_ANALYZERS, lines, origin, batch_id)


def _analyze_piece(analyzers: Analyzers, lines: list[tuple[int, bytes]], origin: str, batch_id: str) -> EnrichedBatch:
    """Step 3: the pure function on a piece of a batch's numbered lines, plus the piece's rollup
    rows (computed here, beside the analysis, rather than in the single writer)."""
    result = enrich_batch(
        [raw for _, raw in lines], analyzers, origin=origin, batch_id=batch_id, numbers=[n for n, _ in lines]
    )
    result.rollups = rollup_batch(result.tweets, result.entities)
    return result


class _Analysis:
    """Where the pieces of a batch are analysed: in this process, or in worker processes."""

    #: How many pieces may be submitted and not yet committed.
    depth = 1

    def parts(self, lines: int, *, last: bool) -> int:
        """How many pieces to cut a batch of ``lines`` in (``last``: nothing else is pending)."""
        return 1

    def submit(self, lines: list[tuple[int, bytes]], origin: str, batch_id: str) -> Future[EnrichedBatch]:
        raise NotImplementedError


class _InProcess(_Analysis):
    """One worker: each piece is analysed at once, here."""

    def __init__(self, analyzers: Analyzers) -> None:
        self.analyzers = analyzers

    def submit(self, lines: list[tuple[int, bytes]], origin: str, batch_id: str) -> Future[EnrichedBatch]:
        future: Future[EnrichedBatch] = Future()
        future.set_result(_analyze_piece(self.analyzers, lines, origin, batch_id))
        return future


class _Workers(_Analysis):
    """Worker processes; each holds up to two pieces, so none waits for the writer."""

    def __init__(self, pool: ProcessPoolExecutor, workers: int) -> None:
        list(pool.map(_ready, range(workers)))  # every worker has loaded its models
        self.pool, self.workers, self.depth = pool, workers, 2 * workers

    def parts(self, lines: int, *, last: bool) -> int:
        # The last batch of a drain is cut finer, so that at its end no worker waits long for
        # another one's piece; the others no finer than needed.
        if last:
            return 2 * self.workers
        return min(self.workers, -(-lines // PIECE_MAX_POSTS))

    def submit(self, lines: list[tuple[int, bytes]], origin: str, batch_id: str) -> Future[EnrichedBatch]:
        return self.pool.submit(_analyze, lines, origin, batch_id)


def _split(lines: list[tuple[int, bytes]], parts: int, minimum: int) -> list[list[tuple[int, bytes]]]:
    """Up to ``parts`` consecutive pieces of about equal size, each of at least ``minimum`` lines
    (one piece when there are fewer)."""
    count = max(1, min(parts, len(lines) // minimum))
    size, extra = divmod(len(lines), count)
    pieces, start = [], 0
    for index in range(count):
        end = start + size + (index < extra)
        pieces.append(lines[start:end])
        start = end
    return pieces


def _pool(workers: int, spec: AnalyzerSpec) -> ProcessPoolExecutor:
    # "spawn": the parent runs threads (ingest, dashboard), which fork would copy in a bad state.
    context = mp.get_context("spawn")
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(spec, os.getpid(), context.Barrier(workers)),
    )


def _claim(prepared: _Prepared, raw: list[bytes], keys: KeyIndex, claims: set[int]) -> None:
    """Sort a batch's lines (step 2): a line whose key the lake has is a duplicate; the first
    line of a key not yet committed claims it, and later copies (here or in later batches in
    flight) are held back as duplicates; a line without a key is analysed, to be quarantined
    with the reason its decoding gives."""
    numbered: list[tuple[int, bytes]] = []
    found: list[int | None] = []
    for number, line in enumerate(raw, start=1):
        if not line or line.isspace():
            continue
        try:
            found.append(decode_key(line))
        except msgspec.DecodeError:
            found.append(None)
        numbered.append((number, line))
    committed = keys.contains(np.array([k for k in found if k is not None], dtype=np.uint64)).tolist()
    position = 0
    for (number, line), key in zip(numbered, found, strict=True):
        if key is None:
            prepared.lines.append((number, line))
            continue
        position += 1
        if committed[position - 1]:
            prepared.duplicates += 1
        elif key in claims:
            prepared.duplicates += 1
            prepared.held.setdefault(key, []).append((number, line))
        else:
            claims.add(key)
            prepared.keys[number] = key
            prepared.lines.append((number, line))


def _release(
    prepared: _Prepared, result: EnrichedBatch, queue: deque[_Prepared], claims: set[int], analysis: _Analysis
) -> list[Future[EnrichedBatch]]:
    """A line that was quarantined gives up its key: the next copy held back as its duplicate
    (later in this batch, or in a later batch in flight) is analysed instead, so an invalid
    copy never hides a valid one. Returns the analyses of copies in this batch, to wait for."""
    waiting: list[Future[EnrichedBatch]] = []
    for record in result.quarantined:
        key = prepared.keys.pop(record.line or 0, None)
        if key is None:
            continue
        holder = next((p for p in (prepared, *queue) if key in p.held), None)
        if holder is None:
            claims.discard(key)
            continue
        number, line = holder.held[key].pop(0)
        if not holder.held[key]:
            del holder.held[key]
        holder.keys[number] = key
        holder.duplicates -= 1
        future = analysis.submit([(number, line)], holder.origin, holder.batch_id)
        if holder is prepared:
            waiting.append(future)
        else:
            holder.pieces.append(future)
    return waiting


@dataclass
class _Prepared:
    name: str
    manifest: BatchManifest
    origin: str
    lines: list[tuple[int, bytes]] = field(default_factory=list)
    """The lines to analyse, with their numbers in the raw file."""
    keys: dict[int, int] = field(default_factory=dict)
    """Line number → key, for the lines that claimed their key."""
    held: dict[int, list[tuple[int, bytes]]] = field(default_factory=dict)
    """Key → the copies held back while a line not yet committed claims that key."""
    duplicates: int = 0
    pieces: list[Future[EnrichedBatch]] = field(default_factory=list)
    submitted: int = 0
    """How many pieces the batch was cut in (more may be added to analyse released copies)."""

    @property
    def batch_id(self) -> str:
        return self.manifest.batch_id
