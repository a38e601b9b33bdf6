"""Real parts of a distributed crawl for tests: Redis on loopback and `rivalwatch worker` processes.

Redis: the one at 127.0.0.1:6379 when it answers; else `redis-server` is started there (installed by
scripts/bootstrap.sh where missing); a test that can have neither skips, saying why.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

REDIS_URL = os.environ.get("RIVALWATCH_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.exceptions.RedisError:
        return False


def redis_url() -> str:
    """The test Redis's URL, started if it is installed but down; skips the test when impossible."""
    if _redis_answers():
        return REDIS_URL
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip(
            "Redis is not answering at 127.0.0.1:6379 and redis-server is not installed "
            "(scripts/bootstrap.sh installs it with apt-get)"
        )
    subprocess.run(
        [
            server,
            "--bind",
            "127.0.0.1",
            "--port",
            "6379",
            "--daemonize",
            "yes",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        check=False,
        capture_output=True,
    )
    deadline = time.monotonic() + 10
    while not _redis_answers():
        if time.monotonic() > deadline:
            pytest.skip("redis-server was started but does not answer at 127.0.0.1:6379")
        time.sleep(0.1)
    return REDIS_URL


class Worker:
    """One `rivalwatch worker` process (concurrency 1), its output in a log file."""

    def __init__(self, name: str, env: Mapping[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        self.handle = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", "worker", "--concurrency", "1", "--name", name],
            env={**os.environ, **env},
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole, never by name
        )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while " ready." not in self.output():
            assert self.process.poll() is None, f"worker {self.name} exited:\n{self.output()[-3000:]}"
            assert time.monotonic() < deadline, f"worker {self.name} not ready:\n{self.output()[-3000:]}"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.handle.close()


@contextmanager
def workers(count: int, env: Mapping[str, str], folder: Path) -> Iterator[list[Worker]]:
    """`count` worker processes, ready to take tasks, stopped when the block ends."""
    started = [Worker(f"w{n}@%h", env, folder / f"worker-{n}.log") for n in range(1, count + 1)]
    try:
        for worker in started:
            worker.wait_ready()
        yield started
    finally:
        for worker in started:
            worker.stop()
