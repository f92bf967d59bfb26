"""``tweetlake demo``: the whole pipeline on synthetic posts, with a live terminal summary."""

from __future__ import annotations

import os
import sys
import threading
import time
import webbrowser
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from tweetlake.analyzers import load_analyzers
from tweetlake.cli.output import console, err_console
from tweetlake.config import Config
from tweetlake.dashboard.server import DashboardServer
from tweetlake.errors import TweetlakeError
from tweetlake.pipeline import Pipeline, ingest
from tweetlake.query import overview
from tweetlake.query.engine import QueryEngine
from tweetlake.sources.keywords import KeywordFilter
from tweetlake.sources.synthetic import SyntheticSource
from tweetlake.status import LakeStatus, lake_status
from tweetlake.storage import Storage
from tweetlake.tables.catalog import CHECKPOINT as CATALOG_CHECKPOINT
from tweetlake.tables.catalog import LOG as CATALOG_LOG
from tweetlake.tables.compact import CompactionPolicy

BACKFILL_SEED = 424242


def _has_display() -> bool:
    return (
        sys.platform == "darwin"
        or os.name == "nt"
        or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    )


_COLOURS = {"POSITIVE": "green", "NEGATIVE": "red", "NEUTRAL": "grey62", "MIXED": "yellow", "UNSCORED": "blue"}


def run_demo(
    config: Config,
    *,
    rate: float,
    duration: float | None,
    keywords: str,
    stop: threading.Event,
    dashboard: DashboardServer | None,
    open_browser: bool = False,
) -> None:
    storage = dashboard.storage if dashboard else Storage(config.lake)
    err_console.print(f"[bold]tweetlake demo[/]: synthetic posts at {rate:g}/s → {storage.url} (Ctrl-C to stop)")
    if not storage.exists(CATALOG_LOG) and not storage.exists(CATALOG_CHECKPOINT):
        # A fresh demo lake gets half an hour of history (with one news spike) so every chart has
        # something to show at once; the live stream continues from there at a similar pace.
        history = SyntheticSource(
            seed=BACKFILL_SEED, count=3000, start=datetime.now(UTC) - timedelta(minutes=30), spacing=0.68
        )
        ingest(storage, history, keywords=KeywordFilter(keywords))
    if dashboard is not None:
        dashboard.start()
        err_console.print(f"[bold green]dashboard:[/] {dashboard.url}")
        if open_browser and _has_display():
            webbrowser.open(dashboard.url)
    err_console.print("loading analyzers…")
    pipeline = Pipeline(
        storage,
        SyntheticSource(seed=int(time.time()) % 100_000, rate=rate),
        load_analyzers(config.sentiment, config.entities, config.langid),
        keywords=KeywordFilter(keywords),
        compaction=CompactionPolicy(),
    )
    pipeline.stop = stop
    errors: list[BaseException] = []

    def work() -> None:
        try:
            pipeline.run()
        except BaseException as exc:  # noqa: BLE001 - shown by the main thread
            errors.append(exc)
            stop.set()

    thread = threading.Thread(target=work, name="tweetlake-demo", daemon=True)
    thread.start()
    started = time.monotonic()
    engine = QueryEngine(storage, timeout=5)
    with Live(Text("waiting for the first batch…"), console=console, refresh_per_second=2, transient=False) as live:
        while thread.is_alive():
            if duration is not None and time.monotonic() - started >= duration:
                stop.set()
            live.update(_render(storage, engine, time.monotonic() - started))
            thread.join(timeout=1.0)
        live.update(_render(storage, engine, time.monotonic() - started))
    engine.close()
    if dashboard is not None:
        dashboard.stop()
    if errors:
        raise errors[0]
    err_console.print(f"demo lake kept at {storage.url}; try: tweetlake query --lake {storage.url} 'SELECT …'")


def _render(storage: Storage, engine: QueryEngine, elapsed: float) -> Any:
    try:
        status = lake_status(storage)
        head = overview.headline(engine)
        shares = overview.sentiment_shares(engine)
        entities = overview.top_entities(engine, 6)
        hashtags = overview.top_hashtags(engine, 6)
        latest = overview.latest_posts(engine, 5)
    except TweetlakeError as exc:
        return Text(f"waiting for data… ({exc})")
    return Group(
        _counts(status, head, elapsed),
        _side_by_side(
            _shares(shares),
            _top("top entities", [(f"{e} ({t.lower()})", n) for e, t, n in entities]),
            _top("top hashtags", [(f"#{h}", n) for h, n in hashtags]),
        ),
        _latest(latest),
    )


def _counts(status: LakeStatus, head: dict[str, Any], elapsed: float) -> Table:
    table = Table(title=f"tweetlake demo · {elapsed:,.0f} s", title_justify="left", show_header=True)
    for name in (
        "received",
        "accepted",
        "filtered",
        "quarantined",
        "duplicates",
        "in tables",
        "pending",
        "authors",
        "newest post",
    ):
        table.add_column(name, justify="right")
    newest = head.get("newest")
    age = f"{(datetime.now(UTC) - newest).total_seconds():.1f} s ago" if newest else "–"
    table.add_row(
        f"{status.received:,}",
        f"{status.accepted:,}",
        f"{status.filtered:,}",
        f"{status.quarantined:,}",
        f"{status.duplicates:,}",
        f"{status.enriched:,}",
        f"{status.pending_posts:,}",
        f"{head['authors']:,}",
        age,
    )
    return table


def _shares(shares: list[tuple[str, int]]) -> Table:
    total = sum(n for _, n in shares) or 1
    table = Table(title="sentiment", title_justify="left")
    table.add_column("label")
    table.add_column("share", justify="right")
    for label, n in shares:
        table.add_row(Text(label, style=_COLOURS.get(label, "")), f"{100 * n / total:.0f} %")
    return table


def _top(title: str, rows: list[tuple[str, int]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("")
    table.add_column("posts", justify="right")
    for name, n in rows:
        table.add_row(Text(name), f"{n:,}")
    return table


def _side_by_side(*tables: Table) -> Table:
    grid = Table.grid(padding=(0, 3))
    for _ in tables:
        grid.add_column()
    grid.add_row(*tables)
    return grid


def _latest(posts: list[dict[str, Any]]) -> Table:
    table = Table(title="latest posts", title_justify="left", expand=True)
    table.add_column("author", no_wrap=True)
    table.add_column("lang", no_wrap=True)
    table.add_column("text", ratio=1)
    for post in posts:
        colour = _COLOURS.get(post.get("sentiment") or "UNSCORED", "")
        table.add_row(Text(f"@{post['screen_name']}"), Text(post["lang"] or "?"), Text(post["text"], style=colour))
    return table
