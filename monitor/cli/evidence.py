"""`rivalwatch evidence verify|prune`: check that every cited file is intact; prune old page evidence."""

from __future__ import annotations

import datetime as dt

import click

from monitor.cli._context import sessions_from, settings_from


@click.group("evidence")
def evidence_group() -> None:
    """Evidence files (page HTML, screenshots, creatives), stored once by content hash."""


@evidence_group.command("verify")
@click.option("--no-rehash", is_flag=True, help="Only check that files exist (faster).")
@click.pass_context
def verify_command(ctx: click.Context, no_rehash: bool) -> None:
    """Re-hash every file the database cites; exit 1 when one is missing or corrupt."""
    from monitor.capture.retention import verify_evidence
    from monitor.core.evidence import open_evidence_store

    settings = settings_from(ctx)
    with sessions_from(ctx)() as session:
        problems = verify_evidence(session, open_evidence_store(settings), rehash=not no_rehash)
    for problem in problems:
        where = ", ".join(problem.referenced_by)
        click.echo(f"{problem.sha256}: {problem.problem} (cited by {where})", err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} evidence file(s) missing or corrupt")
    click.echo("evidence: every cited file is present and intact")


@evidence_group.command("prune")
@click.pass_context
def prune_command(ctx: click.Context) -> None:
    """Delete page screenshots and HTML older than crawl.retention_days that no item cites."""
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
