"""The orchestrator: source → keyword filter → delivery, and enrichment, in one place.

:func:`ingest` runs a source into the raw zone; :class:`Pipeline` runs ingest and enrichment
together until the source ends or ``stop`` is set (Ctrl-C), then drains: delivery flushes what
it holds, enrichment finishes every pending batch, and both return their counts. A failure is
re-raised with the stage it happened in.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import msgspec

from tweetlake import lake
from tweetlake.analyzers import Analyzers, AnalyzerSpec
from tweetlake.delivery.batcher import Delivery, DeliveryLimits, IngestCounts, load_cursor, safe_name
from tweetlake.enrich.runner import Enricher, EnrichTotals
from tweetlake.errors import TweetlakeError
from tweetlake.progress import Reporter, SilentReporter
from tweetlake.record import Post
from tweetlake.sources.base import Notice, Rejected, Source
from tweetlake.sources.keywords import KeywordFilter
from tweetlake.storage import Storage
from tweetlake.tables.compact import CompactionPolicy

__all__ = ["IngestResult", "Pipeline", "PipelineResult", "ingest"]

log = logging.getLogger(__name__)

_POLL = 2_000
_json = msgspec.json.Encoder()


@dataclass
class IngestResult:
    counts: IngestCounts
    batches: int
    seconds: float
    resumed_from: object | None = None

    @property
    def posts_per_second(self) -> float:
        return self.counts.received / self.seconds if self.seconds > 0 else 0.0


def ingest(
    storage: Storage,
    source: Source,
    *,
    keywords: KeywordFilter | None = None,
    limits: DeliveryLimits | None = None,
    stop: threading.Event | None = None,
    reporter: Reporter | None = None,
    consumer_idle: threading.Event | None = None,
    flushed: threading.Event | None = None,
) -> IngestResult:
    """Read ``source`` until it ends or ``stop`` is set; every accepted post ends up in a durable batch.

    The source resumes from its stored cursor, if it has one. ``consumer_idle`` (set while
    enrichment has caught up) lets batches flush after ``limits.min_seconds``; ``flushed`` is
    set after every flush, to wake the consumer.
    """
    keywords = keywords or KeywordFilter(None)
    stop = stop or threading.Event()
    reporter = reporter or SilentReporter()
    resume = load_cursor(storage, source.source_id)
    delivery = Delivery(storage, source.source_id, limits, resumed_cursor=resume)
    started = time.monotonic()
    try:
        source.open(resume)
        described = source.describe()
        if described:
            storage.write_atomic(f"{lake.SOURCES}/{safe_name(source.source_id)}.json", _json.encode(described))
        while not stop.is_set() and not source.exhausted:
            # Never poll more than fits in the open batch, so each flush's cursor is exact.
            items = source.poll(min(_POLL, delivery.room))
            now = datetime.now(UTC)
            for item in items:
                if isinstance(item, Post):
                    matched = keywords.match(item)
                    if matched is None:
                        delivery.add_filtered()
                        continue
                    item.matched_keywords = matched
                    item.ingested_ts = now
                    delivery.add_post(item)
                elif isinstance(item, Rejected):
                    delivery.add_rejected(item)
                elif isinstance(item, Notice):
                    delivery.add_notice(item)
            if items:
                reporter.advance("ingest", len(items))
            if delivery.due(consumer_idle is not None and consumer_idle.is_set()):
                delivery.flush(source.snapshot())
                if flushed is not None:
                    flushed.set()
        delivery.flush(source.snapshot())
        if flushed is not None:
            flushed.set()
    except TweetlakeError as exc:
        exc.stage = exc.stage or "ingest"
        raise
    finally:
        source.close()
    return IngestResult(delivery.totals, delivery.batches, time.monotonic() - started, resume)


@dataclass
class PipelineResult:
    ingest: IngestResult | None = None
    enrich: EnrichTotals = field(default_factory=EnrichTotals)


class Pipeline:
    """Ingest and enrich at the same time (``tweetlake run`` and ``tweetlake demo``).

    Args:
        storage: the lake.
        source: where posts come from.
        analyzers: sentiment and entity analyzers.
        keywords: the keyword filter.
        limits: delivery limits.
        compaction: merge small files while running (None: never).
        workers: analyzer processes (``spec`` names the analyzers they load).
    """

    def __init__(
        self,
        storage: Storage,
        source: Source,
        analyzers: Analyzers | None,
        *,
        keywords: KeywordFilter | None = None,
        limits: DeliveryLimits | None = None,
        compaction: CompactionPolicy | None = None,
        reporter: Reporter | None = None,
        workers: int = 1,
        spec: AnalyzerSpec | None = None,
    ) -> None:
        self.storage = storage
        self.source = source
        self.keywords = keywords
        self.limits = limits
        self.reporter = reporter or SilentReporter()
        self.enricher = Enricher(
            storage, analyzers, reporter=self.reporter, compaction=compaction, workers=workers, spec=spec
        )
        self.stop = threading.Event()
        self.result = PipelineResult()
        self._ingest_error: BaseException | None = None

    def _ingest(self) -> None:
        try:
            # Start reading the source only once enrichment is ready, so no backlog piles up
            # while worker processes load their models.
            while not self.enricher.ready.wait(0.2):
                if self.stop.is_set() or self._enrich_failed.is_set():
                    return
            self.result.ingest = ingest(
                self.storage,
                self.source,
                keywords=self.keywords,
                limits=self.limits,
                stop=self.stop,
                reporter=self.reporter,
                consumer_idle=self.enricher.idle,
                flushed=self.enricher.wake,
            )
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            self._ingest_error = exc
        finally:
            self._ingest_done.set()

    def run(self) -> PipelineResult:
        """Run until the source ends or :attr:`stop` is set, then drain both stages."""
        self._ingest_done = threading.Event()
        self._enrich_failed = threading.Event()
        thread = threading.Thread(target=self._ingest, name="tweetlake-ingest", daemon=True)
        thread.start()
        enrich_stop = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(enrich_stop,), daemon=True)
        watcher.start()
        try:
            self.result.enrich = self.enricher.run(follow=True, stop=enrich_stop)
        except TweetlakeError as exc:
            self.stop.set()
            self._enrich_failed.set()
            exc.stage = exc.stage or "enrich"
            raise
        except BaseException:
            self._enrich_failed.set()
            raise
        finally:
            self.stop.set()
            thread.join()
        if self._ingest_error is not None:
            raise self._ingest_error
        return self.result

    def _watch(self, enrich_stop: threading.Event) -> None:
        """Tell enrichment to finish once ingest has flushed its last batch."""
        self._ingest_done.wait()
        enrich_stop.set()
