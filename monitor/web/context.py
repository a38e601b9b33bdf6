"""Per-request plumbing: the database session, the signed-in user, CSRF, language and page rendering."""

from __future__ import annotations

import datetime as dt
import gettext
import secrets
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment
from sqlalchemy.orm import Session

from models import User
from models.enums import Role
from monitor.accounts.scope import OFFICE_ROLES, RoleForbidden
from monitor.core.i18n import DEFAULT_LANGUAGE, N_, normalise_language, translator
from monitor.core.settings import Settings

LANGUAGE_COOKIE = "rw_lang"


class NotSignedIn(Exception):
    """No valid session: the browser is sent to the sign-in page."""


class CsrfRejected(Exception):
    """A POST without the session's CSRF token (answers 403)."""


def settings_of(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def db_session(request: Request) -> Iterator[Session]:
    """One session per request; routes that change data commit before they answer."""
    with request.app.state.session_factory() as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]


def current_user(request: Request, session: DbSession) -> User:
    user_id = request.session.get("uid")
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise NotSignedIn()
    request.state.user = user
    return user


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Every POST must carry the session's token in the `csrf` field (or the X-CSRF-Token header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get("csrf")
    given: object = request.headers.get("x-csrf-token")
    if given is None:
        given = (await request.form()).get("csrf")
    if not (isinstance(expected, str) and isinstance(given, str) and secrets.compare_digest(expected, given)):
        raise CsrfRejected()


def start_session(request: Request, user: User) -> None:
    """Sign `user` in with a fresh session (and a fresh CSRF token), keeping nothing from before."""
    request.session.clear()
    request.session["uid"] = user.id
    csrf_token(request)


def request_language(request: Request) -> str:
    """`?lang=` first, then the language cookie, then the configured default."""
    return (
        normalise_language(request.query_params.get("lang"))
        or normalise_language(request.cookies.get(LANGUAGE_COOKIE))
        or settings_of(request).language
        or DEFAULT_LANGUAGE
    )


def translations(request: Request) -> gettext.NullTranslations:
    """The request's language, for messages composed in Python (flashes, refusals, counts)."""
    return translator(request_language(request))


def flash(request: Request, message: str) -> None:
    """A message, already translated, shown once on the next page."""
    request.session.setdefault("flash", []).append(message)


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _nav(user: User | None) -> list[tuple[str, str]]:
    if user is None:
        return []
    items = {Role.REP: N_("My items"), Role.MANAGER: N_("Team items")}.get(user.role, N_("All items"))
    links = [("/items", items)]
    if user.role != Role.REP:
        links.append(("/overdue", N_("Overdue forms")))
    if user.role in OFFICE_ROLES:
        links += [
            ("/office/periods", N_("Periods")),
            ("/office/matches", N_("Match review")),
            ("/office/crawl", N_("Crawl health")),
            ("/office/roster", N_("Roster")),
            ("/office/leads", N_("Leads")),
        ]
    return links


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """A page from templates/web in the request's language, with user, navigation and CSRF token."""
    settings = settings_of(request)
    lang = request_language(request)
    user = getattr(request.state, "user", None)
    env: Environment = request.app.state.jinja[lang]
    values = {
        "lang": lang,
        "user": user,
        "nav": _nav(user),
        "path": request.url.path,
        "csrf_token": csrf_token(request),
        "flashes": request.session.pop("flash", []),
        "tz": settings.tz,
        **(context or {}),
    }
    return HTMLResponse(env.get_template(template).render(values), status_code=status_code)


CurrentUser = Annotated[User, Depends(current_user)]


def staff_user(user: CurrentUser) -> User:
    """Managers, the office and admins: pages that list other people's forms."""
    if user.role == Role.REP:
        raise RoleForbidden(user.role)
    return user


def office_user(user: CurrentUser) -> User:
    if user.role not in OFFICE_ROLES:
        raise RoleForbidden(user.role)
    return user


StaffUser = Annotated[User, Depends(staff_user)]
OfficeUser = Annotated[User, Depends(office_user)]
