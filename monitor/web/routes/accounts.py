"""Accounts and the audit log: admins manage accounts, the office may look at both.

Each action calls the function the `users` command calls (`monitor.accounts.manage`, `.resets`), which
writes its audit event in the same transaction. Mails go out after the commit, never inside it.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy.orm import Session

from models import User
from models.enums import Role
from monitor.accounts.audit import PAGE_SIZE, Actor, audit_events
from monitor.accounts.errors import UserError
from monitor.accounts.manage import (
    account_rows,
    add_account,
    change_role,
    disable_account,
    enable_account,
    set_team,
    sign_out_everywhere,
    unlock_account,
)
from monitor.accounts.resets import start_password_reset
from monitor.accounts.scope import NotInScope
from monitor.core.i18n import N_
from monitor.core.mail import send_messages
from monitor.web.context import (
    AdminUser,
    DbSession,
    OfficeUser,
    QueryRowId,
    RowId,
    client_address,
    flash,
    now_utc,
    redirect,
    render,
    settings_of,
    translations,
)

router = APIRouter()


@dataclass(frozen=True)
class NewAccountForm:
    """What the admin typed, shown again when the account is refused."""

    username: str = ""
    display_name: str = ""
    email: str = ""
    role: str = ""
    rep: str = ""
    team: str = ""


ROLES = [role.value for role in Role]
CHOOSE_ROLE = N_("choose a role")


def _account(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotInScope(user_id)
    return user


def _actor(request: Request, user: User) -> Actor:
    return Actor.signed_in(user, client_address(request))


def _send(request: Request, message: EmailMessage) -> str | None:
    """Send after the commit; returns the translated problem when the mail server refused or was away."""
    try:
        send_messages(settings_of(request).smtp, [message])
    except (OSError, smtplib.SMTPException) as exc:
        _ = translations(request).gettext
        text = _(
            "The mail could not be sent (%(error)s). Send the password link again from the account's page."
        )
        return text % {"error": str(exc)}
    return None


@router.get("/office/accounts")
def account_list(request: Request, user: OfficeUser, session: DbSession) -> Response:
    rows = account_rows(session, now_utc())
    return render(
        request, "accounts.html", {"rows": rows, "roles": ROLES, "form": NewAccountForm(), "problem": None}
    )


@router.post("/office/accounts")
def create_account(
    request: Request,
    user: AdminUser,
    session: DbSession,
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    rep: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
) -> Response:
    """Create the account and mail its owner a link to set a password (it has none until then)."""
    _ = translations(request).gettext
    form = {
        "username": username,
        "display_name": display_name,
        "email": email,
        "role": role,
        "rep": rep,
        "team": team,
    }
    now = now_utc()
    try:
        if role not in ROLES:
            raise UserError(CHOOSE_ROLE)
        if not email.strip():
            raise UserError(N_("an email address is needed to send the password link"))
        created = add_account(
            session,
            _actor(request, user),
            now,
            username.strip(),
            Role(role),
            rep_code=rep.strip() or None,
            team_code=team.strip() or None,
            display_name=display_name.strip() or None,
            email=email.strip(),
        )
        message = start_password_reset(
            session, settings_of(request), _actor(request, user), created, now, new_account=True
        )
    except UserError as refused:
        session.rollback()
        context = {
            "rows": account_rows(session, now),
            "roles": ROLES,
            "form": form,
            "problem": refused.translated(_),
        }
        return render(request, "accounts.html", context, 400)
    session.commit()
    flash(
        request,
        _("Account %(username)s created; a link to set the password was mailed to %(email)s.")
        % {"username": created.username, "email": created.email},
    )
    problem = _send(request, message)
    if problem:
        flash(request, problem)
    return redirect(f"/office/accounts/{created.id}")


@router.get("/office/accounts/{user_id}")
def account_page(request: Request, user_id: RowId, user: OfficeUser, session: DbSession) -> Response:
    account = _account(session, user_id)
    row = next(row for row in account_rows(session, now_utc()) if row.user.id == account.id)
    events = audit_events(session, user_id=account.id, limit=50)
    return render(request, "account.html", {"row": row, "events": events, "roles": ROLES})


# Actions that need nothing but the account: path segment -> (the change, what to flash).
SIMPLE_ACTIONS: dict[str, tuple[Callable[[Session, Actor, User, dt.datetime], object], str]] = {
    "disable": (disable_account, N_("Account disabled; its sessions have ended.")),
    "enable": (enable_account, N_("Account enabled.")),
    "unlock": (unlock_account, N_("Sign-in unlocked.")),
    "sign-out": (sign_out_everywhere, N_("Signed out everywhere: every session of the account has ended.")),
}


def _act(
    request: Request,
    user: User,
    session: Session,
    user_id: int,
    change: Callable[[Actor, User], object],
    done: str,
) -> Response:
    """Run one admin change on an account, flash `done` (a message id) or the refusal, back to the account."""
    account = _account(session, user_id)
    _ = translations(request).gettext
    try:
        change(_actor(request, user), account)
    except UserError as refused:
        session.rollback()
        flash(request, refused.translated(_))
    else:
        session.commit()
        flash(request, _(done))
    return redirect(f"/office/accounts/{account.id}")


@router.post("/office/accounts/{user_id}/role")
def role(
    request: Request,
    user_id: RowId,
    user: AdminUser,
    session: DbSession,
    role: Annotated[str, Form()] = "",
    rep: Annotated[str, Form()] = "",
    team: Annotated[str, Form()] = "",
) -> Response:

    def act(actor: Actor, account: User) -> None:
        if role not in ROLES:
            raise UserError(CHOOSE_ROLE)
        rep_code, team_code = rep.strip() or None, team.strip() or None
        if Role(role) == account.role == Role.MANAGER and team_code:
            set_team(session, actor, account, team_code, now_utc())
        else:
            change_role(
                session, actor, account, Role(role), now_utc(), rep_code=rep_code, team_code=team_code
            )

    return _act(request, user, session, user_id, act, N_("Role and scope saved."))


@router.post("/office/accounts/{user_id}/reset-password")
def reset_password(request: Request, user_id: RowId, user: AdminUser, session: DbSession) -> Response:
    """Clear the password, end the sessions, mail a single-use link to set a new one."""
    account = _account(session, user_id)
    _ = translations(request).gettext
    try:
        message = start_password_reset(
            session, settings_of(request), _actor(request, user), account, now_utc()
        )
    except UserError as refused:
        session.rollback()
        flash(request, refused.translated(_))
        return redirect(f"/office/accounts/{account.id}")
    session.commit()
    problem = _send(request, message)
    flash(
        request,
        problem or _("A link to set a new password was mailed to %(email)s.") % {"email": account.email},
    )
    return redirect(f"/office/accounts/{account.id}")


@router.post("/office/accounts/{user_id}/{action}")
def account_action(
    request: Request, user_id: RowId, action: str, user: AdminUser, session: DbSession
) -> Response:
    """Disable, enable, unlock or sign out everywhere (`SIMPLE_ACTIONS`)."""
    if action not in SIMPLE_ACTIONS:
        raise NotInScope(action)
    change, done = SIMPLE_ACTIONS[action]
    return _act(
        request,
        user,
        session,
        user_id,
        lambda actor, account: change(session, actor, account, now_utc()),
        done,
    )


@router.get("/office/audit")
def audit_log(
    request: Request,
    user: OfficeUser,
    session: DbSession,
    before: QueryRowId = None,
) -> Response:
    """Account management events, newest first, a page at a time."""
    events = audit_events(session, before=before)
    older = events[-1].id if len(events) == PAGE_SIZE else None
    return render(request, "audit.html", {"events": events, "older": older})
