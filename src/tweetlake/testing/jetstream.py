"""A local Jetstream: the v1 ``/subscribe`` websocket on 127.0.0.1, for tests and offline trials.

It speaks the wire of ``source-protocols.md`` §2: JSON text frames, one event each; query
parameters ``wantedCollections`` (NSIDs or ``prefix.*``, at most 100), ``wantedDids`` (at most
10,000) and ``cursor`` (unix µs; replays retained events from there, clamped to the oldest one,
as Jetstream clamps at its 36 h window); HTTP 400 for a bad query before the upgrade; identity
and account events pass every collection filter; websocket pings every 30 s.

Events are published with :meth:`FakeJetstream.publish`; each gets the next ``time_us`` from the
server's clock, and every connected subscriber receives it (the live tail). Faults, on demand:
an HTTP status at the handshake (503, 429, ...), an abrupt drop after N events, a stall (the
connection stays open and silent), and malformed frames.

    with FakeJetstream() as server:
        server.publish(events)
        JetstreamSource(server.url) ...
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

__all__ = ["FakeJetstream"]


@dataclass
class _Faults:
    handshake_statuses: list[int] = field(default_factory=list)
    drop_after: int | None = None
    stall_after: int | None = None
    malformed: int = 0


class FakeJetstream:
    """A Jetstream v1 server on ``127.0.0.1`` (an ephemeral port unless ``port`` is given)."""

    def __init__(self, port: int = 0, ping_interval: float = 30.0, start_us: int = 1_780_000_000_000_000) -> None:
        self._log: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._clock = start_us
        self._faults = _Faults()
        self._port = port
        self._ping_interval = ping_interval
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.requests: list[dict[str, list[str]]] = []
        self.connections = 0

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> FakeJetstream:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._server = serve(
            self._handle,
            "127.0.0.1",
            self._port,
            process_request=self._process_request,
            ping_interval=self._ping_interval,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-jetstream", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the server first"
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/subscribe"

    # -- publishing and faults ---------------------------------------------------------------------
    def publish(self, events: Iterable[dict[str, Any]]) -> list[int]:
        """Append events to the log (each gets the next ``time_us``); returns their times."""
        stamps = []
        with self._cond:
            for event in events:
                self._clock += 1000
                stamped = {**event, "time_us": self._clock}
                self._log.append(stamped)
                stamps.append(self._clock)
            self._cond.notify_all()
        return stamps

    def fail_handshakes(self, *statuses: int) -> None:
        """Answer the next connections with these HTTP statuses, one each, before the upgrade."""
        self._faults.handshake_statuses.extend(statuses)

    def drop_after(self, events: int) -> None:
        """In the next connection, close the TCP connection abruptly after ``events`` events."""
        self._faults.drop_after = events

    def stall_after(self, events: int) -> None:
        """In the next connection, go silent (no frames, no pings) after ``events`` events."""
        self._faults.stall_after = events

    def send_malformed(self, frames: int) -> None:
        """Send this many frames that are not JSON before the next events."""
        self._faults.malformed += frames

    # -- the protocol ------------------------------------------------------------------------------
    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        query = parse_qs(parts.query)
        self.requests.append(query)
        if parts.path != "/subscribe":
            return _response(404, "not found")
        if self._faults.handshake_statuses:
            status = self._faults.handshake_statuses.pop(0)
            return _response(status, {503: "ServiceUnavailable", 429: "Too Many Requests"}.get(status, "error"))
        if len(query.get("wantedCollections", [])) > 100:
            return _response(400, "too many wanted collections: 100 at most")
        if len(query.get("wantedDids", [])) > 10_000:
            return _response(400, "too many wanted DIDs: 10000 at most")
        cursor = query.get("cursor", [None])[0]
        if cursor is not None and not cursor.lstrip("-").isdigit():
            return _response(400, "invalid cursor")
        return None

    def _handle(self, ws: ServerConnection) -> None:
        self.connections += 1
        query = parse_qs(urlsplit(ws.request.path).query) if ws.request else {}
        collections = query.get("wantedCollections", [])
        dids = set(query.get("wantedDids", []))
        cursor = query.get("cursor", [None])[0]
        with self._cond:
            if cursor is None or int(cursor) > self._clock:
                position = len(self._log)  # live tail
            else:
                position = next((i for i, e in enumerate(self._log) if e["time_us"] >= int(cursor)), len(self._log))
        faults, self._faults = self._faults, _Faults(handshake_statuses=self._faults.handshake_statuses)
        sent = 0
        try:
            for _ in range(faults.malformed):
                ws.send('{"did": "did:plc:broken", "kind": "commit", "commit": ')
            while True:
                with self._cond:
                    while position >= len(self._log):
                        if self._stopping.is_set():
                            return
                        self._cond.wait(timeout=0.5)
                    batch = self._log[position:]
                    position = len(self._log)
                for event in batch:
                    if not _wanted(event, collections, dids):
                        continue
                    if faults.stall_after is not None and sent >= faults.stall_after:
                        self._stopping.wait()  # silent until the server stops
                        return
                    if faults.drop_after is not None and sent >= faults.drop_after:
                        ws.socket.close()  # abrupt: no close frame (code 1006 for the client)
                        return
                    ws.send(json.dumps(event))
                    sent += 1
        except Exception:  # noqa: BLE001 - the client went away
            return


def _wanted(event: dict[str, Any], collections: list[str], dids: set[str]) -> bool:
    if dids and event.get("did") not in dids:
        return False
    if event.get("kind") != "commit" or not collections:
        return True
    name = str((event.get("commit") or {}).get("collection", ""))
    return any(name == c or (c.endswith(".*") and name.startswith(c[:-1])) for c in collections)


def _response(status: int, body: str) -> Response:
    data = body.encode()
    headers = Headers([("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return Response(status, {404: "Not Found", 400: "Bad Request"}.get(status, "Error"), headers, data)
