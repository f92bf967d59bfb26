"""Sentiment from VADER (``vaderSentiment``), mapped to Comprehend's four labels and scores.

VADER is a lexicon-and-rules model for English social media text. It returns ``pos``, ``neg``
and ``neu`` proportions (summing to 1) and a ``compound`` score in [-1, 1].

The mapping:

* **MIXED** when both sides carry real weight: ``min(pos, neg) > 0.15`` (more than 15 % of the
  text is positive *and* more than 15 % is negative);
* otherwise VADER's own published rule: **POSITIVE** if ``compound >= 0.05``, **NEGATIVE** if
  ``compound <= -0.05``, else **NEUTRAL**.

The four scores are a softmax over logits built so that the label above is always the arg-max
(Comprehend's label is its highest score too): ``POS = k·c``, ``NEG = -k·c``,
``NEU = k·(2t - |c|)`` with ``t = 0.05`` (POS beats NEU exactly when ``c > t``), and
``MIXED = k·(4·min(pos, neg) - 0.6) + max(POS, NEG, NEU)`` (beats the rest exactly when
``min(pos, neg) > 0.15``). ``k = 4`` sets how peaked the scores are. They sum to 1 but are not
calibrated probabilities; the trained model of the analyzers issue replaces this default.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from tweetlake.analyzers.base import Sentiment, SentimentAnalyzer

__all__ = ["VaderSentiment", "vader_to_comprehend"]

_T = 0.05
_MIXED_MIN = 0.15
_K = 4.0


def vader_to_comprehend(scores: dict[str, float]) -> Sentiment:
    """Map VADER's ``polarity_scores`` output to a Comprehend-shaped :class:`Sentiment`."""
    c = scores["compound"]
    both = min(scores["pos"], scores["neg"])
    pos, neg, neu = _K * c, -_K * c, _K * (2 * _T - abs(c))
    mixed = _K * (4 * both - 4 * _MIXED_MIN) + max(pos, neg, neu)
    top = max(pos, neg, neu, mixed)
    exp = [math.exp(v - top) for v in (pos, neg, neu, mixed)]
    total = sum(exp)
    p, n, u, m = (e / total for e in exp)
    if both > _MIXED_MIN:
        label = "MIXED"
    elif c >= _T:
        label = "POSITIVE"
    elif c <= -_T:
        label = "NEGATIVE"
    else:
        label = "NEUTRAL"
    return Sentiment(label, p, n, u, m)


class VaderSentiment(SentimentAnalyzer):
    """VADER, English only."""

    name = "vader-3.3.2"
    languages = frozenset({"en"})

    def __init__(self) -> None:
        self._vader = SentimentIntensityAnalyzer()

    def analyze(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[Sentiment]:
        return [vader_to_comprehend(self._vader.polarity_scores(text)) for text in texts]
