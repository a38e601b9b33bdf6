"""`rivalwatch crawl`: capture the configured competitor pages for one day (one crawl per process)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from models.db import DatabaseUnavailable, retrying
from monitor.capture.crawl import CrawlOutcome, read_day_logos, seal_crawled_day, summary_lines
from monitor.cli._context import sessions_from, settings_from
from monitor.core.locks import JobBusy, job_lock
from monitor.core.settings import Settings
from monitor.core.siteconfig import SiteConfig, SiteConfigError, load_site_configs_with_paths

# Exit codes: 1 = configuration or database error (nothing crawled); 3 = crawled, but some captures were
# not stored; 4 = stopped by a signal before it finished; 5 = the crawl lock is held by another run.
EXIT_NOT_STORED = 3
EXIT_STOPPED = 4
EXIT_BUSY = 5
# A scheduled crawl that finds evidence pruning running waits for it rather than lose the day.
DEFAULT_LOCK_WAIT_SECONDS = 1800.0


def select_sites(
    configs: list[tuple[Path, SiteConfig]], names: tuple[str, ...]
) -> list[tuple[Path, SiteConfig]]:
    if not names:
        return configs
    known = {config.name: (path, config) for path, config in configs}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SiteConfigError(f"unknown site {', '.join(unknown)}; configured: {', '.join(sorted(known))}")
    return [known[name] for name in dict.fromkeys(names)]


def select_pages(
    configs: list[tuple[Path, SiteConfig]], keys: tuple[str, ...]
) -> list[tuple[str, str]] | None:
    """(site, page key) of the --page keys, which must name pages of the one selected site; None: all."""
    if not keys:
        return None
    if len(configs) != 1:
        raise SiteConfigError("--page needs exactly one --site")
    path, config = configs[0]
    known = {page.key for page in config.pages}
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise SiteConfigError(f"{path}: no page {', '.join(unknown)}; pages: {', '.join(sorted(known))}")
    return [(config.name, key) for key in dict.fromkeys(keys)]


def check_configs(configs: list[tuple[Path, SiteConfig]]) -> None:
    """Everything that would only fail mid-crawl: selectors that do not compile, unset ${VARS} in URLs.

    The error names the config file.
    """
    from spiders.extract import SelectorError, check_selectors

    for path, config in configs:
        try:
            check_selectors(config)
            for page in config.pages:
                config.page_url(page)
        except (SelectorError, SiteConfigError) as exc:
            raise SiteConfigError(f"{path}: {exc}") from None


@click.command("crawl")
@click.option("--site", "site_names", multiple=True, help="Crawl only this site (repeatable; default: all).")
@click.option(
    "--date",
    "capture_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Must be today (in the users' timezone): a crawl captures today only; a past day's pages "
    "cannot be fetched any more, and a day already captured is never overwritten.",
)
@click.option(
    "--sites-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of site config YAML files (default: settings.sites_dir).",
)
@click.option(
    "--lock-wait",
    type=click.FloatRange(min=0),
    default=DEFAULT_LOCK_WAIT_SECONDS,
    show_default=True,
    help="Seconds to wait while another crawl or evidence pruning holds the crawl lock (0: refuse at once).",
)
@click.option(
    "--page",
    "page_keys",
    multiple=True,
    help="Crawl only this page of the --site (its key; repeatable; default: every page).",
)
@click.option(
    "--distributed",
    is_flag=True,
    help="Queue the day's pages for `rivalwatch worker`s (Celery, Redis at crawl.broker_url) and wait.",
)
@click.option("--no-wait", is_flag=True, help="With --distributed: queue the day and return at once.")
# A worker's crawl of its batch: store each page only while this lease holds it (monitor.capture.distributed).
@click.option("--lease-owner", hidden=True)
@click.pass_context
def crawl_command(
    ctx: click.Context,
    site_names: tuple[str, ...],
    capture_date: dt.datetime | None,
    sites_dir: Path | None,
    lock_wait: float,
    page_keys: tuple[str, ...],
    distributed: bool,
    no_wait: bool,
    lease_owner: str | None,
) -> None:
    """Fetch every configured page today, record its ads, and print one summary line per page.

    Then seal the day's evidence in the evidence log (a re-run of a sealed day seals a new version), and
    name the day's logo-only ads (empty or generic alt/title) with OCR.

    With --distributed (or crawl.backend = "celery" in the scheduler) the day's pages are split into
    batches that `rivalwatch worker` processes crawl, on any number of machines; the day is sealed when
    they are done.

    Exit codes: 1 configuration or database error (nothing crawled), 3 some captures were not stored,
    4 stopped by a signal (SIGTERM, Ctrl-C) before it finished, 5 another crawl or pruning holds the lock.
    """
    settings = settings_from(ctx)
    configured, selected = load_sites(sites_dir or settings.sites_dir, site_names)
    try:
        pages = select_pages(selected, page_keys)
    except SiteConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    sites = [config for _, config in selected]
    day = settings.crawl_day()
    if capture_date is not None and capture_date.date() != day:
        raise click.UsageError(
            f"--date {capture_date.date()}: a crawl captures today ({day}) only; the pages of another day "
            "cannot be fetched now, and a day already captured keeps its evidence"
        )
    if distributed:
        if pages is not None or lease_owner is not None:
            raise click.UsageError("--distributed queues whole days of the selected sites: no --page")
        from monitor.cli.distributed import crawl_distributed

        def finished() -> None:
            _seal(ctx, day)
            _read_logos(ctx, day)

        crawl_distributed(ctx, settings, sites, day, wait=not no_wait, finished=finished)
        return
    site_filter = ",".join(site_names)[:100] or None
    try:
        if lease_owner is not None:  # a worker's batch: the lease keeps batches apart, not the machine's lock
            outcome = _crawl(ctx, settings, configured, sites, day, site_filter, pages, lease_owner)
        else:
            with job_lock(settings, "crawl", lock_wait, on_wait=lambda why: click.echo(why, err=True)):
                outcome = _crawl(ctx, settings, configured, sites, day, site_filter, pages)
    except JobBusy as exc:
        click.echo(f"Error: {exc}", err=True)
        ctx.exit(EXIT_BUSY)
    except DatabaseUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    creatives = f", {outcome.creatives_saved} creatives stored"
    if outcome.creatives_unsaved:
        creatives += f" ({outcome.creatives_unsaved} not stored, see the log)"
    click.echo(f"crawl of {day}: {len(outcome.saved)} pages stored{creatives}")
    for line in summary_lines(outcome):
        click.echo(line)
    if lease_owner is None:  # a distributed day is sealed once, when all its batches are done
        _seal(ctx, day)  # first: the files stored are sealed, even when the crawl was stopped
    if outcome.stopped:
        click.echo(
            f"Error: crawl stopped by a signal before it finished (run {outcome.run_id} marked stopped)",
            err=True,
        )
        ctx.exit(EXIT_STOPPED)
    if lease_owner is None:
        _read_logos(ctx, day)
    if outcome.unsaved or outcome.missing:
        ctx.exit(EXIT_NOT_STORED)


def _seal(ctx: click.Context, day: dt.date) -> None:
    row = seal_crawled_day(sessions_from(ctx), settings_from(ctx), day)
    if row is not None:
        click.echo(f"evidence of {day} sealed: manifest v{row.version} {row.sha256}")


def _read_logos(ctx: click.Context, day: dt.date) -> None:
    summary = read_day_logos(sessions_from(ctx), settings_from(ctx), day)
    if summary.sightings_named or summary.unread:
        click.echo(
            f"logos read by OCR: {summary.sightings_named} ads named, {summary.unread} without legible text "
            f"({summary.creatives_read} images read)"
        )


def load_sites(folder: Path, names: tuple[str, ...]) -> tuple[list[str], list[tuple[Path, SiteConfig]]]:
    """Every configured site's name and the selected configs with their files, checked; a bad or empty
    folder is an error naming it."""
    try:
        configured = load_site_configs_with_paths(folder)
        selected = select_sites(configured, names)
        check_configs(selected)
    except SiteConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if not selected:
        raise click.ClickException(f"{folder}: no site configs (*.yaml) in this folder: nothing to crawl")
    return [config.name for _, config in configured], selected


def _crawl(
    ctx: click.Context,
    settings: Settings,
    configured: list[str],
    sites: list[SiteConfig],
    day: dt.date,
    site_filter: str | None,
    pages: list[tuple[str, str]] | None = None,
    lease_owner: str | None = None,
) -> CrawlOutcome:
    from models.db import transaction
    from monitor.capture.crawl import run_crawl
    from spiders.persist import retire_sites

    # Migrate (and so open the database) before the spider's pipeline opens its own engine; a locked
    # or unreachable database is tried again for a while before the crawl gives up.
    factory = retrying(lambda: sessions_from(ctx), settings.database, settings.crawl.database_wait_seconds)
    with transaction(factory) as session:
        retire_sites(session, configured)  # a site whose config is gone no longer alerts
    # A person at a terminal gets a progress bar; the scheduler, the demo and tests get none.
    return run_crawl(settings, sites, day, site_filter, sys.stderr.isatty(), pages, lease_owner)
