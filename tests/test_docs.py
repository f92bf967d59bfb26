"""The docs cannot drift: every command and flag the README shows exists, its Python example
runs, and every module the architecture page names is real."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

import tweetlake
from tweetlake.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _code_blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def _readme_commands() -> list[list[str]]:
    commands = []
    for block in _code_blocks(README, "sh"):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            words = shlex.split(line) if line else []
            if words and words[0].endswith("tweetlake"):
                commands.append(words[1:])
    return commands


@pytest.mark.parametrize("words", _readme_commands(), ids=lambda w: " ".join(w[:2]))
def test_readme_commands_and_flags_exist(words: list[str]) -> None:
    command: click.Command = cli
    rest = list(words)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        sub = command.get_command(click.Context(command), rest.pop(0))
        assert sub is not None, f"README shows unknown command: {words}"
        command = sub
    known = {opt for p in command.params for opt in getattr(p, "opts", [])}
    for word in rest:
        if word.startswith("--"):
            assert word.split("=")[0] in known, f"README shows unknown flag {word} for {words}"


def test_readme_opens_with_the_two_setup_commands() -> None:
    setup = README.split("## What it does")[0]
    assert "make demo" in setup and "make test" in setup


def test_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (example,) = _code_blocks(README, "python")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(example, "README.md", "exec"), namespace)
    assert namespace["table"].num_rows > 0  # type: ignore[attr-defined]


def test_architecture_names_real_modules() -> None:
    src = ROOT / "src" / "tweetlake"
    for path in set(re.findall(r"`((?:[a-z_]+/)*[a-z_]+\.py)`", ARCHITECTURE)):
        candidates = [src / path, ROOT / path, *src.glob(f"*/{path}")]
        assert any(c.exists() for c in candidates), f"docs/architecture.md names missing module {path}"


def test_public_api_is_small_and_exported() -> None:
    assert sorted(tweetlake.__all__) == sorted(
        [
            "Analyzers",
            "DeliveryLimits",
            "Enricher",
            "KeywordFilter",
            "Pipeline",
            "Post",
            "QueryEngine",
            "Storage",
            "TweetlakeError",
            "__version__",
            "enrich_batch",
            "ingest",
            "lake_status",
        ]
    )
    for name in tweetlake.__all__:
        assert hasattr(tweetlake, name)
