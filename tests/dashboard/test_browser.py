"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against a served lake.

Screenshots are written to ``test-artifacts/`` at the repository root.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.dashboard.conftest import ANALYZERS, free_port
from tests.helpers import reference_line
from tweetlake.dashboard.server import DashboardServer
from tweetlake.enrich.runner import Enricher
from tweetlake.pipeline import ingest
from tweetlake.sources.replay import ReplaySource
from tweetlake.storage import Storage

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CARDS = [
    "volume",
    "net",
    "keywords",
    "spikes",
    "entities",
    "hashtags",
    "mentions",
    "domains",
    "authors",
    "lang",
    "platform",
    "posts",
]

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (apt install chromium)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def served(lake_dir: Path, tmp_path: Path) -> Iterator[DashboardServer]:
    lake = tmp_path / "lake"
    shutil.copytree(lake_dir, lake)
    server = DashboardServer(Storage(lake), port=free_port(), refresh_seconds=1.0)
    server.start()
    yield server
    server.stop()


def _open(browser: object, url: str) -> object:
    page = browser.new_page(viewport={"width": 1400, "height": 1600})  # type: ignore[attr-defined]
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("dialog", lambda d: page.errors.append(f"dialog opened: {d.message}"))
    page.goto(url)
    page.wait_for_selector('[data-chart="posts"][data-state="ready"]', state="attached", timeout=20_000)
    return page


def _rows(page: object, card: str) -> int:
    return int(page.get_attribute(f'[data-chart="{card}"]', "data-rows") or 0)  # type: ignore[attr-defined]


def test_every_chart_has_data(browser: object, served: DashboardServer, artifacts: Path) -> None:
    page = _open(browser, served.url)
    for card in CARDS:
        assert _rows(page, card) > 0, card
    assert page.locator("#k-posts").inner_text() not in ("–", "0")  # type: ignore[attr-defined]
    assert page.locator("#c-volume canvas").count() > 0  # type: ignore[attr-defined]
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)  # type: ignore[attr-defined]
    assert not page.errors  # type: ignore[attr-defined]


def test_clicking_an_entity_filters_every_view(browser: object, served: DashboardServer, artifacts: Path) -> None:
    page = _open(browser, served.url)
    before = page.locator("#k-posts").inner_text()  # type: ignore[attr-defined]
    page.locator("#c-entities li", has_text="Kyiv").first.click()  # type: ignore[attr-defined]
    expect(page).to_have_url(re.compile(r"entity=Kyiv"))
    expect(page.locator("#k-posts")).not_to_have_text(before)  # type: ignore[attr-defined]
    texts = page.locator("#posts .post .text").all_inner_texts()  # type: ignore[attr-defined]
    assert texts and all("kyiv" in t.lower() for t in texts)
    assert "Kyiv" in page.locator("#chips").inner_text()  # type: ignore[attr-defined]
    page.screenshot(path=str(artifacts / "dashboard-filtered.png"), full_page=True)  # type: ignore[attr-defined]
    # the filter lives in the URL: a fresh page with that URL shows the same view
    again = _open(browser, page.url)  # type: ignore[attr-defined]
    assert again.locator("#k-posts").inner_text() == page.locator("#k-posts").inner_text()  # type: ignore[attr-defined]


def test_a_new_post_appears_live_without_reload(browser: object, served: DashboardServer, tmp_path: Path) -> None:
    page = _open(browser, served.url)
    page.evaluate("window.__sameDocument = true")  # type: ignore[attr-defined]
    archive = tmp_path / "new.jsonl"
    from datetime import UTC, datetime

    now = datetime.now(UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")
    archive.write_text(reference_line("9999001", "fresh post about the Kyiv metro", created_at=now) + "\n")
    ingest(served.storage, ReplaySource([str(archive)]))
    Enricher(served.storage, ANALYZERS).run()
    page.wait_for_selector("text=fresh post about the", timeout=15_000)  # type: ignore[attr-defined]
    assert page.evaluate("window.__sameDocument") is True  # type: ignore[attr-defined]


def test_hostile_post_is_shown_as_text_and_runs_nothing(
    browser: object, served: DashboardServer, artifacts: Path
) -> None:
    page = _open(browser, served.url + "?author=%22%3E%3Cb%3Ex%3C%2Fb%3E")
    post = page.locator("#posts .post").first  # type: ignore[attr-defined]
    assert "<script>window.__pwned=1</script>" in post.inner_text()
    assert '<img src=x onerror="window.__pwned=2">' in post.inner_text()
    assert '@"><b>x</b>' in post.locator(".author").inner_text()
    time.sleep(0.5)
    assert page.evaluate("window.__pwned") is None  # type: ignore[attr-defined]
    assert page.locator("#posts img, #posts script, #posts b").count() == 0  # type: ignore[attr-defined]
    post.screenshot(path=str(artifacts / "dashboard-hostile-post.png"))
    assert not page.errors  # type: ignore[attr-defined]


def test_quarantine_reasons_are_one_click_away(browser: object, served: DashboardServer) -> None:
    page = _open(browser, served.url)
    page.click("#k-quarantine-btn")  # type: ignore[attr-defined]
    page.wait_for_selector("#quarantine[open]")  # type: ignore[attr-defined]
    assert "invalid JSON" in page.locator("#q-reasons").inner_text()  # type: ignore[attr-defined]


def test_report_opens_offline_with_data(browser: object, lake_dir: Path, tmp_path: Path, artifacts: Path) -> None:
    from tweetlake.dashboard.report import build_report

    out = build_report(Storage(lake_dir), tmp_path / "report.html")
    page = browser.new_page(viewport={"width": 1400, "height": 1600})  # type: ignore[attr-defined]
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(out.as_uri())
    page.wait_for_selector('[data-chart="posts"][data-state="ready"]', state="attached", timeout=20_000)
    for card in CARDS:
        assert _rows(page, card) > 0, card
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    page.screenshot(path=str(artifacts / "report.png"), full_page=True)
