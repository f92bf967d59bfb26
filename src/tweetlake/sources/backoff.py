"""Reconnection waits, as each platform documents them, and the thread that runs a live stream.

X documents three schedules (``source-protocols.md`` §1.5): reconnect at once the first time,
then back off **linearly** (250 ms steps, up to 16 s) after network errors, **exponentially**
(5 s doubling to 320 s) after HTTP errors, and from **60 s** doubling after a 429. Jetstream and
Mastodon document no rule; tweetlake uses 1 s doubling to 60 s with jitter for them. Every
schedule resets after a connection that delivered data.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tweetlake.errors import TerminalError
from tweetlake.sources.base import Item

__all__ = ["Backoff", "StreamError", "StreamThread"]

log = logging.getLogger(__name__)


@dataclass
class Backoff:
    """Waits before reconnecting. ``kind`` is ``network``, ``http`` or ``rate_limit``."""

    network_step: float = 0.25
    network_max: float = 16.0
    http_start: float = 5.0
    http_max: float = 320.0
    rate_limit_start: float = 60.0
    rate_limit_max: float = 960.0
    jitter: float = 0.0
    scale: float = 1.0
    """Multiplies every wait (tests use a small scale to run the real schedules quickly)."""
    _attempts: dict[str, int] = field(default_factory=dict)

    def reset(self) -> None:
        self._attempts.clear()

    def next_wait(self, kind: str) -> float:
        n = self._attempts.get(kind, 0)
        self._attempts[kind] = n + 1
        if kind == "network":
            wait = 0.0 if n == 0 else min(self.network_step * n, self.network_max)
        elif kind == "rate_limit":
            wait = min(self.rate_limit_start * 2**n, self.rate_limit_max)
        else:
            wait = 0.0 if n == 0 and self.http_start == 0 else min(self.http_start * 2**n, self.http_max)
        if self.jitter:
            wait *= 1 + random.uniform(-self.jitter, self.jitter)
        return wait * self.scale


def exponential(start: float = 1.0, maximum: float = 60.0, scale: float = 1.0) -> Backoff:
    """1 s doubling to 60 s with 20 % jitter, for every kind of failure (Jetstream, Mastodon)."""
    return Backoff(
        network_step=start,
        network_max=maximum,
        http_start=start,
        http_max=maximum,
        rate_limit_start=max(start, 5.0),
        rate_limit_max=maximum * 4,
        jitter=0.2,
        scale=scale,
    )


class StreamError(Exception):
    """A connection attempt failed. ``kind`` picks the backoff; ``fatal`` stops the source."""

    def __init__(self, message: str, kind: str = "network", fatal: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.fatal = fatal
        self.retry_after = retry_after


class StreamThread:
    """Runs ``connect_once`` in a thread, over and over, with backoff between attempts.

    ``connect_once(emit)`` opens one connection and calls ``emit(items)`` for what it reads; it
    returns when the connection ends and raises :class:`StreamError` when it fails. Items go into
    a bounded queue: when enrichment falls behind, the reader blocks instead of growing memory
    (back-pressure). A fatal error is kept and re-raised to the pipeline by :meth:`take`.
    """

    def __init__(
        self,
        name: str,
        connect_once: Callable[[Callable[[list[Item]], None]], bool],
        backoff: Backoff,
        queue_size: int = 20_000,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.name = name
        self._connect_once = connect_once
        self.backoff = backoff
        self._queue: queue.Queue[Item] = queue.Queue(maxsize=queue_size)
        self._stop = threading.Event()
        self._sleep = sleep or self._stop.wait
        self.fatal: BaseException | None = None
        self.connections = 0
        self.reconnects = 0
        self._thread = threading.Thread(target=self._run, name=f"tweetlake-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, interrupt: Callable[[], None] | None = None) -> None:
        """Stop reading. ``interrupt`` closes the live connection, so a blocked read returns now."""
        self._stop.set()
        if interrupt is not None:
            try:
                interrupt()
            except Exception:
                log.debug("%s: error while interrupting the connection", self.name, exc_info=True)
        if self._thread.ident is not None:
            self._thread.join(timeout=10)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _emit(self, items: list[Item]) -> None:
        for item in items:
            while not self._stop.is_set():
                try:
                    self._queue.put(item, timeout=0.2)
                    break
                except queue.Full:
                    continue

    def _run(self) -> None:
        while not self._stop.is_set():
            self.connections += 1
            try:
                delivered = self._connect_once(self._emit)
                if delivered:
                    self.backoff.reset()
                kind, wait = "network", self.backoff.next_wait("network")
                log.info("%s: connection closed; reconnecting in %.2f s", self.name, wait)
            except StreamError as exc:
                if exc.fatal:
                    self.fatal = TerminalError(str(exc), stage="ingest")
                    log.error("%s: %s", self.name, exc)
                    return
                kind = exc.kind
                wait = exc.retry_after if exc.retry_after is not None else self.backoff.next_wait(kind)
                log.warning("%s: %s; reconnecting in %.2f s", self.name, exc, wait)
            except Exception as exc:
                self.fatal = exc
                log.exception("%s: unexpected error", self.name)
                return
            self.reconnects += 1
            if wait > 0:
                self._sleep(wait)

    def take(self, max_items: int, timeout: float = 0.1) -> list[Item]:
        """Up to ``max_items`` items, waiting at most ``timeout`` for the first."""
        if self.fatal is not None and self._queue.empty():
            raise self.fatal
        items: list[Item] = []
        try:
            items.append(self._queue.get(timeout=timeout))
            while len(items) < max_items:
                items.append(self._queue.get_nowait())
        except queue.Empty:
            pass
        return items

    def status(self) -> dict[str, Any]:
        return {"connections": self.connections, "reconnects": self.reconnects, "queued": self._queue.qsize()}
