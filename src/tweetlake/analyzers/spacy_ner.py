"""Entities from the spaCy NER model that tweetlake trains (``training/train_ner.py``) and ships.

The model lives in ``tweetlake/analyzers/models/ner_spacy``; it is loaded from the package, never
downloaded. It predicts Comprehend's types directly (PERSON, LOCATION, ORGANIZATION,
COMMERCIAL_ITEM, TITLE). spaCy's greedy NER gives no per-span confidence, so each entity's
score is the measured precision of its type on the dev sets, recorded in the model card
(``tweetlake.json``) at training time: the probability that an entity of that type predicted by
this model is right.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import spacy
import spacy.language

from tweetlake.analyzers.base import Entity, EntityAnalyzer
from tweetlake.errors import LakeError

__all__ = ["SpacyEntities", "customize_tokenizer", "default_model_path"]


def customize_tokenizer(nlp: spacy.language.Language) -> None:
    """Keep ``#hashtag`` as one token, the way tweet corpora tokenize it."""
    prefixes = [p for p in nlp.Defaults.prefixes or () if p != "#"]
    tokenizer: Any = nlp.tokenizer
    tokenizer.prefix_search = spacy.util.compile_prefix_regex(prefixes).search


def default_model_path() -> Path:
    return Path(str(resources.files("tweetlake.analyzers") / "models" / "ner_spacy"))


class SpacyEntities(EntityAnalyzer):
    """The shipped spaCy NER model (English tweets).

    Args:
        model_path: a trained spaCy pipeline folder; defaults to the shipped model.
        batch_size: texts per ``nlp.pipe`` batch.
    """

    languages = frozenset({"en"})

    def __init__(self, model_path: Path | None = None, batch_size: int = 256) -> None:
        path = model_path or default_model_path()
        card_path = path / "tweetlake.json"
        if not card_path.exists():
            raise LakeError(
                f"no trained entity model at {path}. Train it with `make train-ner` "
                "(training/train_ner.py), or reinstall tweetlake."
            )
        card = json.loads(card_path.read_text(encoding="utf-8"))
        self.name = card["name"]
        self.precision: dict[str, float] = card["type_precision_on_dev"]
        self._fallback = float(card["dev_combined"]["precision"])
        self.nlp = spacy.load(path, exclude=["parser", "tagger", "lemmatizer"])
        customize_tokenizer(self.nlp)
        self.batch_size = batch_size

    def extract(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[list[Entity]]:
        out: list[list[Entity]] = []
        # spaCy's tokenizer keeps every character, so a doc's offsets index its input text
        # (``doc.text`` would rebuild that string from the tokens on every access).
        for source, doc in zip(texts, self.nlp.pipe(texts, batch_size=self.batch_size), strict=True):
            found = []
            for ent in doc.ents:
                begin, end = _trim(source, ent.start_char, ent.end_char)
                text = source[begin:end]
                if text and text[0] not in "#@":  # hashtags and mentions are data, not entities
                    found.append(Entity(text, ent.label_, self.precision.get(ent.label_, self._fallback), begin, end))
            out.append(found)
        return out


_EDGE_PUNCTUATION = frozenset(".,;:!?…—–-\"'“”‘’()[]{}<>*")


def _trim(text: str, begin: int, end: int) -> tuple[int, int]:
    """Drop punctuation the model swept into an entity's edges ("Ukraine —" → "Ukraine")."""
    while begin < end and (text[begin] in _EDGE_PUNCTUATION or text[begin].isspace()):
        begin += 1
    while end > begin and (text[end - 1] in _EDGE_PUNCTUATION or text[end - 1].isspace()):
        end -= 1
    return begin, end
