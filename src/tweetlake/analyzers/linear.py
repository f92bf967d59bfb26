"""tweetlake's default sentiment analyzer: one linear model per language over hashed features.

Each model is a multinomial logistic regression, trained by ``training/train_sentiment.py`` on the
project's data and shipped in ``analyzers/models/sentiment/<lang>.npz``: hashed word, bigram and
character n-gram features (:mod:`tweetlake.analyzers.features`), a weight matrix, a bias and a
temperature fitted on the validation split so the three probabilities are calibrated.

Comprehend's four labels from three calibrated probabilities ``p+`` (positive), ``p−``
(negative) and ``p0`` (neutral):

* the **mixed** mass is ``m = max(0, 3·min(p+, p−) − max(p+, p−))``: it is large only when both
  sides are strong *and* close (0.45/0.45 gives 0.9; 0.6/0.3 gives 0.3; 0.7/0.1 gives 0);
* the four scores are ``POSITIVE = p+ − m/2``, ``NEGATIVE = p− − m/2``, ``NEUTRAL = p0`` and
  ``MIXED = m``. They sum to 1, and the label is the highest of them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np

from tweetlake.analyzers.base import Sentiment, SentimentAnalyzer, primary_language
from tweetlake.analyzers.features import FeatureConfig, Featurizer
from tweetlake.errors import LakeError

__all__ = ["LinearModel", "LinearSentiment", "comprehend_scores", "default_models_dir"]

#: Class order of every model's outputs.
CLASSES = ("NEGATIVE", "NEUTRAL", "POSITIVE")


def default_models_dir() -> Path:
    return Path(str(resources.files("tweetlake.analyzers") / "models" / "sentiment"))


class LinearModel:
    """One language's model: hashed features → calibrated probabilities (NEGATIVE, NEUTRAL, POSITIVE)."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, temperature: float, config: FeatureConfig) -> None:
        if weights.shape != (config.size, len(CLASSES)):
            raise LakeError(f"sentiment model weights have shape {weights.shape}, expected ({config.size}, 3)")
        # Kept in half precision, as shipped (half the memory of every loaded language model);
        # the rows a batch uses are widened to float32 before the product, so scores are exact.
        self.weights = weights.astype(np.float16)
        self.bias = bias.astype(np.float32)
        self.temperature = float(temperature)
        self.config = config
        self.featurizer = Featurizer(config)

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        with np.load(path) as data:
            config = FeatureConfig(**json.loads(str(data["config"])))
            return cls(data["weights"], data["bias"], float(data["temperature"]), config)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        config = json.dumps({k: getattr(self.config, k) for k in self.config.__dataclass_fields__})
        np.savez_compressed(
            path,
            weights=self.weights.astype(np.float16),
            bias=self.bias,
            temperature=np.float32(self.temperature),
            config=np.array(config),
        )

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        features = self.featurizer.transform(texts)
        # The sparse product, row by row: each feature's weights times its value, summed per text.
        terms = self.weights[features.indices].astype(np.float32) * features.data[:, None]
        sums = np.zeros((features.shape[0], self.weights.shape[1]), dtype=np.float32)
        starts = features.indptr[:-1]
        filled = np.diff(features.indptr) > 0
        if terms.size:
            sums[filled] = np.add.reduceat(terms, starts[filled], axis=0)
        return sums + self.bias

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        z = self.logits(texts) / self.temperature
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        proba: np.ndarray = e / e.sum(axis=1, keepdims=True)
        return proba


def comprehend_scores(proba: np.ndarray) -> np.ndarray:
    """(n, 3) probabilities (neg, neu, pos) → (n, 4) scores (POSITIVE, NEGATIVE, NEUTRAL, MIXED)."""
    neg, neu, pos = proba[:, 0], proba[:, 1], proba[:, 2]
    mixed = np.maximum(0.0, 3 * np.minimum(pos, neg) - np.maximum(pos, neg))
    return np.stack([pos - mixed / 2, neg - mixed / 2, neu, mixed], axis=1)


_LABELS = ("POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED")


class LinearSentiment(SentimentAnalyzer):
    """The shipped per-language sentiment models.

    Args:
        models_dir: a folder of ``<lang>.npz`` models and ``card.json``; defaults to the shipped one.
    """

    def __init__(self, models_dir: Path | None = None) -> None:
        folder = models_dir or default_models_dir()
        card_path = folder / "card.json"
        if not card_path.exists():
            raise LakeError(
                f"no trained sentiment models in {folder}. Train them with `make train-sentiment` "
                "(training/train_sentiment.py), or reinstall tweetlake."
            )
        card = json.loads(card_path.read_text(encoding="utf-8"))
        self.name = str(card["name"])
        self.card = card
        self.folder = folder
        self.model_languages: frozenset[str] = frozenset(card["languages"])
        self.languages = self.model_languages
        # Loaded on first use: a stream in two languages needs two models in memory, not eight.
        self.models: dict[str, LinearModel] = {}

    def analyze(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[Sentiment]:
        out: list[Sentiment | None] = [None] * len(texts)
        groups: dict[str, list[int]] = {}
        for index, lang in enumerate(langs):
            groups.setdefault(primary_language(lang) or "", []).append(index)
        for lang, indices in groups.items():
            if lang not in self.model_languages:
                raise ValueError(f"no sentiment model for language {lang!r}")
            model = self.models.get(lang)
            if model is None:
                model = self.models[lang] = LinearModel.load(self.folder / f"{lang}.npz")
            scores = comprehend_scores(model.predict_proba([texts[i] for i in indices]))
            labels = scores.argmax(axis=1)
            for row, index in enumerate(indices):
                p, n, u, m = (float(x) for x in scores[row])
                out[index] = Sentiment(_LABELS[int(labels[row])], p, n, u, m)
        return [s for s in out if s is not None]
