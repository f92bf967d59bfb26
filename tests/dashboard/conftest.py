"""A populated lake (with a hostile post and a quarantined line) shared by the dashboard tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import reference_line
from tweetlake.analyzers import Analyzers
from tweetlake.analyzers.fake import DictionaryEntities, WordListSentiment
from tweetlake.enrich.runner import Enricher
from tweetlake.pipeline import ingest
from tweetlake.sources.keywords import KeywordFilter
from tweetlake.sources.replay import ReplaySource
from tweetlake.sources.synthetic import SyntheticSource
from tweetlake.storage import Storage

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> love Kyiv'
ANALYZERS = Analyzers(
    WordListSentiment(frozenset({"en"})),
    DictionaryEntities({"Kyiv": "LOCATION", "London": "LOCATION", "NASA": "ORGANIZATION", "Taylor Swift": "PERSON"}),
)


def fill(storage: Storage, tmp: Path) -> None:
    start = datetime.now(UTC) - timedelta(minutes=40)
    keywords = KeywordFilter("ukraine, russia, climate, ai, football")
    ingest(storage, SyntheticSource(seed=21, count=3000, start=start, spacing=0.8), keywords=keywords)
    archive = tmp / "hostile.jsonl"
    now = datetime.now(UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")
    archive.write_text(
        reference_line("666", HOSTILE + " #ukraine", created_at=now, screen_name='"><b>x</b>') + "\n{oops\n"
    )
    ingest(storage, ReplaySource([str(archive)]))
    Enricher(storage, ANALYZERS).run()


@pytest.fixture(scope="session")
def lake_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dashboard")
    fill(Storage(root / "lake"), root)
    return root / "lake"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def artifacts() -> Iterator[Path]:
    path = Path(__file__).resolve().parents[2] / "test-artifacts"
    path.mkdir(exist_ok=True)
    yield path
