"""Password sign-in is throttled by account, by network and by trusted browser, and is neither a weapon nor
an oracle: strangers cannot lock the owner out of their usual browser, and unknown, paused, disabled and
wrong-password names get the same answer after the same work (one argon2 verification each)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from bs4 import BeautifulSoup
from sqlalchemy.orm import Session, sessionmaker

from models import User
from models.enums import AttemptOutcome
from monitor.accounts.passwords import Attempt, SignIn, authenticate
from monitor.accounts.throttle import (
    NAME_LIMIT,
    NETWORK_LIMIT,
    WINDOW,
    client_network,
    name_paused_until,
    record_attempt,
)
from tests.support.web import (
    PASSWORD,
    Served,
    accounts_settings,
    add_accounts,
    csrf_of,
    post_form,
    serve_accounts,
)

ATTACKER = "198.51.100.7"
OWNER = "203.0.113.5"


@pytest.fixture
def served(database_url: str, tmp_path: Path, session_factory: sessionmaker[Session]) -> Iterator[Served]:
    with serve_accounts(accounts_settings(database_url, tmp_path), session_factory) as running:
        yield running


def problem_text(html: str) -> str:
    found = BeautifulSoup(html, "html.parser").select_one(".problem")
    return found.get_text(strip=True) if found else ""


def fail_as(served: Served, username: str, address: str, times: int) -> None:
    client = served.client(address)
    for _ in range(times):
        assert served.sign_in(client, username, "wrong password").status_code == 401


# --- not a weapon ---------------------------------------------------------------------------------------


def test_strangers_cannot_lock_the_owner_out_of_their_usual_browser(served: Served) -> None:
    owners_browser = served.signed_in("r1", OWNER)  # signed in before: this browser is trusted for r1
    assert post_form(owners_browser, "/logout", {}, csrf_from="/items").status_code == 303
    fail_as(served, "r1", ATTACKER, NAME_LIMIT + 3)
    # The name is paused for browsers r1 never used, right password or not, from anywhere ...
    assert served.sign_in(served.client(ATTACKER), "r1").status_code == 401
    assert served.sign_in(served.client(OWNER), "r1").status_code == 401
    # ... but not for the owner's own browser, nor for anyone else's account.
    assert served.sign_in(owners_browser, "r1").status_code == 303
    assert served.sign_in(served.client(OWNER), "r2").status_code == 303


def test_a_trusted_browser_has_a_limit_of_its_own(served: Served) -> None:
    browser = served.signed_in("r1", OWNER)
    assert post_form(browser, "/logout", {}, csrf_from="/items").status_code == 303
    for _ in range(NAME_LIMIT):
        assert served.sign_in(browser, "r1", "wrong password").status_code == 401
    assert served.sign_in(browser, "r1").status_code == 401  # paused: guessing from it stops too
    assert served.sign_in(served.client(OWNER), "r1").status_code == 303  # the name itself was not paused


def test_a_network_failing_too_often_is_paused_for_every_name(served: Served) -> None:
    now = dt.datetime.now(dt.UTC)
    with served.session_factory() as session, session.begin():
        for n in range(NETWORK_LIMIT - 1):  # spread over names, so no name is paused by itself
            record_attempt(session, f"ghost{n}", ATTACKER, AttemptOutcome.FAILURE, now)
    owners_browser = served.signed_in("r2", ATTACKER)  # one office NAT: attacker and owner share it
    fail_as(served, "ghost-last", ATTACKER, 1)
    assert served.sign_in(served.client(ATTACKER), "r1").status_code == 429
    assert served.sign_in(served.client(OWNER), "r1").status_code == 303  # other networks are not affected
    assert post_form(owners_browser, "/logout", {}, csrf_from="/items").status_code == 303
    assert served.sign_in(owners_browser, "r2").status_code == 303  # a trusted browser still gets in


def test_an_admin_unlock_lets_everyone_try_again(served: Served) -> None:
    fail_as(served, "r1", ATTACKER, NAME_LIMIT)
    assert served.sign_in(served.client(OWNER), "r1").status_code == 401
    admin = served.signed_in("admin")
    page = f"/office/accounts/{served.users['r1']}"
    assert BeautifulSoup(admin.get(page).text, "html.parser").select('[data-status="paused"]')
    assert post_form(admin, f"{page}/unlock", {}, csrf_from=page).status_code == 303
    assert served.sign_in(served.client(OWNER), "r1").status_code == 303


@pytest.mark.both_backends  # counting by timestamp windows, MAX over aware timestamps
def test_pauses_lift_when_their_failures_age_out(session: Session) -> None:
    add_accounts(session)
    start = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    for n in range(NAME_LIMIT):
        record_attempt(session, "r1", ATTACKER, AttemptOutcome.FAILURE, start + dt.timedelta(minutes=n))
        record_attempt(session, "nobody", ATTACKER, AttemptOutcome.FAILURE, start + dt.timedelta(minutes=n))
    last = start + dt.timedelta(minutes=NAME_LIMIT - 1)
    assert name_paused_until(session, "r1", last) == start + WINDOW  # the oldest counted failure + window
    assert name_paused_until(session, "nobody", last) == start + WINDOW  # unknown names alike
    assert name_paused_until(session, "r1", start + WINDOW + dt.timedelta(seconds=1)) is None


# --- not an oracle --------------------------------------------------------------------------------------


@pytest.mark.both_backends  # the lookups and counts behind each refusal
@pytest.mark.parametrize(
    "case", ["unknown", "paused", "paused, right password", "disabled", "wrong", "no password"]
)
def test_every_refusal_costs_one_argon2_verification(
    session: Session, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = add_accounts(session)
    now = dt.datetime.now(dt.UTC)
    for _ in range(NAME_LIMIT):
        record_attempt(session, "r1", ATTACKER, AttemptOutcome.FAILURE, now)
    r2 = session.get(User, users["r2"])
    assert r2 is not None
    if case == "disabled":
        r2.disabled_at = now
    if case == "no password":
        r2.password_hash = None
    username, password = {
        "unknown": ("nobody", "wrong password"),
        "paused": ("r1", "wrong password"),
        "paused, right password": ("r1", PASSWORD),
        "disabled": ("r2", PASSWORD),
        "wrong": ("r2", "wrong password"),
        "no password": ("r2", PASSWORD),
    }[case]
    verified: list[str] = []
    real_verify = PasswordHasher.verify

    def counting_verify(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        verified.append(str(hash)[:10])
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    result = authenticate(session, Attempt(username, password, OWNER), now)
    assert result.outcome == SignIn.REFUSED and result.user is None
    assert len(verified) == 1


def test_unknown_paused_and_wrong_names_get_the_same_answer_in_the_same_time(served: Served) -> None:
    """Interleaved rounds, each from a fresh address (no network pause). Each case's fastest round is its
    own work with the least of the machine's load on top (load only ever adds time, and a busy CI machine
    once made one case's median twice another's), compared with a generous factor. Before equal work, a
    locked name answered in about 10 ms against half a second for a wrong password: a factor of 35."""
    fail_as(served, "r1", ATTACKER, NAME_LIMIT)  # r1 is now paused for strangers
    wrong_names = ["r2", "mgr", "office"]  # each fails at most NAME_LIMIT - 1 times below: never paused
    timings: dict[str, list[float]] = {"unknown": [], "paused": [], "wrong": []}
    answers: dict[str, set[tuple[int, str]]] = {case: set() for case in timings}
    for n in range(9):
        client = served.client(f"10.9.{n}.1")
        for case, username in (("unknown", f"ghost{n}"), ("paused", "r1"), ("wrong", wrong_names[n % 3])):
            form = {"csrf": csrf_of(client), "username": username}
            form["password"] = PASSWORD if case == "paused" else "wrong password"
            started = time.perf_counter()
            response = client.post("/login", data=form)
            timings[case].append(time.perf_counter() - started)
            answers[case].add((response.status_code, problem_text(response.text)))
    assert answers["unknown"] == answers["paused"] == answers["wrong"]
    assert len(answers["wrong"]) == 1 and next(iter(answers["wrong"]))[0] == 401
    wrong = min(timings["wrong"])
    for case in ("unknown", "paused"):
        ratio = min(timings[case]) / wrong
        assert 0.5 < ratio < 2.0, f"{case} takes {ratio:.2f}× a wrong password's time: {timings}"


def test_client_networks() -> None:
    assert client_network("198.51.100.7") == "198.51.100.7"
    assert (
        client_network("2001:db8:1:2:3:4:5:6")
        == client_network("2001:db8:1:2:ffff::1")
        == "2001:db8:1:2::/64"
    )
    assert client_network("::ffff:198.51.100.7") == "198.51.100.7"
    assert client_network(None) == "unknown"
