"""A local Mastodon streaming server on 127.0.0.1 (``source-protocols.md`` §3.4).

* ``GET /api/v2/instance`` with ``configuration.urls.streaming`` (this server, ``ws://`` form);
* ``GET /api/v1/streaming/health`` → ``OK``;
* ``GET /api/v1/streaming/{public,public/local,public/remote,hashtag?tag=}`` as SSE: a ``:)``
  greeting, a ``:thump`` comment every ``heartbeat_seconds``, ``update`` / ``delete`` /
  ``status.update`` events; 401 without the right bearer token; 400 ``Unknown channel requested``.
* Faults on demand: an HTTP status at connect, a drop after N events, a stall (no heartbeats),
  and malformed events.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tweetlake.testing.http import FakeServer, Handler

__all__ = ["FakeMastodon"]

_STREAMS = {"public", "public/local", "public/remote", "hashtag", "hashtag/local"}


@dataclass
class _Faults:
    statuses: list[int] = field(default_factory=list)
    drop_after: int | None = None
    stall_after: int | None = None
    malformed: int = 0


class FakeMastodon(FakeServer):
    def __init__(self, token: str = "test-user-token", heartbeat_seconds: float = 15.0, port: int = 0) -> None:
        super().__init__(port)
        self.token = token
        self.heartbeat_seconds = heartbeat_seconds
        self._log: list[tuple[str, str, set[str]]] = []
        self._cond = threading.Condition()
        self._faults = _Faults()
        self.connects = 0

    def publish_status(self, status: dict[str, Any]) -> None:
        tags = {t["name"].lower() for t in status.get("tags") or [] if t.get("name")}
        self._publish("update", json.dumps(status), tags)

    def publish_delete(self, status_id: str) -> None:
        self._publish("delete", status_id, set())

    def publish_raw(self, event: str, data: str) -> None:
        self._publish(event, data, set())

    def _publish(self, event: str, data: str, tags: set[str]) -> None:
        with self._cond:
            self._log.append((event, data, tags))
            self._cond.notify_all()

    def fail_connects(self, *statuses: int) -> None:
        self._faults.statuses.extend(statuses)

    def drop_after(self, events: int) -> None:
        self._faults.drop_after = events

    def stall_after(self, events: int) -> None:
        self._faults.stall_after = events

    def send_malformed(self, events: int) -> None:
        self._faults.malformed += events

    def route(self, request: Handler, method: str) -> None:
        path = request.path_only
        if path == "/api/v2/instance":
            port = self.base_url.rsplit(":", 1)[1]
            request.send_json(
                200, {"domain": "127.0.0.1", "configuration": {"urls": {"streaming": f"ws://127.0.0.1:{port}"}}}
            )
            return
        if path == "/api/v1/streaming/health":
            request.send_response(200)
            request.send_header("Content-Length", "2")
            request.end_headers()
            request.wfile.write(b"OK")
            return
        if not path.startswith("/api/v1/streaming/"):
            request.send_json(404, {"error": "Record not found"})
            return
        if request.bearer() != self.token:
            request.send_json(401, {"error": "The access token is invalid"})
            return
        stream = path[len("/api/v1/streaming/") :]
        tag = (request.query.get("tag") or [""])[0].lower()
        if stream not in _STREAMS or (stream.startswith("hashtag") and not tag):
            request.send_json(400, {"error": "Unknown channel requested"})
            return
        self.connects += 1
        if self._faults.statuses:
            request.send_json(self._faults.statuses.pop(0), {"error": "Service Unavailable"})
            return
        faults, self._faults = self._faults, _Faults(statuses=self._faults.statuses)
        with contextlib.suppress(OSError):  # the client went away
            self._sse(request, faults, tag if stream.startswith("hashtag") else None)

    def _sse(self, request: Handler, faults: _Faults, tag: str | None) -> None:
        request.start_chunked("text/event-stream")
        request.chunk(b":)\n")
        for _ in range(faults.malformed):
            request.chunk(b"event: update\ndata: {not json\n\n")
        with self._cond:
            position = len(self._log)
        sent = 0
        last = time.monotonic()
        while not self.stopping.is_set():
            with self._cond:
                if position >= len(self._log):
                    self._cond.wait(timeout=0.1)
                batch = self._log[position:]
                position = len(self._log)
            for event, data, tags in batch:
                if tag is not None and event == "update" and tag not in tags:
                    continue
                if faults.stall_after is not None and sent >= faults.stall_after:
                    self.stopping.wait()
                    return
                if faults.drop_after is not None and sent >= faults.drop_after:
                    request.connection.close()
                    return
                request.chunk(f"event: {event}\ndata: {data}\n\n".encode())
                sent += 1
                last = time.monotonic()
            if time.monotonic() - last >= self.heartbeat_seconds:
                request.chunk(b":thump\n")
                last = time.monotonic()
