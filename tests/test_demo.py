"""`tweetlake demo` shows posts flowing and tables filling, offline, within seconds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tweetlake.status import lake_status
from tweetlake.storage import Storage


def test_demo_fills_the_tables_and_exits_cleanly(tmp_path: Path) -> None:
    lake = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "tweetlake", "demo", "--lake", str(lake), "--duration", "6", "--rate", "300"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "latest posts" in done.stdout and "sentiment" in done.stdout
    status = lake_status(Storage(lake))
    assert status.enriched > 300 and status.filtered > 0 and status.pending_posts == 0
    assert not status.check()
