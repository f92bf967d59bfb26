"""Every error tweetlake raises on purpose derives from :class:`TweetlakeError`.

The hierarchy says whether retrying can help::

    TweetlakeError                 root: catch this to catch everything tweetlake raises
    ├── TerminalError              retrying the same thing will fail the same way
    │   ├── ConfigError            a setting, flag or environment variable is wrong
    │   ├── InputError             a record or file cannot be used (the record goes to quarantine)
    │   ├── QueryError             a query was rejected or failed
    │   ├── LakeError              the lake's layout or state is not what tweetlake expects
    │   └── MissingDependencyError an optional extra is not installed
    └── TransientError             retrying later may succeed (network, lock held, throttling)
        └── LockedError            another process holds the lake's writer lock

Each message says what was tried, what is valid, and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "InputError",
    "LakeError",
    "LockedError",
    "MissingDependencyError",
    "QueryError",
    "TerminalError",
    "TransientError",
    "TweetlakeError",
]


class TweetlakeError(Exception):
    """Root of every error tweetlake raises on purpose."""

    #: The stage the error happened in (``ingest``, ``delivery``, ``enrich``, ...), when known.
    stage: str | None = None

    def __init__(self, message: str, *, stage: str | None = None) -> None:
        super().__init__(message)
        if stage is not None:
            self.stage = stage

    def __str__(self) -> str:
        message = super().__str__()
        return f"[{self.stage}] {message}" if self.stage else message


class TerminalError(TweetlakeError):
    """Retrying the same operation will fail the same way."""


class TransientError(TweetlakeError):
    """The operation may succeed if it is retried later."""


class ConfigError(TerminalError):
    """A setting, command-line flag or environment variable is invalid."""


class InputError(TerminalError):
    """A record or file cannot be used; the record is quarantined with this message."""


class QueryError(TerminalError):
    """A query was rejected by the query layer's guardrails, or DuckDB failed to run it."""


class LakeError(TerminalError):
    """The lake's files or state are not what tweetlake expects."""


class MissingDependencyError(TerminalError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, module: str, extra: str, feature: str) -> None:
        super().__init__(
            f"{feature} needs the Python package {module!r}, which is not installed. "
            f"Install it with: pip install 'tweetlake[{extra}]'"
        )


class LockedError(TransientError):
    """Another process holds the lake's writer lock."""
