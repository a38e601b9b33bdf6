"""`rivalwatch users list|add|disable|enable|unlock|sign-out|reset-password|set-role|set-team`: the same
account changes as the accounts page, each in the audit log as done by `cli:<OS user>`; the reset mail goes
through a real SMTP server and its link works once on the served app."""

from __future__ import annotations

import datetime as dt
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import AuditEvent, User
from models.enums import AttemptOutcome, Role
from monitor.accounts.passwords import password_matches
from monitor.accounts.throttle import NAME_LIMIT, name_paused_until, record_attempt
from monitor.cli import main
from monitor.web.app import create_app
from monitor.web.server import serve_in_thread
from tests.support.smtp import Mailbox, smtp_server
from tests.support.web import PASSWORD, accounts_settings, add_accounts, post_form

NEW_PASSWORD = "set on the command line"


@pytest.fixture
def users(
    database_url: str, tmp_path: Path, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, int]]:
    """The accounts of `add_accounts`, and the CLI pointed at their database and at tmp_path as var/."""
    with session_factory() as session:
        ids = add_accounts(session)
        session.commit()
    monkeypatch.setenv("RIVALWATCH_DATABASE_URL", database_url)
    monkeypatch.setenv("RIVALWATCH_VAR_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    yield ids


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["users", *args], input=stdin)


def account(session_factory: sessionmaker[Session], username: str) -> User:
    with session_factory() as session:
        return session.scalars(select(User).where(User.username == username)).one()


def trail(session_factory: sessionmaker[Session]) -> list[tuple[str, str, str | None, str]]:
    with session_factory() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        return [(event.actor, event.action.value, event.target, event.detail) for event in events]


def test_users_list_shows_every_account_with_its_state(
    users: dict[str, int], session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session, session.begin():
        session.get_one(User, users["r2"]).disabled_at = dt.datetime.now(dt.UTC)
    listed = run("list")
    assert listed.exit_code == 0, listed.output
    rows = {line.split("\t")[0]: line.split("\t") for line in listed.output.splitlines()}
    assert set(rows) == {"r1", "r2", "mgr", "office", "admin"}
    assert rows["r1"][1:5] == ["rep", "rep r1", "r1@example.com", "active"]
    assert rows["mgr"][1:3] == ["manager", "team BJ"]
    assert rows["r2"][4] == "disabled"


def test_every_change_is_made_and_audited(
    users: dict[str, int], session_factory: sessionmaker[Session]
) -> None:
    steps = [
        (("disable", "r1"), lambda user: not user.enabled),
        (("enable", "r1"), lambda user: user.enabled),
        (("set-role", "r2", "manager", "--team", "SH"), lambda user: user.role == Role.MANAGER),
        (("set-team", "r2", "BJ"), lambda user: user.team_id is not None),
        (("sign-out", "r1"), lambda user: True),
    ]
    for args, holds in steps:
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert holds(account(session_factory, args[1])), args
    events = trail(session_factory)
    assert all(actor.startswith("cli:") for actor, _, _, _ in events)
    assert [(action, target, detail) for _, action, target, detail in events] == [
        ("account_disabled", "r1", "sessions ended: 0"),
        ("account_enabled", "r1", ""),
        ("role_changed", "r2", "rep r2 → manager SH"),
        ("team_changed", "r2", "manager SH → manager BJ"),
        ("signed_out_everywhere", "r1", "sessions ended: 0"),
    ]


def test_unlock_clears_a_paused_name(users: dict[str, int], session_factory: sessionmaker[Session]) -> None:
    now = dt.datetime.now(dt.UTC)
    with session_factory() as session, session.begin():
        for _ in range(NAME_LIMIT):
            record_attempt(session, "r1", "198.51.100.7", AttemptOutcome.FAILURE, now)
    with session_factory() as session:
        assert name_paused_until(session, "r1", now) is not None
    assert "paused until" in run("list").output
    assert run("unlock", "r1").exit_code == 0
    with session_factory() as session:
        assert name_paused_until(session, "r1", dt.datetime.now(dt.UTC)) is None
    assert trail(session_factory)[-1][1:3] == ("account_unlocked", "r1")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("disable", "nobody"), "no account named 'nobody'"),
        (("disable", "admin"), "admin is the last enabled admin"),
        (("set-role", "admin", "office"), "admin is the last enabled admin"),
        (("set-role", "r1", "manager"), "a manager account needs the code of the team"),
        (("set-role", "r1", "rep", "--rep", "r2"), "rep r2 already has an account: r2"),
        (("set-team", "r1", "BJ"), "only a manager account has a team"),
        (("set-team", "mgr", "XX"), "no team with code 'XX' in the roster"),
    ],
)
def test_refusals_are_clear_and_change_nothing(
    users: dict[str, int], session_factory: sessionmaker[Session], args: tuple[str, ...], message: str
) -> None:
    result = run(*args)
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert trail(session_factory) == []


def test_users_add_keeps_working_and_is_audited(
    users: dict[str, int], session_factory: sessionmaker[Session]
) -> None:
    result = run(
        "add", "wang5", "--role", "manager", "--team", "SH", "--password-stdin", stdin="long enough pw\n"
    )
    assert result.exit_code == 0, result.output
    short = run("add", "li6", "--role", "office", "--password-stdin", stdin="short\n")
    assert short.exit_code == 1 and "at least 8 characters" in short.output
    assert [(action, target, detail) for _, action, target, detail in trail(session_factory)] == [
        ("account_created", "wang5", "manager SH")
    ]


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    with smtp_server() as box:
        monkeypatch.setenv("RIVALWATCH_SMTP__PORT", str(box.port))
        yield box


def test_reset_password_mails_a_link_that_works_once(
    users: dict[str, int],
    session_factory: sessionmaker[Session],
    mailbox: Mailbox,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = accounts_settings(database_url, tmp_path)
    with serve_in_thread(create_app(settings, session_factory)) as base_url:
        monkeypatch.setenv("RIVALWATCH_BASE_URL", base_url)
        result = run("reset-password", "r1")
        assert result.exit_code == 0, result.output
        assert account(session_factory, "r1").password_hash is None
        (message,) = mailbox.messages
        assert message["To"] == "r1@example.com"
        body = message.get_body(("plain",))
        assert body is not None
        found = re.search(rf"{re.escape(base_url)}/password/reset\?token=(\S+)", body.get_content())
        assert found is not None, body.get_content()
        with httpx.Client(base_url=base_url) as browser:
            form = {"token": found.group(1), "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
            path = found.group(0).removeprefix(base_url)
            assert post_form(browser, "/password/reset", form, csrf_from=path).status_code == 303
        with httpx.Client(base_url=base_url) as again:
            assert post_form(again, "/password/reset", form, csrf_from="/login").status_code == 400
            signed = post_form(again, "/login", {"username": "r1", "password": NEW_PASSWORD})
            assert signed.status_code == 303
    assert [action for _, action, _, _ in trail(session_factory)] == ["password_reset_sent", "password_set"]


def test_reset_password_with_mail_down_fails_loudly(
    users: dict[str, int], session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        monkeypatch.setenv("RIVALWATCH_SMTP__PORT", str(probe.getsockname()[1]))
    result = run("reset-password", "r1")
    assert (
        result.exit_code == 1 and "could not be sent" in result.output and "--password-stdin" in result.output
    )
    assert account(session_factory, "r1").password_hash is None  # cleared all the same: the old one is gone


def test_reset_password_from_stdin_sets_it_at_once(
    users: dict[str, int], session_factory: sessionmaker[Session]
) -> None:
    result = run("reset-password", "r1", "--password-stdin", stdin=f"{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    stored = account(session_factory, "r1").password_hash
    assert password_matches(stored, NEW_PASSWORD) and not password_matches(stored, PASSWORD)
    assert trail(session_factory)[-1][1] == "password_set_by_operator"
