"""The live sources through the real command line, against the local servers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from tests.sources.live.test_bluesky import post_event
from tests.sources.live.test_x import TOKEN, tweet
from tweetlake.cli.main import cli
from tweetlake.testing.jetstream import FakeJetstream
from tweetlake.testing.xapi import FakeXServer


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return out, err


def test_ingest_bluesky_against_the_local_jetstream_fills_the_tables(tmp_path: Path) -> None:
    lake = str(tmp_path / "lake")
    with FakeJetstream() as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tweetlake", "ingest", "bluesky", "--endpoint", server.url, "--no-profiles",
             "--keywords", "ukraine, climate", "--lake", lake],
            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while server.connections < 1:
            assert time.monotonic() < deadline, proc.stderr.read() if proc.poll() is not None else "no connection"
            time.sleep(0.05)
        server.publish([post_event("1", "Ukraine news"), post_event("2", "lunch"), post_event("3", "climate talks")])
        time.sleep(2.5)
        _stop(proc)
    result = CliRunner().invoke(cli, ["enrich", "--lake", lake, "--sentiment", "wordlist", "--entities", "none"])
    assert result.exit_code == 0, result.output
    out = CliRunner().invoke(
        cli, ["query", "SELECT platform, text FROM tweets ORDER BY text", "--lake", lake, "--format", "json"]
    )
    assert json.loads(out.output) == [
        {"platform": "bluesky", "text": "Ukraine news"},
        {"platform": "bluesky", "text": "climate talks"},
    ]
    status = json.loads(CliRunner().invoke(cli, ["status", "--lake", lake, "--json"]).output)
    assert status["filtered"] == 1 and status["counts_add_up"]
    assert any("time_us" in json.dumps(c) for c in status["cursors"].values())


def test_ingest_x_shows_rules_in_status_and_never_prints_the_token(tmp_path: Path) -> None:
    lake = str(tmp_path / "lake")
    with FakeXServer(TOKEN, keepalive_seconds=0.5) as server:
        env = {**os.environ, "TWEETLAKE_X_BEARER_TOKEN": TOKEN}
        proc = subprocess.Popen(
            [sys.executable, "-m", "tweetlake", "-vv", "ingest", "x", "--endpoint", server.base_url,
             "--keywords", "ukraine, climate change -hoax", "--lake", lake],
            stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while server.connects < 1:
            assert time.monotonic() < deadline, "no stream connection"
            time.sleep(0.05)
        server.publish([tweet(1, "ukraine today")])
        time.sleep(2.0)
        out, err = _stop(proc)
    assert "received" in out and TOKEN not in err and TOKEN not in out
    status = CliRunner().invoke(cli, ["status", "--lake", lake])
    assert "rule 1" in status.output and "climate change -hoax" in status.output
    assert TOKEN not in status.output


def test_token_on_the_command_line_is_not_an_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["ingest", "x", "--token", "abc", "--lake", str(tmp_path)])
    assert result.exit_code == 2 and "No such option" in result.output


def test_missing_token_says_where_to_put_it(tmp_path: Path) -> None:
    result = CliRunner(env={"TWEETLAKE_X_BEARER_TOKEN": ""}).invoke(
        cli, ["ingest", "x", "--keywords", "a", "--lake", str(tmp_path)]
    )
    assert result.exit_code == 1 and "TWEETLAKE_X_BEARER_TOKEN" in result.output
