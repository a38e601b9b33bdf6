"""Generate a period's accountability items: load the facts, run the pure rule, upsert the outcome.

Re-running never duplicates: items are keyed by (period, customer) and evidence by (item, sighting).
Explanations and reviews are never touched. The caller owns the transaction (nothing here commits).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    Advertiser,
    AdvertiserMatch,
    Assignment,
    Customer,
    ItemEvidence,
    Order,
    Page,
    PageCapture,
    Sighting,
    Site,
    Slot,
)
from models.enums import ItemStatus, MatchDecision
from monitor.accountability.captures import capture_log
from monitor.accountability.periods import ONE_DAY, Period, PeriodCalendar
from monitor.accountability.rule import (
    AssignmentSpan,
    CustomerFact,
    Exclusion,
    Facts,
    ItemDraft,
    OrderSpan,
    PendingMatch,
    RuleResult,
    SightingFact,
    apply_rule,
)
from monitor.accountability.states import Action, ItemState, allowed, item_state
from monitor.accountability.store import ensure_period
from monitor.core.settings import Settings

# Written to `status_changed_by` when generation (not a person) changes an item's status.
GENERATOR = "rivalwatch:generate"

_CANDIDATE_DECISIONS = (MatchDecision.AUTO, MatchDecision.CONFIRMED, MatchDecision.REVIEW)


@dataclass(frozen=True)
class GenerationResult:
    """What one generation run did to the period's items."""

    period_id: int
    period: Period
    created: int
    updated: int
    unchanged: int
    withdrawn: int
    reopened: int
    open_items: int
    pending: tuple[PendingMatch, ...]

    def summary(self) -> str:
        """One line for a person: what the run did to the period's items."""
        return (
            f"period {self.period.label}: {self.open_items} open items ({self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged, {self.withdrawn} withdrawn, "
            f"{self.reopened} reopened); {len(self.pending)} matches pending review"
        )


def generate_period(
    session: Session, settings: Settings, start_date: dt.date, now: dt.datetime
) -> GenerationResult:
    """Create or refresh the period starting on `start_date` and its items, as of `now` (aware)."""
    calendar = PeriodCalendar.of(settings.accountability)
    period = calendar.starting(start_date)
    check_generable(session, period, settings.today(now))
    period_row = ensure_period(session, period, calendar.deadline(period))
    outcome = run_rule(session, period_row, settings, settings.today(now))
    existing = _items_by_customer(session, period_row.id)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "withdrawn": 0, "reopened": 0}
    for draft in outcome.items:
        counts[_upsert_item(session, period_row, existing.pop(draft.customer_id, None), draft, now)] += 1
    for item in existing.values():
        counts[_withdraw_item(item, outcome, now)] += 1
    period_row.generated_at = now
    session.flush()
    open_items = sum(
        1 for item in _items_by_customer(session, period_row.id).values() if item.status == ItemStatus.OPEN
    )
    return GenerationResult(period_row.id, period, **counts, open_items=open_items, pending=outcome.pending)


class PeriodRefused(ValueError):
    """A period that may not be generated (not ended, or before anything was captured); says why."""


def check_generable(session: Session, period: Period, today: dt.date) -> None:
    """Refuse a period that has not ended by `today` or that ends before the first capture.

    An unfinished period would hold a partial picture that then becomes everyone's default list; one before
    the first capture would hold nothing but unknown days.
    """
    if period.end >= today:
        raise PeriodRefused(
            f"the period {period.label} has not ended yet: it can be generated from {period.end + ONE_DAY}"
        )
    first = session.scalar(select(func.min(PageCapture.capture_date)))
    if first is None:
        raise PeriodRefused(f"nothing has been captured yet: the period {period.label} would be empty")
    if period.end < first:
        raise PeriodRefused(f"the period {period.label} ends before the first capture ({first})")


def run_rule(
    session: Session, period_row: AccountabilityPeriod, settings: Settings, today: dt.date
) -> RuleResult:
    """Load the period's facts and apply the rule, without writing anything."""
    period = Period(period_row.start_date, period_row.end_date)
    sightings = load_sighting_facts(session, period_row)
    facts = load_facts(session, period, settings.accountability.deal_grace_days)
    watched_pages = {(sighting.site, sighting.page) for sighting in sightings}
    unknown = capture_log(session, period, today, watched_pages).unknown_places(watched_pages)
    return apply_rule(period, sightings, facts, unknown)


# --- loading ------------------------------------------------------------------------------------------


def load_sighting_facts(session: Session, period_row: AccountabilityPeriod) -> list[SightingFact]:
    """Candidate sightings of the period (matched or pending, not house ads) and every current evidence."""
    current_evidence = (
        select(ItemEvidence.sighting_id)
        .join(AccountabilityItem, AccountabilityItem.id == ItemEvidence.item_id)
        .where(AccountabilityItem.period_id == period_row.id)
    )
    candidate = Sighting.is_house_ad.is_(False) & AdvertiserMatch.decision.in_(_CANDIDATE_DECISIONS)
    stmt = (
        select(
            Sighting.id,
            Sighting.seen_date,
            AdvertiserMatch.customer_id,
            AdvertiserMatch.decision,
            Sighting.is_house_ad,
            Site.name,
            Page.key,
            Slot.name,
            Sighting.advertiser_id,
            Advertiser.text,
        )
        .join(Slot, Slot.id == Sighting.slot_id)
        .join(Page, Page.id == Slot.page_id)
        .join(Site, Site.id == Page.site_id)
        .outerjoin(Advertiser, Advertiser.id == Sighting.advertiser_id)
        .outerjoin(AdvertiserMatch, AdvertiserMatch.advertiser_id == Sighting.advertiser_id)
        .where(Sighting.seen_date.between(period_row.start_date, period_row.end_date))
        .where(candidate | Sighting.id.in_(current_evidence))
        .order_by(Sighting.id)
    )
    return [
        SightingFact(
            sighting_id=row[0],
            day=row[1],
            customer_id=row[2],
            match_decision=str(row[3] or MatchDecision.NONE),
            is_house_ad=row[4],
            site=row[5],
            page=row[6],
            slot=row[7],
            advertiser_id=row[8],
            advertiser_text=row[9] or "",
        )
        for row in session.execute(stmt)
    ]


def _customers_matched_in(period: Period) -> Select[Any]:
    return (
        select(AdvertiserMatch.customer_id)
        .join(Sighting, Sighting.advertiser_id == AdvertiserMatch.advertiser_id)
        .where(Sighting.seen_date.between(period.start, period.end), AdvertiserMatch.customer_id.is_not(None))
        .distinct()
    )


def load_facts(session: Session, period: Period, deal_grace_days: int) -> Facts:
    """KA flags, assignments and orders of the customers matched to any sighting of the period."""
    matched = _customers_matched_in(period)
    customers = session.execute(select(Customer.id, Customer.is_ka).where(Customer.id.in_(matched)))
    assignments = session.execute(
        select(Assignment.customer_id, Assignment.rep_id, Assignment.start_date, Assignment.end_date).where(
            Assignment.customer_id.in_(matched),
            Assignment.start_date <= period.end,
            Assignment.end_date.is_(None) | (Assignment.end_date >= period.start),
        )
    )
    grace_start = period.start - dt.timedelta(days=deal_grace_days)
    orders = session.execute(
        select(Order.customer_id, Order.start_date, Order.end_date, Order.signed_date).where(
            Order.customer_id.in_(matched),
            ((Order.start_date <= period.end) & (Order.end_date >= period.start))
            | Order.signed_date.between(grace_start, period.end),
        )
    )
    return Facts.build(
        customers=[CustomerFact(row[0], row[1]) for row in customers],
        assignments=[AssignmentSpan(row[0], row[1], row[2], row[3]) for row in assignments],
        orders=[OrderSpan(row[0], row[1], row[2], row[3]) for row in orders],
        deal_grace_days=deal_grace_days,
    )


def _items_by_customer(session: Session, period_id: int) -> dict[int, AccountabilityItem]:
    stmt = (
        select(AccountabilityItem)
        .where(AccountabilityItem.period_id == period_id)
        .options(selectinload(AccountabilityItem.evidence), selectinload(AccountabilityItem.explanation))
    )
    return {item.customer_id: item for item in session.scalars(stmt)}


# --- writing ------------------------------------------------------------------------------------------


def _upsert_item(
    session: Session,
    period_row: AccountabilityPeriod,
    item: AccountabilityItem | None,
    draft: ItemDraft,
    now: dt.datetime,
) -> str:
    """Create or refresh one item from its draft; returns created, updated, unchanged or reopened."""
    if item is None:
        item = AccountabilityItem(
            period_id=period_row.id, customer_id=draft.customer_id, status=ItemStatus.OPEN, created_at=now
        )
        _copy_draft(item, draft)
        item.evidence = [
            ItemEvidence(sighting_id=row.sighting_id, rep_id=row.rep_id) for row in draft.evidence
        ]
        item.updated_at = now
        session.add(item)
        return "created"
    changed = _copy_draft(item, draft) | _sync_evidence(item, draft)
    # Only what generation withdrew comes back by itself; the deadline changes nothing about it.
    reopened = item.status_changed_by == GENERATOR and allowed(_state(item), Action.REOPEN)
    if reopened:
        item.status, item.status_reason = ItemStatus.OPEN, None
    if changed or reopened:
        item.updated_at = now
    return "reopened" if reopened else "updated" if changed else "unchanged"


def _copy_draft(item: AccountabilityItem, draft: ItemDraft) -> bool:
    """Set the item's figures from the draft; whether any of them changed."""
    values = {
        "rep_id": draft.rep_id,
        "days_seen": draft.days_seen,
        "days_unknown": draft.days_unknown,
        "first_seen": draft.first_seen,
        "last_seen": draft.last_seen,
    }
    changed = False
    for name, value in values.items():
        if getattr(item, name) != value:
            setattr(item, name, value)
            changed = True
    return changed


def _sync_evidence(item: AccountabilityItem, draft: ItemDraft) -> bool:
    """Make the item's evidence rows exactly the draft's; whether anything changed."""
    wanted = {row.sighting_id: row for row in draft.evidence}
    changed = False
    for evidence in list(item.evidence):
        row = wanted.pop(evidence.sighting_id, None)
        if row is None:
            item.evidence.remove(evidence)
            changed = True
        elif evidence.rep_id != row.rep_id:
            evidence.rep_id = row.rep_id
            changed = True
    for row in wanted.values():
        item.evidence.append(ItemEvidence(sighting_id=row.sighting_id, rep_id=row.rep_id))
        changed = True
    return changed


def _state(item: AccountabilityItem) -> ItemState:
    form = item.explanation.status.value if item.explanation else None
    return item_state(item.status.value, form, deadline_passed=False)


def _withdraw_item(item: AccountabilityItem, outcome: RuleResult, now: dt.datetime) -> str:
    """An open item with no accountable evidence left is withdrawn, keeping its evidence for the record."""
    if not allowed(_state(item), Action.WITHDRAW):
        return "unchanged"  # already withdrawn, or waived by a person: leave it as it is
    reasons = sorted(
        {
            outcome.exclusions.get(evidence.sighting_id, Exclusion.SIGHTING_REMOVED)
            for evidence in item.evidence
        }
    )
    item.status = ItemStatus.WITHDRAWN
    item.status_reason = ",".join(reasons) or Exclusion.SIGHTING_REMOVED
    item.status_changed_by = GENERATOR
    item.updated_at = now
    return "withdrawn"
