"""Sources: where posts come from. Each one feeds the same delivery path.

========== ============================================ =====================================
name       what                                         needs
========== ============================================ =====================================
synthetic  seeded generator (demo, tests, benchmarks)   nothing
replay     archives you own (v1.1, v2, flat JSON)       files or stdin
bluesky    Jetstream websocket (the free live default)  nothing (a network)
x          X API v2 filtered stream                     app bearer token, paid credits
mastodon   a Mastodon server's streaming API (SSE)      a user token on that server
========== ============================================ =====================================

:func:`build_live_source` builds the live ones from ``tweetlake.toml`` and command-line options;
tokens come from the environment or a token file only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tweetlake.errors import ConfigError
from tweetlake.secrets import read_token
from tweetlake.sources.base import Source
from tweetlake.sources.keywords import KeywordFilter

__all__ = ["LIVE_SOURCES", "TOKEN_VARIABLES", "build_live_source"]

LIVE_SOURCES = ("bluesky", "x", "mastodon")
TOKEN_VARIABLES = {"x": "TWEETLAKE_X_BEARER_TOKEN", "mastodon": "TWEETLAKE_MASTODON_TOKEN"}


def build_live_source(
    name: str,
    settings: Mapping[str, Any],
    keywords: KeywordFilter,
    *,
    endpoint: str | None = None,
    env: Mapping[str, str] | None = None,
    **options: Any,
) -> Source:
    """A live source from its ``[sources.<name>]`` settings; ``endpoint``/``options`` override them."""
    merged = {**settings, **{k: v for k, v in options.items() if v is not None}}
    if endpoint:
        merged["endpoint"] = endpoint
    if name == "bluesky":
        from tweetlake.sources.bluesky import APPVIEW, JETSTREAM, JetstreamSource

        appview = None if merged.get("profiles") is False else merged.get("appview", APPVIEW)
        return JetstreamSource(merged.get("endpoint", JETSTREAM), appview=appview)
    if name == "x":
        from tweetlake.sources.x import X_API, XStreamSource

        token = read_token(TOKEN_VARIABLES["x"], merged.get("token_file"), env)
        return XStreamSource(token, keywords, endpoint=merged.get("endpoint", X_API))
    if name == "mastodon":
        from tweetlake.sources.mastodon import MastodonSource

        if not merged.get("endpoint"):
            raise ConfigError(
                "the Mastodon source needs your server: --endpoint https://your.server "
                "(or endpoint in [sources.mastodon] of tweetlake.toml)"
            )
        token = read_token(TOKEN_VARIABLES["mastodon"], merged.get("token_file"), env)
        return MastodonSource(merged["endpoint"], token, stream=merged.get("stream", "public"), tag=merged.get("tag"))
    raise ConfigError(f"unknown live source {name!r}; choose one of {', '.join(LIVE_SOURCES)}")
