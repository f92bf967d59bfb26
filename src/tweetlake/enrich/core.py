"""The heart of enrichment (the reference's Lambda): a pure function from posts to table rows.

:func:`enrich_batch` takes the raw JSON lines of one batch and returns the ``tweets``,
``sentiment`` and ``entities`` rows as Arrow tables plus the records it had to quarantine. It
reads no files, keeps no state and writes nothing, so the local runner, a Spark ``mapInArrow``
job and an AWS Lambda handler can all call the very same code. De-duplication against what the
lake already holds is stateful, so it lives in the runner, between :func:`decode_lines` and
:func:`enrich_posts`.

The reference's rules, kept: per post one tweets row and one sentiment row with a label and four
scores; entity rows de-duplicated per post on (text, type), dropping one-character entities that
are a digit, ``#`` or ``@``. Added: a post in a language the sentiment analyzer does not support
still gets its tweets row and a sentiment row, with NULL label and scores and the reason in
``sentiment_reason``. It is never given a made-up label.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tweetlake.analyzers import Analyzers
from tweetlake.analyzers.base import Entity, EntityAnalyzer, Sentiment, SentimentAnalyzer, primary_language
from tweetlake.analyzers.langid import LanguageIdentifier
from tweetlake.quarantine import QuarantineRecord
from tweetlake.record import Post, decode_post
from tweetlake.tables.rollups import combine
from tweetlake.tables.schema import ENTITIES, SENTIMENT, TWEETS

__all__ = [
    "Analyzers",
    "EnrichCounts",
    "EnrichedBatch",
    "decode_lines",
    "enrich_batch",
    "enrich_posts",
    "merge_batches",
]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class EnrichCounts:
    enriched: int = 0
    """Posts that got their tweets and sentiment rows."""
    quarantined: int = 0
    """Lines that were not valid posts, or whose analysis failed."""
    sentiment_unsupported: int = 0
    """Posts whose sentiment row is NULL because of their language."""
    entity_rows: int = 0
    entities_unsupported: int = 0
    """Posts not sent to the entity analyzer because of their language."""
    languages_detected: int = 0
    """Posts whose language was identified because their ``lang`` was missing or ``und``."""
    unsupported_languages: Counter[str] = field(default_factory=Counter)

    def add(self, other: EnrichCounts) -> None:
        """Add ``other``'s counts to these (every field is a count or a Counter)."""
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {
            "enriched": self.enriched,
            "quarantined_enrich": self.quarantined,
            "sentiment_unsupported": self.sentiment_unsupported,
            "entity_rows": self.entity_rows,
            "entities_unsupported": self.entities_unsupported,
            "languages_detected": self.languages_detected,
        }


@dataclass(slots=True)
class EnrichedBatch:
    tweets: pa.Table
    sentiment: pa.Table
    entities: pa.Table
    quarantined: list[QuarantineRecord]
    counts: EnrichCounts
    lines: list[int] = field(default_factory=list)
    """The line numbers of the enriched posts (those in ``tweets``), in row order."""
    rollups: dict[str, pa.Table] = field(default_factory=dict)
    """The batch's rollup rows, when a worker process computed them (tables/rollups.py)."""


def merge_batches(pieces: Sequence[EnrichedBatch]) -> EnrichedBatch:
    """One batch from the results of its consecutive pieces (analysed by several workers)."""
    if len(pieces) == 1:
        return pieces[0]
    counts = EnrichCounts()
    for piece in pieces:
        counts.add(piece.counts)
    return EnrichedBatch(
        tweets=pa.concat_tables([p.tweets for p in pieces]),
        sentiment=pa.concat_tables([p.sentiment for p in pieces]),
        entities=pa.concat_tables([p.entities for p in pieces]),
        quarantined=[record for p in pieces for record in p.quarantined],
        counts=counts,
        lines=[line for p in pieces for line in p.lines],
        # Rollup rows are additive: the pieces' rows together count the batch. Every piece has
        # them or none does (they come from the same worker function).
        rollups={name: combine(name, [p.rollups[name] for p in pieces]) for name in pieces[0].rollups},
    )


@dataclass(slots=True)
class LinePost:
    """A decoded post and the line it came from."""

    line: int
    post: Post
    raw: bytes


def decode_lines(
    lines: Iterable[bytes], *, origin: str, batch_id: str, numbers: Iterable[int] | None = None
) -> tuple[list[LinePost], list[QuarantineRecord]]:
    """Decode and validate JSON lines as posts. Blank lines are skipped; bad lines quarantined.

    ``numbers`` are the lines' numbers in their file (by default 1, 2, 3, ...)."""
    posts: list[LinePost] = []
    bad: list[QuarantineRecord] = []
    numbered = enumerate(lines, start=1) if numbers is None else zip(numbers, lines, strict=True)
    for number, line in numbered:
        if not line or line.isspace():
            continue
        try:
            posts.append(LinePost(number, decode_post(line), line))
        except msgspec.ValidationError as exc:  # a subclass of DecodeError: catch it first
            bad.append(_quarantine(f"invalid post: {exc}", origin, number, batch_id, line))
        except msgspec.DecodeError as exc:
            bad.append(_quarantine(f"invalid JSON: {exc}", origin, number, batch_id, line))
    return posts, bad


def _quarantine(reason: str, origin: str, line: int, batch_id: str, raw: bytes) -> QuarantineRecord:
    return QuarantineRecord(
        stage="enrich",
        reason=reason,
        origin=origin,
        line=line,
        batch_id=batch_id,
        raw=raw.decode("utf-8", errors="replace").rstrip("\n"),
    )


def enrich_batch(
    lines: Iterable[bytes],
    analyzers: Analyzers,
    *,
    origin: str,
    batch_id: str,
    numbers: Iterable[int] | None = None,
) -> EnrichedBatch:
    """Decode, validate and analyze one raw batch (no de-duplication); ``numbers`` as in
    :func:`decode_lines`."""
    posts, bad = decode_lines(lines, origin=origin, batch_id=batch_id, numbers=numbers)
    result = enrich_posts(posts, analyzers, origin=origin, batch_id=batch_id)
    result.quarantined[:0] = bad
    result.counts.quarantined += len(bad)
    return result


def enrich_posts(items: Sequence[LinePost], analyzers: Analyzers, *, origin: str, batch_id: str) -> EnrichedBatch:
    """Analyze posts and build the three tables' rows.

    A post whose analysis raises (after a one-by-one retry) is quarantined with the analyzer's
    error and produces no rows at all, so it can land later once the analyzer is fixed.
    """
    quarantined: list[QuarantineRecord] = []
    counts = EnrichCounts()
    texts = [i.post.text for i in items]
    langs, detected = _languages(items, texts, analyzers.langid)
    counts.languages_detected = sum(detected)

    sentiments, failed_s = _run_isolated(
        analyzers.sentiment, analyzers.sentiment.analyze, texts, langs, items, counts, "sentiment"
    )
    entities: list[list[Entity] | None] = [None] * len(items)
    failed_e: dict[int, str] = {}
    if analyzers.entities is not None:
        entities, failed_e = _run_isolated(
            analyzers.entities, analyzers.entities.extract, texts, langs, items, counts, "entities"
        )
    failed = failed_s | failed_e
    for index in sorted(failed):
        item = items[index]
        quarantined.append(_quarantine(failed[index], origin, item.line, batch_id, item.raw))
    keep = [i for i in range(len(items)) if i not in failed]
    counts.quarantined = len(failed)
    counts.enriched = len(keep)

    kept_posts = [items[i].post for i in keep]
    e_model = analyzers.entities.name if analyzers.entities else ""
    sentiment = _sentiment_table(
        kept_posts,
        [sentiments[i] for i in keep],
        analyzers.sentiment.name,
        [langs[i] for i in keep],
        [detected[i] for i in keep],
    )
    entity_table = _entities_table([(items[i].post, entities[i]) for i in keep], e_model)
    counts.entity_rows = entity_table.num_rows
    counts.sentiment_unsupported = sum(1 for i in keep if isinstance(sentiments[i], str))
    return EnrichedBatch(
        tweets=_tweets_table(kept_posts, batch_id, sentiment["sentiment"]),
        sentiment=sentiment,
        entities=entity_table,
        quarantined=quarantined,
        counts=counts,
        lines=[items[i].line for i in keep],
    )


def _run_isolated(
    analyzer: SentimentAnalyzer | EntityAnalyzer,
    call: Any,
    texts: list[str],
    langs: list[str | None],
    items: Sequence[LinePost],
    counts: EnrichCounts,
    what: str,
) -> tuple[list[Any], dict[int, str]]:
    """Run ``call`` on the supported posts; on an exception, retry one by one.

    Returns per-post results (a result, or the reason string when the language is unsupported)
    and the indices of posts whose analysis failed, with the error.
    """
    results: list[Any] = [None] * len(texts)
    supported: list[int] = []
    for index, lang in enumerate(langs):
        reason = analyzer.unsupported_reason(lang)
        if reason is None:
            supported.append(index)
        else:
            results[index] = reason
            if what == "entities":
                counts.entities_unsupported += 1
            else:
                counts.unsupported_languages[primary_language(lang) or "und"] += 1
    failed: dict[int, str] = {}
    if not supported:
        return results, failed
    try:
        out = call([texts[i] for i in supported], [langs[i] for i in supported])
        _check_length(out, len(supported), analyzer.name)
        for index, value in zip(supported, out, strict=True):
            results[index] = value
    except Exception as batch_error:  # noqa: BLE001 - any analyzer failure is isolated per post
        log.warning("%s analyzer %s failed on a batch (%s); retrying post by post", what, analyzer.name, batch_error)
        for index in supported:
            try:
                one = call([texts[index]], [langs[index]])
                _check_length(one, 1, analyzer.name)
                results[index] = one[0]
            except Exception as exc:  # noqa: BLE001
                failed[index] = f"{what} analyzer {analyzer.name} failed: {type(exc).__name__}: {exc}"
    return results, failed


def _check_length(out: Sequence[Any], expected: int, name: str) -> None:
    if len(out) != expected:
        raise RuntimeError(f"analyzer {name} returned {len(out)} results for {expected} texts")


def _tweets_table(posts: list[Post], batch_id: str, labels: pa.ChunkedArray) -> pa.Table:
    # A Post's fields are the table's first columns, in order (record.py): transpose the posts'
    # tuples into columns at C speed, then fix up the few columns that need work.
    names = Post.__struct_fields__
    values = zip(*map(msgspec.structs.astuple, posts), strict=True) if posts else ([] for _ in names)
    columns: dict[str, Any] = dict(zip(names, values, strict=True))
    # Hashtags and handles are case-insensitive on every platform: store them lower-cased.
    columns["hashtags"] = [[h.lower() for h in tags] for tags in columns["hashtags"]]
    columns["mentions"] = [[m.lower() for m in handles] for handles in columns["mentions"]]
    columns["batch_id"] = [batch_id] * len(posts)
    columns["sentiment"] = labels
    columns["urls"] = pa.array(columns["urls"], TWEETS.field("urls").type)
    columns["domains"] = url_domains(columns["urls"])
    return pa.table(columns, schema=TWEETS)


# A plain web address: scheme, a host of letters, digits, dots and dashes, maybe a port, then
# the path or nothing. Its host is what `url_domain` finds, read without a Python call per URL.
_PLAIN_URL = r"^[Hh][Tt][Tt][Pp][Ss]?://(?P<host>[A-Za-z0-9.-]+)(?::[0-9]*)?(?:[/?#]|$)"


def url_domains(urls: pa.ListArray) -> pa.ListArray:
    """:func:`url_domain` of every URL of every post, in Arrow: each post's list of domains, in
    its URLs' order, without those that have no host. Plain web addresses (nearly all) are read
    by one regular expression over the whole batch; any other URL goes through
    :func:`url_domain`, so both give the same domains."""
    flat = urls.flatten()
    hosts = pc.struct_field(pc.extract_regex(flat, _PLAIN_URL), "host")  # null where no match
    domains = pc.replace_substring_regex(pc.utf8_lower(hosts), "^www\\.", "", max_replacements=1)
    unmatched = pc.indices_nonzero(pc.is_null(hosts)).to_pylist()
    if unmatched:
        values = domains.to_pylist()
        for index in unmatched:
            values[index] = url_domain(flat[index].as_py())
        domains = pa.array(values, pa.string())
    keep = pc.greater(pc.utf8_length(domains), 0)  # neither null nor empty (a bare "www.")
    posts = pc.filter(pc.list_parent_indices(urls), keep).to_numpy(zero_copy_only=False)
    offsets = np.zeros(len(urls) + 1, dtype=np.int32)
    np.cumsum(np.bincount(posts, minlength=len(urls)), out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), pc.filter(domains, keep))


def url_domain(url: str) -> str | None:
    """``https://www.BBC.co.uk/news`` → ``bbc.co.uk``; None when the URL has no host."""
    try:
        host = urlsplit(url if "://" in url else f"http://{url}").hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def _languages(
    items: Sequence[LinePost], texts: list[str], langid: LanguageIdentifier | None
) -> tuple[list[str | None], list[bool]]:
    """Each post's language: its own ``lang``, or the identified one when that is missing."""
    langs: list[str | None] = [i.post.lang for i in items]
    detected = [False] * len(items)
    if langid is None:
        return langs, detected
    unknown = [k for k, lang in enumerate(langs) if primary_language(lang) is None]
    if unknown:
        for k, guess in zip(unknown, langid.detect([texts[k] for k in unknown]), strict=True):
            if guess:
                langs[k], detected[k] = guess, True
    return langs, detected


def _sentiment_table(
    posts: list[Post], results: list[Sentiment | str | None], model: str, langs: list[str | None], detected: list[bool]
) -> pa.Table:
    """One row per post: its label and scores, or (no label) the reason why not."""
    scored = [r if isinstance(r, Sentiment) else None for r in results]
    columns: dict[str, list[Any]] = {
        "id": [p.id for p in posts],
        "text": [p.text for p in posts],
        "sentiment": [s.label if s else None for s in scored],
        "sentiment_pos_score": [s.positive if s else None for s in scored],
        "sentiment_neg_score": [s.negative if s else None for s in scored],
        "sentiment_neu_score": [s.neutral if s else None for s in scored],
        "sentiment_mixed_score": [s.mixed if s else None for s in scored],
        "platform": [p.platform for p in posts],
        "created_ts": [p.created_ts for p in posts],
        "lang": [primary_language(lang) for lang in langs],
        "lang_detected": detected,
        "sentiment_model": [model] * len(posts),
        "sentiment_reason": [
            None if s else r if isinstance(r, str) else "not analyzed" for s, r in zip(scored, results, strict=True)
        ],
    }
    return pa.table(columns, schema=SENTIMENT)


def _entities_table(found: list[tuple[Post, list[Entity] | str | None]], model: str) -> pa.Table:
    """One row per distinct (text, type) entity of each post (see :func:`_best_entities`)."""
    rows = [(post, key, entity) for post, entities in found if isinstance(entities, list)
            for key, entity in _best_entities(entities).items()]  # fmt: skip
    columns: dict[str, list[Any]] = {
        "id": [post.id for post, _, _ in rows],
        "entity": [text for _, (text, _), _ in rows],
        "type": [etype for _, (_, etype), _ in rows],
        "score": [entity.score for _, _, entity in rows],
        "platform": [post.platform for post, _, _ in rows],
        "created_ts": [post.created_ts for post, _, _ in rows],
        "begin_offset": [entity.begin for _, _, entity in rows],
        "end_offset": [entity.end for _, _, entity in rows],
        "entity_model": [model] * len(rows),
    }
    return pa.table(columns, schema=ENTITIES)


def _best_entities(found: list[Entity]) -> dict[tuple[str, str], Entity]:
    """The reference's rules: de-duplicate on (text, type); drop 1-char digits, ``#`` and ``@``.

    Also dropped: hashtags and @mentions, which are data of their own (the ``hashtags`` and
    ``mentions`` columns), not entities.
    """
    best: dict[tuple[str, str], Entity] = {}
    for entity in found:
        text = entity.text.strip()
        if not text or (len(text) == 1 and (text.isdigit() or text in "#@")) or text[0] in "#@":
            continue
        key = (text, entity.type)
        if key not in best or entity.score > best[key].score:
            best[key] = entity
    return best
