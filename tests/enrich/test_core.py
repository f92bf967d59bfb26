from __future__ import annotations

from collections.abc import Sequence

import pytest

from tests.helpers import post
from tweetlake.analyzers import Analyzers
from tweetlake.analyzers.base import Entity, EntityAnalyzer
from tweetlake.analyzers.fake import FaultyAnalyzer, WordListSentiment
from tweetlake.enrich.core import enrich_batch
from tweetlake.record import encode_post
from tweetlake.tables.schema import ENTITIES, SENTIMENT, TWEETS


def _lines(*posts: object) -> list[bytes]:
    return [p if isinstance(p, bytes) else encode_post(p) for p in posts]  # type: ignore[arg-type]


def test_one_row_per_post_in_tweets_and_sentiment(fake_analyzers: Analyzers) -> None:
    out = enrich_batch(
        _lines(post("1", "I love Kyiv"), post("2", "awful day")), fake_analyzers, origin="o", batch_id="b"
    )
    assert out.tweets.schema == TWEETS and out.sentiment.schema == SENTIMENT and out.entities.schema == ENTITIES
    assert out.tweets.column("id").to_pylist() == ["1", "2"]
    assert out.tweets.column("batch_id").to_pylist() == ["b", "b"]
    rows = out.sentiment.to_pylist()
    assert [r["sentiment"] for r in rows] == ["POSITIVE", "NEGATIVE"]
    for r in rows:
        total = (
            r["sentiment_pos_score"] + r["sentiment_neg_score"] + r["sentiment_neu_score"] + r["sentiment_mixed_score"]
        )
        assert abs(total - 1) < 1e-9 and r["sentiment_model"] == "fake-wordlist" and r["sentiment_reason"] is None


def test_reference_entity_rules(fake_analyzers: Analyzers) -> None:
    out = enrich_batch(
        _lines(post("1", "Kyiv, kyiv and KYIV, NASA and 7 @ #")), fake_analyzers, origin="o", batch_id="b"
    )
    entities = sorted((r["entity"], r["type"]) for r in out.entities.to_pylist())
    # de-duplicated on (text, type); the one-character digit entity "7" is dropped
    assert entities == [("KYIV", "LOCATION"), ("Kyiv", "LOCATION"), ("NASA", "ORGANIZATION"), ("kyiv", "LOCATION")]


class _Punctuation(EntityAnalyzer):
    name = "punct"

    def extract(self, texts: Sequence[str], langs: Sequence[str | None]) -> list[list[Entity]]:
        return [
            [Entity("#", "OTHER", 0.9, 0, 1), Entity("@", "OTHER", 0.9, 0, 1), Entity("#AI", "OTHER", 0.8, 0, 3)]
            for _ in texts
        ]


def test_one_character_hash_and_at_are_dropped() -> None:
    out = enrich_batch(_lines(post("1", "x")), Analyzers(WordListSentiment(), _Punctuation()), origin="o", batch_id="b")
    assert out.entities.column("entity").to_pylist() == []  # "#AI" is a hashtag, not an entity


def test_unsupported_language_gets_null_sentiment_with_reason(fake_analyzers: Analyzers) -> None:
    posts = [
        post("1", "love it", lang="en"),
        post("2", "люблю", lang="ru"),
        post("3", "?", lang="und"),
        post("4", "x", lang=None),
    ]
    out = enrich_batch(_lines(*posts), fake_analyzers, origin="o", batch_id="b")
    assert out.tweets.num_rows == 4
    rows = {r["id"]: r for r in out.sentiment.to_pylist()}
    assert rows["1"]["sentiment"] == "POSITIVE"
    for key in ("2", "3", "4"):
        assert rows[key]["sentiment"] is None and rows[key]["sentiment_pos_score"] is None
    assert "'ru' not supported by fake-wordlist" in rows["2"]["sentiment_reason"]
    assert "language undetermined" in rows["3"]["sentiment_reason"]
    assert out.counts.sentiment_unsupported == 3 and out.counts.entities_unsupported == 3


def test_invalid_lines_are_quarantined_and_neighbours_unaffected(fake_analyzers: Analyzers) -> None:
    good = [post("1", "good"), post("2", "fine")]
    lines = [
        encode_post(good[0]),
        b"{not json",
        encode_post(post("3", "x")).replace(b'"text":"x"', b'"text":5'),
        encode_post(post("4", "x")).replace(b'"text":"x"', b'"text":"   "'),
        encode_post(post("5", "x")).replace(b'"id":"5",', b""),
        encode_post(good[1]),
    ]
    out = enrich_batch(lines, fake_analyzers, origin="raw/f.jsonl.gz", batch_id="b")
    assert out.tweets.column("id").to_pylist() == ["1", "2"]
    reasons = {q.line: q.reason for q in out.quarantined}
    assert set(reasons) == {2, 3, 4, 5}
    assert reasons[2].startswith("invalid JSON")
    assert "Expected `str`, got `int` - at `$.text`" in reasons[3]
    assert "empty text" in reasons[4]
    assert "missing required field `id`" in reasons[5]
    assert all(q.origin == "raw/f.jsonl.gz" and q.stage == "enrich" for q in out.quarantined)


def test_analyzer_exception_quarantines_only_the_failing_post(fake_analyzers: Analyzers) -> None:
    faulty = Analyzers(FaultyAnalyzer.wrap(fake_analyzers.sentiment, trigger="BOOM"), fake_analyzers.entities)
    lines = _lines(post("1", "love"), post("2", "BOOM goes Kyiv"), post("3", "hate"))
    out = enrich_batch(lines, faulty, origin="o", batch_id="b")
    assert out.tweets.column("id").to_pylist() == ["1", "3"]
    assert out.sentiment.column("sentiment").to_pylist() == ["POSITIVE", "NEGATIVE"]
    (q,) = out.quarantined
    assert q.line == 2 and "sentiment analyzer fake-wordlist failed: AnalyzerFaultError" in q.reason
    assert out.entities.num_rows == 0  # the failing post's entity rows are not written either


def test_the_key_of_a_line_is_read_without_decoding_the_post() -> None:
    import msgspec

    from tweetlake.record import decode_key, decode_post, encode_post, post_key

    for p in (post("42", "hello"), post("42", "hello", platform="bluesky"), post("7", "x", hashtags=["a"])):
        decoded = decode_post(encode_post(p))
        assert decode_key(encode_post(p)) == post_key(decoded.platform, decoded.id)
    assert decode_key(b'{"id": "1", "platform": "x", "text": ""}') == post_key("x", "1")  # an invalid post
    for line in (b"{not json", b'{"id": 3, "platform": "x"}', b'{"platform": "x"}', b"[]"):
        with pytest.raises(msgspec.DecodeError):
            decode_key(line)
        with pytest.raises(msgspec.DecodeError):  # what has no key is no post either
            decode_post(line)


def test_domains_read_in_arrow_are_those_of_url_domain_for_every_kind_of_url() -> None:
    import pyarrow as pa

    from tweetlake.enrich.core import url_domain, url_domains

    odd = [
        "https://www.BBC.co.uk/news",
        "http://example.com",
        "HTTPS://Example.COM:8443/a?b#c",
        "http://a.com:/x",
        "http://a.com:abc/x",  # a port that is not a number: urlsplit still has the host
        "https://www./",  # host "www." leaves no domain
        "https://user:pw@host.org/",
        "http://[::1]:80/",
        "http://[broken/",  # urlsplit raises: no domain
        "ftp://files.example.org/f",
        "example.net/path",  # no scheme
        " https://padded.com/",
        "https://tab\tbed.com/",
        "https:///nohost",
        "https://xn--bcher-kva.example/",
        "https://bücher.de/",
        "",
        "mailto:someone@example.com",
        "https://sub.www.example.com/",
        "https://host.com?q=1",
        "https://host.com#frag",
    ]
    posts = [odd[:7], [], odd[7:15], ["https://t.co/x", "https://t.co/y"], odd[15:], []]
    got = url_domains(pa.array(posts, pa.list_(pa.string()))).to_pylist()
    assert got == [[d for d in map(url_domain, urls) if d] for urls in posts]
    assert got[0][:3] == ["bbc.co.uk", "example.com", "example.com"] and got[1] == [] and got[-1] == []
    assert url_domains(pa.array([], pa.list_(pa.string()))).to_pylist() == []
