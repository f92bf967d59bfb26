"""The source contract: what every source (synthetic, replay, live streams) provides.

A source turns some outside stream into :class:`~tweetlake.record.Post` objects. The pipeline
polls it; a poll never blocks for long, so the pipeline can flush delivery on time and stop
promptly on Ctrl-C. Besides posts, a poll may return :class:`Rejected` items (input the source
could not parse; they go to quarantine with the reason) and :class:`Notice` items (delete,
limit and other control messages, which are counted, never stored as posts).

A source with a resumable position implements :meth:`Source.snapshot`. Delivery stores that
cursor with each durable batch, and on restart :meth:`Source.open` receives it back.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from tweetlake.record import Post

__all__ = ["Item", "Notice", "Rejected", "Source"]


@dataclass(slots=True)
class Rejected:
    """An input record that could not become a post."""

    reason: str
    origin: str
    """Where it came from: a file path, ``<stdin>`` or a stream URL."""
    line: int | None
    """1-based line number within ``origin``, when the input is line-oriented."""
    raw: str
    """The offending input (quarantine keeps the first 10,000 characters)."""


@dataclass(slots=True)
class Notice:
    """A control message from the stream: ``delete``, ``limit``, ``disconnect``, ..."""

    kind: str
    origin: str
    detail: dict[str, Any] = field(default_factory=dict)


Item = Post | Rejected | Notice


class Source(ABC):
    """Base class of every source. Only :meth:`poll` and :attr:`exhausted` are required."""

    #: Short name used on the command line and in status (``synthetic``, ``replay``, ...).
    name: str = "source"

    @property
    def source_id(self) -> str:
        """A stable identity under which the cursor is stored. Override for resumable sources."""
        return self.name

    def open(self, resume: Any | None) -> None:  # noqa: B027 - optional hook
        """Start reading; ``resume`` is the last durable :meth:`snapshot`, or None."""

    @abstractmethod
    def poll(self, max_items: int) -> list[Item]:
        """Return up to ``max_items`` items that are ready now, waiting at most briefly (~0.1 s).

        An empty list means nothing is ready yet; check :attr:`exhausted` to tell the end.
        """

    @property
    @abstractmethod
    def exhausted(self) -> bool:
        """True once the source will produce nothing more (a finite file or count)."""

    def describe(self) -> dict[str, Any]:
        """What ``tweetlake status`` shows about this source (endpoint, rules, ...). No secrets."""
        return {}

    def snapshot(self) -> Any | None:
        """The resume position after every item returned so far, or None if not resumable."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections and files."""
