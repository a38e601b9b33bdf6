"""Named exclusive locks under var/: one crawl (or prune) at a time, whoever started it."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from monitor.core.settings import Settings


class JobBusy(RuntimeError):
    """Another run of the same job holds its lock."""


@contextmanager
def job_lock(settings: Settings, name: str) -> Iterator[None]:
    """An exclusive, non-blocking lock under var/ that also excludes crawls started by hand."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path = settings.var_dir / f"{name}.lock"
    with path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise JobBusy(f"{name} is already running (lock {path})") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
