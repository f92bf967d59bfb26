"""``tweetlake report``: a self-contained HTML snapshot of the dashboard that opens offline.

The page, its styles, the charting library and the data are all inlined into one file; it makes
no network request. Filters are fixed to the ones the report was made with.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tweetlake.dashboard.app import STATIC
from tweetlake.dashboard.queries import Dashboard, Filters
from tweetlake.query.engine import QueryEngine
from tweetlake.storage import Storage

__all__ = ["build_report", "snapshot"]


def snapshot(dashboard: Dashboard, f: Filters) -> dict[str, Any]:
    """Every endpoint's answer for ``f``, keyed like the page's API paths."""
    data: dict[str, Any] = {
        "summary": dashboard.summary(f),
        "volume": dashboard.volume(f),
        "keywords": dashboard.keywords(f),
        "top/entities": dashboard.top("entities", f, limit=8),
        "breakdown/lang": dashboard.breakdown("lang", f),
        "breakdown/platform": dashboard.breakdown("platform", f),
        "posts": dashboard.posts(f, page=1, size=20),
        "quarantine": dashboard.quarantine(),
    }
    for kind in ("hashtags", "mentions", "domains", "authors"):
        data[f"top/{kind}"] = dashboard.top(kind, f)
    return data


def _script(code: str) -> str:
    return "<script>" + code.replace("</script", "<\\/script") + "</script>"


def build_report(storage: Storage, out: Path, f: Filters | None = None) -> Path:
    """Write the report to ``out`` and return its path."""
    f = f or Filters()
    with QueryEngine(storage, timeout=60) as engine:
        data = snapshot(Dashboard(engine), f)
    payload = {
        "lake": storage.url,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "filters": f.to_params(),
        "data": data,
    }
    blob = json.dumps(payload, ensure_ascii=False, default=str).replace("<", "\\u003c")
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    css = (STATIC / "app.css").read_text(encoding="utf-8")
    page = page.replace('<link rel="stylesheet" href="static/app.css">', f"<style>{css}</style>")
    scripts = "\n".join(
        [
            _script((STATIC / "vendor" / "echarts.min.js").read_text(encoding="utf-8")),
            _script(f"window.TWEETLAKE_SNAPSHOT = {blob};"),
            _script((STATIC / "app.js").read_text(encoding="utf-8")),
        ]
    )
    page = page.replace(
        '<script src="static/vendor/echarts.min.js"></script>\n  <script src="static/app.js"></script>', scripts
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
