"""Serve the dashboard with uvicorn: in the foreground (``tweetlake dashboard``) or in a thread
beside the pipeline (``tweetlake run`` and ``tweetlake demo``)."""

from __future__ import annotations

import ipaddress
import secrets
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn

from tweetlake.dashboard.app import create_app
from tweetlake.errors import ConfigError
from tweetlake.storage import Storage

__all__ = ["DashboardServer", "is_loopback"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class DashboardServer:
    """The dashboard for one lake on ``host:port``. Off loopback, a random token is required."""

    storage: Storage
    host: str = "127.0.0.1"
    port: int = 8765
    refresh_seconds: float = 3.0

    def __post_init__(self) -> None:
        self.token = None if is_loopback(self.host) else secrets.token_urlsafe(18)
        app = create_app(self.storage, token=self.token, refresh_seconds=self.refresh_seconds)
        config = uvicorn.Config(app, host=self.host, port=self.port, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        base = f"http://{host}:{self.port}/"
        return f"{base}?token={self.token}" if self.token else base

    def _check_port(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((self.host, self.port))
            except OSError as exc:
                raise ConfigError(
                    f"cannot serve the dashboard on {self.host}:{self.port}: {exc.strerror}. "
                    "Pick another port with --port (or stop whatever uses this one)."
                ) from None

    def serve_forever(self) -> None:
        """Serve in the foreground until Ctrl-C."""
        self._check_port()
        self._server.run()

    def start(self) -> None:
        """Serve in a background thread; returns once the server accepts connections."""
        self._check_port()
        self._thread = threading.Thread(target=self._server.run, name="tweetlake-dashboard", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ConfigError(f"the dashboard did not start on {self.host}:{self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
