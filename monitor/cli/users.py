"""`rivalwatch users ...`: list and manage web sign-in accounts. Every change is written to the audit log
as done by `cli:<your OS user>`, the same way the accounts page writes it."""

from __future__ import annotations

import datetime as dt
import smtplib
import sys
from collections.abc import Callable

import click
from sqlalchemy.orm import Session

from models import User
from models.db import transaction
from models.enums import Role
from monitor.accounts.audit import Actor
from monitor.accounts.errors import UserError
from monitor.accounts.manage import (
    account_rows,
    add_account,
    change_role,
    disable_account,
    enable_account,
    find_user,
    set_team,
    sign_out_everywhere,
    unlock_account,
)
from monitor.accounts.resets import set_password_by_operator, start_password_reset
from monitor.cli._context import sessions_from, settings_from
from monitor.core.mail import send_messages

ROLE_CHOICE = click.Choice([role.value for role in Role])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _password_from_stdin() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def _change(ctx: click.Context, username: str, change: Callable[[Session, User], str]) -> None:
    """Run `change(session, user)` on USERNAME in one transaction; a refusal is an error, not a traceback."""
    try:
        with transaction(sessions_from(ctx)) as session:
            done = change(session, find_user(session, username))
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(done)


@click.group("users")
def users() -> None:
    """Manage web sign-in accounts (every change goes to the audit log)."""


@users.command("list")
@click.pass_context
def list_users(ctx: click.Context) -> None:
    """Print every account: username, role, rep or team, email, status, live sessions."""

    with transaction(sessions_from(ctx)) as session:
        for row in account_rows(session, _now()):
            scope = f"rep {row.rep.code}" if row.rep else f"team {row.team.code}" if row.team else "-"
            if not row.user.enabled:
                status = "disabled"
            elif row.paused_until:
                status = f"paused until {row.paused_until:%Y-%m-%d %H:%M} UTC"
            elif not row.user.password_hash:
                status = "no password yet"
            else:
                status = "active"
            fields = [row.user.username, row.user.role.value, scope, row.user.email or "-", status]
            click.echo("\t".join([*fields, f"{row.live_sessions} sessions"]))


@users.command("add")
@click.argument("username")
@click.option("--role", type=ROLE_CHOICE, required=True)
@click.option("--rep", "rep_code", help="The roster rep_id of a rep account.")
@click.option("--team", "team_code", help="The team code a manager account oversees.")
@click.option("--name", "display_name", help="Name shown in the app (default: the rep's name or USERNAME).")
@click.option("--email", help="Address for mails (default: the rep's email).")
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="Read the password (at least 8 characters) from standard input.",
)
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

    password = _password_from_stdin()
    try:
        with transaction(sessions_from(ctx)) as session:
            add_account(
                session,
                Actor.command_line(),
                _now(),
                username,
                Role(role),
                password=password,
                rep_code=rep_code,
                team_code=team_code,
                display_name=display_name,
                email=email,
            )
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {role} {username}")


def _account_command(
    name: str, act: Callable[[Session, Actor, User, dt.datetime], object], done: str, help_text: str
) -> None:
    """`users NAME USERNAME`: one change with no options, `done` printed with the username."""

    @users.command(name, help=help_text)
    @click.argument("username")
    @click.pass_context
    def command(ctx: click.Context, username: str) -> None:
        def change(session: Session, user: User) -> str:
            result = act(session, Actor.command_line(), user, _now())
            return done.format(username=username, result=result)

        _change(ctx, username, change)


_account_command(
    "disable",
    disable_account,
    "disabled {username}",
    "Disable USERNAME: every session ends at once; no password or link signs it in.",
)
_account_command("enable", enable_account, "enabled {username}", "Enable USERNAME again.")
_account_command(
    "unlock",
    unlock_account,
    "unlocked {username}",
    "Let USERNAME's password be tried again from anywhere (clears its failed attempts).",
)
_account_command(
    "sign-out",
    sign_out_everywhere,
    "signed out {username}: {result} sessions ended",
    "End every session of USERNAME (it can sign in again).",
)


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLE_CHOICE)
@click.option("--rep", "rep_code", help="The roster rep_id (for the rep role).")
@click.option("--team", "team_code", help="The team code (for the manager role).")
@click.pass_context
def set_role_command(
    ctx: click.Context, username: str, role: str, rep_code: str | None, team_code: str | None
) -> None:
    """Give USERNAME another ROLE (rep needs --rep, manager --team); the last admin keeps the role."""

    def change(session: Session, user: User) -> str:
        change_role(
            session,
            Actor.command_line(),
            user,
            Role(role),
            _now(),
            rep_code=rep_code,
            team_code=team_code,
        )
        return f"{username} is now {role}"

    _change(ctx, username, change)


@users.command("set-team")
@click.argument("username")
@click.argument("team_code", metavar="TEAM")
@click.pass_context
def set_team_command(ctx: click.Context, username: str, team_code: str) -> None:
    """Change the TEAM (a roster team code) a manager account oversees."""

    def change(session: Session, user: User) -> str:
        set_team(session, Actor.command_line(), user, team_code, _now())
        return f"{username} now oversees team {team_code}"

    _change(ctx, username, change)


@users.command("reset-password")
@click.argument("username")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Set the password read from standard input instead of mailing a link (when mail cannot reach them).",
)
@click.pass_context
def reset_password(ctx: click.Context, username: str, password_stdin: bool) -> None:
    """Clear USERNAME's password, end its sessions and mail a single-use link to set a new one.

    The link goes to the account's email address through the [smtp] settings and points at `base_url`;
    it works once, for 3 days. With --password-stdin the new password is set at once instead.
    """

    settings = settings_from(ctx)
    password = _password_from_stdin() if password_stdin else None
    try:
        with transaction(sessions_from(ctx)) as session:
            user = find_user(session, username)
            if password is not None:
                set_password_by_operator(session, Actor.command_line(), user, password, _now())
                message = None
            else:
                message = start_password_reset(session, settings, Actor.command_line(), user, _now())
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    if message is None:
        click.echo(f"password of {username} set; its sessions ended")
        return
    try:  # after the commit: never hold the database across mail
        send_messages(settings.smtp, [message])
    except (OSError, smtplib.SMTPException) as exc:
        raise click.ClickException(
            f"the password of {username} is cleared but the mail could not be sent ({exc}); "
            "run reset-password again once mail works, or use --password-stdin"
        ) from exc
    click.echo(f"mailed a password link to {message['To']}; the old password of {username} no longer works")
