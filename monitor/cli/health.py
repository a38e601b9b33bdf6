"""`rivalwatch health`: the state of every site, page and slot on a day, and the alerts it raises."""

from __future__ import annotations

import datetime as dt

import click

from monitor.cli._context import sessions_from, settings_from
from monitor.core.siteconfig import SiteConfigError, load_site_configs


@click.command("health")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Day to check (default: today).")
@click.option("--site", "sites", multiple=True, help="Only this site (repeatable).")
@click.option("--mail", is_flag=True, help="Mail the alerts to crawl.alert_recipients.")
@click.pass_context
def health_command(ctx: click.Context, day: dt.datetime | None, sites: tuple[str, ...], mail: bool) -> None:
    """Show capture status per site/page, yield per slot and the day's crawl runs; exit 1 on alerts.

    Sites whose config is gone from the sites folder are retired (no longer reported); a crawl run
    whose process is gone is marked abandoned. A folder without site configs is an error. A day crawled
    on workers (crawl.backend = "celery") also shows its pages by status (open, claimed, done, failed)
    and which worker process holds which pages.
    """
    from models.db import transaction
    from monitor.capture.distributed import day_progress
    from monitor.capture.health import MailFailed, load_health, mail_alerts
    from spiders.persist import close_dead_runs, retire_sites

    settings = settings_from(ctx)
    try:
        configured = [config.name for config in load_site_configs(settings.sites_dir)]
    except SiteConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if not configured:
        raise click.ClickException(f"{settings.sites_dir}: no site configs (*.yaml) in this folder")
    when = day.date() if day else settings.today()
    with transaction(sessions_from(ctx)) as session:
        retire_sites(session, configured)
        close_dead_runs(session, dt.datetime.now(dt.UTC))
    with sessions_from(ctx)() as session:
        report = load_health(session, when, sites or None)
        progress = day_progress(session, when)
    for run in report.runs:
        click.echo(run.line())
    if progress.planned:  # crawled on the Celery workers: the pages by status, who holds what
        click.echo(f"workers: {progress.line()}")
        for holder in progress.holders:
            until = holder.lease_expires_at.strftime("%H:%M:%S UTC") if holder.lease_expires_at else "-"
            click.echo(
                f"  {holder.owner}: {holder.pages} pages of {', '.join(holder.sites)}, lease until {until}"
            )
        for site, page_key, why in progress.failed:
            click.echo(f"  given up: {site}/{page_key} - {why.splitlines()[0] if why else ''}")
    for page in report.pages:
        status = page.status.value if page.status else "not captured"
        click.echo(f"{page.site}/{page.page}: {status}" + (f" - {page.error}" if page.error else ""))
        for slot in page.slots:
            count = "-" if slot.today is None else str(slot.today.ad_count)
            usual = "" if slot.median is None else f" (usually {slot.median:g})"
            flag = f"  ALERT {slot.alert.kind}" if slot.alert else ""
            click.echo(f"  {slot.slot}: {count} ads{usual}{flag}")
    if report.alerts:
        click.echo(f"{len(report.alerts)} alert(s):", err=True)
        for alert in report.alerts:
            click.echo(f"  {alert.line()}", err=True)
        if mail:
            try:
                mail_alerts(settings, report)
            except MailFailed as exc:
                raise click.ClickException(str(exc)) from exc
        ctx.exit(1)
