"""The web app: explanation forms for reps, review for managers, and the office's pages.

`create_app(settings)` builds a fresh app over the settings' database (or a given session factory), so
each test and each process has its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from models.db import make_engine, make_session_factory
from monitor.accounts.scope import NotInScope, RoleForbidden
from monitor.accounts.sessions import SESSION_LIFETIME
from monitor.core.i18n import LANGUAGES, N_, install_translations, normalise_language, translator
from monitor.core.labels import LABELS
from monitor.core.settings import REPO_ROOT, Settings
from monitor.core.siteconfig import load_place_names
from monitor.matching.store import match_reason
from monitor.web.context import (
    LANGUAGE_COOKIE,
    CsrfRejected,
    NotSignedIn,
    check_csrf,
    redirect,
    render,
)
from monitor.web.export import export_tables
from monitor.web.filters import register_filters
from monitor.web.publishing import PublishRuns
from monitor.web.routes import ROUTERS

TEMPLATES_DIR = REPO_ROOT / "templates" / "web"
STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "rw_session"
# Browsers that reached the app over https keep to https for a year.
HSTS = "max-age=31536000"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def create_app(settings: Settings, session_factory: sessionmaker[Session] | None = None) -> FastAPI:
    """The web app over `session_factory` (default: an engine for `settings.database`)."""
    app = FastAPI(
        title="Rivalwatch",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(check_csrf)],
    )
    app.state.settings = settings
    app.state.session_factory = session_factory or make_session_factory(make_engine(settings.database))
    app.state.publish_runs = PublishRuns()
    app.state.jinja = {language: template_environment(language) for language in LANGUAGES}
    # Sites, pages and slots are shown by the names their configs give (read once: a restart picks up edits).
    names = load_place_names(settings.sites_dir)
    app.state.place_names = {lang: names.translated(translator(lang).gettext) for lang in LANGUAGES}
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _add_error_pages(app)
    app.middleware("http")(export_tables)  # /office/PAGE.xlsx: the page's tables as a workbook
    app.middleware("http")(_security_headers)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.signing_secret(),
        session_cookie=SESSION_COOKIE,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        same_site="lax",
        https_only=settings.base_url.startswith("https://"),
    )
    return app


def template_environment(language: str) -> Environment:
    """Jinja2 in `language`, with autoescaping always on: competitor ad texts are hostile input."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    register_filters(env)
    env.globals["labels"] = LABELS
    gettext = translator(language).gettext
    env.filters["match_reason"] = lambda match: match_reason(match, gettext)
    return install_translations(env, language)


async def _security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    add_security_headers(request, response)
    chosen = normalise_language(request.query_params.get("lang"))
    if chosen:
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 86400, httponly=True, samesite="lax")
    return response


def add_security_headers(request: Request, response: Response) -> None:
    """The headers every answer carries, error pages included (the 500 handler calls this itself: it runs
    outside the middleware)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")
    if request.app.state.settings.base_url.startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)


def _server_error_page(request: Request) -> Response:
    context = {
        "title": N_("Error"),
        "message": N_("Something went wrong on our side. Please try again later."),
    }
    try:
        response: Response = render(request, "error.html", context, 500)
    except Exception:  # noqa: BLE001 - the page itself failed (database down, …): a plain answer then
        response = PlainTextResponse("500 Internal Server Error", status_code=500)
    add_security_headers(request, response)
    return response


def _add_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def _sign_in(request: Request, exc: NotSignedIn) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/"
        return redirect(f"/login?{urlencode({'next': target})}")

    @app.exception_handler(NotInScope)
    async def _missing(request: Request, exc: NotInScope) -> Response:
        return render(request, "error.html", {"title": N_("Not found"), "message": N_("Nothing here.")}, 404)

    @app.exception_handler(RoleForbidden)
    async def _forbidden(request: Request, exc: RoleForbidden) -> Response:
        return render(
            request,
            "error.html",
            {"title": N_("Forbidden"), "message": N_("You do not have access to this page.")},
            403,
        )

    @app.exception_handler(CsrfRejected)
    async def _csrf(request: Request, exc: CsrfRejected) -> Response:
        message = N_("The form expired or was sent from elsewhere. Please go back, reload and try again.")
        return render(request, "error.html", {"title": N_("Forbidden"), "message": message}, 403)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # A path that cannot name anything (`/items/abc`, an id beyond any row) is "not found"; a bad query
        # or form value (a malformed date) is a bad request.
        if any(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
            return render(
                request, "error.html", {"title": N_("Not found"), "message": N_("Nothing here.")}, 404
            )
        return render(request, "error.html", {"title": N_("Error"), "message": N_("Nothing here.")}, 400)

    @app.exception_handler(500)
    async def _crashed(request: Request, exc: Exception) -> Response:
        return _server_error_page(request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = N_("Not found") if exc.status_code == 404 else N_("Error")
        context = {"title": title, "message": N_("Nothing here.")}
        return render(request, "error.html", context, exc.status_code)
