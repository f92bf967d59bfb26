"""tweetlake: streaming analytics for social posts, on a laptop or scaled out.

The data flows through one package per stage, in this order::

    sources/   → delivery/  → enrich/ (+ analyzers/) → tables/ → query/
    (posts)      (raw zone)   (the three tables' rows)  (Parquet)  (DuckDB)

``pipeline`` orchestrates them; ``cli`` is a thin layer over it. Start with :class:`Storage`
(the lake), a source, :func:`ingest`, :class:`Enricher` and :class:`QueryEngine`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tweetlake.analyzers import Analyzers
    from tweetlake.delivery.batcher import DeliveryLimits
    from tweetlake.enrich.core import enrich_batch
    from tweetlake.enrich.runner import Enricher
    from tweetlake.errors import TweetlakeError
    from tweetlake.pipeline import Pipeline, ingest
    from tweetlake.query.engine import QueryEngine
    from tweetlake.record import Post
    from tweetlake.sources.keywords import KeywordFilter
    from tweetlake.status import lake_status
    from tweetlake.storage import Storage

# Imported on first use, so a process that needs one stage (an analyzer worker, a CLI command)
# does not load every engine (DuckDB, spaCy) with the package.
_EXPORTS = {
    "Analyzers": "tweetlake.analyzers",
    "DeliveryLimits": "tweetlake.delivery.batcher",
    "enrich_batch": "tweetlake.enrich.core",
    "Enricher": "tweetlake.enrich.runner",
    "TweetlakeError": "tweetlake.errors",
    "Pipeline": "tweetlake.pipeline",
    "ingest": "tweetlake.pipeline",
    "QueryEngine": "tweetlake.query.engine",
    "Post": "tweetlake.record",
    "KeywordFilter": "tweetlake.sources.keywords",
    "lake_status": "tweetlake.status",
    "Storage": "tweetlake.storage",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tweetlake' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__version__ = "0.1.0"

__all__ = [
    "Analyzers",
    "DeliveryLimits",
    "Enricher",
    "KeywordFilter",
    "Pipeline",
    "Post",
    "QueryEngine",
    "Storage",
    "TweetlakeError",
    "__version__",
    "enrich_batch",
    "ingest",
    "lake_status",
]
