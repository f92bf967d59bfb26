from __future__ import annotations

import gzip

import msgspec

from tests.helpers import post
from tweetlake import lake
from tweetlake.delivery.batcher import Delivery, DeliveryLimits, decode_manifest, load_cursor
from tweetlake.record import decode_post
from tweetlake.sources.base import Notice, Rejected
from tweetlake.storage import Storage


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _manifests(storage: Storage) -> list[msgspec.Struct]:
    return [decode_manifest(storage.read_bytes(f"{lake.PENDING}/{n}")) for n in storage.listdir(lake.PENDING, ".json")]


def test_flushes_on_record_count(storage: Storage) -> None:
    delivery = Delivery(storage, "t", DeliveryLimits(max_records=3, max_seconds=100))
    for i in range(3):
        assert not delivery.due()
        delivery.add_post(post(str(i)))
    assert delivery.due()
    manifest = delivery.flush()
    assert manifest is not None and manifest.records == 3
    lines = gzip.decompress(storage.read_bytes(manifest.data or "")).splitlines()
    assert [decode_post(line).id for line in lines] == ["0", "1", "2"]


def test_flushes_on_bytes_and_on_age() -> None:
    clock = Clock()
    s = Storage("memory://delivery-bytes")
    by_bytes = Delivery(s, "b", DeliveryLimits(max_records=10**6, max_bytes=3000, max_seconds=100), clock=clock)
    while not by_bytes.due():
        by_bytes.add_post(post(str(by_bytes.pending)))
    assert 1 < by_bytes.pending < 10
    by_age = Delivery(s, "a", DeliveryLimits(max_records=10**6, max_seconds=1.0), clock=clock)
    by_age.add_post(post("x"))
    clock.now = 0.9
    assert not by_age.due()
    clock.now = 1.0
    assert by_age.due()


def test_manifest_is_written_last_and_carries_counts_and_cursor(storage: Storage) -> None:
    delivery = Delivery(storage, "src")
    delivery.add_post(post("1"))
    delivery.add_filtered()
    delivery.add_rejected(Rejected("invalid JSON: x", "in.jsonl", 7, "{bad"))
    delivery.add_notice(Notice("delete", "in.jsonl"))
    manifest = delivery.flush(cursor={"next_index": 9})
    assert manifest is not None
    (stored,) = _manifests(storage)
    assert stored == manifest
    c = manifest.counts
    assert (c.received, c.accepted, c.filtered, c.quarantined, c.notices) == (3, 1, 1, 1, {"delete": 1})
    assert manifest.data and manifest.data.startswith("raw/dt=") and manifest.data.endswith(".jsonl.gz")
    quarantined = msgspec.json.decode(storage.read_bytes(manifest.quarantine or ""))
    assert (
        quarantined["reason"] == "invalid JSON: x" and quarantined["line"] == 7 and quarantined["origin"] == "in.jsonl"
    )
    assert load_cursor(storage, "src") == {"next_index": 9}


def test_nothing_to_flush_writes_nothing(storage: Storage) -> None:
    delivery = Delivery(storage, "src")
    assert delivery.flush() is None
    assert storage.listdir(lake.PENDING) == []


def test_writes_leave_no_temporary_files(storage: Storage) -> None:
    delivery = Delivery(storage, "src")
    delivery.add_post(post("1"))
    delivery.flush()
    root = storage.local_path("")
    assert root is not None
    import os

    names = [n for _, _, files in os.walk(root) for n in files]
    assert names and not any(n.startswith(".tmp-") for n in names)
