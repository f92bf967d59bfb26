"""Secrets: tokens come from an environment variable or a file, never from the command line.

A token is never logged, echoed, or put in an error message; messages name the variable or the
file instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from tweetlake.errors import ConfigError

__all__ = ["read_token"]


def read_token(env_var: str, token_file: str | None, env: Mapping[str, str] | None = None) -> str:
    """The token from ``env_var`` if set, else from ``token_file`` (first line, stripped), else ""."""
    env = os.environ if env is None else env
    value = env.get(env_var, "").strip()
    if value:
        return value
    if not token_file:
        return ""
    path = Path(token_file).expanduser()
    try:
        token = path.read_text(encoding="utf-8").strip().splitlines()[0].strip()
    except FileNotFoundError:
        raise ConfigError(f"token file {path} does not exist (from token_file in tweetlake.toml)") from None
    except (OSError, IndexError, UnicodeDecodeError):
        raise ConfigError(f"token file {path} is empty or unreadable; put the token on its first line") from None
    return token
