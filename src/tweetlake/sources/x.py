"""``x``: the X API v2 filtered stream (paid: about $0.005 a post; needs an app bearer token).

* **Rules** (``source-protocols.md`` §1.2): each keyword phrase becomes one rule, with the same
  meaning (spaces are AND, ``-word`` excludes; a phrase of only exclusions is added to every
  rule) and the phrase as its tag. On start the source reads the current rules, validates the
  additions with ``dry_run``, then adds and deletes only the difference.
* **Stream**: one JSON object per ``\\r\\n``-terminated line; a blank line is a keep-alive, due at
  least every 20 s, so 21 s without a byte is a stall and the source reconnects (tweepy's rule).
* **Backoff, as X documents it** (§1.5): reconnect at once, then linearly (+250 ms to 16 s)
  after network errors, exponentially (5 s doubling to 320 s) after HTTP errors, and from 60 s
  doubling after a 429. A 401, 403, 409 or an exhausted usage cap cannot be fixed by retrying:
  the source stops with a message that says what to do. It never spins.
* **Secrets**: the token comes from ``TWEETLAKE_X_BEARER_TOKEN`` or from the file named by
  ``[sources.x] token_file``; it is sent only in the ``Authorization`` header and never appears
  in logs, errors or ``status``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import msgspec

from tweetlake.errors import ConfigError
from tweetlake.sources.backoff import Backoff, StreamError, StreamThread
from tweetlake.sources.base import Item, Notice, Rejected, Source
from tweetlake.sources.formats import parse_object
from tweetlake.sources.keywords import KeywordFilter

__all__ = ["X_API", "XStreamSource", "keyword_rules"]

log = logging.getLogger(__name__)

X_API = "https://api.x.com"
STREAM_FIELDS = {
    "tweet.fields": (
        "created_at,lang,author_id,entities,referenced_tweets,in_reply_to_user_id,note_tweet,public_metrics,source"
    ),
    "expansions": "author_id,in_reply_to_user_id,referenced_tweets.id",
    "user.fields": "name,username,description,location,public_metrics,created_at",
}
_MAX_RULE = 1024
_json = msgspec.json.Decoder()


def keyword_rules(keywords: KeywordFilter) -> list[dict[str, str]]:
    """X rules (``{"value", "tag"}``) with the same meaning as ``keywords``."""
    if keywords.matches_everything:
        raise ConfigError(
            "the X filtered stream needs keywords: X delivers only posts that match a rule. "
            "Pass --keywords 'word, other phrase' (or set keywords in tweetlake.toml)."
        )
    excluded_everywhere = [" ".join(t) for t in keywords.global_excluded]
    rules = []
    for phrase in keywords.phrases:
        parts = [_term(t) for t in phrase.required] + list(phrase.substrings)
        parts += [f"-{_term(t)}" for t in phrase.excluded] + [f"-{_quote(t)}" for t in excluded_everywhere]
        value = " ".join(parts)
        if len(value) > _MAX_RULE:
            raise ConfigError(
                f"keyword phrase {phrase.label!r} makes an X rule over {_MAX_RULE} characters; shorten it"
            )
        rules.append({"value": value, "tag": phrase.label})
    return rules


def _term(tokens: tuple[str, ...]) -> str:
    return tokens[0] if len(tokens) == 1 else _quote(" ".join(tokens))


def _quote(text: str) -> str:
    return f'"{text}"' if " " in text else text


class XStreamSource(Source):
    """Posts from ``GET /2/tweets/search/stream``.

    Args:
        token: the app's bearer token (from the environment or a token file, never a flag).
        keywords: what to track; becomes the stream's rules.
        endpoint: API base URL (a test server, or https://api.x.com).
        stall_timeout: seconds without a byte (keep-alives included) before reconnecting.
    """

    name = "x"

    def __init__(
        self,
        token: str,
        keywords: KeywordFilter,
        *,
        endpoint: str = X_API,
        stall_timeout: float = 21.0,
        backoff: Backoff | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        if not token:
            raise ConfigError(
                "the X source needs an app bearer token: set TWEETLAKE_X_BEARER_TOKEN, or "
                "[sources.x] token_file in tweetlake.toml (see docs/sources.md for how to get one)"
            )
        self.endpoint = endpoint.rstrip("/")
        self.keywords = keywords
        self.stall_timeout = stall_timeout
        headers = {"Authorization": f"Bearer {token}", "User-Agent": "tweetlake"}
        self._client = client or httpx.Client(headers=headers, timeout=httpx.Timeout(15.0, read=stall_timeout))
        self._thread = StreamThread("x", self._connect_once, backoff or Backoff())
        self.rules: list[dict[str, str]] = []
        self.rules_change: dict[str, int] = {}

    @property
    def source_id(self) -> str:
        return "x-filtered-stream"

    def describe(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "rules": self.rules, "last_change": self.rules_change}

    # -- rules -------------------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._client.request(method, f"{self.endpoint}{path}", **kwargs)
        except httpx.HTTPError as exc:
            raise ConfigError(f"cannot reach the X API at {self.endpoint}: {type(exc).__name__}") from None
        body = _body(response)
        if response.status_code in (401, 403):
            raise ConfigError(_auth_message(response.status_code, body))
        if response.status_code >= 400:
            raise ConfigError(f"X API {method} {path} answered {response.status_code}: {_problem(body)}")
        return body

    def sync_rules(self) -> dict[str, int]:
        """Make the stream's rules match the keywords: validate with dry_run, then apply the diff."""
        desired = {r["value"]: r for r in keyword_rules(self.keywords)}
        current: list[dict[str, str]] = []
        token: str | None = None
        while True:
            page = self._request(
                "GET", "/2/tweets/search/stream/rules", params={"pagination_token": token} if token else {}
            )
            current += page.get("data", [])
            token = (page.get("meta") or {}).get("next_token")
            if not token:
                break
        have = {r["value"]: r for r in current}
        add = [desired[v] for v in desired if v not in have]
        delete = [have[v]["id"] for v in have if v not in desired]
        if add:
            check = self._request(
                "POST", "/2/tweets/search/stream/rules", params={"dry_run": "true"}, json={"add": add}
            )
            invalid = [e for e in check.get("errors", []) if e.get("title") != "DuplicateRule"]
            if invalid:
                raise ConfigError(f"X rejected the keyword rules: {_problem({'errors': invalid})}")
        if delete:
            self._request("POST", "/2/tweets/search/stream/rules", json={"delete": {"ids": delete}})
        if add:
            self._request("POST", "/2/tweets/search/stream/rules", json={"add": add})
        self.rules = [{"value": v, "tag": r.get("tag", "")} for v, r in sorted(desired.items())]
        self.rules_change = {"added": len(add), "deleted": len(delete), "kept": len(desired) - len(add)}
        log.info("x rules: %s", self.rules_change)
        return self.rules_change

    # -- the stream --------------------------------------------------------------------------------
    def open(self, resume: Any | None) -> None:
        self.sync_rules()
        self._thread.start()

    @property
    def exhausted(self) -> bool:
        return False

    def poll(self, max_items: int) -> list[Item]:
        return self._thread.take(max_items)

    def close(self) -> None:
        self._thread.stop(interrupt=self._client.close)
        self._client.close()

    def _connect_once(self, emit: Callable[[list[Item]], None]) -> bool:
        url = f"{self.endpoint}/2/tweets/search/stream"
        delivered = False
        try:
            with self._client.stream("GET", url, params=STREAM_FIELDS) as response:
                if response.status_code != 200:
                    response.read()
                    raise _http_error(response.status_code, _body(response))
                buffer = b""
                for chunk in response.iter_raw():
                    if self._thread.stopped:
                        return delivered
                    buffer += chunk
                    *lines, buffer = buffer.split(b"\n")
                    items = [item for line in lines for item in self._line(line)]
                    if items:
                        delivered = True
                        emit(items)
        except httpx.ReadTimeout:
            raise StreamError(f"no data or keep-alive from X for {self.stall_timeout:g} s (stall)") from None
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise StreamError(f"X stream connection lost: {type(exc).__name__}") from None
        return delivered

    def _line(self, raw: bytes) -> list[Item]:
        line = raw.strip()
        if not line:
            return []  # keep-alive
        text = line.decode("utf-8", errors="replace")
        try:
            obj = _json.decode(line)
        except msgspec.DecodeError as exc:
            return [Rejected(f"invalid JSON line from the X stream: {exc}", self.endpoint, None, text)]
        if isinstance(obj, dict) and "errors" in obj and "data" not in obj:
            titles = [str(e.get("title", "error")) for e in obj["errors"] if isinstance(e, dict)]
            log.warning("x stream error: %s", ", ".join(titles))
            return [Notice("error", self.endpoint, {"titles": titles})]
        return parse_object(obj, self.endpoint, None, text)


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"detail": response.text[:200]}
    return body if isinstance(body, dict) else {"detail": str(body)[:200]}


def _problem(body: dict[str, Any]) -> str:
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        return "; ".join(f"{e.get('title', '')}: {e.get('value', e.get('detail', ''))}".strip(": ") for e in errors)
    return f"{body.get('title', '')}: {body.get('detail', '')}".strip(": ")


def _auth_message(status: int, body: dict[str, Any]) -> str:
    if status == 401:
        return "X refused the bearer token (401): check TWEETLAKE_X_BEARER_TOKEN or [sources.x] token_file"
    return (
        f"X says this app may not use the filtered stream (403: {_problem(body)}). It needs pay-per-use "
        "credits or a Pro/Enterprise plan: see console.x.com"
    )


def _http_error(status: int, body: dict[str, Any]) -> StreamError:
    if status in (401, 403):
        return StreamError(_auth_message(status, body), fatal=True)
    if status == 409:
        return StreamError(f"X: the stream has no rules (409: {_problem(body)}); pass --keywords", fatal=True)
    if status == 429 and "usage-cap" in str(body.get("type", "")):
        return StreamError(
            f"X usage cap reached ({_problem(body)}): buy credits or wait for the next period at console.x.com",
            fatal=True,
        )
    if status == 429:
        return StreamError(f"X rate limit or connection limit (429: {_problem(body)})", kind="rate_limit")
    return StreamError(f"X stream answered HTTP {status}: {_problem(body)}", kind="http")
