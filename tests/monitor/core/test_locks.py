"""Job locks: one crawl or prune at a time; a second waits (saying why and for whom) or refuses."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from monitor.core.locks import JobBusy, job_lock
from monitor.core.settings import load_settings


def test_a_waiting_job_gets_the_lock_once_its_holder_lets_go(tmp_path: Path) -> None:
    settings = load_settings(None, var_dir=tmp_path)
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with job_lock(settings, "crawl"):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(10)
        told: list[str] = []
        with pytest.raises(JobBusy, match=f"held by pid {os.getpid()} on "), job_lock(settings, "crawl"):
            pass

        def waiting(why: str) -> None:
            told.append(why)
            release.set()  # the holder finishes while we wait

        with job_lock(settings, "crawl", wait_seconds=10, on_wait=waiting):
            pass
        assert len(told) == 1 and "waiting up to 10 s" in told[0]
    finally:
        release.set()
        thread.join(10)
