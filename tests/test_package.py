"""The package's public names, and what importing one stage loads."""

from __future__ import annotations

import sys

import pytest


def test_the_package_exports_resolve_and_an_analyzer_worker_does_not_load_duckdb() -> None:
    import subprocess

    import tweetlake

    assert all(getattr(tweetlake, name) is not None for name in tweetlake.__all__)
    code = "import sys, tweetlake.enrich.runner; print('duckdb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_command_gives_arrow_the_system_allocator_unless_told_otherwise() -> None:
    import os
    import subprocess

    code = (
        "import pyarrow as pa; from tweetlake.runtime import configure_process; "
        "configure_process(); print(pa.default_memory_pool().backend_name)"
    )
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert run.stdout.strip() == "system"
    env["ARROW_DEFAULT_MEMORY_POOL"] = "jemalloc"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert run.stdout.strip() == "jemalloc"


def test_loaded_objects_leave_the_collectors_scans_no_garbage_is_kept_and_young_ones_wait_longer() -> None:
    import subprocess

    from tweetlake.runtime import YOUNG_GENERATION

    code = (
        "import gc, weakref; from tweetlake.runtime import freeze_loaded\n"
        "class Node: pass\n"
        "kept = [Node() for _ in range(1000)]\n"
        "garbage = Node(); garbage.me = garbage; probe = weakref.ref(garbage); del garbage\n"
        "freeze_loaded()\n"
        "print(gc.get_freeze_count() >= 1000, probe() is None, gc.get_threshold()[0])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True", str(YOUNG_GENERATION)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_memory_freed_by_a_large_job_goes_back_to_the_system() -> None:
    import subprocess

    code = (
        "from tweetlake.runtime import release_memory\n"
        "def rss(): return int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) // 1024\n"
        "blocks = [bytes(100_000) for _ in range(3000)]\n"  # 300 MB in blocks glibc keeps in its heap
        "last = bytes(100_000)\n"  # above them, so the heap's top cannot simply shrink
        "del blocks\n"
        "before = rss(); release_memory(); print(before - rss())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert int(out) > 150  # MB returned
