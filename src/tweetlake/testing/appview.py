"""A local Bluesky AppView on 127.0.0.1: ``app.bsky.actor.getProfiles`` (up to 25 actors), for
the Jetstream source's profile lookups."""

from __future__ import annotations

from typing import Any

from tweetlake.testing.http import FakeServer, Handler

__all__ = ["FakeAppView"]


class FakeAppView(FakeServer):
    def __init__(self, profiles: dict[str, dict[str, Any]] | None = None, port: int = 0) -> None:
        super().__init__(port)
        self.profiles = dict(profiles or {})
        self.calls: list[list[str]] = []
        self.fail_next = 0

    def route(self, request: Handler, method: str) -> None:
        if request.path_only != "/xrpc/app.bsky.actor.getProfiles":
            request.send_json(404, {"error": "MethodNotImplemented"})
            return
        actors = request.query.get("actors", [])
        self.calls.append(actors)
        if self.fail_next:
            self.fail_next -= 1
            request.send_json(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})
            return
        if len(actors) > 25:
            request.send_json(400, {"error": "InvalidRequest", "message": "actors: at most 25"})
            return
        found = [{"did": did, **self.profiles[did]} for did in actors if did in self.profiles]
        request.send_json(200, {"profiles": found})
