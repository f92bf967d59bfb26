from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import post
from tweetlake.analyzers import Analyzers
from tweetlake.analyzers.fake import DictionaryEntities, WordListSentiment
from tweetlake.analyzers.langid import LanguageIdentifier
from tweetlake.cli.main import cli
from tweetlake.enrich.core import enrich_batch
from tweetlake.errors import ConfigError
from tweetlake.evaluate import evaluate_entities, evaluate_sentiment, read_conll, read_sentiment
from tweetlake.record import encode_post


def test_sentiment_formats_and_figures(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("I love it\nI hate it\nit is a chair")
    (tmp_path / "l.txt").write_text("2\n0\n1")
    (tmp_path / "s.tsv").write_text("1\tpositive\tI love it\n2\tnegative\tI hate it\n3\tneutral\tgood and bad\n")
    (tmp_path / "j.jsonl").write_text(json.dumps({"text": "great", "label": 2, "lang": "es"}) + "\n")
    paired = read_sentiment(tmp_path / "t.txt", tmp_path / "l.txt")
    assert [e.label for e in paired] == ["POSITIVE", "NEGATIVE", "NEUTRAL"]
    report = evaluate_sentiment(WordListSentiment(), paired)
    assert report.macro_recall == 1.0 and report.accuracy == 1.0 and report.per_class["NEUTRAL"]["support"] == 1
    mixed = evaluate_sentiment(WordListSentiment(), read_sentiment(tmp_path / "s.tsv"))
    assert mixed.mixed_share == pytest.approx(1 / 3, abs=1e-3) and mixed.per_class["NEUTRAL"]["recall"] == 0.0
    only_en = evaluate_sentiment(WordListSentiment(frozenset({"en"})), read_sentiment(tmp_path / "j.jsonl"))
    assert only_en.unsupported == 1 and only_en.examples == 0
    with pytest.raises(ConfigError, match="label"):
        (tmp_path / "bad.tsv").write_text("1\tgreat\ttext\n")
        read_sentiment(tmp_path / "bad.tsv")


def test_conll_spans_and_entity_scores(tmp_path: Path) -> None:
    (tmp_path / "d.conll").write_text(
        "Taylor\tB-person\nSwift\tI-person\nin\tO\nKyiv\tB-location\n\nNASA\tB-corporation\nrocks\tO\n"
    )
    examples = read_conll(tmp_path / "d.conll")
    assert examples[0].text == "Taylor Swift in Kyiv"
    assert examples[0].spans == {(0, 12, "PERSON"), (16, 20, "LOCATION")}
    report = evaluate_entities(
        DictionaryEntities({"Taylor Swift": "PERSON", "Kyiv": "ORGANIZATION", "rocks": "OTHER"}), examples
    )
    assert report.per_type["PERSON"]["f1"] == 1.0
    assert report.per_type["LOCATION"]["recall"] == 0.0 and report.precision == pytest.approx(1 / 3, abs=1e-3)


def test_eval_command(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("I love it\nI hate it")
    (tmp_path / "l.txt").write_text("2\n0")
    out = CliRunner().invoke(
        cli,
        [
            "eval",
            "sentiment",
            str(tmp_path / "t.txt"),
            "--labels",
            str(tmp_path / "l.txt"),
            "--analyzer",
            "wordlist",
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["macro_recall"] == pytest.approx(2 / 3, abs=1e-3)


def test_language_is_identified_when_missing() -> None:
    ident = LanguageIdentifier()
    assert ident.detect(["Ich liebe dieses Telefon sehr", "Me encanta este teléfono nuevo", "@a #b https://x.y"]) == [
        "de",
        "es",
        None,
    ]
    analyzers = Analyzers(WordListSentiment(frozenset({"en"})), None, ident)
    lines = [
        encode_post(post("1", "Украина сегодня снова в новостях", lang="und")),
        encode_post(post("2", "I love this new phone so much", lang=None)),
    ]
    out = enrich_batch(lines, analyzers, origin="o", batch_id="b")
    rows = {r["id"]: r for r in out.sentiment.to_pylist()}
    assert (
        rows["1"]["lang"] == "ru"
        and rows["1"]["lang_detected"]
        and "'ru' not supported" in rows["1"]["sentiment_reason"]
    )
    assert rows["2"]["lang"] == "en" and rows["2"]["sentiment"] == "POSITIVE"
    assert out.counts.languages_detected == 2
