"""`rivalwatch transfer` (划转, registered with the office) and `rivalwatch roster` (each rep's load)."""

from __future__ import annotations

import datetime as dt
import getpass

import click

from monitor.cli._context import sessions_from, settings_from


@click.command("transfer")
@click.argument("customer")
@click.option("--to", "to_rep", required=True, help="rep_id of the new owner.")
@click.option("--reason", required=True, help="Why (recorded with the transfer).")
@click.option(
    "--date", "effective", type=click.DateTime(["%Y-%m-%d"]), help="Effective day (default: today)."
)
@click.option("--by", help="Who registers the transfer (default: the login name).")
@click.option("--override", is_flag=True, help="Office override of the rep's customer cap (recorded).")
@click.pass_context
def transfer_command(
    ctx: click.Context,
    customer: str,
    to_rep: str,
    reason: str,
    effective: dt.datetime | None,
    by: str | None,
    override: bool,
) -> None:
    """Transfer CUSTOMER (customer_id) to another rep from a day on."""
    from models.db import transaction
    from monitor.roster.transfers import TransferError, transfer_customer

    settings = settings_from(ctx)
    day = effective.date() if effective else settings.today()
    try:
        with transaction(sessions_from(ctx)) as session:
            result = transfer_customer(
                session,
                customer,
                to_rep,
                effective=day,
                reason=reason,
                registered_by=by or getpass.getuser(),
                now=dt.datetime.now(dt.UTC),
                cap=settings.accountability.rep_customer_cap,
                override=override,
            )
    except TransferError as exc:
        raise click.ClickException(str(exc)) from exc
    note = " (cap override recorded)" if result.cap_override else ""
    click.echo(
        f"{result.customer_code}: {result.from_rep or '-'} -> {result.to_rep} from {result.effective}; "
        f"{result.to_rep} now owns {result.load_after}/{result.cap}{note}"
    )


@click.command("roster")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Day (default: today).")
@click.pass_context
def roster_command(ctx: click.Context, day: dt.datetime | None) -> None:
    """Each active rep's number of KA customers against the cap."""
    from monitor.roster.transfers import rep_loads

    settings = settings_from(ctx)
    when = day.date() if day else settings.today()
    with sessions_from(ctx)() as session:
        loads = rep_loads(session, when, settings.accountability.rep_customer_cap)
    for load in loads:
        flag = "  OVER CAP" if load.over_cap else ""
        click.echo(f"{load.rep_code}\t{load.rep_name}\t{load.team or '-'}\t{load.customers}/{load.cap}{flag}")
