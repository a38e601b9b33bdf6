"""Sessions live on the server: logout, a password change, disabling the account and an admin's "sign out
everywhere" end them at once, even in a browser that kept (or stole) the cookie. Served on loopback."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from models import AuditEvent, WebSession
from models.enums import AuditAction, SessionEnd
from monitor.web.app import SESSION_COOKIE
from tests.support.web import PASSWORD, Served, accounts_settings, csrf_of, post_form, serve_accounts

NEW_PASSWORD = "a new and longer password"


@pytest.fixture
def served(database_url: str, tmp_path: Path, session_factory: sessionmaker[Session]) -> Iterator[Served]:
    with serve_accounts(accounts_settings(database_url, tmp_path), session_factory) as running:
        yield running


def copy_of(served: Served, client: httpx.Client) -> httpx.Client:
    """Another browser holding the same session cookie (a second tab, or a stolen cookie)."""
    thief = served.client()
    thief.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
    return thief


def signed_in(client: httpx.Client) -> bool:
    answer = client.get("/items")
    assert answer.status_code in (200, 303), answer.text
    return answer.status_code == 200


@pytest.mark.both_backends  # the session lookup joins sessions, users and aware timestamps
def test_logout_ends_the_session_on_the_server(served: Served) -> None:
    browser = served.signed_in("r1")
    kept = copy_of(served, browser)
    assert signed_in(kept)
    assert post_form(browser, "/logout", {}, csrf_from="/items").status_code == 303
    assert not signed_in(browser)
    assert not signed_in(kept)  # the old cookie is worth nothing now
    with served.session_factory() as session:
        assert session.scalars(select(WebSession.end_reason)).all() == [SessionEnd.LOGOUT]


def test_the_cookie_carries_no_user_and_the_database_no_token(served: Served) -> None:
    browser = served.signed_in("r1")
    cookie = browser.cookies[SESSION_COOKIE]
    payload = json.loads(base64.b64decode(cookie.split(".")[0]))
    assert set(payload) == {"sid", "csrf"}
    with served.session_factory() as session:
        row = session.scalars(select(WebSession)).one()
    assert payload["sid"] not in (row.token_sha256, str(row.id)) and len(row.token_sha256) == 64
    assert row.user_id == served.users["r1"] and row.client_address == "127.0.0.1"


def test_changing_the_password_signs_out_every_other_session(served: Served) -> None:
    here, elsewhere = served.signed_in("r1"), served.signed_in("r1")
    form = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    changed = post_form(here, "/account/password", form, csrf_from="/account/password")
    assert changed.status_code == 303
    assert signed_in(here) and not signed_in(elsewhere)
    assert served.sign_in(served.client(), "r1").status_code == 401
    assert served.sign_in(served.client(), "r1", NEW_PASSWORD).status_code == 303
    with served.session_factory() as session:
        event = session.scalars(select(AuditEvent)).one()
    assert (event.action, event.actor, event.target) == (AuditAction.PASSWORD_CHANGED, "r1", "r1")


def test_a_wrong_current_password_changes_nothing(served: Served) -> None:
    here, elsewhere = served.signed_in("r1"), served.signed_in("r1")
    form = {"current": "not it", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert post_form(here, "/account/password", form, csrf_from="/account/password").status_code == 400
    mismatch = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"}
    assert post_form(here, "/account/password", mismatch, csrf_from="/account/password").status_code == 400
    short = {"current": PASSWORD, "password": "short", "confirm": "short"}
    assert post_form(here, "/account/password", short, csrf_from="/account/password").status_code == 400
    assert signed_in(elsewhere)
    assert served.sign_in(served.client(), "r2").status_code == 303


def test_disabling_an_account_ends_its_sessions_at_once(served: Served) -> None:
    rep = served.signed_in("r1")
    admin = served.signed_in("admin")
    path = f"/office/accounts/{served.users['r1']}"
    assert post_form(admin, f"{path}/disable", {}, csrf_from=path).status_code == 303
    assert not signed_in(rep)
    assert served.sign_in(served.client(), "r1").status_code == 401
    assert post_form(admin, f"{path}/enable", {}, csrf_from=path).status_code == 303
    assert served.sign_in(served.client(), "r1").status_code == 303


@pytest.mark.both_backends  # ending sessions is a guarded UPDATE whose rowcount is reported
def test_an_admin_signs_an_account_out_everywhere(served: Served) -> None:
    browsers = [served.signed_in("r1"), served.signed_in("r1")]
    bystander = served.signed_in("r2")
    admin = served.signed_in("admin")
    path = f"/office/accounts/{served.users['r1']}"
    assert post_form(admin, f"{path}/sign-out", {}, csrf_from=path).status_code == 303
    assert [signed_in(browser) for browser in browsers] == [False, False]
    assert signed_in(bystander) and signed_in(admin)
    assert served.sign_in(served.client(), "r1").status_code == 303  # signed out, not shut out
    with served.session_factory() as session:
        event = session.scalars(select(AuditEvent)).one()
    assert (event.action, event.actor, event.detail) == (
        AuditAction.SIGNED_OUT_EVERYWHERE,
        "admin",
        "sessions ended: 2",
    )


def test_a_session_ends_when_it_expires(served: Served) -> None:
    browser = served.signed_in("r1")
    with served.session_factory() as session, session.begin():
        session.execute(
            update(WebSession).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    assert not signed_in(browser)


def test_csrf_still_guards_every_post(served: Served) -> None:
    browser = served.client()
    token_before = csrf_of(browser, "/login")
    response = browser.post("/login", data={"csrf": token_before, "username": "r1", "password": PASSWORD})
    assert response.status_code == 303
    assert browser.post("/logout").status_code == 403
    assert browser.post("/logout", data={"csrf": token_before}).status_code == 403  # fresh at sign-in
    assert signed_in(browser)
    assert post_form(browser, "/logout", {}, csrf_from="/items").status_code == 303
