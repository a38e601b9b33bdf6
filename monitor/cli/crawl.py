"""`rivalwatch crawl`: capture the configured competitor pages for one day (one crawl per process)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from monitor.cli._context import sessions_from, settings_from
from monitor.core.siteconfig import SiteConfig, SiteConfigError, load_site_configs_with_paths

# Exit codes: 1 = configuration error (nothing crawled); 3 = crawled, but some captures were not stored.
EXIT_NOT_STORED = 3


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
    help="The day to record the capture under (default: today in the users' timezone).",
)
@click.option(
    "--sites-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of site config YAML files (default: settings.sites_dir).",
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
    page_keys: tuple[str, ...],
    distributed: bool,
    no_wait: bool,
    lease_owner: str | None,
) -> None:
    """Fetch every configured page, record its ads, and print one summary line per page.

    With --distributed (or crawl.backend = "celery" in the scheduler) the day's pages are split into
    batches that `rivalwatch worker` processes crawl, on any number of machines.
    """
    settings = settings_from(ctx)
    try:
        selected = select_sites(load_site_configs_with_paths(sites_dir or settings.sites_dir), site_names)
        check_configs(selected)
        pages = select_pages(selected, page_keys)
    except SiteConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    sites = [config for _, config in selected]
    day = capture_date.date() if capture_date else settings.today()
    if distributed:
        if pages is not None or lease_owner is not None:
            raise click.UsageError("--distributed queues whole days of the selected sites: no --page")
        from monitor.cli.distributed import crawl_distributed

        crawl_distributed(ctx, settings, sites, day, wait=not no_wait)
        return

    from monitor.capture.crawl import run_crawl, summary_lines

    sessions_from(ctx)  # migrate before the spider's pipeline opens its own engine
    # A person at a terminal gets a progress bar; the scheduler, the demo and tests get none.
    progress = sys.stderr.isatty()
    site_filter = ",".join(site_names)[:100] or None
    outcome = run_crawl(settings, sites, day, site_filter, progress, pages, lease_owner)
    creatives = f", {outcome.creatives_saved} creatives stored"
    if outcome.creatives_unsaved:
        creatives += f" ({outcome.creatives_unsaved} not stored, see the log)"
    click.echo(f"crawl of {day}: {len(outcome.saved)} pages stored{creatives}")
    for line in summary_lines(outcome):
        click.echo(line)
    if outcome.unsaved or outcome.missing:
        ctx.exit(EXIT_NOT_STORED)
