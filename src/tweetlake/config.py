"""Settings: one ``tweetlake.toml`` plus predictable environment overrides, frozen after loading.

Precedence, highest first: command-line flags, environment variables (``TWEETLAKE_LAKE``,
``TWEETLAKE_KEYWORDS``), ``tweetlake.toml`` (in the current folder, or the file named by
``--config`` / ``TWEETLAKE_CONFIG``), then the defaults below. Secrets never live here: sources
that need a token read it from the environment or from a file this config points to.

Example ``tweetlake.toml``::

    lake = "lake"                    # a folder, or an fsspec URL
    keywords = "ukraine, russia"     # track syntax: comma = OR, space = AND, -word excludes

    [delivery]
    max_records = 10000
    max_bytes = 8388608
    max_seconds = 1.0
    min_seconds = 0.2                # ... or this soon, while enrichment has caught up (run)

    [analyzers]
    sentiment = "linear"             # or "vader", "comprehend"
    entities = "spacy"               # or "comprehend", "none"
    langid = true                    # identify the language of posts without one

    [query]
    timeout = 30.0
    max_rows = 10000

    [sources.bluesky]
    endpoint = "wss://jetstream2.us-east.bsky.network/subscribe"

    [sources.x]
    token_file = "~/.config/tweetlake/x-bearer-token"   # or TWEETLAKE_X_BEARER_TOKEN

    [sources.mastodon]
    endpoint = "https://mastodon.social"
    stream = "public"
    token_file = "~/.config/tweetlake/mastodon-token"    # or TWEETLAKE_MASTODON_TOKEN
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tweetlake.delivery.batcher import DeliveryLimits
from tweetlake.errors import ConfigError

__all__ = ["Config", "load_config"]

DEFAULT_LAKE = "lake"


@dataclass(frozen=True, slots=True)
class Config:
    lake: str = DEFAULT_LAKE
    lake_origin: str = "default"
    """Where ``lake`` came from: ``flag``, ``env``, the config path, or ``default``."""
    keywords: str = ""
    delivery: DeliveryLimits = field(default_factory=DeliveryLimits)
    sentiment: str = "linear"
    langid: bool = True
    entities: str = "spacy"
    query_timeout: float = 30.0
    query_max_rows: int = 10_000
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per-source settings from ``[sources.<name>]`` (endpoint, token_file, stream, ...)."""
    path: str | None = None


def _section(data: Mapping[str, Any], name: str, path: Path) -> Mapping[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{name}] must be a table of settings")
    return value


def _typed(section: Mapping[str, Any], key: str, kind: type, default: Any, where: str) -> Any:
    value = section.get(key, default)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ConfigError(f"{where}: `{key}` must be {kind.__name__}, got {value!r}")
    return value


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    lake: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Config:
    """Load settings. ``env`` defaults to ``os.environ``; tests pass their own."""
    env = os.environ if env is None else env
    cwd = cwd or Path.cwd()
    explicit = path or env.get("TWEETLAKE_CONFIG")
    config_path = Path(explicit) if explicit else cwd / "tweetlake.toml"
    data: dict[str, Any] = {}
    if config_path.exists():
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path} is not valid TOML: {exc}") from None
    elif explicit:
        raise ConfigError(f"config file {config_path} does not exist (from --config or TWEETLAKE_CONFIG)")
    where = str(config_path)
    unknown = set(data) - {"lake", "keywords", "delivery", "analyzers", "query", "sources"}
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting(s) {sorted(unknown)}; "
            "valid: lake, keywords, [delivery], [analyzers], [query], [sources.<name>]"
        )
    sources = _section(data, "sources", config_path)
    for name, section in sources.items():
        if name not in ("bluesky", "x", "mastodon") or not isinstance(section, dict):
            raise ConfigError(f"{where}: [sources.{name}] is not a source; valid: bluesky, x, mastodon")
        if "token" in section:
            raise ConfigError(
                f"{where}: [sources.{name}] must not hold the token itself; use token_file = PATH "
                "or the environment variable (see docs/sources.md)"
            )
    delivery = _section(data, "delivery", config_path)
    analyzers = _section(data, "analyzers", config_path)
    query = _section(data, "query", config_path)
    defaults = DeliveryLimits()
    lake_value, origin = _typed(data, "lake", str, DEFAULT_LAKE, where), (where if "lake" in data else "default")
    if env.get("TWEETLAKE_LAKE"):
        lake_value, origin = env["TWEETLAKE_LAKE"], "env TWEETLAKE_LAKE"
    if lake:
        lake_value, origin = lake, "flag --lake"
    if origin == where and "://" not in lake_value and not Path(lake_value).is_absolute():
        lake_value = str(config_path.parent / lake_value)  # relative to the config file
    return Config(
        lake=lake_value,
        lake_origin=origin,
        keywords=env.get("TWEETLAKE_KEYWORDS") or _typed(data, "keywords", str, "", where),
        delivery=DeliveryLimits(
            max_records=_typed(delivery, "max_records", int, defaults.max_records, f"{where} [delivery]"),
            max_bytes=_typed(delivery, "max_bytes", int, defaults.max_bytes, f"{where} [delivery]"),
            max_seconds=_typed(delivery, "max_seconds", float, defaults.max_seconds, f"{where} [delivery]"),
            min_seconds=_typed(delivery, "min_seconds", float, defaults.min_seconds, f"{where} [delivery]"),
        ),
        sentiment=_typed(analyzers, "sentiment", str, "linear", f"{where} [analyzers]"),
        langid=_typed(analyzers, "langid", bool, True, f"{where} [analyzers]"),
        entities=_typed(analyzers, "entities", str, "spacy", f"{where} [analyzers]"),
        query_timeout=_typed(query, "timeout", float, 30.0, f"{where} [query]"),
        query_max_rows=_typed(query, "max_rows", int, 10_000, f"{where} [query]"),
        sources={name: dict(section) for name, section in sources.items()},
        path=str(config_path) if config_path.exists() else None,
    )
