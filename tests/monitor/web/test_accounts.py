"""The accounts page and the audit log, served on loopback with a real SMTP server: admins manage accounts
(create, disable, enable, unlock, reset password by a mailed single-use link, role and team), the office may
look, every change is in the audit log, in Chinese and in English."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import AuditEvent, User
from models.enums import Role
from monitor.accounts.login_links import make_login_link
from monitor.core.settings import SmtpSettings
from tests.support.smtp import Mailbox, smtp_server
from tests.support.web import Served, accounts_settings, post_form, serve_accounts

NEW_PASSWORD = "a brand new password"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def served(
    database_url: str, tmp_path: Path, session_factory: sessionmaker[Session], mailbox: Mailbox
) -> Iterator[Served]:
    smtp = SmtpSettings(host="127.0.0.1", port=mailbox.port, sender="rivalwatch@example.com")
    settings = accounts_settings(database_url, tmp_path, smtp=smtp)
    with serve_accounts(settings, session_factory) as running:
        yield running


def audit_trail(served: Served) -> list[tuple[str, str, str | None, str]]:
    with served.session_factory() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        return [(event.actor, event.action.value, event.target, event.detail) for event in events]


def link_in(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(r"https?://\S+/password/reset\?token=\S+", body.get_content())
    assert found is not None, body.get_content()
    return found.group(0)


def set_password_with(served: Served, link: str, password: str, confirm: str | None = None) -> httpx.Response:
    path = link.removeprefix(served.settings.base_url)
    browser = served.client()
    token = dict(httpx.URL(path).params)["token"]
    data = {"token": token, "password": password, "confirm": confirm or password}
    return post_form(browser, "/password/reset", data, csrf_from=path)


def flashes(page: httpx.Response) -> list[str]:
    return [tag.get_text(strip=True) for tag in BeautifulSoup(page.text, "html.parser").select(".flash")]


# --- who may do what -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "accounts", "audit", "manage"),
    [("admin", 200, 200, 303), ("office", 200, 200, 403), ("mgr", 403, 403, 403), ("r1", 403, 403, 403)],
)
def test_admins_manage_accounts_and_the_office_may_look(
    served: Served, username: str, accounts: int, audit: int, manage: int
) -> None:
    browser = served.signed_in(username)
    assert browser.get("/office/accounts").status_code == accounts
    assert browser.get(f"/office/accounts/{served.users['r2']}").status_code == accounts
    assert browser.get("/office/audit").status_code == audit
    unlock = post_form(browser, f"/office/accounts/{served.users['r2']}/unlock", {}, csrf_from="/items")
    assert unlock.status_code == manage
    create = post_form(
        browser,
        "/office/accounts",
        {"username": "x", "role": "office", "email": "x@example.com"},
        csrf_from="/items",
    )
    assert create.status_code == manage
    page = BeautifulSoup(browser.get("/office/accounts").text, "html.parser")
    assert bool(page.select('form[action="/office/accounts"]')) == (username == "admin")


# --- creating an account and setting its password by mail ------------------------------------------------


def test_a_new_account_sets_its_password_with_a_single_use_mailed_link(
    served: Served, mailbox: Mailbox
) -> None:
    admin = served.signed_in("admin")
    form = {
        "username": "zhao6",
        "display_name": "赵六",
        "email": "zhao6@example.com",
        "role": "rep",
        "rep": "",
    }
    refused = post_form(admin, "/office/accounts", form, csrf_from="/office/accounts")
    assert refused.status_code == 400 and mailbox.messages == []  # a rep account needs its rep
    assert BeautifulSoup(refused.text, "html.parser").select_one("input[name=username]")["value"] == "zhao6"  # type: ignore[index]
    created = post_form(
        admin, "/office/accounts", {**form, "role": "office", "rep": ""}, csrf_from="/office/accounts"
    )
    assert created.status_code == 303
    assert [message["To"] for message in mailbox.messages] == ["zhao6@example.com"]
    link = link_in(mailbox.messages[0])
    assert served.sign_in(served.client(), "zhao6", "").status_code in (401, 422)
    assert (
        served.client().get(link.removeprefix(served.settings.base_url)).status_code == 200
    )  # spends nothing
    assert set_password_with(served, link, NEW_PASSWORD, NEW_PASSWORD + "x").status_code == 400
    assert set_password_with(served, link, "short").status_code == 400
    done = set_password_with(served, link, NEW_PASSWORD)
    assert done.status_code == 303  # set, and signed in
    assert set_password_with(served, link, "another password").status_code == 400  # once only
    assert served.sign_in(served.client(), "zhao6", NEW_PASSWORD).status_code == 303
    assert [(actor, action, target) for actor, action, target, _ in audit_trail(served)] == [
        ("admin", "account_created", "zhao6"),
        ("admin", "password_reset_sent", "zhao6"),
        ("zhao6", "password_set", "zhao6"),
    ]


def test_resetting_a_password_ends_the_old_one_and_its_sessions(served: Served, mailbox: Mailbox) -> None:
    rep = served.signed_in("r1")
    admin = served.signed_in("admin")
    page = f"/office/accounts/{served.users['r1']}"
    assert post_form(admin, f"{page}/reset-password", {}, csrf_from=page).status_code == 303
    assert rep.get("/items").status_code == 303  # signed out at once
    assert served.sign_in(served.client(), "r1").status_code == 401  # the old password is gone
    assert [message["To"] for message in mailbox.messages] == ["r1@example.com"]
    assert "重置" in str(mailbox.messages[0]["Subject"]) or "密码" in str(mailbox.messages[0]["Subject"])
    first = link_in(mailbox.messages[0])
    assert post_form(admin, f"{page}/reset-password", {}, csrf_from=page).status_code == 303
    assert set_password_with(served, first, NEW_PASSWORD).status_code == 400  # a newer link replaced it
    assert set_password_with(served, link_in(mailbox.messages[1]), NEW_PASSWORD).status_code == 303
    assert served.sign_in(served.client(), "r1", NEW_PASSWORD).status_code == 303
    actions = [action for _, action, _, _ in audit_trail(served)]
    assert actions == ["password_reset_sent", "password_reset_sent", "password_set"]


def test_a_reset_with_the_mail_server_down_says_so(
    database_url: str, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings = accounts_settings(database_url, tmp_path, smtp=SmtpSettings(port=closed_port))
    with serve_accounts(settings, session_factory) as served:
        admin = served.signed_in("admin")
        page = f"/office/accounts/{served.users['r1']}"
        answer = post_form(admin, f"{page}/reset-password", {}, csrf_from=page)
        assert answer.status_code == 303
        shown = flashes(admin.get(page))
        assert len(shown) == 1 and "Connection refused" in shown[0]  # the problem, with the server's error
        assert audit_trail(served)[-1][1] == "password_reset_sent"


def test_a_reset_needs_an_email_address(served: Served, mailbox: Mailbox) -> None:
    with served.session_factory() as session, session.begin():
        session.get_one(User, served.users["r2"]).email = None
    admin = served.signed_in("admin")
    page = f"/office/accounts/{served.users['r2']}"
    assert post_form(admin, f"{page}/reset-password", {}, csrf_from=page).status_code == 303
    assert mailbox.messages == [] and audit_trail(served) == []
    assert served.sign_in(served.client(), "r2").status_code == 303  # nothing was cleared


# --- disabling, roles, teams ---------------------------------------------------------------------------


def test_a_disabled_account_signs_in_by_no_means(served: Served) -> None:
    with served.session_factory() as session:
        link = make_login_link(served.settings, session, session.get_one(User, served.users["r1"]), "/items")
        session.commit()
    admin = served.signed_in("admin")
    page = f"/office/accounts/{served.users['r1']}"
    assert post_form(admin, f"{page}/disable", {}, csrf_from=page).status_code == 303
    path = link.removeprefix(served.settings.base_url)
    assert served.client().get(path).status_code == 400
    assert served.sign_in(served.client(), "r1").status_code == 401
    status = BeautifulSoup(admin.get(page).text, "html.parser").select_one("[data-status]")
    assert status is not None and status["data-status"] == "disabled"


def test_roles_and_teams_change_at_once_and_are_audited(served: Served) -> None:
    rep = served.signed_in("r2")
    assert rep.get("/overdue").status_code == 403
    admin = served.signed_in("admin")
    page = f"/office/accounts/{served.users['r2']}"
    no_team = post_form(admin, f"{page}/role", {"role": "manager", "team": ""}, csrf_from=page)
    assert no_team.status_code == 303
    assert served.user("r2").role == Role.REP  # refused: a manager needs a team
    assert (
        post_form(admin, f"{page}/role", {"role": "manager", "team": "SH"}, csrf_from=page).status_code == 303
    )
    assert rep.get("/overdue").status_code == 200  # the same session, the new role
    assert (
        post_form(admin, f"{page}/role", {"role": "manager", "team": "BJ"}, csrf_from=page).status_code == 303
    )
    assert [(action, detail) for _, action, _, detail in audit_trail(served)] == [
        ("role_changed", "rep r2 → manager SH"),
        ("team_changed", "manager SH → manager BJ"),
    ]


def test_the_last_admin_stays_an_admin(served: Served) -> None:
    admin = served.signed_in("admin")
    page = f"/office/accounts/{served.users['admin']}"
    post_form(admin, f"{page}/disable", {}, csrf_from=page)
    post_form(admin, f"{page}/role", {"role": "office"}, csrf_from=page)
    assert served.user("admin").role == Role.ADMIN and served.user("admin").enabled
    assert audit_trail(served) == []
    office_page = f"/office/accounts/{served.users['office']}"
    assert post_form(admin, f"{office_page}/role", {"role": "admin"}, csrf_from=page).status_code == 303
    assert post_form(admin, f"{page}/role", {"role": "office"}, csrf_from=page).status_code == 303
    assert served.user("admin").role == Role.OFFICE  # another admin exists now


# --- the audit log page, both languages ------------------------------------------------------------------


def test_the_office_reads_the_audit_log_in_chinese_and_english(served: Served) -> None:
    admin = served.signed_in("admin")
    page = f"/office/accounts/{served.users['r1']}"
    post_form(admin, f"{page}/unlock", {}, csrf_from=page)
    post_form(admin, f"{page}/sign-out", {}, csrf_from=page)
    office = served.signed_in("office")
    chinese = BeautifulSoup(office.get("/office/audit").text, "html.parser")
    assert chinese.select_one("h1").get_text() == "审计日志"  # type: ignore[union-attr]
    assert [row["data-action"] for row in chinese.select("tr[data-action]")] == [
        "signed_out_everywhere",
        "account_unlocked",
    ]
    english = BeautifulSoup(office.get("/office/audit?lang=en").text, "html.parser")
    assert english.select_one("h1").get_text() == "Audit log"  # type: ignore[union-attr]
    assert "signed out everywhere" in english.select("tr[data-action]")[0].get_text()
    assert "Accounts" in office.get("/office/accounts").text
    assert office.get("/office/audit?before=99999999999").status_code == 400
