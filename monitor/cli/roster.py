"""`rivalwatch import roster PATH...` and `rivalwatch db upgrade`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from models.db import transaction
from monitor.cli._context import sessions_from
from monitor.roster import PROGRESS_ROWS, ImportSummary, Roster, RosterInvalid, apply_roster, read_roster


def _report_invalid(exc: RosterInvalid) -> None:
    for error in exc.errors:
        click.echo(str(error), err=True)
    click.echo(f"{len(exc.errors)} error(s); nothing was imported.", err=True)


def _read_progress(source: str, rows: int) -> None:
    click.echo(f"{source}: {rows} rows read", err=True)


def _write_progress(table: str, done: int, total: int) -> None:
    if total >= PROGRESS_ROWS:  # a small table is written in a blink: no progress to show
        click.echo(f"{table}: {done}/{total} written", err=True)


def _import(factory: sessionmaker[Session], roster: Roster, dry_run: bool) -> ImportSummary:
    """Apply the roster in one transaction; a dry run rolls it back."""
    if not dry_run:
        with transaction(factory) as session:
            return apply_roster(session, roster, _write_progress)
    with factory() as session:
        summary = apply_roster(session, roster, _write_progress)
        session.rollback()
        return summary


@click.group("import")
def import_group() -> None:
    """Load data files into the database."""


@import_group.command("roster")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and count, then roll back: nothing is written.")
@click.pass_context
def import_roster(ctx: click.Context, paths: Sequence[Path], dry_run: bool) -> None:
    """Import reps, customers, assignments, orders and company lists (CSV files, folders, an .xlsx workbook).

    All or nothing: any error aborts the import and lists every problem. Rows are matched by their codes;
    rows absent from the files are left as they are (nothing is deleted). Files are streamed; progress
    goes to stderr. See docs/roster.md.
    """
    try:
        roster = read_roster(paths, _read_progress)
        summary = _import(sessions_from(ctx), roster, dry_run)
    except RosterInvalid as exc:
        _report_invalid(exc)
        ctx.exit(1)
    except DBAPIError as exc:
        raise click.ClickException(
            f"the database refused the import; nothing was written: {exc.orig}"
        ) from exc
    for line in summary.lines():
        click.echo(line)
    click.echo("dry run: nothing was written." if dry_run else "roster imported.")


@click.group("db")
def db_group() -> None:
    """Database maintenance."""


@db_group.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or migrate the database to the newest schema."""
    sessions = sessions_from(ctx)
    url = sessions.kw["bind"].url
    click.echo(f"{make_url(url).render_as_string(hide_password=True)} is at the newest schema.")
