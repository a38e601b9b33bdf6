"""`rivalwatch crawl`: capture the configured competitor pages for one day (one crawl per process)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from monitor.cli._context import settings_from
from monitor.siteconfig import SiteConfig, SiteConfigError, load_site_configs

# Exit codes: 1 = configuration error (nothing crawled); 3 = crawled, but some captures were not stored.
EXIT_NOT_STORED = 3


def select_sites(configs: list[SiteConfig], names: tuple[str, ...]) -> list[SiteConfig]:
    if not names:
        return configs
    known = {config.name: config for config in configs}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SiteConfigError(f"unknown site {', '.join(unknown)}; configured: {', '.join(sorted(known))}")
    return [known[name] for name in dict.fromkeys(names)]


def check_configs(configs: list[SiteConfig]) -> None:
    """Everything that would only fail mid-crawl: selectors that do not compile, unset ${VARS} in URLs."""
    from spiders.extract import SelectorError, check_selectors

    for config in configs:
        try:
            check_selectors(config)
        except SelectorError as exc:
            raise SiteConfigError(str(exc)) from None
        for page in config.pages:
            config.page_url(page)


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
@click.pass_context
def crawl_command(
    ctx: click.Context, site_names: tuple[str, ...], capture_date: dt.datetime | None, sites_dir: Path | None
) -> None:
    """Fetch every configured page, record its ads, and print one summary line per page."""
    settings = settings_from(ctx)
    try:
        sites = select_sites(load_site_configs(sites_dir or settings.sites_dir), site_names)
        check_configs(sites)
    except SiteConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    day = capture_date.date() if capture_date else settings.today()

    from models.db import make_engine
    from models.migrate import upgrade
    from monitor.crawl import run_crawl, summary_lines

    engine = make_engine(settings.database)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    outcome = run_crawl(settings, sites, day, ",".join(site_names)[:100] or None)
    click.echo(f"crawl of {day}: {len(outcome.saved)} pages stored")
    for line in summary_lines(outcome):
        click.echo(line)
    if outcome.unsaved or outcome.missing:
        ctx.exit(EXIT_NOT_STORED)
