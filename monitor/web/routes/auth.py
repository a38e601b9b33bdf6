"""Sign in by password or by a single-use link from a report email; sign out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from models import User
from monitor.accounts.login_links import LinkProblem, check_login_link, consume_login_link, safe_next_path
from monitor.accounts.passwords import LoginOutcome, authenticate
from monitor.core.i18n import N_
from monitor.core.settings import Settings
from monitor.web.context import (
    DbSession,
    now_utc,
    redirect,
    render,
    settings_of,
    start_session,
    translations,
)

router = APIRouter()

LINK_MESSAGES = {
    LinkProblem.INVALID: N_("This sign-in link is invalid."),
    LinkProblem.EXPIRED: N_("This sign-in link has expired. Please sign in with your password."),
    LinkProblem.USED: N_("This sign-in link has already been used. Please sign in with your password."),
}


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
    settings: Settings = settings_of(request)
    result = authenticate(session, username, password, now_utc())
    session.commit()
    if result.outcome == LoginOutcome.OK and result.user is not None:
        start_session(request, result.user)
        return redirect(safe_next_path(next))
    _ = translations(request).gettext
    if result.outcome == LoginOutcome.LOCKED and result.locked_until is not None:
        until = result.locked_until.astimezone(settings.tz).strftime("%H:%M")
        error = _("Too many failed attempts. The account is locked until %(time)s.") % {"time": until}
    else:
        error = _("Wrong username or password.")
    return _login_page(request, next, error, 401)


@router.post("/logout")
def logout(request: Request) -> Response:
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
    session.commit()
    user = session.get(User, check.token.user_id) if check.token else None
    if check.problem is not None or check.token is None or user is None:
        return _link_refused(request, check.problem)
    start_session(request, user)
    return redirect(check.token.next_path)
