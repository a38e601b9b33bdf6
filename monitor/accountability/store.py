"""Periods in the database: find one by its first day or id, create it, list them with their counts.

The caller owns the transaction; nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionFilter

from models import AccountabilityItem, AccountabilityPeriod, Explanation
from models.enums import ExplanationStatus, ItemStatus
from monitor.accountability.periods import Period


def period_starting(session: Session, start: dt.date) -> AccountabilityPeriod | None:
    """The period whose first day is `start`, if it was ever generated or created."""
    return session.scalars(
        select(AccountabilityPeriod).where(AccountabilityPeriod.start_date == start)
    ).one_or_none()


def ensure_period(session: Session, period: Period, deadline: dt.date) -> AccountabilityPeriod:
    """The period's row, created if missing (an existing deadline is kept: it may have been announced)."""
    row = period_starting(session, period.start)
    if row is None:
        row = AccountabilityPeriod(start_date=period.start, end_date=period.end, form_deadline=deadline)
        session.add(row)
        session.flush()
    return row


def generated_period(session: Session, period_id: int) -> AccountabilityPeriod | None:
    """The period with this id, if it has been generated."""
    period = session.get(AccountabilityPeriod, period_id)
    return period if period is not None and period.generated_at is not None else None


@dataclass(frozen=True)
class PeriodSummary:
    """A period with its items by status and its forms submitted and accepted."""

    period: AccountabilityPeriod
    items: int
    open: int
    withdrawn: int
    waived: int
    submitted: int
    accepted: int


def period_summaries(session: Session) -> list[PeriodSummary]:
    """Every period, newest first, with its counts."""

    def items_in(status: ItemStatus) -> FunctionFilter[int]:
        return func.count(AccountabilityItem.id).filter(AccountabilityItem.status == status)

    def forms_in(status: ExplanationStatus) -> FunctionFilter[int]:
        return func.count(Explanation.id).filter(Explanation.status == status)

    rows = session.execute(
        select(
            AccountabilityPeriod,
            func.count(AccountabilityItem.id),
            items_in(ItemStatus.OPEN),
            items_in(ItemStatus.WITHDRAWN),
            items_in(ItemStatus.WAIVED),
            forms_in(ExplanationStatus.SUBMITTED),
            forms_in(ExplanationStatus.ACCEPTED),
        )
        .outerjoin(AccountabilityItem, AccountabilityItem.period_id == AccountabilityPeriod.id)
        .outerjoin(Explanation, Explanation.item_id == AccountabilityItem.id)
        .group_by(AccountabilityPeriod.id)
        .order_by(AccountabilityPeriod.start_date.desc())
    )
    return [PeriodSummary(*row) for row in rows]
