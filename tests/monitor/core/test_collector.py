"""The cyclic collector stays paused while any report is being built, and comes back as it was."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from monitor.core.collector import cyclic_collection_paused


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_overlapping_blocks_in_two_threads_resume_the_collector_when_the_last_ends() -> None:
    gc.enable()
    first_inside, first_may_end = threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with cyclic_collection_paused():
            first_inside.set()
            first_may_end.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    assert first_inside.wait(10)
    with cyclic_collection_paused():  # a second report, begun while the first is being built
        first_may_end.set()
        thread.join(10)
        seen.append(gc.isenabled())  # the first has ended; this one still runs
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with cyclic_collection_paused(), cyclic_collection_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
