"""Fakes for the analyzer seam, shipped so tests (yours and ours) read "list in, list out".

* :class:`WordListSentiment`: a tiny, deterministic word-list scorer, in any language.
* :class:`DictionaryEntities`: finds the entities of a fixed dictionary, case-insensitively.
* :class:`FaultyAnalyzer`: wraps another analyzer and raises on chosen texts, or at random with a
  seeded probability, to drive the quarantine and retry paths.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import TypeVar

from tweetlake.analyzers.base import Entity, EntityAnalyzer, Sentiment, SentimentAnalyzer

__all__ = ["AnalyzerFaultError", "DictionaryEntities", "FaultyAnalyzer", "WordListSentiment"]

_WORD = re.compile(r"[^\W_]+")
_POSITIVE = frozenset({"good", "great", "love", "amazing", "happy", "excellent", "brilliant", "best"})
_NEGATIVE = frozenset({"bad", "terrible", "hate", "awful", "sad", "worst", "angry", "disaster"})


class WordListSentiment(SentimentAnalyzer):
    """Counts positive and negative words; both present means MIXED."""

    name = "fake-wordlist"

    def __init__(self, languages: frozenset[str] | None = None) -> None:
        self.languages = languages

    def analyze(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[Sentiment]:
        out = []
        for text in texts:
            words = set(_WORD.findall(text.lower()))
            pos, neg = len(words & _POSITIVE), len(words & _NEGATIVE)
            if pos and neg:
                out.append(Sentiment("MIXED", 0.2, 0.2, 0.1, 0.5))
            elif pos:
                out.append(Sentiment("POSITIVE", 0.7, 0.1, 0.15, 0.05))
            elif neg:
                out.append(Sentiment("NEGATIVE", 0.1, 0.7, 0.15, 0.05))
            else:
                out.append(Sentiment("NEUTRAL", 0.1, 0.1, 0.75, 0.05))
        return out


class DictionaryEntities(EntityAnalyzer):
    """Finds every occurrence of the dictionary's phrases (``{"Kyiv": "LOCATION", ...}``)."""

    name = "fake-dictionary"

    def __init__(self, entries: Mapping[str, str], languages: frozenset[str] | None = None) -> None:
        self.entries = dict(entries)
        self.languages = languages
        alternatives = "|".join(re.escape(k) for k in sorted(self.entries, key=len, reverse=True))
        self._pattern = re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE) if alternatives else None
        self._types = {k.lower(): v for k, v in self.entries.items()}

    def extract(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[list[Entity]]:
        if self._pattern is None:
            return [[] for _ in texts]
        return [
            [
                Entity(m.group(0), self._types[m.group(0).lower()], 0.9, m.start(), m.end())
                for m in self._pattern.finditer(t)
            ]
            for t in texts
        ]


class AnalyzerFaultError(RuntimeError):
    """Raised by :class:`FaultyAnalyzer`."""


A = TypeVar("A", SentimentAnalyzer, EntityAnalyzer)


class FaultyAnalyzer:
    """Wrap an analyzer so that it raises on texts containing ``trigger``, or with probability ``p``.

    ``FaultyAnalyzer.wrap(inner, trigger="BOOM")`` returns an object of the same interface.
    """

    @staticmethod
    def wrap(inner: A, trigger: str | None = None, p: float = 0.0, seed: int = 0) -> A:
        rng = random.Random(seed)

        def check(texts: Sequence[str]) -> None:
            for text in texts:
                if trigger is not None and trigger in text:
                    raise AnalyzerFaultError(f"injected failure on text containing {trigger!r}")
            if p and rng.random() < p:
                raise AnalyzerFaultError(f"injected random failure (p={p})")

        if isinstance(inner, SentimentAnalyzer):
            sentiment = inner

            class _FaultySentiment(SentimentAnalyzer):
                name = sentiment.name
                languages = sentiment.languages

                def analyze(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[Sentiment]:
                    check(texts)
                    return sentiment.analyze(texts, langs)

            return _FaultySentiment()  # type: ignore[return-value]
        entities = inner

        class _FaultyEntities(EntityAnalyzer):
            name = entities.name
            languages = entities.languages

            def extract(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[list[Entity]]:
                check(texts)
                return entities.extract(texts, langs)

        return _FaultyEntities()  # type: ignore[return-value]
