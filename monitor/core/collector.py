"""Pausing Python's cyclic garbage collector while a period's rows are read into plain values.

A report context or a generation run allocates hundreds of thousands of tuples and small dataclasses
that hold no reference cycles: reference counting frees them. While they are being built, the cyclic
collector's full passes walk every one of them again and again and find nothing; at production size
that was a third of the report context's load (docs/scale.md). It runs again as soon as the block ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_collection_paused() -> Iterator[None]:
    """Run the block with the cyclic collector paused (process-wide), then restore it as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
