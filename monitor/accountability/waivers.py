"""Waive one item (豁免): the office decides a customer is not to be held against the rep this period.

A waived item stays waived through every regeneration (see docs/accountability.md). The caller commits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AccountabilityItem, AccountabilityPeriod, Customer
from models.enums import ItemStatus
from models.lookup import UnknownCode, by_code


class WaiveError(LookupError):
    """The customer, the period or the item does not exist, or the request is incomplete."""


def waive_item(
    session: Session, period_start: dt.date, customer_code: str, reason: str, by: str, now: dt.datetime
) -> AccountabilityItem:
    """Set the customer's item of the period starting on `period_start` to waived, with `reason`."""
    if not reason.strip() or not by.strip():
        raise WaiveError("a waiver needs a reason and the name of who decided it")
    try:
        customer = by_code(session, Customer, customer_code)
    except UnknownCode:
        raise WaiveError(f"no customer with id {customer_code!r}") from None
    period = session.scalars(
        select(AccountabilityPeriod).where(AccountabilityPeriod.start_date == period_start)
    ).one_or_none()
    if period is None:
        raise WaiveError(f"no accountability period starts on {period_start}: generate it first")
    item = session.scalars(
        select(AccountabilityItem).where(
            AccountabilityItem.period_id == period.id, AccountabilityItem.customer_id == customer.id
        )
    ).one_or_none()
    if item is None:
        raise WaiveError(f"customer {customer_code} has no item in the period {period.label}")
    item.status = ItemStatus.WAIVED
    item.status_reason = reason.strip()
    item.status_changed_by = by.strip()
    item.updated_at = now
    session.flush()
    return item
