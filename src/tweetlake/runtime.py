"""Process-wide settings for the ``tweetlake`` command and its worker processes.

A library should not change a host application's allocators or garbage collector, so the
package calls :func:`configure_process` and :func:`freeze_loaded` only in processes it owns:
the CLI (it freezes its models only when it runs as the ``tweetlake`` command and analyses
in-process), and each analyzer worker. :func:`release_memory` changes nothing a host
relies on, so compaction calls it wherever it runs.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import sys

import pyarrow as pa

__all__ = ["configure_process", "freeze_loaded", "release_memory"]


def configure_process() -> None:
    """Give Arrow the system allocator, unless ``ARROW_DEFAULT_MEMORY_POOL`` chooses one.

    Arrow's default (mimalloc) keeps the pages of freed buffers: after compacting 40,000
    posts the process held ~80 MB more than with the system allocator, at the same speed.
    Long runs (``tweetlake run``) compact every few minutes, so that kept memory would be the
    larger part of the writer's growth.
    """
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        pa.set_memory_pool(pa.system_memory_pool())


#: The young generation's size once the models are frozen (Python's default is 700 objects).
YOUNG_GENERATION = 50_000


def freeze_loaded() -> None:
    """Take every object alive now (the loaded models) out of the cyclic garbage collector's
    scans, and collect the young generation less often.

    A full collection walks every tracked object, and in an analyzer worker most of them
    (~130,000) belong to the models, which live as long as the process. Two full collections
    per 8,000 posts took ~0.35 s of a worker's ~8 s; with the models frozen they take ~4 ms.
    Garbage is collected first, so nothing already unreachable is kept.

    What the collector still tracks then is mostly the batch in hand: ~10,000 objects (posts,
    their lists, the rows being built) that live until the batch is done and are freed by
    reference counting, not by the collector. At the default threshold of 700, the collector
    ran ~27 times per 1,000 posts, for ~10 ms of the ~750 ms a worker spends on them. A young
    generation of 50,000 objects holds a few batches, so the collector runs when garbage with
    cycles has built up, and not every few dozen posts.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION, older, oldest)


def release_memory() -> None:
    """Hand memory freed by a large, short-lived job (compaction) back to the operating system.

    Arrow's system allocator frees with ``free``, and glibc keeps large freed blocks in its
    heap for reuse: after compacting 500,000 posts a process held ~460 MB of which ~270 MB
    was free. ``malloc_trim`` returns it (the process dropped to ~190 MB). Nothing else
    changes, so a library may call this; it does nothing where glibc is absent.
    """
    pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc (musl has no malloc_trim)
            ctypes.CDLL("libc.so.6").malloc_trim(0)
