"""Amazon Comprehend backends, for users on AWS (``pip install 'tweetlake[aws]'``).

The same interfaces as the local analyzers, using Comprehend's batch APIs
(``BatchDetectSentiment``, ``BatchDetectEntities``): up to 25 documents a call, one language per
call. Posts in a language Comprehend does not support are never sent (Russian and Ukrainian, the
reference design's own default keywords, are among them); they get a recorded reason instead.

Throttling (``ThrottlingException``, ``TooManyRequestsException``) and server errors are retried
with exponential backoff and full jitter; after ``max_retries`` the call fails with a
:class:`~tweetlake.errors.TransientError`. A document Comprehend rejects (its ``ErrorList``)
fails on its own, so enrichment quarantines just that post.

Cost (us-east-1 list price when written; check the current price): $0.0001 per unit of 100
characters, at least 3 units per document and call. A post under 300 characters therefore costs
$0.0003 per call: **$0.30 per 1,000 posts for sentiment, $0.60 for sentiment and entities**.
Comprehend's default quotas allow about 10 batch calls a second (250 documents) per API.
Credentials come from the usual AWS chain (environment, profile, instance role), never from
tweetlake's config or command line.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from tweetlake.analyzers.base import Entity, EntityAnalyzer, Sentiment, SentimentAnalyzer, primary_language
from tweetlake.errors import MissingDependencyError, TransientError

__all__ = ["ComprehendEntities", "ComprehendSentiment", "comprehend_client"]

SENTIMENT_LANGUAGES = frozenset({"ar", "hi", "ko", "zh", "ja", "de", "pt", "en", "it", "fr", "es"})
ENTITY_LANGUAGES = SENTIMENT_LANGUAGES
_BATCH = 25
_MAX_BYTES = 5000
_RETRYABLE = {
    "ThrottlingException",
    "TooManyRequestsException",
    "InternalServerException",
    "ServiceUnavailableException",
}
_LABELS = {"POSITIVE": "POSITIVE", "NEGATIVE": "NEGATIVE", "NEUTRAL": "NEUTRAL", "MIXED": "MIXED"}


def comprehend_client(region: str | None = None) -> Any:
    """A boto3 Comprehend client (credentials from the standard AWS chain)."""
    try:
        import boto3
    except ImportError:
        raise MissingDependencyError("boto3", "aws", "The Comprehend analyzers") from None
    return boto3.client("comprehend", region_name=region)


def _fit(text: str) -> str:
    """Comprehend accepts at most 5,000 bytes of UTF-8 per document: cut on a character boundary."""
    data = text.encode("utf-8")
    return text if len(data) <= _MAX_BYTES else data[:_MAX_BYTES].decode("utf-8", errors="ignore")


class _Batcher:
    def __init__(self, client: Any, max_retries: int, base_delay: float, sleep: Callable[[float], None]) -> None:
        self.client = client
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.sleep = sleep

    def call(self, operation: str, texts: list[str], lang: str) -> list[dict[str, Any]]:
        """Results in input order; raises ValueError if Comprehend rejected any document."""
        from botocore.exceptions import ClientError

        results: list[dict[str, Any] | None] = [None] * len(texts)
        for start in range(0, len(texts), _BATCH):
            chunk = [_fit(t) for t in texts[start : start + _BATCH]]
            for attempt in range(self.max_retries + 1):
                try:
                    response = getattr(self.client, operation)(TextList=chunk, LanguageCode=lang)
                    break
                except ClientError as exc:
                    code = exc.response.get("Error", {}).get("Code", "")
                    if code not in _RETRYABLE:
                        raise
                    if attempt == self.max_retries:
                        raise TransientError(
                            f"Comprehend {operation} still throttled after {self.max_retries} retries; "
                            "lower the ingest rate or raise your Comprehend quota"
                        ) from exc
                    self.sleep(random.uniform(0, self.base_delay * 2**attempt))
            for item in response.get("ResultList", []):
                results[start + item["Index"]] = item
            errors = response.get("ErrorList", [])
            if errors:
                first = errors[0]
                code, message = first.get("ErrorCode"), first.get("ErrorMessage")
                raise ValueError(f"Comprehend rejected {len(errors)} document(s): {code}: {message}")
        return [r for r in results if r is not None]


def _by_language(langs: Sequence[str | None]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for index, lang in enumerate(langs):
        groups.setdefault(primary_language(lang) or "", []).append(index)
    return groups


class _ComprehendClient:
    """The client and retry settings both Comprehend analyzers share."""

    def __init__(
        self,
        client: Any = None,
        *,
        region: str | None = None,
        max_retries: int = 8,
        base_delay: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._batcher = _Batcher(client or comprehend_client(region), max_retries, base_delay, sleep)


class ComprehendSentiment(_ComprehendClient, SentimentAnalyzer):
    name = "comprehend-sentiment"
    languages = SENTIMENT_LANGUAGES

    def analyze(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[Sentiment]:
        out: list[Sentiment | None] = [None] * len(texts)
        for lang, indices in _by_language(langs).items():
            results = self._batcher.call("batch_detect_sentiment", [texts[i] for i in indices], lang)
            for index, item in zip(indices, results, strict=True):
                s = item["SentimentScore"]
                out[index] = Sentiment(
                    _LABELS[item["Sentiment"]], s["Positive"], s["Negative"], s["Neutral"], s["Mixed"]
                )
        return [s for s in out if s is not None]


class ComprehendEntities(_ComprehendClient, EntityAnalyzer):
    name = "comprehend-entities"
    languages = ENTITY_LANGUAGES

    def extract(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[list[Entity]]:
        out: list[list[Entity]] = [[] for _ in texts]
        for lang, indices in _by_language(langs).items():
            results = self._batcher.call("batch_detect_entities", [texts[i] for i in indices], lang)
            for index, item in zip(indices, results, strict=True):
                out[index] = [
                    Entity(e["Text"], e["Type"], float(e["Score"]), int(e["BeginOffset"]), int(e["EndOffset"]))
                    for e in item.get("Entities", [])
                ]
        return out
