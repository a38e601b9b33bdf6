"""`rivalwatch report` (generate, archive, publish a period), `periods`, `waive` and `leads`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy.orm import Session, sessionmaker

from models.base import utcnow
from models.db import transaction
from monitor.accountability.periods import Period, PeriodCalendar
from monitor.cli._context import sessions_from, settings_from
from monitor.core.settings import Settings

if TYPE_CHECKING:
    from reports.context import ReportContext


def _period_of(settings: Settings, period_day: dt.datetime | None, now: dt.datetime) -> Period:
    calendar = PeriodCalendar.of(settings.accountability)
    if period_day is None:
        return calendar.last_complete(settings.today(now))
    return calendar.containing(period_day.date())


_PERIOD_OPTION = click.option(
    "--period",
    "period_day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Any day of the period, YYYY-MM-DD (default: the last complete period).",
)


@click.command("report")
@_PERIOD_OPTION
@click.option("--no-generate", is_flag=True, help="Render the period as stored; do not regenerate its items.")
@click.option(
    "--xlsx/--no-xlsx", "with_xlsx", default=True, show_default=True, help="Also write the workbook."
)
@click.option(
    "--publish", is_flag=True, help="Mail each rep and manager (once; re-running sends only what is missing)."
)
@click.pass_context
def report_command(
    ctx: click.Context, period_day: dt.datetime | None, no_generate: bool, with_xlsx: bool, publish: bool
) -> None:
    """Generate the accountability items of a period and write its HTML report (问责客户报表)."""
    from reports.build import build_period_report

    settings = settings_from(ctx)
    now = utcnow()
    period = _period_of(settings, period_day, now)
    sessions = sessions_from(ctx)
    try:
        built = build_period_report(
            sessions, settings, period.start, now, generate=not no_generate, workbook=with_xlsx
        )
    except LookupError as exc:
        raise click.ClickException(f"{exc} (run without --no-generate)") from exc
    except ValueError as exc:  # a period that has not ended, or before the first capture
        raise click.ClickException(str(exc)) from exc
    if built.generation is not None:
        click.echo(built.generation.summary())
    click.echo(f"report: {built.report}")
    if built.workbook is not None:
        click.echo(f"workbook: {built.workbook}")
    if publish:
        _publish(sessions, settings, built.context, now)


def _print_progress(done: int, total: int, label: str) -> None:
    """One line per mail on stderr, so a long publish shows where it is."""
    click.echo(f"mail {done}/{total}: {label}", err=True)


def _publish(
    factory: sessionmaker[Session], settings: Settings, context: ReportContext, now: dt.datetime
) -> None:
    from reports.publish import publish_period

    with factory() as session:
        try:
            result = publish_period(
                session,
                settings,
                context.start,
                now,
                progress=_print_progress,
                context=context,
            )
        except OSError as exc:
            raise click.ClickException(
                f"cannot send through {settings.smtp.host}:{settings.smtp.port}: {exc} "
                "(mails sent before the failure are recorded; run again to send the rest)"
            ) from exc
    click.echo(f"published: {len(result.sent)} mails ({len(result.already_sent)} already sent)")
    for code in result.reps_without_address:
        click.echo(f"warning: rep {code} has items but no email address", err=True)
    for label, error in result.failed:
        click.echo(f"failed: {label}: {error}", err=True)
    if result.failed:
        raise click.ClickException(f"{len(result.failed)} mails were refused; run again to retry them")


@click.command("waive")
@click.argument("customer_id")
@_PERIOD_OPTION
@click.option("--reason", required=True, help="Why the customer is not held against the rep (or no longer).")
@click.option("--by", "by", required=True, help="Who decided.")
@click.option("--undo", is_flag=True, help="Undo the item's waiver instead: it is accountable again.")
@click.pass_context
def waive_command(
    ctx: click.Context, customer_id: str, period_day: dt.datetime | None, reason: str, by: str, undo: bool
) -> None:
    """Waive (豁免) a customer's item in a period, or undo a waiver; every decision is kept with its reason.

    A waived item stays waived through regeneration until the waiver is undone.
    """
    from monitor.accountability.waivers import WaiveError, unwaive_item, waive_item

    settings = settings_from(ctx)
    now = utcnow()
    period = _period_of(settings, period_day, now)
    decide = unwaive_item if undo else waive_item
    try:
        with transaction(sessions_from(ctx)) as session:
            item_id = decide(session, period.start, customer_id, reason, by, now).id
    except WaiveError as exc:
        raise click.ClickException(str(exc)) from exc
    done = "waiver undone" if undo else "waived"
    click.echo(f"{done}: item {item_id} of customer {customer_id} in {period.start}~{period.end}")


@click.command("leads")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First day to count, YYYY-MM-DD (default: two periods ago).",
)
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Also write the list as CSV (UTF-8 with BOM, opens in Excel).",
)
@click.pass_context
def leads_command(ctx: click.Context, since: dt.datetime | None, limit: int, csv_path: Path | None) -> None:
    """Advertisers on competitor sites that are none of our customers, most active first (竞标线索)."""
    from reports.leads import leads_since, write_leads_csv

    settings = settings_from(ctx)
    first_day = (
        since.date()
        if since
        else settings.today() - dt.timedelta(days=2 * settings.accountability.period_days)
    )
    with sessions_from(ctx)() as session:
        rows = leads_since(session, first_day, limit)
        session.commit()  # keep the days' activity summed on the way
    if not rows:
        click.echo(f"no leads since {first_day}")
    for rank, row in enumerate(rows, start=1):
        # Competitor text reaches a terminal: no control characters (escape sequences) get through.
        text = "".join(c for c in " ".join(row.advertiser_text.split()) if c.isprintable())
        click.echo(
            f"{rank:>3}. {text}  days {row.days_seen}  sightings {row.sightings}  "
            f"competitors {row.competitors} ({'、'.join(row.competitor_names)})  "
            f"banner days {row.banner_days}  logo days {row.logo_days}  "
            f"{row.first_seen}~{row.last_seen}"
        )
    if csv_path is not None:
        write_leads_csv(csv_path, rows)
        click.echo(f"csv: {csv_path}")


@click.command("periods")
@click.pass_context
def periods_command(ctx: click.Context) -> None:
    """List the generated periods with their item counts by status."""
    from monitor.accountability.store import period_summaries

    settings = settings_from(ctx)
    with sessions_from(ctx)() as session:
        summaries = period_summaries(session)
    if not summaries:
        click.echo("no periods generated yet")
    for row in reversed(summaries):
        period = row.period
        generated = (
            period.generated_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
            if period.generated_at
            else "-"
        )
        click.echo(
            f"{period.label}  deadline {period.form_deadline}  open {row.open}  "
            f"withdrawn {row.withdrawn}  waived {row.waived}  generated {generated}"
        )
