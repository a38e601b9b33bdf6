"""Transfers between reps (划转), registered with the office (备案), and each rep's load against the cap.

A transfer ends the current assignment the day before it takes effect and opens a new one, so
accountability keeps following the owner on each sighting day. The caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import Assignment, Customer, Rep, Team
from models.lookup import UnknownCode, by_code
from monitor.core.i18n import N_, TranslatableError


class TransferError(TranslatableError, ValueError):
    """A transfer that cannot be made; the message (translated where shown) says why and what to do."""


@dataclass(frozen=True)
class TransferResult:
    customer_code: str
    from_rep: str | None
    to_rep: str
    effective: dt.date
    load_after: int
    cap: int
    cap_override: bool


@dataclass(frozen=True)
class RepLoad:
    rep_code: str
    rep_name: str
    team: str | None
    customers: int
    cap: int

    @property
    def over_cap(self) -> bool:
        return self.customers > self.cap


def _covering(day: dt.date):  # type: ignore[no-untyped-def]
    return (Assignment.start_date <= day) & or_(Assignment.end_date.is_(None), Assignment.end_date >= day)


def rep_load(session: Session, rep_id: int, day: dt.date) -> int:
    """How many KA customers the rep owns on `day`."""
    return (
        session.scalar(
            select(func.count(Assignment.id))
            .join(Customer, Assignment.customer_id == Customer.id)
            .where(Assignment.rep_id == rep_id, Customer.is_ka, _covering(day))
        )
        or 0
    )


def rep_loads(session: Session, day: dt.date, cap: int) -> list[RepLoad]:
    """Every active rep's load on `day`, heaviest first."""
    counts = (
        select(Assignment.rep_id, func.count(Assignment.id).label("n"))
        .join(Customer, Assignment.customer_id == Customer.id)
        .where(Customer.is_ka, _covering(day))
        .group_by(Assignment.rep_id)
        .subquery()
    )
    rows = session.execute(
        select(Rep.code, Rep.name, Team.name, func.coalesce(counts.c.n, 0))
        .outerjoin(Team, Rep.team_id == Team.id)
        .outerjoin(counts, counts.c.rep_id == Rep.id)
        .where(Rep.active)
        .order_by(func.coalesce(counts.c.n, 0).desc(), Rep.code)
    ).all()
    return [RepLoad(code, name, team, count, cap) for code, name, team, count in rows]


def transfer_customer(
    session: Session,
    customer_code: str,
    to_rep_code: str,
    *,
    effective: dt.date,
    reason: str,
    registered_by: str,
    now: dt.datetime,
    cap: int,
    override: bool = False,
) -> TransferResult:
    """Move a customer to another rep from `effective` on, within the rep's cap unless overridden."""
    if not reason.strip():
        raise TransferError(N_("a transfer needs a reason (备案)"))
    try:
        customer = by_code(session, Customer, customer_code)
        target = by_code(session, Rep, to_rep_code)
    except UnknownCode as missing:
        unknown = (
            N_("no customer with id '%(code)s'")
            if missing.kind == "customer"
            else N_("no rep with id '%(code)s'")
        )
        raise TransferError(unknown, code=missing.code) from None
    if not target.active:
        raise TransferError(N_("rep %(rep)s is not active"), rep=to_rep_code)
    later = session.scalars(
        select(Assignment).where(Assignment.customer_id == customer.id, Assignment.start_date > effective)
    ).first()
    if later is not None:
        raise TransferError(
            N_(
                "customer %(customer)s already has an assignment starting %(day)s; "
                "transfers are recorded in date order"
            ),
            customer=customer_code,
            day=later.start_date.isoformat(),
        )
    current = session.scalars(
        select(Assignment).where(Assignment.customer_id == customer.id, _covering(effective))
    ).one_or_none()
    if current is not None and current.rep_id == target.id:
        raise TransferError(
            N_("customer %(customer)s is already assigned to %(rep)s on %(day)s"),
            customer=customer_code,
            rep=to_rep_code,
            day=effective.isoformat(),
        )
    load = rep_load(session, target.id, effective)
    if customer.is_ka and load >= cap and not override:
        raise TransferError(
            N_(
                "rep %(rep)s already owns %(load)d customers (cap %(cap)d); "
                "the office can override the cap, and the override is recorded"
            ),
            rep=to_rep_code,
            load=load,
            cap=cap,
        )
    from_rep = current.rep.code if current is not None else None
    end = current.end_date if current is not None else None
    if current is not None and current.start_date == effective:
        session.delete(current)  # assigned and moved on the same day: only the transfer stands
        session.flush()
    elif current is not None:
        current.end_date = effective - dt.timedelta(days=1)
    session.add(
        Assignment(
            customer_id=customer.id,
            rep_id=target.id,
            start_date=effective,
            end_date=end,
            reason=reason,
            registered_by=registered_by,
            registered_at=now,
            cap_override=override and load >= cap,
        )
    )
    session.flush()
    return TransferResult(
        customer_code=customer_code,
        from_rep=from_rep,
        to_rep=to_rep_code,
        effective=effective,
        load_after=rep_load(session, target.id, effective),
        cap=cap,
        cap_override=override and load >= cap,
    )
