"""Setting passwords: by a mailed single-use link (new accounts and resets), by the owner knowing the old
one, or by an operator on the command line. Each ends the sessions the old password opened and writes its
audit event; the caller commits, then sends the mail (never inside the transaction).
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage

from sqlalchemy.orm import Session

from models import User
from models.enums import AuditAction, SessionEnd, TokenPurpose
from monitor.accounts.audit import Actor, record_event
from monitor.accounts.errors import UserError
from monitor.accounts.login_links import (
    RESET_LINK_LIFETIME,
    LinkCheck,
    cancel_links,
    check_login_link,
    consume_login_link,
    issue_link,
)
from monitor.accounts.passwords import check_new_password, hash_password
from monitor.accounts.sessions import end_user_sessions
from monitor.core.i18n import N_, translator
from monitor.core.settings import Settings


def start_password_reset(
    session: Session,
    settings: Settings,
    actor: Actor,
    user: User,
    now: dt.datetime,
    *,
    new_account: bool = False,
) -> EmailMessage:
    """Clear `user`'s password, end their sessions and return the mail with a single-use link to set a new
    one (earlier links die). The old password no longer works even if the mail never arrives."""
    if not user.email:
        raise UserError(N_("%(username)s has no email address to send the link to"), username=user.username)
    if not user.enabled:
        raise UserError(N_("%(username)s is disabled; enable the account first"), username=user.username)
    user.password_hash = None
    end_user_sessions(session, user, now, SessionEnd.PASSWORD)
    cancel_links(session, user, TokenPurpose.PASSWORD_RESET, now)
    link = issue_link(
        settings, session, user, TokenPurpose.PASSWORD_RESET, now=now, lifetime=RESET_LINK_LIFETIME
    )
    record_event(session, actor, AuditAction.PASSWORD_RESET_SENT, now, user, f"to {user.email}")
    return password_link_message(settings, user, link, now + RESET_LINK_LIFETIME, new_account=new_account)


def password_link_message(
    settings: Settings, user: User, link: str, expires: dt.datetime, *, new_account: bool
) -> EmailMessage:
    """The mail carrying a set-password link, in the configured language."""
    _ = translator(settings.language).gettext
    values = {
        "name": user.display_name,
        "username": user.username,
        "link": link,
        "until": expires.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M"),
    }
    if new_account:
        subject = _("[Rivalwatch] Your account: set your password")
        lead = _("An administrator created a Rivalwatch account for you (username: %(username)s).")
    else:
        subject = _("[Rivalwatch] Set a new password")
        lead = _("An administrator reset the password of your Rivalwatch account (username: %(username)s).")
    body = _(
        "Set your password here; the link works once, until %(until)s:\n%(link)s\n\n"
        "If you did not expect this mail, tell your administrator."
    )
    message = EmailMessage()
    message["From"] = settings.smtp.sender
    message["To"] = user.email or ""
    message["Subject"] = subject
    message.set_content(f"{_('Hello %(name)s,') % values}\n\n{lead % values}\n{body % values}\n")
    return message


def finish_password_reset(
    session: Session,
    settings: Settings,
    token: str,
    password: str,
    now: dt.datetime,
    client_address: str | None = None,
) -> tuple[LinkCheck, User | None]:
    """Spend a reset link and set `password`. A refused password (UserError) leaves the link unspent.
    Returns the link check and, when the link was good, the user."""
    check = check_login_link(settings, session, token, now, TokenPurpose.PASSWORD_RESET)
    if check.problem is not None:
        return check, None
    check_new_password(password)
    check = consume_login_link(settings, session, token, now, TokenPurpose.PASSWORD_RESET)
    if check.problem is not None or check.token is None:
        return check, None
    user = session.get(User, check.token.user_id)
    if user is None:
        return check, None
    _set_password(session, user, password, now)
    record_event(session, Actor.signed_in(user, client_address), AuditAction.PASSWORD_SET, now, user)
    return check, user


def change_own_password(
    session: Session,
    user: User,
    password: str,
    now: dt.datetime,
    *,
    keep: str | None,
    client_address: str | None,
) -> int:
    """`user` (who proved the old password) sets a new one; every other session ends. Returns how many."""
    check_new_password(password)
    ended = _set_password(session, user, password, now, keep=keep)
    actor = Actor.signed_in(user, client_address)
    record_event(session, actor, AuditAction.PASSWORD_CHANGED, now, user, f"other sessions ended: {ended}")
    return ended


def set_password_by_operator(
    session: Session, actor: Actor, user: User, password: str, now: dt.datetime
) -> None:
    """An operator sets `user`'s password (the command line, when mail cannot reach them)."""
    check_new_password(password)
    ended = _set_password(session, user, password, now)
    record_event(session, actor, AuditAction.PASSWORD_SET_BY_OPERATOR, now, user, f"sessions ended: {ended}")


def _set_password(
    session: Session, user: User, password: str, now: dt.datetime, keep: str | None = None
) -> int:
    user.password_hash = hash_password(password)
    cancel_links(session, user, TokenPurpose.PASSWORD_RESET, now)
    return end_user_sessions(session, user, now, SessionEnd.PASSWORD, keep=keep)
