"""The Comprehend backends against botocore's Stubber, with Comprehend's recorded response shapes."""

from __future__ import annotations

from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.stub import Stubber  # noqa: E402

from tests.helpers import post  # noqa: E402
from tweetlake.analyzers import Analyzers  # noqa: E402
from tweetlake.analyzers.comprehend import ComprehendEntities, ComprehendSentiment  # noqa: E402
from tweetlake.enrich.core import enrich_batch  # noqa: E402
from tweetlake.errors import TransientError  # noqa: E402
from tweetlake.record import encode_post  # noqa: E402


@pytest.fixture
def client() -> Any:
    return boto3.client("comprehend", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")


def _sentiment(index: int, label: str) -> dict[str, Any]:
    scores = {"Positive": 0.01, "Negative": 0.01, "Neutral": 0.01, "Mixed": 0.01}
    scores[label.capitalize()] = 0.97
    return {"Index": index, "Sentiment": label, "SentimentScore": scores}


def test_batches_of_25_per_language(client: Any) -> None:
    texts = [f"post {i}" for i in range(30)] + ["hola", "adiós"]
    langs = ["en"] * 30 + ["es", "es"]
    with Stubber(client) as stub:
        stub.add_response(
            "batch_detect_sentiment",
            {"ResultList": [_sentiment(i, "POSITIVE") for i in range(25)], "ErrorList": []},
            {"TextList": texts[:25], "LanguageCode": "en"},
        )
        stub.add_response(
            "batch_detect_sentiment",
            {"ResultList": [_sentiment(i, "NEGATIVE") for i in range(5)], "ErrorList": []},
            {"TextList": texts[25:30], "LanguageCode": "en"},
        )
        stub.add_response(
            "batch_detect_sentiment",
            {"ResultList": [_sentiment(1, "NEUTRAL"), _sentiment(0, "MIXED")], "ErrorList": []},
            {"TextList": ["hola", "adiós"], "LanguageCode": "es"},
        )
        out = ComprehendSentiment(client).analyze(texts, langs)
        stub.assert_no_pending_responses()
    assert [s.label for s in out] == ["POSITIVE"] * 25 + ["NEGATIVE"] * 5 + ["MIXED", "NEUTRAL"]
    assert out[0].positive == 0.97


def test_throttling_is_retried_with_backoff(client: Any) -> None:
    sleeps: list[float] = []
    with Stubber(client) as stub:
        for _ in range(2):
            stub.add_client_error("batch_detect_sentiment", "ThrottlingException", "Rate exceeded", 400)
        stub.add_response("batch_detect_sentiment", {"ResultList": [_sentiment(0, "NEUTRAL")], "ErrorList": []})
        out = ComprehendSentiment(client, sleep=sleeps.append).analyze(["x"], ["en"])
    assert out[0].label == "NEUTRAL" and len(sleeps) == 2


def test_throttling_that_never_ends_is_transient(client: Any) -> None:
    with Stubber(client) as stub:
        for _ in range(3):
            stub.add_client_error("batch_detect_sentiment", "ThrottlingException", "Rate exceeded", 400)
        with pytest.raises(TransientError, match="raise your Comprehend quota"):
            ComprehendSentiment(client, max_retries=2, sleep=lambda s: None).analyze(["x"], ["en"])


def test_unsupported_language_is_never_sent(client: Any) -> None:
    analyzer = ComprehendSentiment(client)
    assert "not supported" in (analyzer.unsupported_reason("ru") or "")
    assert "not supported" in (analyzer.unsupported_reason("uk") or "")
    with Stubber(client):  # any call would fail: no responses queued
        out = enrich_batch(
            [encode_post(post("1", "Україна", lang="uk"))], Analyzers(analyzer), origin="o", batch_id="b"
        )
    assert out.sentiment.column("sentiment_reason").to_pylist()[0].startswith("language 'uk' not supported")


def test_a_rejected_document_quarantines_only_its_post(client: Any) -> None:
    with Stubber(client) as stub:
        stub.add_response(
            "batch_detect_sentiment",
            {
                "ResultList": [_sentiment(0, "POSITIVE")],
                "ErrorList": [{"Index": 1, "ErrorCode": "INTERNAL_SERVER_ERROR", "ErrorMessage": "bad doc"}],
            },
        )
        stub.add_response("batch_detect_sentiment", {"ResultList": [_sentiment(0, "POSITIVE")], "ErrorList": []})
        stub.add_response(
            "batch_detect_sentiment",
            {
                "ResultList": [],
                "ErrorList": [{"Index": 0, "ErrorCode": "INTERNAL_SERVER_ERROR", "ErrorMessage": "bad"}],
            },
        )
        lines = [encode_post(post("1", "good")), encode_post(post("2", "bad"))]
        out = enrich_batch(lines, Analyzers(ComprehendSentiment(client)), origin="o", batch_id="b")
    assert out.tweets.column("id").to_pylist() == ["1"]
    assert "Comprehend rejected 1 document(s): INTERNAL_SERVER_ERROR: bad" in out.quarantined[0].reason


def test_entities_keep_comprehend_types_scores_and_offsets(client: Any) -> None:
    text = "Greta Thunberg spoke in Kyiv"
    with Stubber(client) as stub:
        stub.add_response(
            "batch_detect_entities",
            {
                "ResultList": [
                    {
                        "Index": 0,
                        "Entities": [
                            {
                                "Score": 0.99,
                                "Type": "PERSON",
                                "Text": "Greta Thunberg",
                                "BeginOffset": 0,
                                "EndOffset": 14,
                            },
                            {"Score": 0.97, "Type": "LOCATION", "Text": "Kyiv", "BeginOffset": 24, "EndOffset": 28},
                        ],
                    }
                ],
                "ErrorList": [],
            },
            {"TextList": [text], "LanguageCode": "en"},
        )
        (found,) = ComprehendEntities(client).extract([text], ["en"])
    assert [(e.text, e.type, e.score) for e in found] == [
        ("Greta Thunberg", "PERSON", 0.99),
        ("Kyiv", "LOCATION", 0.97),
    ]
    assert text[found[1].begin : found[1].end] == "Kyiv"
