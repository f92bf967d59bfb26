"""The package's public names, and what importing one stage loads."""

from __future__ import annotations


def test_the_package_exports_resolve_and_an_analyzer_worker_does_not_load_duckdb() -> None:
    import subprocess
    import sys

    import tweetlake

    assert all(getattr(tweetlake, name) is not None for name in tweetlake.__all__)
    code = "import sys, tweetlake.enrich.runner; print('duckdb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
