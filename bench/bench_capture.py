"""Benchmark: the full capture (`rivalwatch crawl` in a child process) beside bare loops, in one run.

    .venv/bin/python bench/bench_capture.py [--static 40] [--browser 40] [--rounds 3]

Serves the demo's fictional sites (monitor.demo.fixture_server) on loopback and writes temporary site
configs listing the demo pages many times over (distinct `?copy=N` query strings): the static pages of
jobhub/qiancheng/gouzhi, and feizhi's JavaScript pages for the browser. Each kind is crawled into a
fresh temporary SQLite database and evidence folder, and measured beside a bare loop over the same URLs
with the same concurrency:

- static: the same bare Playwright loops as below over the static pages (the crawl shows each static
  page in Chromium for its screenshots, scrolled), and plain HTTP GETs of the pages (urllib,
  CONCURRENT_REQUESTS threads) for information;
- browser: the baseline is python Playwright driving Debian's Chromium (executable_path), one context
  per page, load and a full-page PNG screenshot, PLAYWRIGHT_MAX_CONTEXTS pages at a time (the same
  concurrency as the crawl). It takes its screenshot at the load event, before feizhi's script has
  fetched and built the ads. Two more loops wait for them: one going to each page with
  wait_until="networkidle" (the page's requests have stopped; lazy logos still unloaded), one scrolling
  each page first as the crawl does (spiders.browser.scroll_to_bottom), which is what it takes to see
  lazy-loaded logos at all.

40 pages of each kind by default, so that launching Chromium and the interpreter is amortised. The
rounds are interleaved (every loop, then the crawl, then again), and each ratio is the median of the
rounds' own ratios.

Prints pages per minute for each, the ratios, and the peak memory of each process tree (sum of RSS, and
of PSS which counts shared pages once) sampled from /proc: RSS every 100 ms, PSS every 500 ms (reading
PSS makes the kernel walk every mapping of every process; sampled every 50 ms it took 60 % of a CPU
from what it measured, and slowed the bare loops more than the crawl). The crawl's rate is given twice:
over its CrawlRun (spider open to close, browser launch included) and end to end (the child process's
wall time, interpreter start-up, imports and migrations included).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from models import CrawlRun, PageCapture  # noqa: E402
from models.db import make_engine, make_session_factory  # noqa: E402
from monitor.crawl import crawl_command_line  # noqa: E402
from monitor.demo.fixture_server import FixtureServer  # noqa: E402
from monitor.settings import CrawlSettings  # noqa: E402
from monitor.siteconfig import SiteConfig, load_site_configs  # noqa: E402
from spiders.settings import CHROMIUM_ARGS  # noqa: E402

DEMO_SITES = REPO_ROOT / "config" / "demo-sites"
DAY = dt.date(2026, 11, 12)
# Printed beside the others, no ratio: it does not do the same job.
FOR_INFORMATION = {"bare HTTP loop"}
RSS_SAMPLE_SECONDS = 0.1
PSS_EVERY = 5


# --- site configs with many copies of the demo pages -----------------------------------------------


def copies(sites: list[SiteConfig], count: int, name: str) -> tuple[dict[str, object], list[str]]:
    """One site config listing `count` pages, cycling through the given sites' pages, and their URLs."""
    originals = [(site, page) for site in sites for page in site.pages]
    pages, urls = [], []
    for index in range(count):
        site, page = originals[index % len(originals)]
        url = site.page_url(page) + f"?copy={index}"
        raw = page.model_dump(mode="json", exclude_defaults=True)
        pages.append({**raw, "key": f"{site.name}-{page.key}-{index}", "url": url})
        urls.append(url)
    first = sites[0]
    config: dict[str, object] = {"name": name, "display_name": name, "base_url": first.base_url}
    config["pages"] = pages
    return config, urls


def write_config(folder: Path, config: dict[str, object]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{config['name']}.yaml").write_text(
        yaml.safe_dump(config, allow_unicode=True), encoding="utf-8"
    )
    return folder


# --- memory of a process tree ----------------------------------------------------------------------


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants, from one pass over /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        queue.extend(children.get(current, []))
    return pids


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def tree_memory(pid: int, pss: bool = True) -> tuple[int, int]:
    """(sum of RSS, sum of PSS or 0) in bytes over the process and all its descendants."""
    pids = tree(pid)
    return sum(_rss(p) for p in pids), sum(_pss(p) for p in pids) if pss else 0


class PeakMemory:
    """Samples a process tree's memory in a thread until stopped; keeps the peaks.

    The sampler shares the 2 CPUs with what it measures, so it is kept cheap: one pass over /proc per
    sample, RSS every RSS_SAMPLE_SECONDS, PSS (the kernel walks every mapping) every PSS_EVERY samples.
    Measured: about 5 % of one CPU, where reading PSS every 50 ms took 60 %.
    """

    def __init__(self, pid: int) -> None:
        self.pid, self.rss, self.pss = pid, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        sample = 0
        while not self._stop.is_set():
            rss, pss = tree_memory(self.pid, pss=sample % PSS_EVERY == 0)
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)
            sample += 1
            self._stop.wait(RSS_SAMPLE_SECONDS)


# --- the full pipeline -----------------------------------------------------------------------------


@dataclass
class Measured:
    pages: int
    seconds: float
    rss: int = 0
    pss: int = 0
    wall_seconds: float | None = None
    pages_ok: int | None = None

    @property
    def per_minute(self) -> float:
        return self.pages / self.seconds * 60

    @property
    def wall_per_minute(self) -> float | None:
        return self.pages / self.wall_seconds * 60 if self.wall_seconds else None


def run_pipeline(sites_dir: Path, work: Path, base_url: str, pages: int) -> Measured:
    database_url = f"sqlite:///{work / 'bench.db'}"
    env = {
        **os.environ,
        "RIVALWATCH_DEMO_URL": base_url,
        "RIVALWATCH_DATABASE_URL": database_url,
        "RIVALWATCH_VAR_DIR": str(work / "var"),
    }
    started = time.monotonic()
    child = subprocess.Popen(
        crawl_command_line(date=DAY, sites_dir=sites_dir),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with PeakMemory(child.pid) as memory:
        stdout, stderr = child.communicate(timeout=900)
    wall = time.monotonic() - started
    if child.returncode != 0:
        raise SystemExit(f"crawl failed ({child.returncode}):\n{stdout}\n{stderr[-4000:]}")
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            run = session.scalars(select(CrawlRun)).one()
            ok = sum(1 for status in session.scalars(select(PageCapture.status)) if status == "ok")
    finally:
        engine.dispose()
    assert run.finished_at is not None
    seconds = (run.finished_at - run.started_at).total_seconds()
    return Measured(pages, seconds, memory.rss, memory.pss, wall, ok)


# --- bare loops ------------------------------------------------------------------------------------


def bare_static(urls: list[str], concurrency: int) -> Measured:
    def fetch(url: str) -> int:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback fixture URLs
            return len(response.read())

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        sizes = list(pool.map(fetch, urls))
    assert all(sizes)
    return Measured(len(urls), time.monotonic() - started)


async def bare_browser_async(urls: list[str], concurrency: int, chromium: str, mode: str) -> Measured:
    """`mode`: "load" (goto until the load event, then the PNG), "networkidle" (until no request for
    500 ms, Playwright's wait for pages whose scripts fetch their content) or "scroll" (load, then the
    crawl's scroll)."""
    from playwright.async_api import async_playwright

    from spiders.browser import scroll_to_bottom

    started = time.monotonic()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, headless=True
        )
        gate = asyncio.Semaphore(concurrency)

        async def capture(url: str) -> int:
            async with gate:
                context = await browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
                page = await context.new_page()
                await page.goto(url, wait_until="networkidle" if mode == "networkidle" else "load")
                if mode == "scroll":
                    await scroll_to_bottom(page)
                png = await page.screenshot(full_page=True, type="png")
                await context.close()
                return len(png)

        sizes = await asyncio.gather(*(capture(url) for url in urls))
        await browser.close()
    assert all(sizes)
    return Measured(len(urls), time.monotonic() - started)


def bare_browser(urls: list[str], concurrency: int, chromium: str, mode: str = "load") -> Measured:
    """The bare loop in a child process, so its memory (with Chromium's) is measured like the crawl's."""
    code = (
        "import asyncio, json, sys; sys.path.insert(0, sys.argv[1]); import bench.bench_capture as b;"
        "m = asyncio.run(b.bare_browser_async(json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4],"
        " sys.argv[5])); print(m.seconds)"
    )
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            str(REPO_ROOT),
            json.dumps(urls),
            str(concurrency),
            chromium,
            mode,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with PeakMemory(child.pid) as memory:
        stdout, stderr = child.communicate(timeout=900)
    if child.returncode != 0:
        raise SystemExit(f"bare browser loop failed:\n{stderr[-4000:]}")
    return Measured(len(urls), float(stdout.strip().splitlines()[-1]), memory.rss, memory.pss)


# --- report ----------------------------------------------------------------------------------------


def mib(value: int) -> str:
    return f"{value / 2**20:,.0f} MiB"


def median_run(runs: list[Measured]) -> Measured:
    """The run with the median time (its memory figures are that run's)."""
    ordered = sorted(runs, key=lambda run: run.seconds)
    return ordered[(len(ordered) - 1) // 2]


def report(kind: str, full: list[Measured], baselines: dict[str, list[Measured]]) -> None:
    """Rates are medians over the rounds; each ratio is the median of the rounds' own ratios (the
    pipeline against the baseline measured just before it), which a slow drift of the machine's speed
    over the run does not bias."""
    crawl = median_run(full)
    wall = statistics.median(run.wall_seconds or 0.0 for run in full)
    print(f"\n{kind}: {crawl.pages} pages ({crawl.pages_ok} ok), median of {len(full)} round(s)")
    for name, runs in baselines.items():
        base = median_run(runs)
        print(f"  {name:<34} {base.per_minute:7.0f} pages/min  ({base.seconds:6.2f} s)")
    print(f"  {'full pipeline (CrawlRun)':<34} {crawl.per_minute:7.0f} pages/min  ({crawl.seconds:6.2f} s)")
    print(f"  {'full pipeline (end to end)':<34} {crawl.pages / wall * 60:7.0f} pages/min  ({wall:6.2f} s)")
    for name, runs in baselines.items():
        if name in FOR_INFORMATION:
            continue
        pairs = list(zip(runs, full, strict=True))
        ratios = [run.seconds / pipeline.seconds for run, pipeline in pairs]
        walls = [run.seconds / (pipeline.wall_seconds or 1.0) for run, pipeline in pairs]
        spread = ", ".join(f"{ratio:.2f}" for ratio in ratios)
        print(
            f"  ratio to {name}: {statistics.median(ratios):.2f} (CrawlRun; rounds {spread}), "
            f"{statistics.median(walls):.2f} (end to end)"
        )
    rss, pss = max(run.rss for run in full), max(run.pss for run in full)
    print(f"  peak memory, crawl process tree: RSS {mib(rss)}, PSS {mib(pss)}")
    for name, runs in baselines.items():
        if any(run.rss for run in runs):
            rss, pss = max(run.rss for run in runs), max(run.pss for run in runs)
            print(f"  peak memory, {name}: RSS {mib(rss)}, PSS {mib(pss)}")


def interleaved(
    rounds: int, baselines: dict[str, Callable[[], Measured]], pipeline: Callable[[int], Measured]
) -> tuple[list[Measured], dict[str, list[Measured]]]:
    """Each round runs every baseline, then the pipeline, so each ratio compares neighbouring runs."""
    full: list[Measured] = []
    measured: dict[str, list[Measured]] = {name: [] for name in baselines}
    for number in range(rounds):
        for name, run in baselines.items():
            measured[name].append(run())
        full.append(pipeline(number))
        print(f"  round {number + 1}/{rounds}: {full[-1].per_minute:.0f} pages/min", file=sys.stderr)
    return full, measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--static", type=int, default=40, help="static pages (default 40)")
    parser.add_argument("--browser", type=int, default=40, help="browser pages (default 40)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every measurement (default 3)")
    parser.add_argument("--chromium", default=CrawlSettings().chromium_path)
    args = parser.parse_args()
    crawl = CrawlSettings()
    contexts = max(1, min(crawl.concurrent_requests, 4))  # spiders.settings.browser_settings
    with FixtureServer(day=DAY) as server, tempfile.TemporaryDirectory(prefix="bench-capture-") as tmp:
        os.environ["RIVALWATCH_DEMO_URL"] = server.base_url
        demo = {site.name: site for site in load_site_configs(DEMO_SITES)}
        work = Path(tmp)
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; ", end="")
        print(f"concurrency {crawl.concurrent_requests} requests, {contexts} browser pages")

        def loop(urls: list[str], mode: str = "load") -> Callable[[], Measured]:
            return lambda: bare_browser(urls, contexts, args.chromium, mode)

        def pipeline(kind: str, config: dict[str, object], pages: int) -> Callable[[int], Measured]:
            def run(number: int) -> Measured:
                folder = work / f"{kind}{number}"
                return run_pipeline(write_config(folder / "sites", config), folder, server.base_url, pages)

            return run

        if args.static:
            static = [demo[name] for name in ("jobhub", "qiancheng", "gouzhi")]
            config, urls = copies(static, args.static, "benchstatic")
            full, measured = interleaved(
                args.rounds,
                {
                    "bare Playwright loop": loop(urls),
                    "bare loop + same scroll": loop(urls, "scroll"),
                    "bare HTTP loop": lambda: bare_static(urls, crawl.concurrent_requests),
                },
                pipeline("static", config, args.static),
            )
            report("static pages (fetched, read, then shown in Chromium for the screenshots)", full, measured)
        if args.browser:
            config, urls = copies([demo["feizhi"]], args.browser, "benchbrowser")
            full, measured = interleaved(
                args.rounds,
                {
                    "bare Playwright loop": loop(urls),
                    "bare loop, networkidle": loop(urls, "networkidle"),
                    "bare loop + same scroll": loop(urls, "scroll"),
                },
                pipeline("browser", config, args.browser),
            )
            report("browser pages with screenshots", full, measured)
        print(f"\nload average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
