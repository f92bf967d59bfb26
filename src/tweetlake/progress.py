"""Progress reporting. The library reports; only the CLI decides how (or whether) to show it.

A :class:`Reporter` gets ``total(stage, n)`` when a stage knows how much work it has and
``advance(stage, n, **fields)`` as it goes. The default, :class:`SilentReporter`, ignores both.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Reporter", "SilentReporter"]


class Reporter(Protocol):
    def total(self, stage: str, total: int | None) -> None: ...

    def advance(self, stage: str, n: int = 1, **fields: int) -> None: ...


class SilentReporter:
    """Reports nothing."""

    def total(self, stage: str, total: int | None) -> None:
        pass

    def advance(self, stage: str, n: int = 1, **fields: int) -> None:
        pass
