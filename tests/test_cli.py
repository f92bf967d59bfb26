"""The CLI in-process (exact output), and the issue's end-to-end acceptance checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tweetlake.cli.main import cli


def _run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_twenty_thousand_synthetic_posts_end_to_end(tmp_path: Path) -> None:
    """The acceptance check: 20,000 in tweets, the same ids in sentiment, entities for posts
    that name something, and the reference's columns first in DESCRIBE."""
    lake = str(tmp_path / "L")
    out = _run("ingest", "synthetic", "--count", "20000", "--seed", "1", "--lake", lake)
    assert "20,000" in out
    _run("enrich", "--lake", lake)
    counts = json.loads(
        _run(
            "query",
            "SELECT (SELECT count(*) FROM tweets) AS tweets, (SELECT count(DISTINCT id) FROM tweets) AS ids, "
            "(SELECT count(*) FROM sentiment) AS sentiment, "
            "(SELECT count(*) FROM tweets t ANTI JOIN sentiment s USING (id)) AS missing, "
            "(SELECT count(DISTINCT id) FROM entities) AS with_entities, "
            "(SELECT count(*) FROM entities e ANTI JOIN tweets t USING (id)) AS orphans",
            "--lake",
            lake,
            "--format",
            "json",
        )
    )[0]
    assert counts["tweets"] == counts["ids"] == counts["sentiment"] == 20000
    assert counts["missing"] == 0 and counts["orphans"] == 0
    assert 5000 < counts["with_entities"] < 20000
    described = json.loads(_run("query", "DESCRIBE tweets", "--lake", lake, "--format", "json"))
    assert [(r["column_name"], r["column_type"]) for r in described[:15]] == [
        ("created_at", "VARCHAR"),
        ("text", "VARCHAR"),
        ("name", "VARCHAR"),
        ("screen_name", "VARCHAR"),
        ("description", "VARCHAR"),
        ("id", "VARCHAR"),
        ("followers", "BIGINT"),
        ("friends", "BIGINT"),
        ("source", "VARCHAR"),
        ("lang", "VARCHAR"),
        ("location", "VARCHAR"),
        ("truncated", "BOOLEAN"),
        ("filter_level", "VARCHAR"),
        ("in_reply_to_screen_name", "VARCHAR"),
        ("is_quote_status", "BOOLEAN"),
    ]
    status = json.loads(_run("status", "--lake", lake, "--json"))
    assert status["counts_add_up"] and status["enriched"] == 20000
    # Sentiment rows for languages VADER cannot read carry a reason, never a label.
    unscored = json.loads(
        _run(
            "query",
            "SELECT count(*) AS n FROM sentiment WHERE sentiment IS NULL AND sentiment_reason IS NULL",
            "--lake",
            lake,
            "--format",
            "json",
        )
    )
    assert unscored == [{"n": 0}]


def test_one_worker_freezes_its_models_only_in_the_tweetlake_command(tmp_path: Path) -> None:
    import gc
    import subprocess
    import sys

    lake = str(tmp_path / "L")
    _run("ingest", "synthetic", "--count", "300", "--lake", lake)
    # Invoked by a host (here, the tests' process): the host's garbage collector is left alone.
    frozen = gc.get_freeze_count()
    _run("enrich", "--lake", lake, "--workers", "1", "--entities", "none")
    assert gc.get_freeze_count() == frozen
    # As the `tweetlake` command, the process is the CLI's: its models are frozen as a worker's are.
    _run("ingest", "synthetic", "--count", "300", "--seed", "2", "--lake", lake)
    command = [
        sys.executable,
        "-m",
        "tweetlake",
        "-v",
        "enrich",
        "--lake",
        lake,
        "--workers",
        "1",
        "--entities",
        "none",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    assert "frozen out of the GC's scans" in done.stderr


def test_query_formats_and_errors(tmp_path: Path) -> None:
    lake = str(tmp_path / "L")
    _run("ingest", "synthetic", "--count", "50", "--lake", lake)
    _run("enrich", "--lake", lake, "--sentiment", "wordlist", "--entities", "none")
    csv_out = _run("query", "SELECT id, lang FROM tweets ORDER BY id LIMIT 2", "--lake", lake, "--format", "csv")
    assert csv_out.splitlines()[0] == "id,lang" and len(csv_out.splitlines()) == 3
    denied = CliRunner().invoke(cli, ["query", "DROP VIEW tweets", "--lake", lake])
    assert denied.exit_code == 1 and "read-only" in denied.output


def test_keywords_filter_and_status_add_up(tmp_path: Path) -> None:
    lake = str(tmp_path / "L")
    out = _run("ingest", "synthetic", "--count", "500", "--keywords", "ukraine, climate -hoax", "--lake", lake)
    assert "filtered out" in out
    _run("enrich", "--lake", lake, "--sentiment", "wordlist", "--entities", "none")
    status = json.loads(_run("status", "--lake", lake, "--json"))
    assert status["received"] == 500 and status["filtered"] > 0 and status["counts_add_up"]
    matched = json.loads(
        _run(
            "query",
            "SELECT DISTINCT unnest(matched_keywords) AS k FROM tweets ORDER BY 1",
            "--lake",
            lake,
            "--format",
            "json",
        )
    )
    assert {m["k"] for m in matched} <= {"ukraine", "climate -hoax"}


def test_ddl_points_at_each_table(tmp_path: Path) -> None:
    out = _run("ddl", "--lake", str(tmp_path / "L"), "--location", "s3://bucket/lake")
    assert out.count("CREATE EXTERNAL TABLE") == 5  # three tables, two rollups
    assert "LOCATION 's3://bucket/lake/facets_hourly/'" in out and "`author_sample` array<bigint>" in out
    assert "LOCATION 's3://bucket/lake/tweets/'" in out and "'projection.dt.type'='date'" in out
    assert "`followers` bigint" in out and "`hashtags` array<string>" in out


def test_lake_comes_from_env_then_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tweetlake.toml").write_text('lake = "from-config"\n')
    _run("ingest", "synthetic", "--count", "3")
    assert (tmp_path / "from-config" / "raw").is_dir()
    monkeypatch.setenv("TWEETLAKE_LAKE", str(tmp_path / "from-env"))
    _run("ingest", "synthetic", "--count", "3", "--seed", "2")
    assert (tmp_path / "from-env" / "raw").is_dir()


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "tweetlake.toml").write_text("[delivery]\nmax_seconds = 'soon'\n")
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 1 and "max_seconds" in result.output and "must be float" in result.output


def test_status_without_a_lake_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["status", "--lake", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and "Run `tweetlake ingest" in result.output


def test_replay_bad_lines_reach_quarantine_with_file_and_line(tmp_path: Path) -> None:
    from tests.helpers import reference_line

    lake = str(tmp_path / "L")
    archive = tmp_path / "mixed.jsonl"
    archive.write_text(
        "\n".join(
            [
                reference_line("1", "first good post"),
                "{not json",
                reference_line("2", "   "),
                reference_line("3", "missing id", id=None),
                '{"delete":{"status":{"id":9,"id_str":"9"},"timestamp_ms":"1"}}',
                reference_line("4", "last good post"),
            ]
        )
        + "\n"
    )
    out = _run("ingest", "replay", str(archive), "--lake", lake)
    assert "notices: delete" in out
    _run("enrich", "--lake", lake, "--sentiment", "wordlist", "--entities", "none")
    rows = json.loads(
        _run(
            "query",
            "SELECT line, stage, reason, origin FROM quarantine ORDER BY line",
            "--lake",
            lake,
            "--format",
            "json",
        )
    )
    assert [(r["line"], r["stage"]) for r in rows] == [(2, "ingest"), (3, "ingest"), (4, "ingest")]
    assert rows[0]["reason"].startswith("invalid JSON")
    assert "empty text" in rows[1]["reason"]
    assert "missing field `id`" in rows[2]["reason"]
    assert all(r["origin"] == str(archive) for r in rows)
    ids = json.loads(_run("query", "SELECT id FROM tweets ORDER BY id", "--lake", lake, "--format", "json"))
    assert [r["id"] for r in ids] == ["1", "4"]
    status = json.loads(_run("status", "--lake", lake, "--json"))
    assert (status["received"], status["quarantined"], status["notices"]) == (5, 3, {"delete": 1})
    assert status["counts_add_up"]
