"""`rivalwatch health`: the state of every site, page and slot on a day, and the alerts it raises."""

from __future__ import annotations

import datetime as dt

import click

from monitor.cli._context import sessions_from, settings_from


@click.command("health")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Day to check (default: today).")
@click.option("--site", "sites", multiple=True, help="Only this site (repeatable).")
@click.option("--mail", is_flag=True, help="Mail the alerts to crawl.alert_recipients.")
@click.pass_context
def health_command(ctx: click.Context, day: dt.datetime | None, sites: tuple[str, ...], mail: bool) -> None:
    """Show capture status per site/page and yield per slot; exit 1 when there are alerts."""
    from monitor.capture.health import load_health, mail_alerts

    settings = settings_from(ctx)
    when = day.date() if day else settings.today()
    with sessions_from(ctx)() as session:
        report = load_health(session, when, sites or None)
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
            mail_alerts(settings, report)
        ctx.exit(1)
