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
  per page, load and a full-page JPEG screenshot (quality 80, as the crawl), PLAYWRIGHT_MAX_CONTEXTS
  pages at a time (the same concurrency as the crawl). It takes its screenshot at the load event,
  before feizhi's script has fetched and built the ads. Two more loops wait for them: one going to
  each page with wait_until="networkidle" (the page's requests have stopped; lazy logos still
  unloaded), one scrolling each page first as the crawl does (spiders.browser.scroll_to_bottom), which
  is what it takes to see lazy-loaded logos at all.

Both kinds also get a loop that runs the crawl's own browser steps (spiders.browser: the page guard, a
static page's document fetched and served to Chromium, render() with its waits, element boxes and
screenshot) with no Scrapy, no extraction and no storage: the crawl against it is what the framework
and the pipeline cost. Every loop shows its pages in the crawl's window (spiders.browser.context_options).

40 pages of each kind by default, so that launching Chromium and the interpreter is amortised. The
rounds are interleaved (every loop, then the crawl, then again), and each ratio is the median of the
rounds' own ratios.

Prints pages per minute for each, the ratios, and the peak memory of each process tree (sum of RSS, and
of PSS which counts shared pages once) sampled from /proc: RSS every 100 ms, PSS every 500 ms (reading
PSS makes the kernel walk every mapping of every process; sampled every 50 ms it took 60 % of a CPU
from what it measured, and slowed the bare loops more than the crawl). The crawl's rate is given twice:
over its CrawlRun (spider open to close, browser launch included) and end to end (the child process's
wall time, interpreter start-up, imports and migrations included). Each run's CPU time is split by
process kind (the Python process, Playwright's driver, Chromium's browser, renderer and GPU processes)
from the same samples, as milliseconds a page.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import yaml
from sqlalchemy import select

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from models import CrawlRun, PageCapture  # noqa: E402
from models.db import make_engine, make_session_factory  # noqa: E402
from monitor.capture.crawl import crawl_command_line, simulated_day_environment  # noqa: E402
from monitor.core.settings import CrawlSettings  # noqa: E402
from monitor.core.siteconfig import PageConfig, SiteConfig, load_site_configs  # noqa: E402
from monitor.demo.fixture_server import FixtureServer  # noqa: E402
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


# --- memory and CPU of a process tree --------------------------------------------------------------


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> dict[int, float]:
    """`pid` and all its descendants, each with the CPU seconds it has used, from one pass over /proc."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
                parent, used = int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
            cpu[int(entry.name)] = used
    found, queue = {}, [pid]
    while queue:
        current = queue.pop()
        found[current] = cpu.get(current, 0.0)
        queue.extend(children.get(current, []))
    return found


def process_kind(pid: int) -> str | None:
    """What a process of the tree is, from its command line (Chromium's children rewrite theirs into
    one string); None while it may still become something else: a shell (Debian's /usr/bin/chromium is
    a script that execs the browser) or a Chromium zygote, whose forks become renderers."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            command = cmdline.read().replace(b"\0", b" ")
    except OSError:
        return None
    if not command.strip():  # a process that has ended and not yet been reaped
        return None
    program = os.path.basename(command.split(b" ", 1)[0].decode(errors="replace"))
    if program in {"sh", "bash", "dash"} or b"--type=zygote" in command:
        return None
    if "chrom" in program:
        for flag, kind in PROCESS_TYPES.items():
            if flag in command:
                return kind
        return "Chromium other" if b"--type=" in command else "Chromium browser"
    if program == "node":
        return "Playwright driver"
    return "Python" if program.startswith("python") else program


PROCESS_TYPES = {b"--type=renderer": "Chromium renderers", b"--type=gpu-process": "Chromium GPU"}
# Each process kind printed, with its column heading; the rest are summed under "other".
CPU_KINDS = {
    "Python": "Python",
    "Playwright driver": "driver",
    "Chromium browser": "browser",
    "Chromium renderers": "renderers",
    "Chromium GPU": "GPU",
}


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


class TreeSampler:
    """Samples a process tree in a thread until stopped: peak memory, and CPU seconds by process kind.

    The sampler shares the 2 CPUs with what it measures, so it is kept cheap: one pass over /proc per
    sample, RSS every RSS_SAMPLE_SECONDS, PSS (the kernel walks every mapping) every PSS_EVERY samples.
    Measured: about 6 % of one CPU, where reading PSS every 50 ms took 60 %. A process's CPU is its
    last sample's, so the up to RSS_SAMPLE_SECONDS it runs before it ends is missed: the split is close,
    the total a little low (more so for Chromium, which starts and ends processes all the time).
    """

    def __init__(self, pid: int) -> None:
        self.pid, self.rss, self.pss = pid, 0, 0
        self._cpu: dict[int, float] = {}
        self._kinds: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        sample = 0
        while not self._stop.is_set():
            processes = tree(self.pid)
            self._cpu.update(processes)
            for pid in processes.keys() - self._kinds.keys():
                if (kind := process_kind(pid)) is not None:
                    self._kinds[pid] = kind
            self.rss = max(self.rss, sum(_rss(pid) for pid in processes))
            if sample % PSS_EVERY == 0:
                self.pss = max(self.pss, sum(_pss(pid) for pid in processes))
            sample += 1
            self._stop.wait(RSS_SAMPLE_SECONDS)

    @property
    def cpu(self) -> dict[str, float]:
        """CPU seconds by process kind."""
        by_kind: dict[str, float] = {}
        for pid, seconds in self._cpu.items():
            kind = self._kinds.get(pid, "other")
            by_kind[kind] = by_kind.get(kind, 0.0) + seconds
        return by_kind


# --- the full pipeline -----------------------------------------------------------------------------


@dataclass
class Measured:
    pages: int
    seconds: float
    rss: int = 0
    pss: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
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
        **simulated_day_environment(DAY),
    }
    started = time.monotonic()
    child = subprocess.Popen(
        crawl_command_line(sites_dir=sites_dir),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with TreeSampler(child.pid) as sampled:
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
    return Measured(pages, seconds, sampled.rss, sampled.pss, sampled.cpu, wall, ok)


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


async def bare_browser_async(
    urls: list[str], concurrency: int, chromium: str, mode: str, pages: list[dict[str, object]]
) -> Measured:
    """`mode`: "load" (goto until the load event, then the JPEG), "networkidle" (until no request for
    500 ms, Playwright's wait for pages whose scripts fetch their content), "scroll" (load, then the
    crawl's scroll), or "render": the crawl's own browser steps (spiders.browser: its page guard, a
    static page's document served from a fetch, render() with its waits, boxes and screenshot) with
    no Scrapy, no extraction and no storage. `pages`: the page configs of the URLs, for "render"."""
    from playwright.async_api import async_playwright

    from spiders.browser import SCREENSHOT_QUALITY, PageGuard, context_options, render, scroll_to_bottom

    window = context_options(CrawlSettings().user_agent)

    async def show(page: Any, url: str, config: PageConfig) -> None:
        if mode != "render":
            await page.goto(url, wait_until="networkidle" if mode == "networkidle" else "load")
            if mode == "scroll":
                await scroll_to_bottom(page)
            assert await page.screenshot(full_page=True, type="jpeg", quality=SCREENSHOT_QUALITY)
            return
        document = await asyncio.to_thread(fetch_document, url) if not config.browser else None
        guard = PageGuard([urlsplit(url).hostname or ""], document)
        await guard(page)
        await page.goto(url, wait_until="load" if config.browser else "domcontentloaded")
        rendered = await render(page, config, guard, already_read=not config.browser)
        assert rendered.screenshot

    started = time.monotonic()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, headless=True
        )
        gate = asyncio.Semaphore(concurrency)

        async def capture(url: str, config: PageConfig) -> None:
            async with gate:
                context = await browser.new_context(**window)
                await show(await context.new_page(), url, config)
                await context.close()

        configs = [PageConfig.model_validate(page) for page in pages]
        await asyncio.gather(*(capture(url, config) for url, config in zip(urls, configs, strict=True)))
        await browser.close()
    return Measured(len(urls), time.monotonic() - started)


def fetch_document(url: str) -> tuple[str, bytes, str]:
    """The page as the crawl's HTTP fetch has it: (url, body, content type)."""
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback fixture URLs
        return response.url, response.read(), response.headers.get("Content-Type", "text/html")


def bare_browser(
    urls: list[str], pages: list[dict[str, object]], concurrency: int, chromium: str, mode: str
) -> Measured:
    """A bare loop in a child process, so its memory (with Chromium's) is measured like the crawl's."""
    code = (
        "import asyncio, json, sys; sys.path.insert(0, sys.argv[1]); import bench.bench_capture as b;"
        "m = asyncio.run(b.bare_browser_async(json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4],"
        " sys.argv[5], json.loads(sys.argv[6]))); print(m.seconds)"
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
            json.dumps(pages),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with TreeSampler(child.pid) as sampled:
        stdout, stderr = child.communicate(timeout=900)
    if child.returncode != 0:
        raise SystemExit(f"bare browser loop ({mode}) failed:\n{stderr[-4000:]}")
    return Measured(len(urls), float(stdout.strip().splitlines()[-1]), sampled.rss, sampled.pss, sampled.cpu)


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
    print_cpu({**{name: runs for name, runs in baselines.items() if runs[0].cpu}, "full pipeline": full})
    rss, pss = max(run.rss for run in full), max(run.pss for run in full)
    print(f"  peak memory, crawl process tree: RSS {mib(rss)}, PSS {mib(pss)}")
    for name, runs in baselines.items():
        if any(run.rss for run in runs):
            rss, pss = max(run.rss for run in runs), max(run.pss for run in runs)
            print(f"  peak memory, {name}: RSS {mib(rss)}, PSS {mib(pss)}")


def print_cpu(runs: dict[str, list[Measured]]) -> None:
    """CPU milliseconds a page by process kind, each the median over the rounds."""
    heading = "".join(f"{column:>10}" for column in CPU_KINDS.values())
    print(f"  CPU ms a page, sampled{'':<11}{heading}{'other':>10}{'total':>10}")
    for name, measured in runs.items():
        pages = measured[0].pages
        cells = [statistics.median(run.cpu.get(kind, 0.0) for run in measured) for kind in CPU_KINDS]
        other = statistics.median(
            sum(v for kind, v in run.cpu.items() if kind not in CPU_KINDS) for run in measured
        )
        total = statistics.median(sum(run.cpu.values()) for run in measured)
        row = "".join(f"{cell / pages * 1000:10.0f}" for cell in [*cells, other, total])
        print(f"    {name:<32}{row}")


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

        def loop(config: dict[str, object], urls: list[str], mode: str = "load") -> Callable[[], Measured]:
            pages = cast(list[dict[str, object]], config["pages"])
            return lambda: bare_browser(urls, pages, contexts, args.chromium, mode)

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
                    "bare Playwright loop": loop(config, urls),
                    "bare loop + same scroll": loop(config, urls, "scroll"),
                    "bare loop + the crawl's render()": loop(config, urls, "render"),
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
                    "bare Playwright loop": loop(config, urls),
                    "bare loop, networkidle": loop(config, urls, "networkidle"),
                    "bare loop + same scroll": loop(config, urls, "scroll"),
                    "bare loop + the crawl's render()": loop(config, urls, "render"),
                },
                pipeline("browser", config, args.browser),
            )
            report("browser pages with screenshots", full, measured)
        print(f"\nload average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
