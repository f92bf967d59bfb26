"""The ``tweetlake`` command: parse, build one library object, call it, render the result.

Exit codes: 0 success; 1 a terminal error (fix the input or setting named in the message);
75 a transient one (retry later: a lock is held, a service is down); 130 interrupted.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from tweetlake import __version__
from tweetlake.cli.output import RichReporter, console, err_console, kv_table, render_result
from tweetlake.config import Config, load_config
from tweetlake.errors import TransientError, TweetlakeError

F = TypeVar("F", bound=Callable[..., Any])


def _handle_errors(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TweetlakeError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
            sys.exit(75 if isinstance(exc, TransientError) else 1)
        except KeyboardInterrupt:
            err_console.print("interrupted")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def lake_option(func: F) -> F:
    """``--lake`` and ``--config`` on every command."""
    func = click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Settings file (default: ./tweetlake.toml, or $TWEETLAKE_CONFIG).",
    )(func)
    return click.option(
        "--lake",
        default=None,
        metavar="DIR",
        help="The lake: a folder or fsspec URL. Default: $TWEETLAKE_LAKE, then `lake` in tweetlake.toml, then ./lake.",
    )(func)


def _config(lake: str | None, config_path: str | None) -> Config:
    return load_config(config_path, lake=lake)


def _storage(config: Config) -> Any:
    from tweetlake.storage import Storage

    return Storage(config.lake)


@contextmanager
def _graceful_stop() -> Iterator[threading.Event]:
    """First Ctrl-C (or SIGTERM): set the event so the pipeline drains. Second: abort."""
    stop = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        err_console.print("[yellow]stopping: flushing and draining (Ctrl-C again to abort)…[/]")
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tweetlake")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """tweetlake: collect posts that match your keywords, score sentiment, extract entities,
    and land everything as Parquet tables you can query with SQL."""
    from tweetlake.runtime import configure_process

    configure_process()
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


# -- ingest ----------------------------------------------------------------------------------------
@cli.group()
def ingest() -> None:
    """Read posts from a source into the lake's raw zone (enrich makes them tables)."""


def _delivery_options(func: F) -> F:
    func = click.option("--keywords", default=None, help="Track keywords: comma = OR, space = AND, -word excludes.")(
        func
    )
    func = click.option("--flush-seconds", type=float, default=None, help="Flush a batch at least this often.")(func)
    return click.option("--flush-records", type=int, default=None, help="Flush a batch at this many posts.")(func)


def _limits(config: Config, flush_records: int | None, flush_seconds: float | None) -> Any:
    from tweetlake.delivery.batcher import DeliveryLimits

    return DeliveryLimits(
        max_records=flush_records or config.delivery.max_records,
        max_bytes=config.delivery.max_bytes,
        max_seconds=flush_seconds or config.delivery.max_seconds,
        min_seconds=config.delivery.min_seconds,
    )


def _run_ingest(config: Config, source: Any, keywords: str | None, limits: Any, total: int | None) -> None:
    from tweetlake.pipeline import ingest as run_ingest
    from tweetlake.sources.keywords import KeywordFilter

    storage = _storage(config)
    keyword_filter = KeywordFilter(keywords if keywords is not None else config.keywords)
    with _graceful_stop() as stop, RichReporter("ingest") as reporter:
        reporter.total("ingest", total)
        result = run_ingest(storage, source, keywords=keyword_filter, limits=limits, stop=stop, reporter=reporter)
    c = result.counts
    rows = [
        ("received", c.received),
        ("accepted", c.accepted),
        ("filtered out", c.filtered),
        ("quarantined", c.quarantined),
        *[(f"notices: {k}", v) for k, v in sorted(c.notices.items())],
        ("batches", result.batches),
        ("seconds", f"{result.seconds:.2f}"),
        ("posts/s", f"{result.posts_per_second:,.0f}"),
    ]
    if result.resumed_from is not None:
        rows.insert(0, ("resumed from", json.dumps(result.resumed_from)))
    console.print(kv_table(f"ingest {source.name} → {storage.url}", rows))


@ingest.command("synthetic")
@lake_option
@click.option("--count", type=int, default=None, help="Stop after this many posts in all (default: run until Ctrl-C).")
@click.option("--seed", type=int, default=1, show_default=True, help="Selects the stream; same seed, same posts.")
@click.option("--rate", type=float, default=None, help="Posts per second (default: as fast as possible).")
@click.option("--start", type=click.DateTime(), default=None, help="Timestamp of post 0, UTC (without --rate).")
@_delivery_options
@_handle_errors
def ingest_synthetic(
    lake: str | None,
    config_path: str | None,
    count: int | None,
    seed: int,
    rate: float | None,
    start: datetime | None,
    keywords: str | None,
    flush_records: int | None,
    flush_seconds: float | None,
) -> None:
    """Generate realistic posts (seeded, deterministic). Resumes where the same seed stopped."""
    from tweetlake.sources.synthetic import SyntheticSource

    config = _config(lake, config_path)
    source = SyntheticSource(seed=seed, count=count, rate=rate, start=start.replace(tzinfo=UTC) if start else None)
    _run_ingest(config, source, keywords, _limits(config, flush_records, flush_seconds), count)


@ingest.command("replay")
@lake_option
@click.argument("files", nargs=-1, required=True)
@_delivery_options
@_handle_errors
def ingest_replay(
    lake: str | None,
    config_path: str | None,
    files: tuple[str, ...],
    keywords: str | None,
    flush_records: int | None,
    flush_seconds: float | None,
) -> None:
    """Replay archives you own: v1.1 statuses, X API v2 objects or flat JSON lines.

    FILES may be plain or gzipped; '-' reads stdin. Posts the lake already holds are skipped.
    """
    from tweetlake.sources.replay import ReplaySource

    config = _config(lake, config_path)
    _run_ingest(config, ReplaySource(list(files)), keywords, _limits(config, flush_records, flush_seconds), None)


def _live(name: str, config: Config, keywords: str | None, endpoint: str | None, **options: Any) -> Any:
    from tweetlake.sources import build_live_source
    from tweetlake.sources.keywords import KeywordFilter

    spec = keywords if keywords is not None else config.keywords
    settings = config.sources.get(name, {})
    return build_live_source(name, settings, KeywordFilter(spec), endpoint=endpoint, **options)


_ENDPOINT = click.option(
    "--endpoint", default=None, metavar="URL", help="Server to connect to (default: the public service)."
)


@ingest.command("bluesky")
@lake_option
@_ENDPOINT
@click.option("--no-profiles", is_flag=True, help="Do not look up handles and follower counts (AppView).")
@_delivery_options
@_handle_errors
def ingest_bluesky(
    lake: str | None,
    config_path: str | None,
    endpoint: str | None,
    no_profiles: bool,
    keywords: str | None,
    flush_records: int | None,
    flush_seconds: float | None,
) -> None:
    """Bluesky's Jetstream firehose (free, no key), filtered by --keywords. Runs until Ctrl-C."""
    config = _config(lake, config_path)
    source = _live("bluesky", config, keywords, endpoint, profiles=False if no_profiles else None)
    _run_ingest(config, source, keywords, _limits(config, flush_records, flush_seconds), None)


@ingest.command("x")
@lake_option
@_ENDPOINT
@_delivery_options
@_handle_errors
def ingest_x(
    lake: str | None,
    config_path: str | None,
    endpoint: str | None,
    keywords: str | None,
    flush_records: int | None,
    flush_seconds: float | None,
) -> None:
    """The X API v2 filtered stream (paid). Token: $TWEETLAKE_X_BEARER_TOKEN or [sources.x] token_file."""
    config = _config(lake, config_path)
    source = _live("x", config, keywords, endpoint)
    _run_ingest(config, source, keywords, _limits(config, flush_records, flush_seconds), None)


@ingest.command("mastodon")
@lake_option
@_ENDPOINT
@click.option("--stream", default=None, help="public (default), public:local, public:remote or hashtag.")
@click.option("--tag", default=None, help="The hashtag, for --stream hashtag (without #).")
@_delivery_options
@_handle_errors
def ingest_mastodon(
    lake: str | None,
    config_path: str | None,
    endpoint: str | None,
    stream: str | None,
    tag: str | None,
    keywords: str | None,
    flush_records: int | None,
    flush_seconds: float | None,
) -> None:
    """A Mastodon server's streaming API. Token: $TWEETLAKE_MASTODON_TOKEN or [sources.mastodon] token_file."""
    config = _config(lake, config_path)
    source = _live("mastodon", config, keywords, endpoint, stream=stream, tag=tag)
    _run_ingest(config, source, keywords, _limits(config, flush_records, flush_seconds), None)


# -- enrich ----------------------------------------------------------------------------------------
def _spec(config: Config, sentiment: str | None, entities: str | None) -> Any:
    from tweetlake.analyzers import AnalyzerSpec

    spec = AnalyzerSpec(sentiment or config.sentiment, entities or config.entities, config.langid)
    spec.check()
    return spec


def _analyzer_options(func: F) -> F:
    func = click.option("--entities", default=None, help="Entity analyzer: spacy (default), comprehend or none.")(func)
    return click.option("--sentiment", default=None, help="Sentiment analyzer: linear (default), vader, comprehend.")(
        func
    )


def _dashboard_options(func: F) -> F:
    func = click.option("--no-dashboard", is_flag=True, help="Do not serve the dashboard.")(func)
    func = click.option("--port", type=int, default=8765, show_default=True, help="Dashboard port.")(func)
    return click.option(
        "--host", default="127.0.0.1", show_default=True, help="Dashboard address; off loopback a token is required."
    )(func)


def _dashboard(storage: Any, host: str, port: int, disabled: bool) -> Any:
    if disabled:
        return None
    from tweetlake.dashboard.server import DashboardServer

    return DashboardServer(storage, host=host, port=port)


_WORKERS = click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Analyzer processes (default: one per CPU core, at most 4).",
)


def _workers(requested: int | None) -> int:
    return requested or max(1, min(4, os.cpu_count() or 1))


#: Set by :func:`main`: this process is the ``tweetlake`` command, not a host that invoked
#: :data:`cli` (tests, an embedding application), so it may change process-wide state.
_OWNS_PROCESS = False


def _in_process_analyzers(spec: Any, workers: int) -> Any:
    """The analyzers to hand the enricher: None (each worker loads its own, or the enricher
    loads them when needed), except in the ``tweetlake`` command with one worker, where they
    are loaded here and frozen out of the garbage collector's scans, as in every worker
    process (``runtime.freeze_loaded``: ~4 % of the analysis time)."""
    if workers > 1 or not _OWNS_PROCESS:
        return None
    from tweetlake.analyzers import load_analyzers
    from tweetlake.runtime import freeze_loaded

    analyzers = load_analyzers(spec.sentiment, spec.entities, spec.langid)
    freeze_loaded()
    logging.getLogger(__name__).info("analyzers loaded in this process, frozen out of the GC's scans")
    return analyzers


@cli.command()
@lake_option
@click.option("--follow", is_flag=True, help="Keep watching for new batches until Ctrl-C.")
@_analyzer_options
@_WORKERS
@_handle_errors
def enrich(
    lake: str | None,
    config_path: str | None,
    follow: bool,
    sentiment: str | None,
    entities: str | None,
    workers: int | None,
) -> None:
    """Turn pending raw batches into the tweets, sentiment and entities tables (exactly once)."""
    from tweetlake.enrich.runner import Enricher
    from tweetlake.tables.compact import CompactionPolicy

    config = _config(lake, config_path)
    storage = _storage(config)
    spec = _spec(config, sentiment, entities)
    count = _workers(workers)
    with _graceful_stop() as stop, RichReporter("enrich") as reporter:
        enricher = Enricher(
            storage,
            _in_process_analyzers(spec, count),  # else loaded where they run
            reporter=reporter,
            compaction=CompactionPolicy() if follow else None,
            workers=count,
            spec=spec,
        )
        totals = enricher.run(follow=follow, stop=stop)
    c = totals.counts
    console.print(
        kv_table(
            f"enrich → {storage.url}",
            [
                ("batches", totals.batches),
                ("posts enriched", totals.posts),
                ("duplicates skipped", totals.duplicates),
                ("quarantined", totals.quarantined),
                ("sentiment unsupported (language)", c.get("sentiment_unsupported", 0)),
                ("entity rows", c.get("entity_rows", 0)),
                ("seconds", f"{totals.seconds:.2f}"),
                ("posts/s", f"{totals.posts_per_second:,.0f}"),
            ],
        )
    )


# -- run and demo ----------------------------------------------------------------------------------
def _source(
    name: str,
    seed: int,
    count: int | None,
    rate: float | None,
    files: tuple[str, ...],
    config: Config,
    keywords: str | None,
    endpoint: str | None,
) -> Any:
    from tweetlake.errors import ConfigError
    from tweetlake.sources import LIVE_SOURCES

    if name in LIVE_SOURCES:
        return _live(name, config, keywords, endpoint)
    if name == "synthetic":
        from tweetlake.sources.synthetic import SyntheticSource

        return SyntheticSource(seed=seed, count=count, rate=rate)
    if name == "replay":
        from tweetlake.sources.replay import ReplaySource

        return ReplaySource(list(files))
    raise ConfigError(f"unknown source {name!r}; choose synthetic, replay, {', '.join(LIVE_SOURCES)} (--source)")


@cli.command()
@lake_option
@click.option(
    "--source", "source_name", default="synthetic", show_default=True, help="synthetic, replay, bluesky, x or mastodon."
)
@_ENDPOINT
@click.option("--file", "files", multiple=True, help="Archive to replay (repeatable; with --source replay).")
@click.option("--count", type=int, default=None, help="synthetic: stop after this many posts.")
@click.option("--seed", type=int, default=1, show_default=True, help="synthetic: the stream's seed.")
@click.option("--rate", type=float, default=None, help="synthetic: posts per second.")
@_delivery_options
@_analyzer_options
@_WORKERS
@_dashboard_options
@_handle_errors
def run(
    lake: str | None,
    config_path: str | None,
    source_name: str,
    endpoint: str | None,
    files: tuple[str, ...],
    count: int | None,
    seed: int,
    rate: float | None,
    keywords: str | None,
    flush_records: int | None,
    flush_seconds: float | None,
    sentiment: str | None,
    entities: str | None,
    workers: int | None,
    host: str,
    port: int,
    no_dashboard: bool,
) -> None:
    """Run every stage continuously: source → delivery → enrich → tables, with the dashboard.
    Ctrl-C drains and exits."""
    from tweetlake.pipeline import Pipeline
    from tweetlake.sources.keywords import KeywordFilter
    from tweetlake.tables.compact import CompactionPolicy

    config = _config(lake, config_path)
    storage = _storage(config)
    spec, processes = _spec(config, sentiment, entities), _workers(workers)
    pipeline = Pipeline(
        storage,
        _source(source_name, seed, count, rate, files, config, keywords, endpoint),
        _in_process_analyzers(spec, processes),  # else loaded where they run
        keywords=KeywordFilter(keywords if keywords is not None else config.keywords),
        limits=_limits(config, flush_records, flush_seconds),
        compaction=CompactionPolicy(),
        workers=processes,
        spec=spec,
    )
    server = _dashboard(storage, host, port, no_dashboard)
    err_console.print(f"running {source_name} → {storage.url} (Ctrl-C to stop)")
    if server is not None:
        server.start()
        err_console.print(f"[bold green]dashboard:[/] {server.url}")
    try:
        with _graceful_stop() as stop:
            pipeline.stop = stop
            result = pipeline.run()
    finally:
        if server is not None:
            server.stop()
    _print_status(storage)
    if result.ingest:
        err_console.print(f"ingested {result.ingest.counts.received:,} records; enriched {result.enrich.posts:,} posts")


@cli.command()
@lake_option
@click.option("--rate", type=float, default=12.0, show_default=True, help="Synthetic posts per second.")
@click.option("--duration", type=float, default=None, help="Stop after this many seconds (default: Ctrl-C).")
@click.option("--keywords", default="ukraine, russia, climate, ai, football", show_default=True)
@click.option("--no-browser", is_flag=True, help="Do not open a web browser.")
@_dashboard_options
@_handle_errors
def demo(
    lake: str | None,
    config_path: str | None,
    rate: float,
    duration: float | None,
    keywords: str,
    no_browser: bool,
    host: str,
    port: int,
    no_dashboard: bool,
) -> None:
    """Run the whole pipeline on synthetic posts, with the dashboard and a live summary. No network needed."""
    from tweetlake.cli.demo import run_demo

    config = _config(lake or "demo-lake", config_path)
    server = _dashboard(_storage(config), host, port, no_dashboard)
    with _graceful_stop() as stop:
        run_demo(
            config,
            rate=rate,
            duration=duration,
            keywords=keywords,
            stop=stop,
            dashboard=server,
            open_browser=not no_browser,
        )


@cli.command()
@lake_option
@_dashboard_options
@_handle_errors
def dashboard(lake: str | None, config_path: str | None, host: str, port: int, no_dashboard: bool) -> None:
    """Serve the live dashboard for a lake (read-only). Binds 127.0.0.1 unless --host says otherwise."""
    config = _config(lake, config_path)
    server = _dashboard(_storage(config), host, port, False)
    err_console.print(f"[bold green]dashboard:[/] {server.url}  (Ctrl-C to stop)")
    if server.token:
        err_console.print(
            "[yellow]serving beyond this machine: the URL above carries the access token; share it with care.[/]"
        )
    server.serve_forever()


@cli.command()
@lake_option
@click.option("--out", type=click.Path(dir_okay=False), default="report.html", show_default=True)
@click.option("--range", "time_range", default="all", show_default=True, help="15m, 1h, 6h, 24h, 7d, 30d or all.")
@click.option("--keyword", default=None, help="Only posts that matched this keyword.")
@_handle_errors
def report(lake: str | None, config_path: str | None, out: str, time_range: str, keyword: str | None) -> None:
    """Write a self-contained HTML snapshot of the dashboard (opens offline)."""
    from tweetlake.dashboard.queries import Filters
    from tweetlake.dashboard.report import build_report

    config = _config(lake, config_path)
    params = {"range": time_range, **({"keyword": keyword} if keyword else {})}
    path = build_report(_storage(config), Path(out), Filters.parse(params))
    err_console.print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


# -- eval ------------------------------------------------------------------------------------------
@cli.group(name="eval")
def eval_group() -> None:
    """Score an analyzer on a labelled file (formats: see `tweetlake eval sentiment --help`)."""


@eval_group.command("sentiment")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--labels", type=click.Path(exists=True, dir_okay=False), help="Label file paired with FILE (0/1/2).")
@click.option("--analyzer", default="linear", show_default=True, help="linear, vader, comprehend or wordlist.")
@click.option("--lang", default="en", show_default=True, help="Language of the texts (JSON lines may set their own).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_handle_errors
def eval_sentiment(file: str, labels: str | None, analyzer: str, lang: str, as_json: bool) -> None:
    """Macro-recall, accuracy, macro-F1, per-class figures and tweets/s of a sentiment analyzer.

    FILE is one of: a text file with --labels (one tweet / one label 0,1,2 per line, as TweetEval
    and XLM-T ship them); a SemEval TSV (id, label, text); or JSON lines {"text", "label", "lang"}.
    """
    from tweetlake.analyzers import load_sentiment
    from tweetlake.evaluate import evaluate_sentiment, read_sentiment

    examples = read_sentiment(Path(file), Path(labels) if labels else None, lang)
    report = evaluate_sentiment(load_sentiment(analyzer), examples)
    if as_json:
        click.echo(json.dumps(report.as_dict()))
        return
    console.print(
        kv_table(
            f"{report.analyzer} on {file} ({report.examples:,} tweets)",
            [
                ("macro-recall", f"{report.macro_recall:.4f}"),
                ("accuracy", f"{report.accuracy:.4f}"),
                ("macro-F1", f"{report.macro_f1:.4f}"),
                *[
                    (f"{cls.lower()}  P / R / F1", f"{v['precision']:.3f} / {v['recall']:.3f} / {v['f1']:.3f}")
                    for cls, v in report.per_class.items()
                ],
                ("answered MIXED (counted wrong)", f"{100 * report.mixed_share:.1f} %"),
                ("skipped (language unsupported)", report.unsupported),
                ("tweets/s (1 process)", f"{report.tweets_per_second:,.0f}"),
            ],
        )
    )


@eval_group.command("entities")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--analyzer", default="spacy", show_default=True, help="spacy or comprehend.")
@click.option("--lang", default="en", show_default=True)
@click.option("--keep-handles", is_flag=True, help="Also score @mention and #hashtag spans (left out by default).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_handle_errors
def eval_entities(file: str, analyzer: str, lang: str, keep_handles: bool, as_json: bool) -> None:
    """Entity precision, recall and F1 (exact span and type), overall and per type, and tweets/s.

    FILE is CoNLL: token<TAB>BIO-tag per line, a blank line between tweets (WNUT17, BTC).
    """
    from tweetlake.analyzers import load_entities
    from tweetlake.errors import ConfigError
    from tweetlake.evaluate import evaluate_entities, read_conll

    loaded = load_entities(analyzer)
    if loaded is None:
        raise ConfigError("--analyzer none has nothing to evaluate")
    report = evaluate_entities(loaded, read_conll(Path(file)), lang=lang, keep_handles=keep_handles)
    if as_json:
        click.echo(json.dumps(report.as_dict()))
        return
    rows = [
        ("precision / recall / F1", f"{report.precision:.3f} / {report.recall:.3f} / {report.f1:.3f}"),
        *[
            (f"{t}  P / R / F1 (n={v['support']})", f"{v['precision']:.3f} / {v['recall']:.3f} / {v['f1']:.3f}")
            for t, v in report.per_type.items()
        ],
        ("tweets/s (1 process)", f"{report.tweets_per_second:,.0f}"),
    ]
    console.print(kv_table(f"{report.analyzer} on {file} ({report.tweets:,} tweets)", rows))


# -- query, ddl, compact, status -------------------------------------------------------------------
@cli.command()
@lake_option
@click.argument("sql")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--max-rows", type=int, default=None, help="Row cap (default from [query] max_rows: 10000).")
@click.option("--timeout", type=float, default=None, help="Seconds before the query is stopped (default 30).")
@_handle_errors
def query(
    lake: str | None, config_path: str | None, sql: str, fmt: str, max_rows: int | None, timeout: float | None
) -> None:
    """Run read-only SQL over the views tweets, sentiment, entities and quarantine (DuckDB)."""
    from tweetlake.query.engine import QueryEngine

    config = _config(lake, config_path)
    engine = QueryEngine(
        _storage(config),
        timeout=timeout or config.query_timeout,
        max_rows=max_rows or config.query_max_rows,
    )
    with engine:
        render_result(engine.execute(sql), fmt)


@cli.command()
@lake_option
@click.option(
    "--location", default=None, help="Where the tables live for the engine, e.g. s3://bucket/lake (default: the lake)."
)
@click.option("--database", default=None, help="Qualify table names with this database.")
@click.option("--no-projection", is_flag=True, help="Leave out Athena partition projection (for Spark SQL / Hive).")
@_handle_errors
def ddl(
    lake: str | None, config_path: str | None, location: str | None, database: str | None, no_projection: bool
) -> None:
    """Print CREATE EXTERNAL TABLE statements (Athena/Glue style) for the tables and rollups."""
    from tweetlake.tables.ddl import create_table_statements

    config = _config(lake, config_path)
    target = location or _storage(config).url
    for statement in create_table_statements(target, database=database, projection=not no_projection):
        click.echo(statement + "\n")


@cli.command()
@lake_option
@_handle_errors
def compact(lake: str | None, config_path: str | None) -> None:
    """Merge small table files into large ones, atomically, without changing any row.

    A lake written before rollup tables existed gets them here (the dashboard reads them)."""
    from tweetlake.tables.catalog import LOCK, Catalog
    from tweetlake.tables.compact import CompactionPolicy, compact_tables
    from tweetlake.tables.rollups import covered, rebuild_rollups

    storage = _storage(_config(lake, config_path))
    catalog = Catalog(storage)
    rebuilt = 0
    with storage.lock(LOCK, "compact"), RichReporter("compact") as reporter:
        state = catalog.read()
        if not covered(state):
            rebuilt = rebuild_rollups(storage, catalog, state, reporter=reporter)
        result = compact_tables(storage, catalog, state, CompactionPolicy(), min_files=2, reporter=reporter)
        catalog.checkpoint(state, catalog.load_keys(state))
    console.print(
        kv_table(
            f"compact → {storage.url}",
            [
                ("partitions compacted", result.partitions),
                ("files before", result.files_before),
                ("files after", result.files_after),
                ("rows rewritten", result.rows),
                ("posts counted into new rollups", rebuilt),
            ],
        )
    )


def _print_status(storage: Any, as_json: bool = False) -> None:
    from tweetlake.status import lake_status

    status = lake_status(storage)
    if as_json:
        click.echo(json.dumps(status.as_dict(), default=str))
        return
    console.print(
        kv_table(
            f"tweetlake status: {status.lake}",
            [
                ("received", status.received),
                ("  accepted", status.accepted),
                ("  filtered out (keywords)", status.filtered),
                ("  quarantined at ingest", status.quarantined_ingest),
                ("accepted, of which", ""),
                ("  enriched (in tables)", status.enriched),
                ("  duplicates skipped", status.duplicates),
                ("  quarantined at enrich", status.quarantined_enrich),
                ("  pending enrich", status.pending_posts),
                ("sentiment NULL (unsupported language)", status.sentiment_unsupported),
                ("entity rows", status.entity_rows),
                *[(f"notices: {k}", v) for k, v in sorted(status.notices.items())],
                *[(f"table {t}", f"{v['rows']:,} rows in {v['files']} files") for t, v in status.tables.items()],
            ],
        )
    )
    for source_id, described in sorted(status.sources.items()):
        rows = [(key, json.dumps(value) if not isinstance(value, str) else value) for key, value in described.items()]
        rules = described.get("rules")
        if isinstance(rules, list):
            rows = [r for r in rows if r[0] != "rules"]
            rows += [(f"rule {i + 1}", f"{r.get('value')}  [tag: {r.get('tag')}]") for i, r in enumerate(rules)]
        console.print(kv_table(f"source {source_id}", rows))
    problems = status.check()
    if problems:
        err_console.print("[bold red]counts do not add up:[/] " + "; ".join(problems))
    else:
        err_console.print("[green]counts add up.[/]")


@cli.command()
@lake_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_handle_errors
def status(lake: str | None, config_path: str | None, as_json: bool) -> None:
    """Counts per stage (received, accepted, filtered, duplicates, quarantined, enriched)."""
    config = _config(lake, config_path)
    if not Path(config.lake).exists() and "://" not in config.lake:
        from tweetlake.errors import LakeError

        raise LakeError(f"no lake at {config.lake} ({config.lake_origin}). Run `tweetlake ingest …` or pass --lake.")
    _print_status(_storage(config), as_json)


def main() -> None:
    global _OWNS_PROCESS
    _OWNS_PROCESS = True
    cli(prog_name="tweetlake")
