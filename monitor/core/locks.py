"""Named exclusive locks under var/: one crawl (or prune) at a time, whoever started it.

The kernel releases a lock when its process ends however it ends (killed outright included), so a
crashed crawl never leaves its lock behind. The holder writes its pid and host into the lock file, so
a refusal can say who holds it.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from monitor.core.settings import Settings

POLL_SECONDS = 0.5


class JobBusy(RuntimeError):
    """Another run of the same job holds its lock."""


def _try_lock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(handle: IO[str]) -> str:
    handle.seek(0)
    text = handle.read().strip()
    return f" by {text}" if text else ""


@contextmanager
def job_lock(
    settings: Settings, name: str, wait_seconds: float = 0, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """An exclusive lock under var/ that also excludes crawls started by hand.

    Busy, it waits up to `wait_seconds` (telling `on_wait` once why), then raises JobBusy.
    """
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path = settings.var_dir / f"{name}.lock"
    with path.open("a+") as handle:  # not "w": that would erase the holder's name
        deadline = time.monotonic() + wait_seconds
        if not _try_lock(handle):
            held = f"{name} is already running (lock {path} held{_holder(handle)})"
            if wait_seconds <= 0:
                raise JobBusy(held)
            if on_wait is not None:
                on_wait(f"{held}; waiting up to {wait_seconds:g} s")
            while not _try_lock(handle):
                if time.monotonic() >= deadline:
                    raise JobBusy(f"{held}; gave up after {wait_seconds:g} s")
                time.sleep(POLL_SECONDS)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)
