"""Per-request plumbing: the database session, the signed-in user, CSRF, language and page rendering.

The app's cookie (Starlette's signed session) carries the CSRF token, one-time flashes and, once signed in,
the random token of a server-side session (`monitor.accounts.sessions`): who is signed in is decided by the
database on every request, so ending the session there signs the browser out at once.
"""

from __future__ import annotations

import datetime as dt
import gettext
import secrets
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment
from pydantic import Field
from sqlalchemy.orm import Session

from models import User
from models.enums import Role
from monitor.accounts.scope import OFFICE_ROLES, RoleForbidden
from monitor.accounts.sessions import open_session, session_user
from monitor.accounts.throttle import DEVICE_LIFETIME, TrustedDevice, device_cookie, trusted_device
from monitor.core.evidence import EvidenceStorage, open_evidence_store
from monitor.core.i18n import DEFAULT_LANGUAGE, N_, normalise_language, translator
from monitor.core.settings import Settings
from monitor.core.siteconfig import PlaceNames

LANGUAGE_COOKIE = "rw_lang"
DEVICE_COOKIE = "rw_device"
# Row ids are 32-bit on PostgreSQL: a larger number names nothing (404), it is not a server error.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
QueryRowId = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
# Days a page may be asked about: anything else is a mistake in the address (400), not a date to compute on.
EARLIEST_DAY, LATEST_DAY = dt.date(2000, 1, 1), dt.date(2999, 12, 31)
QueryDay = Annotated[dt.date | None, Query(), Field(ge=EARLIEST_DAY, le=LATEST_DAY)]


def form_day(text: str) -> dt.date:
    """A YYYY-MM-DD form field as a date; ValueError when malformed or beyond the days pages ask about."""
    day = dt.date.fromisoformat(text.strip())
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"{day.isoformat()} is not between {EARLIEST_DAY} and {LATEST_DAY}")
    return day


class NotSignedIn(Exception):
    """No valid session: the browser is sent to the sign-in page."""


class CsrfRejected(Exception):
    """A POST without the session's CSRF token (answers 403)."""


def settings_of(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def evidence_store_of(request: Request) -> EvidenceStorage:
    """The app's evidence store (a folder or a bucket, as the settings say), made once per app."""
    store = getattr(request.app.state, "evidence_store", None)
    if store is None:
        store = request.app.state.evidence_store = open_evidence_store(settings_of(request))
    return store  # type: ignore[no-any-return]


def db_session(request: Request) -> Iterator[Session]:
    """One session per request; routes that change data commit before they answer."""
    with request.app.state.session_factory() as session:
        yield session


DbSession = Annotated[Session, Depends(db_session)]


def current_user(request: Request, session: DbSession) -> User:
    """The user of the request's live server-side session (ended, expired or disabled: none)."""
    user = session_user(session, request.session.get("sid"), now_utc())
    if user is None:
        raise NotSignedIn()
    request.state.user = user
    return user


def client_address(request: Request) -> str | None:
    """The client's address (uvicorn takes it from X-Forwarded-For when the proxy is trusted)."""
    return request.client.host if request.client else None


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


def start_session(request: Request, session: Session, user: User) -> None:
    """Sign `user` in with a fresh server-side session (and a fresh CSRF token), keeping nothing from
    before. The caller commits."""
    token = open_session(
        session,
        user,
        now_utc(),
        client_address=client_address(request),
        user_agent=request.headers.get("user-agent"),
    )
    request.session.clear()
    request.session["sid"] = token
    csrf_token(request)


def session_token(request: Request) -> str | None:
    token = request.session.get("sid")
    return token if isinstance(token, str) else None


def trust_device(request: Request, response: Response, user: User) -> None:
    """Remember this browser as one `user` signs in from, so strangers' failures never lock it out."""
    settings = settings_of(request)
    response.set_cookie(
        DEVICE_COOKIE,
        device_cookie(settings, user),
        max_age=int(DEVICE_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.base_url.startswith("https://"),
    )


def request_device(request: Request) -> TrustedDevice | None:
    return trusted_device(settings_of(request), request.cookies.get(DEVICE_COOKIE))


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
            ("/office/accounts", N_("Accounts")),
            ("/office/audit", N_("Audit log")),
            ("/office/alerts", N_("Alerts")),
            ("/office/gallery", N_("Creatives")),
            ("/office/voice", N_("Share of voice")),
        ]
    return links


def place_names_of(request: Request) -> PlaceNames:
    """The site configs' names for sites, pages and slots, in the request's language."""
    names: PlaceNames = request.app.state.place_names[request_language(request)]
    return names


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
        "query": request.url.query,
        "csrf_token": csrf_token(request),
        "flashes": request.session.pop("flash", []),
        "tz": settings.tz,
        "names": request.app.state.place_names[lang],
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


def admin_user(user: CurrentUser) -> User:
    """Only admins manage accounts (the office may look)."""
    if user.role != Role.ADMIN:
        raise RoleForbidden(user.role)
    return user


StaffUser = Annotated[User, Depends(staff_user)]
OfficeUser = Annotated[User, Depends(office_user)]
AdminUser = Annotated[User, Depends(admin_user)]
