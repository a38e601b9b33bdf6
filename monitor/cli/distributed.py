"""`rivalwatch crawl --distributed`: queue the day's batches for the workers, then show progress."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from monitor.cli._context import sessions_from
from monitor.core.settings import Settings
from monitor.core.siteconfig import SiteConfig

if TYPE_CHECKING:
    from monitor.capture.distributed import DayProgress

# Exit codes as `rivalwatch crawl`: 3 = some pages were given up without a stored capture.
EXIT_NOT_STORED = 3


def crawl_distributed(
    ctx: click.Context,
    settings: Settings,
    sites: list[SiteConfig],
    day: dt.date,
    wait: bool,
    finished: Callable[[], None] = lambda: None,
) -> None:
    """Queue the day's batches; with `wait`, show progress until every page is settled, then call
    `finished` (seal the day) and print the summary."""
    from monitor.jobs.celery_app import configure
    from monitor.jobs.distributed import enqueue_day, wait_for_day

    factory = sessions_from(ctx)
    configure(settings, ctx.find_root().obj.get("config_file"))
    batches = enqueue_day(factory, settings, sites, day)
    click.echo(f"crawl of {day}: {len(batches)} batches queued on {settings.crawl.queue}")
    if not wait:
        return
    tty = sys.stderr.isatty()
    last = [""]

    def show(progress: DayProgress) -> None:
        line = progress_line(progress)
        if tty:
            click.echo(f"\r{line}\033[K", nl=False, err=True)
        elif line != last[0]:
            click.echo(line, err=True)
        last[0] = line

    progress = wait_for_day(factory, settings, day, show)
    if tty:
        click.echo("", err=True)
    done = progress.counts.get("done", 0)
    click.echo(f"crawl of {day}: {done} of {progress.total} pages stored, {len(progress.failed)} failed")
    for site, key, why in progress.failed:
        click.echo(f"{site + '/' + key:<30} FAILED           {why.splitlines()[0] if why else ''}")
    finished()
    if progress.failed:
        ctx.exit(EXIT_NOT_STORED)


def progress_line(progress: DayProgress) -> str:
    """A bar of the pages settled (done or failed), the counts by status and how many workers hold pages."""
    width = 30
    settled = progress.counts.get("done", 0) + progress.counts.get("failed", 0)
    filled = width * settled // max(progress.total, 1)
    workers = len(progress.holders)
    return f"[{'#' * filled}{'.' * (width - filled)}] {progress.line()}, {workers} workers busy"
