from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import post, reference_line
from tweetlake import lake
from tweetlake.analyzers import Analyzers
from tweetlake.analyzers.fake import FaultyAnalyzer
from tweetlake.delivery.batcher import DeliveryLimits
from tweetlake.enrich.core import EnrichedBatch
from tweetlake.enrich.runner import Enricher
from tweetlake.pipeline import ingest
from tweetlake.query.engine import QueryEngine
from tweetlake.sources.replay import ReplaySource
from tweetlake.sources.synthetic import SyntheticSource
from tweetlake.status import lake_status
from tweetlake.storage import Storage


def _ids(storage: Storage, table: str) -> list[str]:
    with QueryEngine(storage) as engine:
        return [r[0] for r in engine.execute(f"SELECT id FROM {table} ORDER BY id", max_rows=10**7).rows()]


def test_synthetic_posts_land_exactly_once(storage: Storage, fake_analyzers: Analyzers) -> None:
    ingest(storage, SyntheticSource(seed=2, count=1500), limits=DeliveryLimits(max_records=400))
    totals = Enricher(storage, fake_analyzers).run()
    assert totals.batches == 4 and totals.posts == 1500
    tweets = _ids(storage, "tweets")
    assert len(tweets) == len(set(tweets)) == 1500
    assert _ids(storage, "sentiment") == tweets
    assert not lake_status(storage).check()
    assert storage.listdir(lake.PENDING) == [] and len(storage.listdir(lake.DONE)) == 4
    # a second drain finds nothing to do
    assert Enricher(storage, fake_analyzers).run().batches == 0


def test_replaying_the_same_file_twice_adds_nothing(
    storage: Storage, fake_analyzers: Analyzers, tmp_path: Path
) -> None:
    archive = tmp_path / "archive.jsonl"
    archive.write_text("\n".join(reference_line(str(i), f"post {i} about Kyiv") for i in range(50)) + "\n")
    for _ in range(2):
        ingest(storage, ReplaySource([str(archive)]))
        Enricher(storage, fake_analyzers).run()
    status = lake_status(storage)
    assert status.enriched == 50 and status.duplicates == 50 and status.received == 100
    assert len(_ids(storage, "tweets")) == 50
    assert not status.check()


def test_duplicates_inside_one_batch_and_across_platforms(
    storage: Storage, fake_analyzers: Analyzers, tmp_path: Path
) -> None:
    same = post("42", "hello")
    other_platform = post("42", "hello", platform="bluesky")
    archive = tmp_path / "a.jsonl"
    from tweetlake.record import encode_post

    archive.write_bytes(b"\n".join(encode_post(p) for p in (same, same, other_platform)) + b"\n")
    ingest(storage, ReplaySource([str(archive)]))
    Enricher(storage, fake_analyzers).run()
    with QueryEngine(storage) as engine:
        assert engine.execute("SELECT platform, id FROM tweets ORDER BY 1").rows() == [("bluesky", "42"), ("x", "42")]
    assert lake_status(storage).duplicates == 1


def test_analyzer_failure_quarantines_and_can_land_later(
    storage: Storage, fake_analyzers: Analyzers, tmp_path: Path
) -> None:
    archive = tmp_path / "a.jsonl"
    archive.write_text(reference_line("1", "fine") + "\n" + reference_line("2", "BOOM") + "\n")
    ingest(storage, ReplaySource([str(archive)]))
    faulty = Analyzers(FaultyAnalyzer.wrap(fake_analyzers.sentiment, trigger="BOOM"), fake_analyzers.entities)
    Enricher(storage, faulty).run()
    assert _ids(storage, "tweets") == ["1"]
    with QueryEngine(storage) as engine:
        (row,) = engine.execute("SELECT stage, reason, origin, line FROM quarantine").rows()
    assert row[0] == "enrich" and "AnalyzerFaultError" in row[1] and row[2].startswith("raw/") and row[3] == 2
    # once the analyzer works, replaying the archive lands the quarantined post (it was never marked as seen)
    ingest(storage, ReplaySource([str(archive)]))
    Enricher(storage, fake_analyzers).run()
    assert _ids(storage, "tweets") == ["1", "2"]
    assert not lake_status(storage).check()


def test_bad_raw_lines_written_by_another_tool_are_quarantined(storage: Storage, fake_analyzers: Analyzers) -> None:
    from tweetlake.delivery.batcher import Delivery

    delivery = Delivery(storage, "other-tool")
    delivery.add_post(post("1", "good"))
    delivery.add_post(post("2", "good too"))
    manifest = delivery.flush()
    assert manifest is not None and manifest.data
    import gzip

    lines = gzip.decompress(storage.read_bytes(manifest.data)).splitlines()
    lines.insert(1, b'{"id": 3, "text": "wrong id type"}')
    storage.write_atomic(manifest.data, gzip.compress(b"\n".join(lines) + b"\n"))
    Enricher(storage, fake_analyzers).run()
    assert _ids(storage, "tweets") == ["1", "2"]
    with QueryEngine(storage) as engine:
        (reason, line) = engine.execute("SELECT reason, line FROM quarantine").rows()[0]
    assert line == 2 and reason.startswith("invalid post:")
    status = lake_status(storage)
    # the extra line was never counted as accepted, so the identities hold with it quarantined
    assert status.quarantined_enrich == 1


def test_checkpoint_folds_the_log_and_readers_see_the_same(storage: Storage, fake_analyzers: Analyzers) -> None:
    ingest(storage, SyntheticSource(seed=5, count=600), limits=DeliveryLimits(max_records=50))
    enricher = Enricher(storage, fake_analyzers, checkpoint_every=5)
    enricher.run()
    assert storage.exists("_catalog/checkpoint.json")
    assert len(storage.listdir("_catalog/log")) < 5
    assert len(_ids(storage, "tweets")) == 600
    checkpoint = json.loads(storage.read_bytes("_catalog/checkpoint.json"))
    assert (
        checkpoint["counts"]["enriched"]
        + sum(
            json.loads(storage.read_bytes(f"_catalog/log/{n}"))["counts"].get("enriched", 0)
            for n in storage.listdir("_catalog/log")
            if int(n.split(".")[0]) > checkpoint["seq"]  # the newest folded entry stays, for readers
        )
        == 600
    )
    # a new enricher after the checkpoint still de-duplicates against every earlier post
    ingest(storage, SyntheticSource(seed=5, count=600))  # the cursor says: nothing left
    from tweetlake.delivery.batcher import load_cursor

    assert load_cursor(storage, "synthetic-seed5") == {"next_index": 600}
    storage.delete("_state/cursors/synthetic-seed5.json")
    ingest(storage, SyntheticSource(seed=5, count=600))
    Enricher(storage, fake_analyzers).run()
    assert len(_ids(storage, "tweets")) == 600 and lake_status(storage).duplicates == 600


def test_two_worker_processes_give_the_same_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from tweetlake.analyzers import AnalyzerSpec, load_analyzers
    from tweetlake.enrich import runner

    monkeypatch.setattr(runner, "PIECE_MAX_POSTS", 100)
    merged: list[int] = []
    merge = runner.merge_batches

    def counted(pieces: list[EnrichedBatch]) -> EnrichedBatch:
        merged.append(len(pieces))
        return merge(pieces)

    monkeypatch.setattr(runner, "merge_batches", counted)
    one = Storage(tmp_path / "one")
    # Batches of 250 posts: each is analysed in two pieces, one per worker, then merged.
    ingest(one, SyntheticSource(seed=12, count=1200), limits=DeliveryLimits(max_records=250))
    archive = tmp_path / "dupes.jsonl"
    archive.write_text("\n".join(reference_line(str(i), f"dup {i % 7}") for i in range(30)) + "\n")
    ingest(one, ReplaySource([str(archive)]), limits=DeliveryLimits(max_records=10))
    ingest(one, ReplaySource([str(archive)]), limits=DeliveryLimits(max_records=10))  # duplicates across batches
    shutil.copytree(tmp_path / "one", tmp_path / "two")
    two = Storage(tmp_path / "two")
    spec = AnalyzerSpec(sentiment="wordlist", entities="none", langid=False)
    Enricher(one, load_analyzers("wordlist", "none", False)).run()
    totals = Enricher(two, load_analyzers("wordlist", "none", False), workers=2, spec=spec).run()
    assert totals.posts == 1230 and totals.duplicates == 30
    assert merged.count(2) >= 4  # the batches of 250 were analysed in two pieces

    def snapshot(storage: Storage) -> list[tuple[object, ...]]:
        with QueryEngine(storage) as engine:
            sql = (
                "SELECT t.* EXCLUDE (dt), s.* EXCLUDE (dt) "
                "FROM tweets t JOIN sentiment s USING (platform, id) ORDER BY id"
            )
            return engine.execute(sql, max_rows=10**6).rows()

    def rollups(storage: Storage) -> list[tuple[object, ...]]:
        with QueryEngine(storage) as engine:
            sql = (
                "SELECT hour_start, facet, type, value, sum(posts), max(newest), "
                "list_sort(list_distinct(flatten(list(author_sample)))) "
                "FROM facets_hourly GROUP BY ALL ORDER BY ALL"
            )
            return engine.execute(sql, max_rows=10**6).rows()

    assert snapshot(two) == snapshot(one)
    assert rollups(two) == rollups(one)
    counted = ("enriched", "duplicates", "quarantined_enrich", "sentiment_unsupported", "unsupported_languages")
    assert [getattr(lake_status(two), c) for c in counted] == [getattr(lake_status(one), c) for c in counted]
    assert not lake_status(two).check()


def test_a_polling_reader_follows_commits_and_checkpoints(storage: Storage, fake_analyzers: Analyzers) -> None:
    from tweetlake.tables.catalog import Catalog

    catalog = Catalog(storage)
    seen = catalog.read()
    for seed, checkpoint_every in ((6, 1000), (7, 2)):  # new log entries, then a checkpoint folds them
        ingest(storage, SyntheticSource(seed=seed, count=120), limits=DeliveryLimits(max_records=40))
        Enricher(storage, fake_analyzers, checkpoint_every=checkpoint_every).run()
        updated = catalog.update(seen)
        fresh = catalog.read()
        assert updated.seq == fresh.seq and updated.files == fresh.files and updated.counts == fresh.counts
        assert seen is not updated  # the old state is left as it was
        seen = updated
    assert catalog.update(seen) is seen  # nothing new: the same state, nothing read


def test_a_batch_is_split_in_consecutive_pieces_of_a_minimum_size() -> None:
    from tweetlake.enrich.runner import _split

    lines = [(n, b"x") for n in range(1, 251)]
    pieces = _split(lines, 2, 100)
    assert [len(p) for p in pieces] == [125, 125] and [line for p in pieces for line in p] == lines
    assert [len(p) for p in _split(lines[:150], 2, 100)] == [150]  # too small to split
    assert [len(p) for p in _split(lines[:7], 4, 2)] == [3, 2, 2]
    assert _split([], 2, 100) == [[]]


def test_a_backlog_holds_only_the_keys_of_batches_in_flight(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tweetlake.analyzers import AnalyzerSpec, load_analyzers
    from tweetlake.enrich import runner
    from tweetlake.tables.catalog import KeyIndex

    storage = Storage(tmp_path / "lake")
    ingest(storage, SyntheticSource(seed=14, count=1000), limits=DeliveryLimits(max_records=50))  # 20 batches
    sizes: list[int] = []
    claim = runner._claim

    def watched(prepared: runner._Prepared, raw: list[bytes], keys: KeyIndex, claims: set[int]) -> None:
        sizes.append(len(claims))
        claim(prepared, raw, keys, claims)

    monkeypatch.setattr(runner, "_claim", watched)
    spec = AnalyzerSpec(sentiment="wordlist", entities="none", langid=False)
    totals = Enricher(storage, load_analyzers("wordlist", "none", False), workers=2, spec=spec).run()
    assert totals.posts == 1000 and len(sizes) == 20
    assert max(sizes) <= 5 * 50  # the batches queued for two workers, not the whole backlog


def _raw_batch(storage: Storage, lines: list[bytes]) -> None:
    """A pending raw batch holding exactly ``lines`` (as another tool might have written it)."""
    import gzip

    from tweetlake.delivery.batcher import Delivery

    delivery = Delivery(storage, "other-tool")
    for n in range(len(lines)):
        delivery.add_post(post(f"placeholder-{n}", "counted as accepted"))
    manifest = delivery.flush()
    assert manifest is not None and manifest.data
    storage.write_atomic(manifest.data, gzip.compress(b"\n".join(lines) + b"\n"))


@pytest.mark.parametrize("workers", [1, 2])
def test_an_invalid_copy_does_not_hide_a_valid_one(tmp_path: Path, workers: int) -> None:
    from tweetlake.analyzers import AnalyzerSpec, load_analyzers
    from tweetlake.record import encode_post

    def invalid(post_id: str) -> bytes:  # has a key, but blank text makes it an invalid post
        return json.dumps({**json.loads(encode_post(post(post_id, "x"))), "text": "  "}).encode()

    storage = Storage(tmp_path / "lake")
    # The invalid copy of 7 is in flight (with two workers) when the valid copies arrive; the
    # invalid copy of 8 comes just before a valid one in its batch.
    _raw_batch(storage, [invalid("7"), encode_post(post("1")), invalid("8"), encode_post(post("8"))])
    _raw_batch(storage, [encode_post(post("7")), encode_post(post("2")), encode_post(post("7", "a repeat"))])
    spec = AnalyzerSpec(sentiment="wordlist", entities="none", langid=False)
    totals = Enricher(storage, load_analyzers("wordlist", "none", False), workers=workers, spec=spec).run()
    assert _ids(storage, "tweets") == ["1", "2", "7", "8"]
    with QueryEngine(storage) as engine:
        assert engine.execute("SELECT text FROM tweets WHERE id = '7'").rows() == [("I love Kyiv",)]
        reasons = engine.execute("SELECT line, reason FROM quarantine ORDER BY line").rows()
    assert [line for line, _ in reasons] == [1, 3] and all("empty text" in r for _, r in reasons)
    assert (totals.posts, totals.duplicates, totals.quarantined) == (4, 1, 2)
    assert not lake_status(storage).check()
