"""`rivalwatch evidence verify|seal|export|prune`: check files and the log; seal a day; a period's WACZ."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from monitor.cli._context import sessions_from, settings_from


@click.group("evidence")
def evidence_group() -> None:
    """Evidence files (pages, screenshots, creatives) stored once by content hash, the evidence log of
    daily manifests, and web archives of a period."""


@evidence_group.command("verify")
@click.option("--no-rehash", is_flag=True, help="Only check that files exist (faster; skips the log).")
@click.pass_context
def verify_command(ctx: click.Context, no_rehash: bool) -> None:
    """Re-hash every file the database cites, and every file of every day's manifest against the
    manifest and the hash chain; exit 1 naming the first broken link when anything is off."""
    from monitor.capture.evidence_log import verify_log
    from monitor.capture.retention import verify_evidence
    from monitor.core.evidence import open_evidence_store

    settings = settings_from(ctx)
    with sessions_from(ctx)() as session:
        store = open_evidence_store(settings)
        problems = verify_evidence(session, store, rehash=not no_rehash)
        chain = [] if no_rehash else verify_log(session, store, settings.today())
    for problem in problems:
        where = ", ".join(problem.referenced_by)
        click.echo(f"{problem.sha256}: {problem.problem} (cited by {where})", err=True)
    for link in chain:
        click.echo(link.describe(), err=True)
    if chain:
        click.echo(f"first broken link: {chain[0].describe()}", err=True)
    if problems or chain:
        raise click.ClickException(
            f"{len(problems)} evidence file(s) missing or corrupt, {len(chain)} fault(s) in the evidence log"
        )
    click.echo("evidence: every cited file is present and intact; the evidence log is unbroken")


@evidence_group.command("seal")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Seal this crawl day (default: every captured day before today not sealed yet).",
)
@click.pass_context
def seal_command(ctx: click.Context, day: dt.datetime | None) -> None:
    """Seal a day's evidence hashes in a manifest chained after the newest one (never rewritten).

    `rivalwatch crawl` seals its day when it finishes; this seals days captured before the log existed
    or whose crawl died before sealing. A day sealed already gets a new version only if its files changed.
    """
    from monitor.capture.evidence_log import seal_day, unsealed_days
    from monitor.core.evidence import open_evidence_store

    settings = settings_from(ctx)
    store = open_evidence_store(settings)
    with sessions_from(ctx)() as session:
        days = [day.date()] if day else unsealed_days(session, settings.today())
        for each in days:
            row = seal_day(session, store, each, dt.datetime.now(dt.UTC))
            session.commit()
            if row is None:
                click.echo(f"{each}: nothing new to seal")
            else:
                click.echo(f"{each}: manifest v{row.version} {row.sha256} ({row.file_count} files)")


@evidence_group.command("export")
@click.option(
    "--period",
    "period_day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="Any day of the period, YYYY-MM-DD.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The WACZ file to write (e.g. evidence-2026-11-02.wacz).",
)
@click.pass_context
def export_command(ctx: click.Context, period_day: dt.datetime, output: Path) -> None:
    """Write every page capture the period's items cite as one WACZ web archive, then validate it.

    The WACZ opens in ReplayWeb.page; each capture is a WARC record set (the response as received, the
    rendered DOM, the full-page screenshot, the creatives, a metadata record naming the day's manifest
    in the evidence log). Exit 1 when the period is unknown, cites nothing, or the WACZ does not validate.
    """
    from monitor.capture.archive import ArchiveError, export_period, validate_wacz
    from monitor.core.evidence import open_evidence_store

    settings = settings_from(ctx)
    try:
        with sessions_from(ctx)() as session:
            summary = export_period(
                session,
                open_evidence_store(settings),
                period_day.date(),
                output,
                dt.datetime.now(dt.UTC),
            )
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    for missing in summary.missing:
        click.echo(f"not in the evidence store (pruned or lost): {missing}", err=True)
    valid, said = validate_wacz(output)
    if not valid:
        raise click.ClickException(f"{output} does not validate: {said}")
    click.echo(
        f"{output}: {summary.captures} page captures, {summary.records} WARC records; wacz validate passed"
    )


@evidence_group.command("prune")
@click.pass_context
def prune_command(ctx: click.Context) -> None:
    """Delete page screenshots, HTML and network responses older than crawl.retention_days that no item,
    published report or explanation form cites (manifests, creatives and element screenshots stay)."""
    from monitor.capture.retention import prune_evidence
    from monitor.core.evidence import open_evidence_store
    from monitor.core.locks import JobBusy, job_lock

    settings = settings_from(ctx)
    try:
        with job_lock(settings, "crawl"), sessions_from(ctx)() as session:

            def batch_done(last_day: dt.date) -> None:
                session.commit()  # one short transaction per batch of days
                click.echo(f"checked captures up to {last_day}", err=True)

            result = prune_evidence(
                session,
                open_evidence_store(settings),
                settings.today(dt.datetime.now(dt.UTC)),
                settings.crawl.retention_days,
                after_batch=batch_done,
            )
            session.commit()
    except JobBusy as exc:
        raise click.ClickException(f"{exc}; prune again when the crawl is done") from exc
    click.echo(
        f"pruned {len(result.deleted)} file(s) from captures before {result.cutoff} "
        f"({result.bytes_freed} bytes); kept {len(result.kept)} cited or reused"
    )
