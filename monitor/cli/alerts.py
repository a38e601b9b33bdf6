"""`rivalwatch alerts send`: the day's same-day alerts to each rep and team, by mail and chat robot."""

from __future__ import annotations

import datetime as dt

import click

from monitor.cli._context import sessions_from, settings_from


@click.group("alerts")
def alerts_group() -> None:
    """Same-day alerts: customers that started advertising with a competitor."""


@alerts_group.command("send")
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Day of the sightings (default: today)."
)
@click.pass_context
def send_command(ctx: click.Context, day: dt.datetime | None) -> None:
    """Find the day's new alerts, then mail and post them (each message once); exit 1 if any failed.

    Messages of earlier days still queued or failed go out too: a failed message keeps its error and is
    sent again by the next run.
    """
    from monitor.accountability.alerts import run_alerts
    from monitor.core.locks import JobBusy
    from monitor.core.mail import send_messages

    settings = settings_from(ctx)
    when = day.date() if day else settings.today()
    try:
        run = run_alerts(
            sessions_from(ctx),
            settings,
            when,
            now=lambda: dt.datetime.now(dt.UTC),
            send_mail=lambda message: send_messages(settings.smtp, [message]),
        )
    except JobBusy as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{when}: {run.alerts} new alert(s), {run.queued} message(s) queued, "
        f"{run.result.sent} sent, {len(run.result.failed)} failed"
    )
    for channel, error in run.result.failed:
        click.echo(f"  failed {channel}: {error}", err=True)
    if run.result.failed:
        ctx.exit(1)
