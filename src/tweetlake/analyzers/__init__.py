"""Analyzers: sentiment and entities behind one small batch interface each (see ``base``).

Backends are picked by name and imported lazily, so a missing optional dependency only matters
when that backend is asked for:

* sentiment: ``linear`` (default: the project's per-language models), ``vader`` (English),
  ``comprehend`` (Amazon Comprehend, ``pip install 'tweetlake[aws]'``), ``wordlist`` (a fake);
* entities: ``spacy`` (default: the project's model), ``comprehend``, ``none``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from tweetlake.analyzers.base import EntityAnalyzer, SentimentAnalyzer
from tweetlake.analyzers.langid import LanguageIdentifier
from tweetlake.errors import ConfigError

__all__ = [
    "ENTITY_BACKENDS",
    "SENTIMENT_BACKENDS",
    "AnalyzerSpec",
    "Analyzers",
    "load_analyzers",
    "load_entities",
    "load_sentiment",
]

SENTIMENT_BACKENDS = {
    "linear": "tweetlake.analyzers.linear:LinearSentiment",
    "vader": "tweetlake.analyzers.vader:VaderSentiment",
    "comprehend": "tweetlake.analyzers.comprehend:ComprehendSentiment",
    "wordlist": "tweetlake.analyzers.fake:WordListSentiment",
}
ENTITY_BACKENDS = {
    "spacy": "tweetlake.analyzers.spacy_ner:SpacyEntities",
    "comprehend": "tweetlake.analyzers.comprehend:ComprehendEntities",
}


@dataclass(frozen=True, slots=True)
class Analyzers:
    """The analyzers enrichment uses. ``entities`` may be None to skip entity extraction;
    ``langid`` (if set) identifies the language of posts whose ``lang`` is missing or ``und``."""

    sentiment: SentimentAnalyzer
    entities: EntityAnalyzer | None = None
    langid: LanguageIdentifier | None = None


@dataclass(frozen=True, slots=True)
class AnalyzerSpec:
    """Analyzers by name: what a worker process needs to load the same ones."""

    sentiment: str = "linear"
    entities: str = "spacy"
    langid: bool = True

    def check(self) -> None:
        """Fail now, with the valid names, if a name is unknown (models load later, where used)."""
        if self.sentiment not in SENTIMENT_BACKENDS:
            load_sentiment(self.sentiment)  # raises the ConfigError listing the choices
        if self.entities != "none" and self.entities not in ENTITY_BACKENDS:
            load_entities(self.entities)


def _load(spec: str) -> type:
    module, _, name = spec.partition(":")
    cls: type = getattr(importlib.import_module(module), name)
    return cls


def load_sentiment(name: str) -> SentimentAnalyzer:
    """Build the sentiment analyzer called ``name`` (see :data:`SENTIMENT_BACKENDS`)."""
    if name not in SENTIMENT_BACKENDS:
        raise ConfigError(
            f"unknown sentiment analyzer {name!r}; choose one of {sorted(SENTIMENT_BACKENDS)} "
            "([analyzers] sentiment in tweetlake.toml, or --sentiment)"
        )
    analyzer: SentimentAnalyzer = _load(SENTIMENT_BACKENDS[name])()
    return analyzer


def load_entities(name: str) -> EntityAnalyzer | None:
    """Build the entity analyzer called ``name``, or None for ``"none"``."""
    if name == "none":
        return None
    if name not in ENTITY_BACKENDS:
        raise ConfigError(
            f"unknown entity analyzer {name!r}; choose one of {[*sorted(ENTITY_BACKENDS), 'none']} "
            "([analyzers] entities in tweetlake.toml, or --entities)"
        )
    analyzer: EntityAnalyzer = _load(ENTITY_BACKENDS[name])()
    return analyzer


def load_analyzers(sentiment: str, entities: str, langid: bool = True) -> Analyzers:
    """The analyzers for enrichment, by name, with language identification unless disabled."""
    return Analyzers(load_sentiment(sentiment), load_entities(entities), LanguageIdentifier() if langid else None)
