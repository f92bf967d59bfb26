from __future__ import annotations

import json

import pytest

from tweetlake.analyzers import Analyzers, load_entities, load_sentiment
from tweetlake.analyzers.base import SENTIMENT_LABELS
from tweetlake.analyzers.spacy_ner import SpacyEntities, default_model_path
from tweetlake.analyzers.vader import VaderSentiment, vader_to_comprehend
from tweetlake.errors import ConfigError


@pytest.mark.parametrize(
    ("scores", "label"),
    [
        ({"pos": 0.6, "neg": 0.0, "neu": 0.4, "compound": 0.8}, "POSITIVE"),
        ({"pos": 0.0, "neg": 0.5, "neu": 0.5, "compound": -0.7}, "NEGATIVE"),
        ({"pos": 0.0, "neg": 0.0, "neu": 1.0, "compound": 0.0}, "NEUTRAL"),
        ({"pos": 0.3, "neg": 0.25, "neu": 0.45, "compound": 0.1}, "MIXED"),
        ({"pos": 0.1, "neg": 0.05, "neu": 0.85, "compound": 0.04}, "NEUTRAL"),
    ],
)
def test_vader_mapping_label_is_the_top_score(scores: dict[str, float], label: str) -> None:
    s = vader_to_comprehend(scores)
    values = dict(zip(SENTIMENT_LABELS, (s.positive, s.negative, s.neutral, s.mixed), strict=True))
    assert s.label == label
    assert max(values, key=lambda k: values[k]) == label
    assert abs(sum(values.values()) - 1) < 1e-9


def test_vader_on_real_sentences() -> None:
    out = VaderSentiment().analyze(
        ["I love this, it is wonderful!", "This is awful and I hate it.", "The meeting is at 10."], ["en"] * 3
    )
    assert [s.label for s in out] == ["POSITIVE", "NEGATIVE", "NEUTRAL"]


def test_shipped_entity_model_loads_offline_and_finds_entities(default_analyzers: Analyzers) -> None:
    ner = default_analyzers.entities
    assert isinstance(ner, SpacyEntities)
    card = json.loads((default_model_path() / "tweetlake.json").read_text())
    assert card["trained_on"] == ["wnut17", "btc"] and card["dev"]["btc"]["f1"] > 0.5
    (found,) = ner.extract(["Barack Obama met Angela Merkel in Berlin yesterday"], ["en"])
    texts = {(e.text, e.type) for e in found}
    assert ("Berlin", "LOCATION") in texts
    assert any(t == "PERSON" for _, t in texts)
    for e in found:
        assert 0 < e.score < 1
        assert "Barack Obama met Angela Merkel in Berlin yesterday"[e.begin : e.end] == e.text


def test_unknown_analyzer_names_say_what_is_valid() -> None:
    with pytest.raises(ConfigError, match="choose one of"):
        load_sentiment("comprehend-typo")
    with pytest.raises(ConfigError, match="none"):
        load_entities("bert")
    assert load_entities("none") is None


def test_shipped_linear_sentiment_models() -> None:
    import numpy as np

    from tweetlake.analyzers.linear import LinearSentiment, comprehend_scores

    analyzer = load_sentiment("linear")
    assert isinstance(analyzer, LinearSentiment)
    assert analyzer.languages == frozenset({"en", "ar", "de", "es", "fr", "hi", "it", "pt"})
    assert analyzer.card["models"]["en"]["val"]["macro_recall"] > 0.65
    texts = ["I absolutely love this, best day ever!", "This is awful, I hate it so much.", "Me encanta, es genial",
             "Das ist schrecklich und furchtbar"]  # fmt: skip
    out = analyzer.analyze(texts, ["en", "en", "es", "de"])
    assert [s.label for s in out] == ["POSITIVE", "NEGATIVE", "POSITIVE", "NEGATIVE"]
    for s in out:
        scores = {"POSITIVE": s.positive, "NEGATIVE": s.negative, "NEUTRAL": s.neutral, "MIXED": s.mixed}
        assert abs(sum(scores.values()) - 1) < 1e-6 and max(scores, key=lambda k: scores[k]) == s.label
    both = comprehend_scores(np.array([[0.45, 0.1, 0.45], [0.3, 0.1, 0.6], [0.1, 0.2, 0.7]]))
    assert both[0].argmax() == 3 and both[1].argmax() == 0 and both[2, 3] == 0.0
    assert "'ru' not supported" in (analyzer.unsupported_reason("ru") or "")
