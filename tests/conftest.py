"""Shared fixtures: a temporary lake, analyzers, and the shared data folder (skipped if absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tweetlake.analyzers import Analyzers
from tweetlake.analyzers.fake import DictionaryEntities, WordListSentiment
from tweetlake.storage import Storage

SHARED_DATA = Path(os.environ.get("TWEETLAKE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's own config or lake."""
    for name in ("TWEETLAKE_LAKE", "TWEETLAKE_CONFIG", "TWEETLAKE_KEYWORDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (set TWEETLAKE_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    return Storage(tmp_path / "lake")


@pytest.fixture
def fake_analyzers() -> Analyzers:
    entities = {"Kyiv": "LOCATION", "NASA": "ORGANIZATION", "Taylor Swift": "PERSON", "7": "QUANTITY"}
    return Analyzers(WordListSentiment(frozenset({"en", "es"})), DictionaryEntities(entities, frozenset({"en"})))


@pytest.fixture(scope="session")
def default_analyzers() -> Analyzers:
    from tweetlake.analyzers import load_entities, load_sentiment

    return Analyzers(load_sentiment("vader"), load_entities("spacy"))
