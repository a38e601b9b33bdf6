"""Pausing Python's cyclic garbage collector while a period's rows are read into plain values.

A report context or a generation run allocates hundreds of thousands of tuples and small dataclasses
that hold no reference cycles: reference counting frees them. While they are being built, the cyclic
collector's full passes walk every one of them again and again and find nothing; at production size
that was a third of the report context's load (docs/scale.md). It runs again as soon as the last block
that paused it ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0  # blocks running with the collector paused, in every thread (the web app builds reports in
_resume = False  # several); whether the collector was on before the first of them


@contextmanager
def cyclic_collection_paused() -> Iterator[None]:
    """Run the block with the cyclic collector paused (process-wide). Blocks may nest and overlap across
    threads: the collector is restored, as it was before the first, when the last one ends."""
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
