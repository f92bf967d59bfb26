"""A local X API v2 filtered stream on 127.0.0.1 (``source-protocols.md`` §1.8 checklist).

* ``Authorization: Bearer <token>`` is checked; anything else gets X's 401 body.
* Rules: ``GET``/``POST /2/tweets/search/stream/rules`` with add, delete (by ids or values),
  ``dry_run`` (validates, persists nothing), duplicates (``DuplicateRule``), rules longer than
  1,024 characters (``invalid-rules``), and ``meta.summary``/``meta.sent``.
* ``GET /2/tweets/search/stream``: 409 with no rules; one connection per app (a second gets the
  429 ``TooManyConnections``); a chunked 200 of JSON lines ending in ``\\r\\n``, each post sent
  with the ``matching_rules`` that match it, and a ``\\r\\n`` keep-alive every
  ``keepalive_seconds``.
* Faults on demand: an HTTP status at connect (503, 429, 401, a usage cap), an
  ``operational-disconnect`` error line then close, a reset in the middle of a line, a silent
  stall (no keep-alives), and malformed lines.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tweetlake.testing.http import FakeServer, Handler

__all__ = ["FakeXServer"]

_UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
_NO_RULES = {
    "title": "ConnectionException",
    "detail": "You must define rules using the POST /2/tweets/search/stream/rules endpoint before connecting to filtered stream.",  # noqa: E501
    "connection_issue": "RuleConfigurationIssue",
    "type": "https://api.twitter.com/2/problems/streaming-connection",
}
_TOO_MANY = {
    "title": "ConnectionException",
    "detail": "This stream is currently at the maximum allowed connection limit.",
    "connection_issue": "TooManyConnections",
    "type": "https://api.twitter.com/2/problems/streaming-connection",
}
USAGE_CAPPED = {
    "title": "UsageCapExceeded",
    "detail": "Usage cap exceeded: Monthly product cap",
    "period": "Monthly",
    "scope": "Product",
    "type": "https://api.twitter.com/2/problems/usage-capped",
}
_DISCONNECT = {
    "errors": [
        {
            "title": "operational-disconnect",
            "disconnect_type": "UpstreamOperationalDisconnect",
            "detail": "This stream has been disconnected upstream for operational reasons.",
            "type": "https://api.x.com/2/problems/operational-disconnect",
        }
    ]
}
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass
class _Faults:
    statuses: list[tuple[int, Any]] = field(default_factory=list)
    disconnect_after: int | None = None
    reset_after: int | None = None
    stall_after: int | None = None
    malformed: int = 0


def _sent() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _matches(value: str, text: str) -> bool:
    """X rule semantics for the subset tweetlake writes: terms AND, ``-term`` excludes, OR."""
    tokens = set(_TOKEN.findall(text.lower()))
    for alternative in value.split(" OR "):
        terms = alternative.strip("() ").split()
        required = [t.strip('"').lower() for t in terms if not t.startswith("-")]
        excluded = [t[1:].strip('"').lower() for t in terms if t.startswith("-")]
        if all(set(_TOKEN.findall(r)) <= tokens for r in required) and not any(
            set(_TOKEN.findall(e)) <= tokens for e in excluded
        ):
            return True
    return False


class FakeXServer(FakeServer):
    """The filtered stream and its rules endpoints, for one app bearer token."""

    def __init__(self, token: str = "test-bearer-token", keepalive_seconds: float = 20.0, port: int = 0) -> None:
        super().__init__(port)
        self.token = token
        self.keepalive_seconds = keepalive_seconds
        self.rules: dict[str, dict[str, str]] = {}
        self._ids = itertools.count(1_600_000_000_000_000_000)
        self._log: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._faults = _Faults()
        self._active = 0
        self.connects = 0
        self.rule_requests: list[tuple[str, Any]] = []

    # -- control -----------------------------------------------------------------------------------
    def publish(self, lines: list[dict[str, Any]]) -> None:
        """Queue streamed objects (``{"data": …, "includes": …}``) for every connected client."""
        with self._cond:
            self._log.extend(lines)
            self._cond.notify_all()

    def fail_connects(self, *statuses: int | tuple[int, Any]) -> None:
        """Answer the next stream connects with these statuses (and X's body for each)."""
        for status in statuses:
            self._faults.statuses.append(status if isinstance(status, tuple) else (status, None))

    def disconnect_after(self, lines: int) -> None:
        self._faults.disconnect_after = lines

    def reset_after(self, lines: int) -> None:
        """Cut the TCP connection in the middle of the line after ``lines`` lines."""
        self._faults.reset_after = lines

    def stall_after(self, lines: int) -> None:
        """Go silent (no data, no keep-alives) after ``lines`` lines."""
        self._faults.stall_after = lines

    def send_malformed(self, lines: int) -> None:
        self._faults.malformed += lines

    # -- routing -----------------------------------------------------------------------------------
    def route(self, request: Handler, method: str) -> None:
        if request.bearer() != self.token:
            request.send_json(401, _UNAUTHORIZED)
            return
        path = request.path_only
        if path == "/2/tweets/search/stream/rules" and method == "GET":
            self._get_rules(request)
        elif path == "/2/tweets/search/stream/rules" and method == "POST":
            self._post_rules(request)
        elif path == "/2/tweets/search/stream" and method == "GET":
            self._stream(request)
        else:
            request.send_json(404, {"title": "Not Found Error", "detail": f"no route {method} {path}"})

    def _get_rules(self, request: Handler) -> None:
        data = list(self.rules.values())
        body: dict[str, Any] = {"meta": {"sent": _sent(), "result_count": len(data)}}
        if data:
            body["data"] = data
        request.send_json(200, body)

    def _post_rules(self, request: Handler) -> None:
        body = request.body_json() or {}
        dry_run = request.query.get("dry_run", ["false"])[0] == "true"
        self.rule_requests.append(("dry_run" if dry_run else "apply", body))
        rules = dict(self.rules)
        if "add" in body:
            created: list[dict[str, str]] = []
            errors: list[dict[str, Any]] = []
            for rule in body["add"]:
                value = str(rule.get("value", ""))
                existing = next((r for r in rules.values() if r["value"] == value), None)
                if existing is not None:
                    errors.append({"value": value, "id": existing["id"], "title": "DuplicateRule",
                                   "type": "https://api.twitter.com/2/problems/duplicate-rules"})  # fmt: skip
                elif not value.strip() or len(value) > 1024:
                    errors.append({"value": value, "title": "Invalid Rule",
                                   "details": ["Rules must be between 1 and 1024 characters"],
                                   "type": "https://api.twitter.com/2/problems/invalid-rules"})  # fmt: skip
                else:
                    rule_id = str(next(self._ids))
                    new = {"id": rule_id, "value": value, **({"tag": rule["tag"]} if rule.get("tag") else {})}
                    rules[rule_id] = new
                    created.append(new)
            summary = {
                "created": len(created),
                "not_created": len(errors),
                "valid": len(created),
                "invalid": len(errors),
            }
            out: dict[str, Any] = {"meta": {"sent": _sent(), "summary": summary}}
            if created:
                out["data"] = created
            if errors:
                out["errors"] = errors
        elif "delete" in body:
            ids = set(body["delete"].get("ids", []))
            values = set(body["delete"].get("values", []))
            doomed = [k for k, r in rules.items() if k in ids or r["value"] in values]
            for key in doomed:
                del rules[key]
            deleted = len(doomed)
            out = {
                "meta": {"sent": _sent(), "summary": {"deleted": deleted, "not_deleted": len(ids | values) - deleted}}
            }
        else:
            request.send_json(400, {"title": "Invalid Request", "detail": "expected one of add or delete"})
            return
        if not dry_run:
            self.rules = rules
        request.send_json(200, out)

    def _stream(self, request: Handler) -> None:
        self.connects += 1
        if self._faults.statuses:
            status, body = self._faults.statuses.pop(0)
            default = {429: _TOO_MANY, 401: _UNAUTHORIZED}.get(status, {"title": "Service Unavailable"})
            request.send_json(status, body or default)
            return
        if not self.rules:
            request.send_json(409, _NO_RULES)
            return
        if self._active:
            request.send_json(429, _TOO_MANY)
            return
        self._active += 1
        faults, self._faults = self._faults, _Faults(statuses=self._faults.statuses)
        try:
            self._serve_stream(request, faults)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            self._active -= 1

    def _serve_stream(self, request: Handler, faults: _Faults) -> None:
        request.start_chunked("application/json")
        for _ in range(faults.malformed):
            request.chunk(b'{"data": {"id": "1", "text": \r\n')
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
            for obj in batch:
                if faults.stall_after is not None and sent >= faults.stall_after:
                    self.stopping.wait()
                    return
                text = str((obj.get("data") or {}).get("text", ""))
                matching = [
                    {"id": r["id"], "tag": r.get("tag", "")} for r in self.rules.values() if _matches(r["value"], text)
                ]
                if not matching:
                    continue
                line = (json.dumps({**obj, "matching_rules": matching}) + "\r\n").encode()
                if faults.reset_after is not None and sent >= faults.reset_after:
                    request.chunk(line[: len(line) // 2])
                    request.connection.close()  # a TCP reset in the middle of a line
                    return
                if faults.disconnect_after is not None and sent >= faults.disconnect_after:
                    request.chunk((json.dumps(_DISCONNECT) + "\r\n").encode())
                    request.end_chunked()
                    return
                request.chunk(line)
                sent += 1
                last = time.monotonic()
            stalled = faults.stall_after is not None and sent >= faults.stall_after
            if not stalled and time.monotonic() - last >= self.keepalive_seconds:
                request.chunk(b"\r\n")  # keep-alive
                last = time.monotonic()
