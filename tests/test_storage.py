from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tweetlake.errors import LockedError
from tweetlake.storage import Storage


@pytest.mark.parametrize("root", ["local", "memory://storage-test"])
def test_atomic_write_list_move_delete(root: str, tmp_path: Path) -> None:
    storage = Storage(tmp_path / "lake" if root == "local" else root)
    storage.write_atomic("a/b/one.json", b"1")
    storage.write_atomic("a/b/one.json", b"2")
    storage.write_new("a/b/two.json", b"x")
    with pytest.raises(FileExistsError):
        storage.write_new("a/b/two.json", b"y")
    assert storage.read_bytes("a/b/one.json") == b"2"
    assert storage.listdir("a/b", ".json") == ["one.json", "two.json"]
    storage.move("a/b/one.json", "a/c/one.json")
    assert storage.walk_files("a") == ["a/b/two.json", "a/c/one.json"]
    storage.delete("a/b/two.json")
    storage.delete("a/b/missing.json")
    assert storage.listdir("a/b") == [] and storage.listdir("nowhere") == []


@pytest.mark.parametrize("root", ["local", "memory://storage-stream-test"])
def test_a_streamed_write_lands_whole_or_not_at_all(root: str, tmp_path: Path) -> None:
    storage = Storage(tmp_path / "lake" if root == "local" else root)
    with storage.open_atomic("a/big.bin") as handle:
        for _ in range(3):
            handle.write(b"x" * 1000)
    assert storage.read_bytes("a/big.bin") == b"x" * 3000
    with pytest.raises(RuntimeError), storage.open_atomic("a/broken.bin") as handle:
        handle.write(b"half")
        raise RuntimeError("the writer failed midway")
    if root == "local":  # (fsspec's memory store writes in place: a rewrite there is not atomic)
        with pytest.raises(RuntimeError), storage.open_atomic("a/big.bin") as handle:
            handle.write(b"y")
            raise RuntimeError("a failed rewrite keeps the old file")
    assert storage.walk_files("a") == ["a/big.bin"] and storage.read_bytes("a/big.bin") == b"x" * 3000


def test_lock_is_exclusive_and_released_when_the_holder_dies(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "lake")
    script = (
        "import sys, time; from tweetlake.storage import Storage\n"
        f"s = Storage({str(tmp_path / 'lake')!r})\n"
        "with s.lock('_catalog/writer.lock', 'test'):\n    print('locked', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockedError, match=f"pid {holder.pid}"), storage.lock("_catalog/writer.lock", "enrich"):
            pass
    finally:
        holder.kill()
        holder.communicate()
    with storage.lock("_catalog/writer.lock", "enrich"):
        pass  # the kernel released the dead holder's lock
