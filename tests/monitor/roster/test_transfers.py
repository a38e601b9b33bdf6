"""Transfers (划转) with the office's registration (备案), the rep cap, and loads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from models import AccountabilityItem, Assignment, Customer
from monitor.accountability.generate import generate_period
from monitor.cli import main
from monitor.roster.transfers import TransferError, rep_loads, transfer_customer
from tests.support.world import NOW, START, build_world, day, settings_for

# Both backends: assignments close/open by date; loads are GROUP BY/COALESCE counts ordered in SQL.
pytestmark = pytest.mark.both_backends


def _history(session: Session, code: str) -> list[tuple[str, dt.date, dt.date | None]]:
    rows = session.scalars(
        select(Assignment).join(Customer).where(Customer.code == code).order_by(Assignment.start_date)
    )
    return [(row.rep.code, row.start_date, row.end_date) for row in rows]


def test_transfer_moves_accountability_to_new_owner_from_its_day(session: Session, tmp_path: Path) -> None:
    build_world(session)
    result = transfer_customer(
        session, "C002", "R001", effective=day(10), reason="客户迁址", registered_by="office", now=NOW, cap=40
    )
    assert (result.from_rep, result.to_rep, result.cap_override) == ("R003", "R001", False)
    assert _history(session, "C002") == [("R003", dt.date(2026, 1, 1), day(9)), ("R001", day(10), None)]
    new = session.scalars(select(Assignment).where(Assignment.start_date == day(10))).one()
    assert (new.reason, new.registered_by) == ("客户迁址", "office")
    generate_period(session, settings_for(tmp_path), START, now=NOW)
    item = session.scalars(select(AccountabilityItem).join(Customer).where(Customer.code == "C002")).one()
    assert item.rep.code == "R001"  # BMW was seen on day 10, the transfer's first day


@pytest.mark.parametrize("override", [False, True])
def test_the_cap_is_enforced_unless_the_office_overrides_it(session: Session, override: bool) -> None:
    build_world(session)  # R002 owns C001 and C004 on day 10
    if not override:
        with pytest.raises(TransferError, match=r"R002 already owns 2 customers \(cap 2\)"):
            transfer_customer(
                session, "C002", "R002", effective=day(10), reason="r", registered_by="office", now=NOW, cap=2
            )
        assert _history(session, "C002") == [("R003", dt.date(2026, 1, 1), None)]
        return
    result = transfer_customer(
        session,
        "C002",
        "R002",
        effective=day(10),
        reason="r",
        registered_by="office",
        now=NOW,
        cap=2,
        override=True,
    )
    assert (result.load_after, result.cap_override) == (3, True)
    assert session.scalars(select(Assignment.cap_override).where(Assignment.start_date == day(10))).one()


@pytest.mark.parametrize(
    ("customer", "rep", "effective", "reason", "message"),
    [
        ("NOPE", "R001", 10, "r", "no customer with id 'NOPE'"),
        ("C002", "NOPE", 10, "r", "no rep with id 'NOPE'"),
        ("C002", "R003", 10, "r", "already assigned to R003"),
        ("C001", "R003", 3, "r", "already has an assignment starting"),
        ("C002", "R001", 10, "  ", "needs a reason"),
    ],
)
def test_impossible_transfers_are_refused_with_a_reason(
    session: Session, customer: str, rep: str, effective: int, reason: str, message: str
) -> None:
    build_world(session)
    with pytest.raises(TransferError, match=message):
        transfer_customer(
            session,
            customer,
            rep,
            effective=day(effective),
            reason=reason,
            registered_by="o",
            now=NOW,
            cap=40,
        )


def test_rep_loads_count_ka_customers_on_the_day(session: Session) -> None:
    build_world(session)
    loads = {load.rep_code: load.customers for load in rep_loads(session, day(3), cap=40)}
    assert loads == {"R001": 1, "R002": 1, "R003": 1}  # C003 is not KA; C001 is R001's until day 5
    loads = {load.rep_code: load.customers for load in rep_loads(session, day(8), cap=40)}
    assert loads == {"R001": 0, "R002": 2, "R003": 1}


def test_transfer_and_roster_commands(
    engine: Engine, session_factory: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    with session_factory() as session, session.begin():
        build_world(session)
    env = {"RIVALWATCH_DATABASE_URL": database_url, "RIVALWATCH_VAR_DIR": str(tmp_path)}
    runner = CliRunner()
    moved = runner.invoke(
        main,
        ["transfer", "C002", "--to", "R001", "--reason", "调整", "--date", str(day(10)), "--by", "kim"],
        env=env,
    )
    assert moved.exit_code == 0, moved.output
    assert "C002: R003 -> R001 from 2026-11-18" in moved.output
    refused = runner.invoke(
        main, ["transfer", "C002", "--to", "R001", "--reason", "x", "--date", str(day(11))], env=env
    )
    assert refused.exit_code == 1
    assert "already assigned to R001" in refused.output
    loads = runner.invoke(main, ["roster", "--date", str(day(10))], env=env)
    assert loads.exit_code == 0, loads.output
    assert "R002\t李娜\t上海KA一组\t2/40" in loads.output
