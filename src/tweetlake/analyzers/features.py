"""Hashed text features for tweets, fast enough for the stream.

A tweet becomes a bag of hashed feature ids:

* **words**, normalized the way tweet models need: lower case, ``@user``, ``<url>``, ``<num>``,
  letters repeated three or more times cut to two (``soooo`` → ``soo``), and ``NEG_`` marking for
  the words after a negation up to the next punctuation (``not good`` → ``not NEG_good``), with
  negators for the supported languages;
* **word bigrams**;
* **character n-grams** (2 to 5) of each word, which carry morphology, misspellings and scripts
  without spaces;
* **flags**: elongated words, all-caps words, ``!``/``?`` runs, emoticons and emoji (as tokens).

Ids are CRC-32 hashes modulo ``2 ** bits`` (stable across processes and machines). The
per-token features are cached, because tweets reuse a small vocabulary: most of the cost is one
regex pass per tweet.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["FeatureConfig", "Featurizer"]

_TOKEN = re.compile(
    r"https?://\S+|www\.\S+"  # links
    r"|@\w+"  # mentions
    r"|#\w+"  # hashtags
    r"|[:;=8xX][-o^']?[)(\]\[dDpP/\\|@*3]+|<3"  # emoticons
    r"|\w+(?:['’]\w+)*"  # words (with inner apostrophes)
    r"|[!?]+"  # emphasis
    r"|[^\w\s]",  # any other symbol, one at a time (emoji included)
    re.UNICODE,
)
_REPEAT = re.compile(r"(\w)\1{2,}", re.UNICODE)
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)*$")
_CLAUSE_END = frozenset(".,;:!?") | {"!!", "??"}
NEGATORS = frozenset(
    {
        # en
        "not", "no", "never", "nobody", "nothing", "none", "nor", "neither", "without", "cannot", "cant", "dont",
        "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "wont", "wouldnt", "shouldnt", "couldnt", "aint",
        # es / pt / it / fr
        "nunca", "nada", "nadie", "tampoco", "jamás", "nao", "não", "nem", "non", "mai", "niente", "nessuno",
        "pas", "ne", "jamais", "rien", "personne", "sans",
        # de
        "nicht", "kein", "keine", "keinen", "keinem", "keiner", "nie", "niemals", "nichts", "ohne",
        # ru / uk / ar / hi (romanized)
        "не", "нет", "ни", "ні", "немає", "لا", "ما", "لم", "لن", "ليس", "nahi", "nahin", "mat", "na",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Which features to extract. Stored with every model so training and serving agree."""

    bits: int = 20
    bigrams: bool = True
    char_min: int = 2
    char_max: int = 5
    negation: bool = True

    @property
    def size(self) -> int:
        return 1 << self.bits


def _hash(feature: str, mask: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) & mask


class Featurizer:
    """Turns texts into a sparse matrix of hashed feature counts (rows: texts)."""

    # A cached token holds ~30 feature ids (~1 KB of Python objects), and every language model
    # has its own featurizer: 50,000 tokens (the head of a stream's vocabulary) stay near 50 MB.
    def __init__(self, config: FeatureConfig | None = None, cache_size: int = 50_000) -> None:
        self.config = config or FeatureConfig()
        self._mask = self.config.size - 1
        self._cache: dict[str, tuple[int, ...]] = {}
        self._cache_size = cache_size

    # -- tokens ------------------------------------------------------------------------------------
    def tokens(self, text: str) -> list[str]:
        """Normalized tokens of one text, with negation scope marked."""
        out: list[str] = []
        negated = False
        for raw in _TOKEN.findall(text):
            first = raw[0]
            if first == "@" and len(raw) > 1:
                token = "@user"
            elif raw.startswith(("http://", "https://", "www.")):
                token = "<url>"
            elif first.isdigit() and _NUMBER.match(raw):
                token = "<num>"
            else:
                token = raw.lower()
                if _REPEAT.search(token):
                    out.append("<elong>")
                    token = _REPEAT.sub(r"\1\1", token)
                if len(raw) > 2 and raw.isupper() and raw.isalpha():
                    out.append("<caps>")
            if token in _CLAUSE_END or token[0] in "!?.":
                negated = False
                out.append(token)
                continue
            if negated and self.config.negation and token[0].isalpha():
                out.append("NEG_" + token)
            else:
                out.append(token)
            if token in NEGATORS or token.endswith("n't") or token.endswith("n’t"):
                negated = True
        return out

    def _token_features(self, token: str) -> tuple[int, ...]:
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        mask = self._mask
        ids = [_hash("w:" + token, mask)]
        word = token[4:] if token.startswith("NEG_") else token
        c = self.config
        if c.char_max >= c.char_min and len(word) > 1 and word[0].isalnum():
            padded = f"<{word}>"
            for n in range(c.char_min, c.char_max + 1):
                for i in range(len(padded) - n + 1):
                    ids.append(_hash("c:" + padded[i : i + n], mask))
        result = tuple(ids)
        if len(self._cache) >= self._cache_size:
            self._cache.clear()
        self._cache[token] = result
        return result

    def ids(self, text: str) -> list[int]:
        """The hashed feature ids of one text (with repeats)."""
        tokens = self.tokens(text)
        out: list[int] = []
        for token in tokens:
            out.extend(self._token_features(token))
        if self.config.bigrams and len(tokens) > 1:
            mask = self._mask
            plain = [t[4:] if t.startswith("NEG_") else t for t in tokens]
            out.extend(_hash(f"b:{a} {b}", mask) for a, b in itertools.pairwise(plain))
        return out

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Rows of feature counts, scaled to unit length (so long and short tweets compare)."""
        indptr = [0]
        indices: list[int] = []
        for text in texts:
            indices.extend(self.ids(text))
            indptr.append(len(indices))
        data = np.ones(len(indices), dtype=np.float32)
        matrix = sp.csr_matrix(
            (data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64)),
            shape=(len(texts), self.config.size),
        )
        matrix.sum_duplicates()
        np.sqrt(matrix.data, out=matrix.data)  # sublinear term weighting
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix, dtype=np.float32)

    def transform_iter(self, texts: Iterable[str], batch: int = 10_000) -> Iterable[sp.csr_matrix]:
        chunk: list[str] = []
        for text in texts:
            chunk.append(text)
            if len(chunk) >= batch:
                yield self.transform(chunk)
                chunk = []
        if chunk:
            yield self.transform(chunk)
