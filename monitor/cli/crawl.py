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
@click.pass_context
def crawl_command(
    ctx: click.Context, site_names: tuple[str, ...], capture_date: dt.datetime | None, sites_dir: Path | None
) -> None:
    """Fetch every configured page, record its ads, and print one summary line per page.

    Then seal the day's evidence in the evidence log (a re-run of a sealed day seals a new version), and
    name the day's logo-only ads (empty or generic alt/title) with OCR.
    """
    settings = settings_from(ctx)
    try:
        selected = select_sites(load_site_configs_with_paths(sites_dir or settings.sites_dir), site_names)
        check_configs(selected)
    except SiteConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    sites = [config for _, config in selected]
    day = capture_date.date() if capture_date else settings.today()

    from monitor.capture.crawl import run_crawl, summary_lines

    sessions_from(ctx)  # migrate before the spider's pipeline opens its own engine
    # A person at a terminal gets a progress bar; the scheduler, the demo and tests get none.
    progress = sys.stderr.isatty()
    outcome = run_crawl(settings, sites, day, ",".join(site_names)[:100] or None, progress)
    creatives = f", {outcome.creatives_saved} creatives stored"
    if outcome.creatives_unsaved:
        creatives += f" ({outcome.creatives_unsaved} not stored, see the log)"
    click.echo(f"crawl of {day}: {len(outcome.saved)} pages stored{creatives}")
    for line in summary_lines(outcome):
        click.echo(line)
    seal_crawled_day(ctx, day)  # first: the files are sealed whatever OCR does next
    read_day_logos(ctx, day)
    if outcome.unsaved or outcome.missing:
        ctx.exit(EXIT_NOT_STORED)


def read_day_logos(ctx: click.Context, day: dt.date) -> None:
    """Name the day's logo-only ads (empty or generic alt/title) from their creatives with OCR."""
    from monitor.capture.logos import read_logos
    from monitor.core.evidence import EvidenceStore

    settings = settings_from(ctx)
    with sessions_from(ctx)() as session:
        summary = read_logos(session, EvidenceStore(settings.evidence_path), day, dt.datetime.now(dt.UTC))
        session.commit()
    if summary.sightings_named or summary.unread:
        click.echo(
            f"logos read by OCR: {summary.sightings_named} ads named, {summary.unread} without legible text "
            f"({summary.creatives_read} images read)"
        )


def seal_crawled_day(ctx: click.Context, day: dt.date) -> None:
    """Seal the day's evidence in the evidence log now that its crawl is done (a re-run adds a version)."""
    from monitor.capture.evidence_log import seal_day
    from monitor.core.evidence import EvidenceStore

    settings = settings_from(ctx)
    with sessions_from(ctx)() as session:
        row = seal_day(session, EvidenceStore(settings.evidence_path), day, dt.datetime.now(dt.UTC))
        session.commit()
        if row is not None:
            click.echo(f"evidence of {day} sealed: manifest v{row.version} {row.sha256}")
