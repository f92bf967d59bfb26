"""kill -9 at any moment, then a re-run: every accepted post exactly once, nothing lost."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tweetlake.query.engine import QueryEngine
from tweetlake.status import lake_status
from tweetlake.storage import Storage

_SNAPSHOT = {
    "tweets": "SELECT * EXCLUDE (dt) FROM tweets ORDER BY platform, id",
    "sentiment": "SELECT * EXCLUDE (dt) FROM sentiment ORDER BY platform, id",
    "entities": "SELECT * EXCLUDE (dt) FROM entities ORDER BY platform, id, entity, type",
}


def _tweetlake(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tweetlake", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _finish(*args: str) -> None:
    proc = _tweetlake(*args)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()


def _kill_when(proc: subprocess.Popen[bytes], ready: callable, timeout: float = 120) -> bool:  # type: ignore[valid-type]
    """SIGKILL ``proc`` as soon as ``ready()``; False if it finished first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            proc.communicate()
            return False
        if ready():
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate()
            return True
        time.sleep(0.01)
    raise AssertionError("process neither got ready nor finished")


def _snapshot(lake: Path) -> dict[str, list[tuple[object, ...]]]:
    with QueryEngine(Storage(lake)) as engine:
        return {t: engine.execute(sql, max_rows=10**7).rows() for t, sql in _SNAPSHOT.items()}


def _commits(lake: Path) -> int:
    log = lake / "_catalog" / "log"
    return len(os.listdir(log)) if log.exists() else 0


def test_kill_enrich_midway_gives_the_same_tables(tmp_path: Path) -> None:
    clean, crashed = tmp_path / "clean", tmp_path / "crashed"
    _finish("ingest", "synthetic", "--count", "3000", "--seed", "11", "--flush-records", "250", "--lake", str(clean))
    shutil.copytree(clean, crashed)
    _finish("enrich", "--lake", str(clean))

    kills = 0
    for target in (1, 3, 6):  # kill after a few commits, at different points of the run
        proc = _tweetlake("enrich", "--lake", str(crashed))
        if _kill_when(proc, lambda t=target: _commits(crashed) >= t):
            kills += 1
    assert kills >= 2
    _finish("enrich", "--lake", str(crashed))

    assert _snapshot(crashed) == _snapshot(clean)
    status = lake_status(Storage(crashed))
    assert status.enriched == 3000 and status.duplicates == 0 and not status.check()


def test_kill_ingest_midway_then_rerun_loses_nothing(tmp_path: Path) -> None:
    lake = tmp_path / "L"
    args = ("ingest", "synthetic", "--count", "20000", "--seed", "3", "--flush-records", "500", "--lake", str(lake))
    pending = lake / "raw" / "_pending"
    proc = _tweetlake(*args)
    assert _kill_when(proc, lambda: pending.exists() and len(os.listdir(pending)) >= 5)
    _finish(*args)  # resumes from the stored cursor
    _finish("enrich", "--lake", str(lake), "--sentiment", "wordlist", "--entities", "none")
    with QueryEngine(Storage(lake)) as engine:
        assert engine.execute("SELECT count(*), count(DISTINCT id) FROM tweets").rows() == [(20000, 20000)]
    assert not lake_status(Storage(lake)).check()


def _wait_for_commits(lake: Path, n: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while _commits(lake) < n:
        assert time.monotonic() < deadline, "no commits appeared"
        time.sleep(0.05)


def test_run_stops_cleanly_on_sigint_and_drains(tmp_path: Path) -> None:
    lake = tmp_path / "L"
    proc = _tweetlake("run", "--source", "synthetic", "--rate", "400", "--lake", str(lake))
    _wait_for_commits(lake, 3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert b"stopping: flushing and draining" in err
    status = lake_status(Storage(lake))
    assert status.pending_posts == 0 and status.enriched > 0 and not status.check()


def test_kill_run_then_restart_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    lake = tmp_path / "L"
    args = ("run", "--source", "synthetic", "--count", "4000", "--rate", "2000", "--lake", str(lake))
    proc = _tweetlake(*args)
    assert _kill_when(proc, lambda: _commits(lake) >= 2)
    _finish(*args)  # the source resumes from its cursor; enrich finishes what is pending
    status = lake_status(Storage(lake))
    with QueryEngine(Storage(lake)) as engine:
        assert engine.execute("SELECT count(*), count(DISTINCT id) FROM tweets").rows() == [(4000, 4000)]
    assert status.pending_posts == 0 and not status.check()
