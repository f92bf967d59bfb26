from __future__ import annotations

import pytest

from tests.helpers import post
from tweetlake.errors import ConfigError
from tweetlake.sources.keywords import KeywordFilter


def test_comma_is_or_space_is_and() -> None:
    f = KeywordFilter("ukraine, climate change")
    assert f.match(post(text="News from Ukraine today")) == ["ukraine"]
    assert f.match(post(text="change the climate now")) == ["climate change"]
    assert f.match(post(text="climate is hot")) is None
    assert f.match(post(text="Ukraine and climate change")) == ["ukraine", "climate change"]


def test_case_insensitive_whole_tokens_like_track() -> None:
    f = KeywordFilter("ukraine")
    assert f.match(post(text="UKRAINE!!!")) == ["ukraine"]
    assert f.match(post(text="#Ukraine rally")) == ["ukraine"]
    assert f.match(post(text="Ukrainian food")) is None


def test_matches_hashtags_mentions_and_urls() -> None:
    f = KeywordFilter("nasa, example com")
    assert f.match(post(text="launch day", hashtags=["NASA"])) == ["nasa"]
    assert f.match(post(text="hello", mentions=["nasa"])) == ["nasa"]
    assert f.match(post(text="read this", urls=["https://www.example.com/x"])) == ["example com"]


def test_dotted_term_needs_adjacent_tokens() -> None:
    f = KeywordFilter("example.com")
    assert f.match(post(text="see example.com")) == ["example.com"]
    assert f.match(post(text="com example")) is None


def test_exclusions_per_phrase_and_global() -> None:
    f = KeywordFilter("ukraine -war, russia, -spam")
    assert f.match(post(text="ukraine war news")) is None
    assert f.match(post(text="ukraine peace")) == ["ukraine -war"]
    assert f.match(post(text="russia war")) == ["russia"]
    assert f.match(post(text="russia spam offer")) is None


def test_no_keywords_matches_everything() -> None:
    f = KeywordFilter("")
    assert f.matches_everything
    assert f.match(post(text="anything")) == []


def test_scripts_without_spaces_match_substrings() -> None:
    f = KeywordFilter("ウクライナ")
    assert f.match(post(text="ウクライナからのニュース")) == ["ウクライナ"]


def test_unusable_term_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="no letters or digits"):
        KeywordFilter("ukraine, !!!")
