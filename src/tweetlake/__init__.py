"""tweetlake: streaming analytics for social posts, on a laptop or scaled out.

The data flows through one package per stage, in this order::

    sources/   → delivery/  → enrich/ (+ analyzers/) → tables/ → query/
    (posts)      (raw zone)   (the three tables' rows)  (Parquet)  (DuckDB)

``pipeline`` orchestrates them; ``cli`` is a thin layer over it. Start with :class:`Storage`
(the lake), a source, :func:`ingest`, :class:`Enricher` and :class:`QueryEngine`.
"""

from __future__ import annotations

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
