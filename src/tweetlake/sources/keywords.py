"""Keyword matching with the reference's ``track`` semantics, plus exclusions.

Syntax (one string, as the reference's ``track=['ukraine', 'russia']`` or ``--keywords``):

* a **comma** separates phrases, and a post matches if **any** phrase matches (OR);
* **spaces** separate the terms of a phrase, and **all** terms must occur (AND), in any order;
* a term starting with ``-`` is an **exclusion**: the phrase does not match if the term occurs.
  A phrase made only of exclusions (``-spam``) excludes the post from every phrase;
* matching is case-insensitive and works on whole tokens, the way X's ``track`` did: ``ukraine``
  matches "Ukraine!", "#Ukraine" and "@Ukraine" but not "Ukrainian". Punctuation in the post is
  ignored, so ``example com`` matches a link to ``example.com``;
* terms in scripts written without spaces (Chinese, Japanese, Thai, ...) match as substrings.

The searched text is the post's text, its hashtags, its mentions and its URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tweetlake.errors import ConfigError
from tweetlake.record import Post

__all__ = ["KeywordFilter", "Phrase"]

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
# Scripts without spaces between words: CJK, kana, Thai, Lao, Khmer, Myanmar.
_NO_SPACE_SCRIPT = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True, slots=True)
class Phrase:
    """One comma-separated phrase: terms that must all occur, and terms that must not."""

    label: str
    required: tuple[tuple[str, ...], ...]
    excluded: tuple[tuple[str, ...], ...]
    substrings: tuple[str, ...] = ()


def _term_tokens(term: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(term.casefold()))


class KeywordFilter:
    """Decides which keywords a post matches.

    Args:
        spec: the keyword string, e.g. ``"ukraine, russia, climate change -hoax"``. An empty or
            blank string matches every post.

    Raises:
        ConfigError: a phrase has no usable term (for example ``"#,!!"``).
    """

    def __init__(self, spec: str | None) -> None:
        self.spec = (spec or "").strip()
        phrases: list[Phrase] = []
        global_excluded: list[tuple[str, ...]] = []
        for raw in self.spec.split(",") if self.spec else []:
            label = " ".join(raw.split())
            if not label:
                continue
            required: list[tuple[str, ...]] = []
            excluded: list[tuple[str, ...]] = []
            substrings: list[str] = []
            for term in label.split(" "):
                negative = term.startswith("-") and len(term) > 1
                body = term[1:] if negative else term
                if not negative and _NO_SPACE_SCRIPT.search(body):
                    substrings.append(body.casefold())
                    continue
                tokens = _term_tokens(body)
                if not tokens:
                    raise ConfigError(
                        f"keyword term {term!r} in {label!r} has no letters or digits to match. "
                        "Use words separated by spaces, phrases separated by commas, and '-word' "
                        "to exclude, e.g. --keywords 'ukraine, climate change -hoax'."
                    )
                (excluded if negative else required).append(tokens)
            if required or substrings:
                phrases.append(Phrase(label, tuple(required), tuple(excluded), tuple(substrings)))
            else:
                global_excluded.extend(excluded)
        self.phrases: tuple[Phrase, ...] = tuple(phrases)
        self.global_excluded: tuple[tuple[str, ...], ...] = tuple(global_excluded)

    @property
    def matches_everything(self) -> bool:
        return not self.phrases and not self.global_excluded

    def __repr__(self) -> str:
        return f"KeywordFilter({self.spec!r})"

    def match(self, post: Post) -> list[str] | None:
        """Return the labels of the phrases the post matches, or None if it must be dropped.

        With no keywords configured every post matches, with an empty list of labels.
        """
        if self.matches_everything:
            return []
        haystack = " ".join([post.text, *post.hashtags, *post.mentions, *post.urls]).casefold()
        tokens = _TOKEN.findall(haystack)
        token_set = set(tokens)
        if any(_contains(tokens, token_set, ex) for ex in self.global_excluded):
            return None
        matched = [
            phrase.label
            for phrase in self.phrases
            if all(_contains(tokens, token_set, req) for req in phrase.required)
            and all(sub in haystack for sub in phrase.substrings)
            and not any(_contains(tokens, token_set, ex) for ex in phrase.excluded)
        ]
        return matched or None


def _contains(tokens: list[str], token_set: set[str], term: tuple[str, ...]) -> bool:
    """True if ``term`` (one or more tokens, e.g. ``example.com``) occurs as adjacent tokens."""
    if len(term) == 1:
        return term[0] in token_set
    if not all(t in token_set for t in term):
        return False
    width = len(term)
    return any(tuple(tokens[i : i + width]) == term for i in range(len(tokens) - width + 1))
