"""The analyzer seam (the reference's Amazon Comprehend calls).

Two small batch interfaces, each with one required method:

* :class:`SentimentAnalyzer` ``.analyze(texts, langs)`` → one :class:`Sentiment` per text;
* :class:`EntityAnalyzer` ``.extract(texts, langs)`` → a list of :class:`Entity` per text.

Both receive whole micro-batches, because per-call overhead dominates small models. An analyzer
declares the languages it supports; enrichment never sends it a post in another language, and
records the reason instead of a made-up label. An analyzer may raise on a batch: enrichment then
retries the posts one by one and quarantines only the posts that still fail.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

__all__ = [
    "ENTITY_TYPES",
    "SENTIMENT_LABELS",
    "Entity",
    "EntityAnalyzer",
    "Sentiment",
    "SentimentAnalyzer",
    "primary_language",
]

#: Comprehend's sentiment labels, in the order of the four score columns.
SENTIMENT_LABELS: Final = ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")
#: Comprehend's entity types.
ENTITY_TYPES: Final = frozenset(
    {"PERSON", "LOCATION", "ORGANIZATION", "COMMERCIAL_ITEM", "TITLE", "EVENT", "DATE", "QUANTITY", "OTHER"}
)


@dataclass(frozen=True, slots=True)
class Sentiment:
    """A Comprehend-shaped sentiment: a label and four scores that sum to 1."""

    label: str
    positive: float
    negative: float
    neutral: float
    mixed: float

    def __post_init__(self) -> None:
        if self.label not in SENTIMENT_LABELS:
            raise ValueError(f"sentiment label {self.label!r} is not one of {SENTIMENT_LABELS}")


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity mention: its text as written, a Comprehend type, a score and char offsets."""

    text: str
    type: str
    score: float
    begin: int
    end: int


@functools.lru_cache(maxsize=1024)
def primary_language(lang: str | None) -> str | None:
    """``en-GB`` → ``en``; None, ``""`` and ``und`` (undetermined) → None."""
    if not lang:
        return None
    primary = lang.split("-", 1)[0].split("_", 1)[0].lower()
    return None if primary in ("und", "zxx", "qme", "qam", "qct", "qht", "qst") else primary


class _LanguageAware:
    #: Name recorded in every row the analyzer produces (``sentiment_model``, ``entity_model``).
    name: str = "analyzer"
    #: Primary language subtags supported; None means every language.
    languages: frozenset[str] | None = None

    def unsupported_reason(self, lang: str | None) -> str | None:
        """Why a post in ``lang`` cannot be analyzed, or None if it can."""
        if self.languages is None:
            return None
        primary = primary_language(lang)
        if primary is None:
            return f"language undetermined (lang={lang or 'missing'}); {self.name} needs a known language"
        if primary not in self.languages:
            return f"language '{primary}' not supported by {self.name} (supports: {', '.join(sorted(self.languages))})"
        return None

    def close(self) -> None:
        """Release resources (connections, worker pools)."""


class SentimentAnalyzer(_LanguageAware, ABC):
    """Scores sentiment for a batch of texts."""

    @abstractmethod
    def analyze(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[Sentiment]:
        """Return one :class:`Sentiment` per text, in order. May raise on bad input."""


class EntityAnalyzer(_LanguageAware, ABC):
    """Finds named entities in a batch of texts."""

    @abstractmethod
    def extract(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[list[Entity]]:
        """Return the entities of each text, in order. May raise on bad input."""
