"""`rivalwatch review` and `rivalwatch rematch`: the match review queue from the command line."""

from __future__ import annotations

import datetime as dt
import getpass

import click

from monitor.cli._context import sessions_from, settings_from


@click.group("review", invoke_without_command=True)
@click.pass_context
def review_group(ctx: click.Context) -> None:
    """List advertisers whose match waits for a person (confirm or reject them with the subcommands)."""
    if ctx.invoked_subcommand is not None:
        return
    from monitor.core.i18n import translator
    from monitor.matching.explain import describe
    from monitor.matching.store import review_queue

    with sessions_from(ctx)() as session:
        rows = review_queue(session)
    if not rows:
        click.echo("review queue is empty")
        return
    gettext = translator(settings_from(ctx).language).gettext
    for row in rows:
        proposal = f"{row.customer_code} {row.customer_name}" if row.customer_code else "-"
        click.echo(
            f"{row.advertiser_id}\t{row.text}\t-> {proposal}\t{row.score:.1f}\t{row.sightings} sightings"
        )
        why = describe(row.explanation, gettext) if row.explanation else row.reason
        if why:
            click.echo(f"\t{why}")


def _apply(ctx: click.Context, action: str, advertiser_id: int, customer: str | None, by: str | None) -> None:
    from models.db import transaction
    from monitor.matching.store import MatchReviewError, confirm_match, reject_match

    who = by or getpass.getuser()
    now = dt.datetime.now(dt.UTC)
    try:
        with transaction(sessions_from(ctx)) as session:
            if action == "confirm":
                match = confirm_match(session, advertiser_id, customer, who, now)
            else:
                match = reject_match(session, advertiser_id, who, now)
            click.echo(f"advertiser {advertiser_id}: {match.decision.value}")
    except MatchReviewError as exc:
        raise click.ClickException(str(exc)) from exc


@review_group.command("confirm")
@click.argument("advertiser_id", type=int)
@click.option("--customer", help="customer_id to confirm (default: the proposed one).")
@click.option("--by", help="Who decides (default: the login name).")
@click.pass_context
def confirm_command(ctx: click.Context, advertiser_id: int, customer: str | None, by: str | None) -> None:
    """Confirm the match; the text becomes an alias and is matched from then on."""
    _apply(ctx, "confirm", advertiser_id, customer, by)


@review_group.command("reject")
@click.argument("advertiser_id", type=int)
@click.option("--by", help="Who decides (default: the login name).")
@click.pass_context
def reject_command(ctx: click.Context, advertiser_id: int, by: str | None) -> None:
    """Reject the proposed customer; the pair is never auto-matched again."""
    _apply(ctx, "reject", advertiser_id, None, by)


@click.command("rematch")
@click.pass_context
def rematch_command(ctx: click.Context) -> None:
    """Match every advertiser again against the current roster (people's decisions are kept)."""
    from models.db import transaction
    from monitor.matching.store import rematch_advertisers

    with transaction(sessions_from(ctx)) as session:
        summary = rematch_advertisers(session, settings_from(ctx), now=dt.datetime.now(dt.UTC))
    click.echo(str(summary))
