"""Sign in by password or by a single-use link from a report email; sign out; set or change a password.

Refused password sign-ins all get the same answer, whatever the reason (`monitor.accounts.passwords`); only
a network that failed too often is told so, which says nothing about any name.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from models import User
from models.enums import SessionEnd, TokenPurpose
from monitor.accounts.errors import UserError
from monitor.accounts.login_links import LinkProblem, check_login_link, consume_login_link, safe_next_path
from monitor.accounts.passwords import MIN_PASSWORD_LENGTH, Attempt, SignIn, authenticate, check_new_password
from monitor.accounts.resets import change_own_password, finish_password_reset
from monitor.accounts.sessions import end_session
from monitor.core.i18n import N_
from monitor.web.context import (
    CurrentUser,
    DbSession,
    client_address,
    flash,
    now_utc,
    redirect,
    render,
    request_device,
    session_token,
    settings_of,
    start_session,
    translations,
    trust_device,
)

router = APIRouter()

LINK_MESSAGES = {
    LinkProblem.INVALID: N_("This sign-in link is invalid."),
    LinkProblem.EXPIRED: N_("This sign-in link has expired. Please sign in with your password."),
    LinkProblem.USED: N_("This sign-in link has already been used. Please sign in with your password."),
}
RESET_MESSAGES = {
    LinkProblem.INVALID: N_("This password link is invalid."),
    LinkProblem.EXPIRED: N_("This password link has expired. Ask an administrator for a new one."),
    LinkProblem.USED: N_("This password link has already been used. Ask an administrator for a new one."),
}
REFUSED = N_(
    "Wrong username or password, or too many failed attempts for this account: "
    "wait 15 minutes and try again, or ask an administrator."
)
THROTTLED = N_("Too many failed sign-ins from your network. Please wait 15 minutes and try again.")
MISMATCH = N_("The two passwords differ.")


def _login_page(request: Request, next_path: str, error: str | None, status: int) -> Response:
    """The sign-in form; `error` is already translated."""
    context = {"next": safe_next_path(next_path), "error": error, "username": ""}
    return render(request, "login.html", context, status)


def _link_refused(request: Request, problem: LinkProblem | None) -> Response:
    message = translations(request).gettext(LINK_MESSAGES[problem or LinkProblem.INVALID])
    return _login_page(request, "/", message, 400)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return _login_page(request, next, None, 200)


@router.post("/login")
def login(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    attempt = Attempt(username, password, client_address(request), request_device(request))
    result = authenticate(session, attempt, now_utc())
    if result.outcome == SignIn.OK and result.user is not None:
        start_session(request, session, result.user)
        session.commit()
        response = redirect(safe_next_path(next))
        trust_device(request, response, result.user)
        return response
    session.commit()
    _ = translations(request).gettext
    if result.outcome == SignIn.THROTTLED:
        return _login_page(request, next, _(THROTTLED), 429)
    return _login_page(request, next, _(REFUSED), 401)


@router.post("/logout")
def logout(request: Request, session: DbSession) -> Response:
    end_session(session, session_token(request), now_utc(), SessionEnd.LOGOUT)
    session.commit()
    request.session.clear()
    return redirect("/login")


@router.get("/login/link")
def link_page(request: Request, session: DbSession, token: str = "") -> Response:
    """Ask before using the link, so that mail scanners fetching it do not spend it."""
    check = check_login_link(settings_of(request), session, token, now_utc())
    if check.problem is not None or check.token is None:
        return _link_refused(request, check.problem)
    user = session.get(User, check.token.user_id)
    return render(request, "login_link.html", {"token": token, "who": user.display_name if user else ""})


@router.post("/login/link")
def use_link(request: Request, session: DbSession, token: Annotated[str, Form()] = "") -> Response:
    check = consume_login_link(settings_of(request), session, token, now_utc())
    user = session.get(User, check.token.user_id) if check.token else None
    if check.problem is not None or check.token is None or user is None:
        session.commit()
        return _link_refused(request, check.problem)
    start_session(request, session, user)
    session.commit()
    response = redirect(check.token.next_path)
    trust_device(request, response, user)
    return response


# --- setting a password with a mailed link -------------------------------------------------------------


def _reset_page(request: Request, token: str, error: str | None, status: int = 200) -> Response:
    context = {"token": token, "error": error, "min_length": MIN_PASSWORD_LENGTH}
    return render(request, "password_reset.html", context, status)


def _reset_refused(request: Request, problem: LinkProblem | None) -> Response:
    message = translations(request).gettext(RESET_MESSAGES[problem or LinkProblem.INVALID])
    return _login_page(request, "/", message, 400)


@router.get("/password/reset")
def reset_page(request: Request, session: DbSession, token: str = "") -> Response:
    """The form to set a new password; opening the link spends nothing."""
    check = check_login_link(settings_of(request), session, token, now_utc(), TokenPurpose.PASSWORD_RESET)
    if check.problem is not None:
        return _reset_refused(request, check.problem)
    return _reset_page(request, token, None)


@router.post("/password/reset")
def reset_password(
    request: Request,
    session: DbSession,
    token: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    _ = translations(request).gettext
    if password != confirm:
        return _reset_page(request, token, _(MISMATCH), 400)
    try:
        check, user = finish_password_reset(
            session, settings_of(request), token, password, now_utc(), client_address(request)
        )
    except UserError as refused:
        return _reset_page(request, token, refused.translated(_), 400)
    if user is None:
        session.commit()
        return _reset_refused(request, check.problem)
    start_session(request, session, user)
    session.commit()
    flash(request, _("Your password is set."))
    response = redirect("/")
    trust_device(request, response, user)
    return response


# --- changing one's own password -----------------------------------------------------------------------


def _password_page(request: Request, error: str | None = None, status: int = 200) -> Response:
    return render(request, "password.html", {"error": error, "min_length": MIN_PASSWORD_LENGTH}, status)


@router.get("/account/password")
def password_page(request: Request, user: CurrentUser) -> Response:
    return _password_page(request)


@router.post("/account/password")
def change_password(
    request: Request,
    user: CurrentUser,
    session: DbSession,
    current: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """The owner proves the old password (counted like a sign-in), then every other session ends."""
    translation = translations(request)
    _ = translation.gettext
    if password != confirm:
        return _password_page(request, _(MISMATCH), 400)
    try:
        check_new_password(password)
    except UserError as refused:
        return _password_page(request, refused.translated(_), 400)
    attempt = Attempt(user.username, current, client_address(request), request_device(request))
    if authenticate(session, attempt, now_utc()).outcome != SignIn.OK:
        session.commit()
        return _password_page(request, _("The current password is wrong (or too many attempts)."), 400)
    keep, address = session_token(request), client_address(request)
    ended = change_own_password(session, user, password, now_utc(), keep=keep, client_address=address)
    session.commit()
    message = _("Your password is changed.")
    if ended:
        elsewhere = translation.ngettext(
            "Signed out %(num)d other session.", "Signed out %(num)d other sessions.", ended
        )
        message += " " + elsewhere % {"num": ended}
    flash(request, message)
    return redirect("/account/password")
