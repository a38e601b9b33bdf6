"""Error pages and odd requests, served on loopback: HSTS over https, security headers on 403/404/500 too,
no off-site link from a path like `//evil.example/x`, and absurd ids or dates answer 404/400, never 500."""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_session_factory
from monitor.web.app import create_app
from monitor.web.routes import ROUTERS
from monitor.web.server import serve_in_thread
from tests.support.web import Served, accounts_settings, csrf_of, post_form, serve_accounts

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


@pytest.fixture
def served(database_url: str, tmp_path: Path, session_factory: sessionmaker[Session]) -> Iterator[Served]:
    with serve_accounts(accounts_settings(database_url, tmp_path), session_factory) as running:
        yield running


def assert_security_headers(response: httpx.Response) -> None:
    for name, start in SECURITY_HEADERS.items():
        assert response.headers.get(name, "").startswith(start), (
            response.status_code,
            name,
            response.headers,
        )


# --- headers -------------------------------------------------------------------------------------------


def test_hsts_only_when_the_app_is_reached_over_https(
    database_url: str, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    plain = accounts_settings(database_url, tmp_path)
    with serve_in_thread(create_app(plain, session_factory)) as base_url:
        assert "strict-transport-security" not in httpx.get(f"{base_url}/login").headers
    secure = accounts_settings(database_url, tmp_path, base_url="https://rivalwatch.example")
    with serve_in_thread(create_app(secure, session_factory)) as base_url:
        for path in ("/login", "/no-such-page"):
            response = httpx.get(f"{base_url}{path}")
            assert response.headers["strict-transport-security"] == "max-age=31536000"


def test_error_pages_carry_the_security_headers(served: Served) -> None:
    rep = served.signed_in("r1")
    missing = rep.get("/no-such-page")
    forbidden = rep.get("/office/accounts")
    invalid = rep.get("/items?period=abc")
    assert [missing.status_code, forbidden.status_code, invalid.status_code] == [404, 403, 400]
    for response in (missing, forbidden, invalid):
        assert_security_headers(response)


def test_a_server_error_is_a_page_with_the_security_headers(tmp_path: Path) -> None:
    """The database lost its tables under the app: signing in fails on the server's side."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # never migrated
    settings = accounts_settings(str(engine.url), tmp_path, base_url="https://rivalwatch.example")
    with serve_in_thread(create_app(settings, make_session_factory(engine))) as base_url:
        login = httpx.get(f"{base_url}/login")
        # The cookie is Secure (https base_url) and this test speaks http: hand it over as a header.
        cookie = login.headers["set-cookie"].split(";")[0]
        token = BeautifulSoup(login.text, "html.parser").select_one('input[name="csrf"]')["value"]  # type: ignore[index]
        form = {"csrf": str(token), "username": "admin", "password": "x"}
        crashed = httpx.post(f"{base_url}/login", data=form, headers={"Cookie": cookie})
    engine.dispose()
    assert crashed.status_code == 500
    assert_security_headers(crashed)
    assert crashed.headers["strict-transport-security"] == "max-age=31536000"
    page = BeautifulSoup(crashed.text, "html.parser")
    assert page.select_one("h1") is not None and "Traceback" not in crashed.text
    assert "OperationalError" not in crashed.text and "app_user" not in crashed.text


# --- the language switch -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["//evil.example/x", "//evil.example", "/%2F%2Fevil.example/x", "///evil.example/"]
)
def test_the_language_switch_never_leads_off_site(served: Served, path: str) -> None:
    for client in (served.client(), served.signed_in("r1")):
        url = f"{served.base_url}{path}"
        response = client.get(url)
        assert response.status_code in (303, 404)
        page_url = urljoin(url, response.headers.get("location", "")) if response.status_code == 303 else url
        if response.status_code == 303:
            response = client.get(page_url)
        links = [str(a["href"]) for a in BeautifulSoup(response.text, "html.parser").select("a[href]")]
        assert links, response.text
        hosts = {urlsplit(urljoin(page_url, link)).netloc for link in links}
        assert hosts == {urlsplit(served.base_url).netloc}, links
        # Browsers read `///host` and `/\host` as another host too, where urljoin does not.
        assert not [link for link in links if link.startswith(("//", "/\\", "\\"))], links


def test_the_language_switch_keeps_the_page(served: Served) -> None:
    rep = served.signed_in("r1")
    switch = BeautifulSoup(rep.get("/items").text, "html.parser").select_one(".who a[href*='lang=']")
    assert switch is not None
    english = rep.get(urljoin(f"{served.base_url}/items", str(switch["href"])))
    assert english.status_code == 200 and "My items" in english.text


# --- absurd ids and dates ------------------------------------------------------------------------------

ABSURD_IDS = ["99999999999999999999", str(2**31), str(2**63), "0", "-1", "abc", "1e3"]
ABSURD_DAYS = ["garbage", "0001-01-01", "9999-12-31", "2026-02-30", "20261301", "1899-12-31"]


def routes_with_id_parameters() -> list[tuple[str, str, list[str]]]:
    """(method, path, int path parameters) of every route the app serves that takes an id in its path."""
    found = []
    for router in ROUTERS:
        for route in router.routes:
            ints = [p.name for p in route.dependant.path_params if p.field_info.annotation is int]  # type: ignore[attr-defined]
            for method in sorted(route.methods):  # type: ignore[attr-defined]
                if ints:
                    found.append((method, route.path, ints))  # type: ignore[attr-defined]
    return found


def routes_with_date_queries() -> list[tuple[str, str]]:
    found = []
    for router in ROUTERS:
        for route in router.routes:
            for param in route.dependant.query_params:  # type: ignore[attr-defined]
                if (
                    dt.date in typing.get_args(param.field_info.annotation)
                    or param.field_info.annotation is dt.date
                ):
                    found.append((route.path, param.name))  # type: ignore[attr-defined]
    return found


@pytest.mark.both_backends  # PostgreSQL's ids are 32-bit: a larger one used to fail in the driver (500)
def test_every_route_answers_404_for_an_id_that_names_nothing(served: Served) -> None:
    routes = routes_with_id_parameters()
    assert len(routes) >= 15  # items, evidence, periods, matches, accounts …
    admin = served.signed_in("admin")
    token = csrf_of(admin, "/items")
    answers = {}
    for method, path, ints in routes:
        for value in ABSURD_IDS:
            url = path
            for name in ints:
                url = url.replace(f"{{{name}}}", value)
            url = url.replace("{folder}", "report-2026-01-05").replace("{name}", "a.png")
            url = url.replace("{action}", "disable")
            try:
                response = admin.request(method, url, headers={"X-CSRF-Token": token})
                answers[(method, url)] = response.status_code
            except httpx.TransportError as exc:  # the server dropped the connection after a crash
                answers[(method, url)] = type(exc).__name__  # type: ignore[assignment]
                admin = served.signed_in("admin")
                token = csrf_of(admin, "/items")
    assert {key: status for key, status in answers.items() if status != 404} == {}


def test_malformed_and_absurd_dates_answer_400(served: Served) -> None:
    queries = routes_with_date_queries()
    assert {path for path, _ in queries} >= {"/office/crawl", "/office/leads", "/office/leads.csv"}
    office = served.signed_in("office")
    answers = {
        (path, day): office.get(path, params={name: day}).status_code
        for path, name in queries
        for day in ABSURD_DAYS
    }
    answers[("/items?period=", "huge")] = office.get("/items", params={"period": ABSURD_IDS[0]}).status_code
    assert {key: status for key, status in answers.items() if status != 400} == {}
    assert office.get("/office/crawl", params={"day": "2026-11-20"}).status_code == 200


def test_absurd_dates_in_forms_are_refused_not_crashed(served: Served) -> None:
    office = served.signed_in("office")
    for day in ABSURD_DAYS:
        generated = post_form(office, "/office/periods/generate", {"start_date": day}, csrf_from="/items")
        assert generated.status_code == 303  # back to the page, with the refusal flashed
        moved = post_form(
            office,
            "/office/roster/transfer",
            {"customer": "C1", "to_rep": "r2", "effective": day, "reason": "x"},
            csrf_from="/items",
        )
        assert moved.status_code == 400
