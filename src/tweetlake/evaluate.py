"""``tweetlake eval``: score any analyzer on a labelled file.

Sentiment files (3 classes; the format is detected):

* **paired text and label files** (TweetEval / XLM-T): ``--text val_text.txt --labels
  val_labels.txt``, one tweet per line, labels ``0`` negative, ``1`` neutral, ``2`` positive;
* **SemEval TSV**: ``id<TAB>label<TAB>text`` with labels ``negative|neutral|positive``;
* **JSON lines**: ``{"text": …, "label": "positive" | 2, "lang": "en"}`` (``lang`` optional).

Entity files: **CoNLL** (``token<TAB>BIO-tag``, a blank line between tweets), as WNUT17 and the
Broad Twitter Corpus ship. Source types map to Comprehend's (person → PERSON, location → LOCATION,
corporation/group/ORG → ORGANIZATION, product → COMMERCIAL_ITEM, creative-work → TITLE). A
prediction counts only if its characters and type match a gold entity exactly. @mentions and
#hashtags are left out on both sides by default (tweetlake does not store them as entities);
``--keep-handles`` scores against the raw annotation.

Sentiment analyzers may answer MIXED, which 3-class gold data does not have: a MIXED answer
counts as wrong (the strict reading), and the report says how often it happened.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tweetlake.analyzers.base import EntityAnalyzer, SentimentAnalyzer
from tweetlake.errors import ConfigError

__all__ = [
    "EntityReport",
    "SentimentReport",
    "evaluate_entities",
    "evaluate_sentiment",
    "read_conll",
    "read_sentiment",
]

_CLASSES = ("NEGATIVE", "NEUTRAL", "POSITIVE")
_NAMES = {"0": "NEGATIVE", "1": "NEUTRAL", "2": "POSITIVE", "negative": "NEGATIVE", "neutral": "NEUTRAL",
          "positive": "POSITIVE"}  # fmt: skip
ENTITY_TYPE_MAP = {
    "person": "PERSON",
    "location": "LOCATION",
    "corporation": "ORGANIZATION",
    "group": "ORGANIZATION",
    "product": "COMMERCIAL_ITEM",
    "creative-work": "TITLE",
    "PER": "PERSON",
    "LOC": "LOCATION",
    "ORG": "ORGANIZATION",
}


@dataclass
class SentimentExample:
    text: str
    label: str
    lang: str | None


def _label(value: Any, where: str) -> str:
    key = str(value).strip().lower()
    if key not in _NAMES:
        raise ConfigError(f"{where}: label {value!r} is not 0/1/2 or negative/neutral/positive")
    return _NAMES[key]


def read_sentiment(path: Path, labels: Path | None = None, lang: str | None = None) -> list[SentimentExample]:
    """Read a labelled sentiment file in any of the formats of the module docstring."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if labels is not None:
        gold = [v for v in labels.read_text(encoding="utf-8").split("\n") if v.strip()]
        if len(lines) < len(gold) or any(line for line in lines[len(gold) :]):
            raise ConfigError(f"{path} has {len([x for x in lines if x])} texts but {labels} has {len(gold)} labels")
        return [
            SentimentExample(t, _label(g, f"{labels}:{i + 1}"), lang)
            for i, (t, g) in enumerate(zip(lines, gold, strict=False))
        ]
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        if line.lstrip().startswith("{"):
            obj = json.loads(line)
            out.append(SentimentExample(obj["text"], _label(obj["label"], where), obj.get("lang", lang)))
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            raise ConfigError(f"{where}: expected id<TAB>label<TAB>text, JSON lines, or --labels FILE")
        out.append(SentimentExample(parts[2], _label(parts[1], where), lang))
    return out


@dataclass
class SentimentReport:
    analyzer: str
    examples: int
    macro_recall: float
    accuracy: float
    macro_f1: float
    per_class: dict[str, dict[str, float]]
    mixed_share: float
    unsupported: int
    tweets_per_second: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def evaluate_sentiment(
    analyzer: SentimentAnalyzer, examples: Sequence[SentimentExample], batch: int = 2000
) -> SentimentReport:
    """Run ``analyzer`` over the examples in batches and score it against their labels."""
    predicted: list[str] = []
    supported = [e for e in examples if analyzer.unsupported_reason(e.lang or "en") is None]
    started = time.perf_counter()
    for i in range(0, len(supported), batch):
        chunk = supported[i : i + batch]
        predicted += [s.label for s in analyzer.analyze([e.text for e in chunk], [e.lang or "en" for e in chunk])]
    seconds = time.perf_counter() - started
    gold = [e.label for e in supported]
    per_class = {}
    for cls in _CLASSES:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p == cls)
        gold_n = sum(1 for g in gold if g == cls)
        pred_n = sum(1 for p in predicted if p == cls)
        precision = tp / pred_n if pred_n else 0.0
        recall = tp / gold_n if gold_n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[cls] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": gold_n,
        }
    n = len(gold) or 1
    return SentimentReport(
        analyzer=analyzer.name,
        examples=len(gold),
        macro_recall=round(sum(c["recall"] for c in per_class.values()) / 3, 4),
        accuracy=round(sum(1 for g, p in zip(gold, predicted, strict=True) if g == p) / n, 4),
        macro_f1=round(sum(c["f1"] for c in per_class.values()) / 3, 4),
        per_class=per_class,
        mixed_share=round(predicted.count("MIXED") / n, 4),
        unsupported=len(examples) - len(supported),
        tweets_per_second=round(len(gold) / seconds, 1) if seconds > 0 else 0.0,
    )


# -- entities -------------------------------------------------------------------------------------
@dataclass
class EntityExample:
    text: str
    spans: set[tuple[int, int, str]]


def read_conll(path: Path) -> list[EntityExample]:
    """Tweets from a CoNLL BIO file, as text (tokens joined by spaces) and gold char spans."""
    examples: list[EntityExample] = []
    tokens: list[tuple[str, str]] = []

    def close() -> None:
        if not tokens:
            return
        text_parts: list[str] = []
        spans: set[tuple[int, int, str]] = set()
        at = 0
        current: list[Any] | None = None
        for token, tag in tokens:
            begin, end = at, at + len(token)
            prefix, _, label = tag.partition("-")
            kind = ENTITY_TYPE_MAP.get(label, label) if label else None
            if prefix == "B" or (prefix == "I" and (current is None or current[2] != kind)):
                if current:
                    spans.add((current[0], current[1], current[2]))
                current = [begin, end, kind]
            elif prefix == "I" and current is not None:
                current[1] = end
            else:
                if current:
                    spans.add((current[0], current[1], current[2]))
                current = None
            text_parts.append(token)
            at = end + 1
        if current:
            spans.add((current[0], current[1], current[2]))
        examples.append(EntityExample(" ".join(text_parts), spans))
        tokens.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            close()
            continue
        token, _, tag = line.partition("\t")
        if token.strip():
            tokens.append((token, tag.strip() or "O"))
    close()
    return examples


@dataclass
class EntityReport:
    analyzer: str
    tweets: int
    precision: float
    recall: float
    f1: float
    per_type: dict[str, dict[str, float]] = field(default_factory=dict)
    tweets_per_second: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def evaluate_entities(
    analyzer: EntityAnalyzer,
    examples: Sequence[EntityExample],
    lang: str = "en",
    batch: int = 500,
    keep_handles: bool = False,
) -> EntityReport:
    """Score entity spans. Unless ``keep_handles``, gold and predicted spans that are @mentions or
    #hashtags are left out on both sides: tweetlake stores those as data of their own, not as
    entities (the Broad Twitter Corpus annotates many @mentions as PER)."""
    if not keep_handles:
        examples = [
            EntityExample(e.text, {s for s in e.spans if e.text[s[0] : s[0] + 1] not in ("@", "#")}) for e in examples
        ]
    predicted: list[set[tuple[int, int, str]]] = []
    started = time.perf_counter()
    for i in range(0, len(examples), batch):
        chunk = examples[i : i + batch]
        for example, found in zip(chunk, analyzer.extract([e.text for e in chunk], [lang] * len(chunk)), strict=True):
            spans = {(f.begin, f.end, f.type) for f in found}
            if not keep_handles:
                spans = {s for s in spans if example.text[s[0] : s[0] + 1] not in ("@", "#")}
            predicted.append(spans)
    seconds = time.perf_counter() - started
    tp: Counter[str] = Counter()
    pred_n: Counter[str] = Counter()
    gold_n: Counter[str] = Counter()
    for example, pred in zip(examples, predicted, strict=True):
        for span in pred:
            pred_n[span[2]] += 1
            if span in example.spans:
                tp[span[2]] += 1
        for span in example.spans:
            gold_n[span[2]] += 1

    def prf(t: int, p: int, g: int) -> dict[str, float]:
        precision = t / p if p else 0.0
        recall = t / g if g else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "support": g}

    per_type = {k: prf(tp[k], pred_n[k], gold_n[k]) for k in sorted(set(gold_n) | set(pred_n))}
    total = prf(sum(tp.values()), sum(pred_n.values()), sum(gold_n.values()))
    return EntityReport(
        analyzer=analyzer.name,
        tweets=len(examples),
        precision=total["precision"],
        recall=total["recall"],
        f1=total["f1"],
        per_type=per_type,
        tweets_per_second=round(len(examples) / seconds, 1) if seconds > 0 else 0.0,
    )
