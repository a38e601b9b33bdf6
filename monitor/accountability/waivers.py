"""Waive an item (豁免): the office decides a customer is not to be held against the rep this period.

A waived item stays waived through every regeneration (see docs/accountability.md) until the office
undoes the waiver. Each decision and its undoing is kept (ItemWaiver: who, when, why); the item carries
the latest. What may be waived is the state machine's (monitor.accountability.states). The caller commits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AccountabilityItem, Customer, ItemWaiver
from models.enums import ItemStatus
from models.lookup import UnknownCode, by_code
from monitor.accountability.states import Action, TransitionRefused, item_state, next_state
from monitor.accountability.store import period_starting
from monitor.core.i18n import N_, TranslatableError

WAIVE, UNWAIVE = "waive", "unwaive"


class WaiveError(TranslatableError, LookupError):
    """The customer, the period or the item does not exist, the request is incomplete, or the item's
    state does not allow it (translated where shown)."""


def find_item(session: Session, period_start: dt.date, customer_code: str) -> AccountabilityItem:
    """The customer's item in the period starting on `period_start`, or WaiveError saying what is missing."""
    try:
        customer = by_code(session, Customer, customer_code)
    except UnknownCode:
        raise WaiveError(N_("no customer with id '%(code)s'"), code=customer_code) from None
    period = period_starting(session, period_start)
    if period is None:
        raise WaiveError(
            N_("no accountability period starts on %(day)s: generate it first"), day=period_start.isoformat()
        )
    item = session.scalars(
        select(AccountabilityItem).where(
            AccountabilityItem.period_id == period.id, AccountabilityItem.customer_id == customer.id
        )
    ).one_or_none()
    if item is None:
        raise WaiveError(
            N_("customer %(customer)s has no item in the period %(period)s"),
            customer=customer_code,
            period=period.label,
        )
    return item


def waive(session: Session, item: AccountabilityItem, reason: str, by: str, now: dt.datetime) -> ItemWaiver:
    """Waive `item` with `reason`, decided by `by`; a waived or withdrawn item cannot be waived."""
    return _decide(session, item, Action.WAIVE, reason, by, now)


def unwaive(session: Session, item: AccountabilityItem, reason: str, by: str, now: dt.datetime) -> ItemWaiver:
    """Undo the item's waiver: accountable again (its form as it was) until regeneration says otherwise."""
    return _decide(session, item, Action.UNWAIVE, reason, by, now)


def _decide(
    session: Session, item: AccountabilityItem, action: Action, reason: str, by: str, now: dt.datetime
) -> ItemWaiver:
    reason, by = reason.strip(), by.strip()
    if not reason or not by:
        raise WaiveError(N_("a waiver and its undoing need a reason and the name of who decided"))
    form = item.explanation.status.value if item.explanation else None
    # Whether the form deadline passed changes nothing a waiver may do.
    try:
        next_state(item_state(item.status.value, form, deadline_passed=False), action)
    except TransitionRefused:
        refusal = (
            N_("the item's state does not allow a waiver: it cannot be waived")
            if action == Action.WAIVE
            else N_("the item is not waived: there is no waiver to undo")
        )
        raise WaiveError(refusal) from None
    item.status = ItemStatus.WAIVED if action == Action.WAIVE else ItemStatus.OPEN
    item.status_reason = reason if action == Action.WAIVE else None
    item.status_changed_by = by
    item.updated_at = now
    record = ItemWaiver(
        item_id=item.id,
        action=WAIVE if action == Action.WAIVE else UNWAIVE,
        reason=reason,
        decided_by=by,
        decided_at=now,
    )
    item.waivers.append(record)
    session.flush()
    return record


def waive_item(
    session: Session, period_start: dt.date, customer_code: str, reason: str, by: str, now: dt.datetime
) -> AccountabilityItem:
    """Waive the customer's item of the period starting on `period_start` (the `waive` command)."""
    item = find_item(session, period_start, customer_code)
    waive(session, item, reason, by, now)
    return item


def unwaive_item(
    session: Session, period_start: dt.date, customer_code: str, reason: str, by: str, now: dt.datetime
) -> AccountabilityItem:
    """Undo the waiver of the customer's item of the period starting on `period_start`."""
    item = find_item(session, period_start, customer_code)
    unwaive(session, item, reason, by, now)
    return item
