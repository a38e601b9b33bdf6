"""`rivalwatch web` serves the web app; `rivalwatch users add` creates sign-in accounts."""

from __future__ import annotations

import sys

import click

from models.db import transaction
from models.enums import Role
from monitor.cli._context import sessions_from, settings_from


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on."
)
@click.pass_context
def web(ctx: click.Context, host: str, port: int) -> None:
    """Serve the web app (explanation forms, review, office pages)."""
    from monitor.web.app import create_app
    from monitor.web.server import run

    run(create_app(settings_from(ctx), sessions_from(ctx)), host=host, port=port)


@click.group("users")
def users() -> None:
    """Manage web sign-in accounts."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--rep", "rep_code", help="The roster rep_id of a rep account.")
@click.option("--team", "team_code", help="The team code a manager account oversees.")
@click.option("--name", "display_name", help="Name shown in the app (default: the rep's name or USERNAME).")
@click.option("--email", help="Address for mails (default: the rep's email).")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from standard input.")
@click.pass_context
def add_user(
    ctx: click.Context,
    username: str,
    role: str,
    rep_code: str | None,
    team_code: str | None,
    display_name: str | None,
    email: str | None,
    password_stdin: bool,
) -> None:
    """Create USERNAME with the password read from standard input."""
    from monitor.accounts.users import UserError, create_user

    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        raise click.ClickException("the password must have at least 8 characters")
    try:
        with transaction(sessions_from(ctx)) as session:
            create_user(
                session,
                username,
                Role(role),
                password,
                rep_code=rep_code,
                team_code=team_code,
                display_name=display_name,
                email=email,
            )
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {role} {username}")
