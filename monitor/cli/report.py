"""`rivalwatch report` (generate a period and archive its HTML report) and `rivalwatch periods`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import AccountabilityItem, AccountabilityPeriod
from models.base import utcnow
from models.db import make_engine, make_session_factory, transaction
from models.migrate import upgrade
from monitor.accountability import last_complete_period, period_for
from monitor.cli._context import settings_from
from monitor.settings import Settings


@contextmanager
def _sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """A session factory over the migrated database; the engine is disposed afterwards."""
    engine = make_engine(settings.database)
    try:
        upgrade(engine)
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@click.command("report")
@click.option(
    "--period",
    "period_day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Any day of the period, YYYY-MM-DD (default: the last complete period).",
)
@click.option("--no-generate", is_flag=True, help="Render the period as stored; do not regenerate its items.")
@click.pass_context
def report_command(ctx: click.Context, period_day: dt.datetime | None, no_generate: bool) -> None:
    """Generate the accountability items of a period and write its HTML report (问责客户报表)."""
    from monitor.accountability_db import generate_period
    from reports.html import write_period_report

    settings = settings_from(ctx)
    config = settings.accountability
    now = utcnow()
    if period_day is None:
        period = last_complete_period(settings.today(now), config.period_anchor, config.period_days)
    else:
        period = period_for(period_day.date(), config.period_anchor, config.period_days)
    with _sessions(settings) as factory:
        if not no_generate:
            with transaction(factory) as session:
                result = generate_period(session, settings, period.start, now)
            click.echo(
                f"period {period.start}~{period.end}: {result.open_items} open items "
                f"({result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
                f"{result.withdrawn} withdrawn, {result.reopened} reopened); "
                f"{len(result.pending)} matches pending review"
            )
        with factory() as session:
            try:
                path = write_period_report(session, settings, period.start)
            except LookupError as exc:
                raise click.ClickException(f"{exc} (run without --no-generate)") from exc
    click.echo(f"report: {path}")


@click.command("periods")
@click.pass_context
def periods_command(ctx: click.Context) -> None:
    """List the generated periods with their item counts by status."""
    settings = settings_from(ctx)
    with _sessions(settings) as factory, factory() as session:
        counts: dict[int, dict[str, int]] = {}
        for period_id, status, count in session.execute(
            select(AccountabilityItem.period_id, AccountabilityItem.status, func.count()).group_by(
                AccountabilityItem.period_id, AccountabilityItem.status
            )
        ):
            counts.setdefault(period_id, {})[str(status)] = count
        periods = session.scalars(
            select(AccountabilityPeriod).order_by(AccountabilityPeriod.start_date)
        ).all()
        if not periods:
            click.echo("no periods generated yet")
        for period in periods:
            by_status = counts.get(period.id, {})
            generated = (
                period.generated_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
                if period.generated_at
                else "-"
            )
            click.echo(
                f"{period.label}  deadline {period.form_deadline}  open {by_status.get('open', 0)}  "
                f"withdrawn {by_status.get('withdrawn', 0)}  waived {by_status.get('waived', 0)}  "
                f"generated {generated}"
            )
