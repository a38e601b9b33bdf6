"""Benchmark: a distributed day's crawl on 1 and on 2 worker processes, pages per minute.

    .venv/bin/python bench/bench_distributed.py [--copies 6] [--latency 3] [--concurrency 2] [--rounds 1]
        [--batch-size 6] [--pin]

Serves the demo's fictional sites (monitor.demo.fixture_server) on loopback, every page answering after
`--latency` seconds (as a site across the internet does: the crawl is bound by waiting, not by this
machine), with site configs listing each demo page `--copies` times (distinct `?copy=N` query strings).
For each worker count, a fresh PostgreSQL database (127.0.0.1:5432) and evidence folder, a fresh queue on
Redis (127.0.0.1:6379), `rivalwatch worker` processes (concurrency 1 each), then `rivalwatch crawl
--distributed` timed from queueing to the last page stored. Rounds alternate 1 and 2 workers (1, 2,
then 2, 1); the ratio is the median of the rounds' own ratios.

Prints pages per minute for each, the ratio of 2 workers to 1, and the CPU seconds a page costs (every
process the workers started, Chromium included: RUSAGE_CHILDREN of this process once the workers have
stopped) from which docs/distributed.md scales to 30,000 pages a day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import text

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from models.db import make_engine  # noqa: E402
from monitor.demo.fixture_server import FixtureServer  # noqa: E402

DEMO_SITES = REPO_ROOT / "config" / "demo-sites"
DAY = dt.date(2026, 11, 12)
POSTGRES = os.environ.get("RIVALWATCH_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
REDIS = os.environ.get("RIVALWATCH_BENCH_REDIS", "redis://127.0.0.1:6379/0")


def write_sites(folder: Path, copies: int) -> int:
    """The demo site configs with every page `copies` times; the number of pages."""
    folder.mkdir(parents=True)
    total = 0
    for source in sorted(DEMO_SITES.glob("*.yaml")):
        config = yaml.safe_load(source.read_text(encoding="utf-8"))
        config["pages"] = [
            {**page, "key": f"{page['key']}-{copy}", "url": f"{page['url']}?copy={copy}"}
            for page in config["pages"]
            for copy in range(copies)
        ]
        total += len(config["pages"])
        (folder / source.name).write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return total


@dataclass
class Measured:
    workers: int
    pages: int
    seconds: float
    cpu_seconds: float

    @property
    def per_minute(self) -> float:
        return self.pages * 60 / self.seconds


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def stop_workers(started: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each worker's process group (the worker, its crawl processes, their Chromium)."""
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in started:
        process.wait()


def run(workers: int, pages: int, env: dict[str, str], work: Path, admin: object, pin: bool) -> Measured:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:  # type: ignore[attr-defined]
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    env = {
        **os.environ,
        **env,
        "RIVALWATCH_DATABASE_URL": f"{POSTGRES}/{name}",
        "RIVALWATCH_VAR_DIR": str(work / name),
        "RIVALWATCH_CRAWL__QUEUE": f"bench-{name}",
    }
    command = [sys.executable, "-m", "monitor.cli"]
    started: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run([*command, "db", "upgrade"], env=env, check=True, capture_output=True)
        cpu_before = children_cpu()
        for number in range(workers):
            log = (work / f"{name}-worker-{number}.log").open("wb")
            # --pin: worker N and every process it starts (crawl, Chromium) on core N alone, as if each
            # worker had a machine of its own; unpinned, the workers share every core.
            pinned = ["taskset", "--cpu-list", str(number % (os.cpu_count() or 1))] if pin else []
            started.append(
                subprocess.Popen(
                    [*pinned, *command, "worker", "--concurrency", "1", "--name", f"bench{number}@%h"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        for number in range(workers):
            log_path = work / f"{name}-worker-{number}.log"
            while b" ready." not in log_path.read_bytes():
                time.sleep(0.2)
        begin = time.monotonic()
        crawl = subprocess.run(
            [*command, "crawl", "--distributed", "--date", DAY.isoformat()],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.monotonic() - begin
        if f"{pages} of {pages} pages stored" not in crawl.stdout:
            raise SystemExit(f"the crawl did not store every page:\n{crawl.stdout}\n{crawl.stderr}")
        stop_workers(started)
        return Measured(workers, pages, seconds, children_cpu() - cpu_before)
    finally:
        stop_workers(started)  # also when the bench is stopped or fails: no worker left behind
        with admin.connect() as connection:  # type: ignore[attr-defined]
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--copies", type=int, default=6, help="times each demo page is listed")
    parser.add_argument("--latency", type=float, default=3.0, help="seconds each page waits to answer")
    parser.add_argument("--concurrency", type=int, default=2, help="crawl.concurrent_requests per worker")
    parser.add_argument("--batch-size", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--pin",
        action="store_true",
        help="each worker (and its crawl processes and Chromium) on a core of its own (Linux taskset)",
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: run the clean-ups (workers, databases)
    admin = make_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    with tempfile.TemporaryDirectory(prefix="rivalwatch-bench-") as temporary:
        work = Path(temporary)
        pages = write_sites(work / "sites", args.copies)
        with FixtureServer(day=DAY, latency=args.latency) as server:
            env = {
                "RIVALWATCH_SITES_DIR": str(work / "sites"),
                "RIVALWATCH_DEMO_URL": server.base_url,
                "RIVALWATCH_CRAWL__SIMULATED_DAY": DAY.isoformat(),
                "RIVALWATCH_CRAWL__BROKER_URL": REDIS,
                "RIVALWATCH_CRAWL__BATCH_SIZE": str(args.batch_size),
                "RIVALWATCH_CRAWL__CONCURRENT_REQUESTS": str(args.concurrency),
            }
            results: dict[int, list[Measured]] = {1: [], 2: []}
            for round_number in range(args.rounds):
                # 1, 2, then 2, 1: the machine's drift falls on both alike.
                for workers in (1, 2) if round_number % 2 == 0 else (2, 1):
                    measured = run(workers, pages, env, work, admin, args.pin)
                    results[workers].append(measured)
                    rate = f"{measured.per_minute:.1f} pages/min"
                    cost = f"{measured.cpu_seconds / pages:.2f} CPU s a page"
                    print(f"{workers} worker(s): {pages} pages in {measured.seconds:.1f} s = {rate}, {cost}")
    admin.dispose()
    one = statistics.median(m.per_minute for m in results[1])
    two = statistics.median(m.per_minute for m in results[2])
    ratios = [b.per_minute / a.per_minute for a, b in zip(results[1], results[2], strict=True)]
    cpu = statistics.median(m.cpu_seconds / m.pages for runs in results.values() for m in runs)
    print(
        f"\nlatency {args.latency} s a page, {pages} pages, batches of {args.batch_size}, "
        f"crawl.concurrent_requests {args.concurrency}, load average {os.getloadavg()[0]:.1f}"
        + (", each worker on a core of its own" if args.pin else "")
    )
    print(f"1 worker:  {one:.1f} pages/min")
    rounds = ", ".join(f"{ratio:.2f}" for ratio in ratios)
    print(f"2 workers: {two:.1f} pages/min  ({statistics.median(ratios):.2f} x one; rounds {rounds})")
    print(f"CPU a page (workers, crawl processes, Chromium): {cpu:.2f} s")


if __name__ == "__main__":
    main()
