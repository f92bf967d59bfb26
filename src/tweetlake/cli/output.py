"""Everything the CLI prints goes through here: tables, CSV/JSON, progress and errors."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from tweetlake.query.engine import QueryResult

__all__ = ["RichReporter", "console", "err_console", "render_result"]

console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def render_result(result: QueryResult, fmt: str) -> None:
    """Print a query result as ``table``, ``csv`` or ``json`` (a list of objects)."""
    columns = result.columns
    rows = result.rows()
    if fmt == "json":
        click.echo(
            json.dumps([{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in rows], ensure_ascii=False)
        )
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(
                ["" if v is None else json.dumps(_plain(v)) if isinstance(v, list) else _plain(v) for v in row]
            )
        click.echo(buffer.getvalue(), nl=False)
    else:
        table = Table(show_header=True, header_style="bold", show_lines=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*[_cell(v) for v in row])
        console.print(table)
    if result.truncated:
        err_console.print(f"[yellow]showing the first {len(rows)} rows; the result has more (raise --max-rows)[/]")


def _cell(value: Any) -> str:
    if value is None:
        return "∅"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(_plain(value))


def kv_table(title: str, rows: Sequence[tuple[str, Any]]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left", title_style="bold")
    table.add_column(style="dim")
    table.add_column(justify="right")
    for key, value in rows:
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    return table


class RichReporter:
    """Turns library progress into a rich progress bar on stderr (silent when not a terminal)."""

    def __init__(self, description: str) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=False,
            disable=not sys.stderr.isatty(),
        )
        self._tasks: dict[str, Any] = {}
        self._fields: dict[str, dict[str, int]] = {}
        self.description = description

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def _task(self, stage: str) -> Any:
        if stage not in self._tasks:
            self._tasks[stage] = self.progress.add_task(stage, total=None, detail="")
        return self._tasks[stage]

    def total(self, stage: str, total: int | None) -> None:
        self.progress.update(self._task(stage), total=total)

    def advance(self, stage: str, n: int = 1, **fields: int) -> None:
        acc = self._fields.setdefault(stage, {})
        for key, value in fields.items():
            acc[key] = acc.get(key, 0) + value
        detail = "  ".join(f"{k} {v:,}" for k, v in acc.items())
        self.progress.update(self._task(stage), advance=n, detail=detail)
