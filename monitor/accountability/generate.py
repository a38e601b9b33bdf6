"""Generate a period's accountability items: load the facts, run the pure rule, upsert the outcome.

Re-running never duplicates: items are keyed by (period, customer) and evidence by (item, sighting).
Explanations and reviews are never touched. The caller owns the transaction (nothing here commits).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, text, update
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
from monitor.core.collector import cyclic_collection_paused
from monitor.core.i18n import N_, TranslatableError
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
    """Create or refresh the period starting on `start_date` and its items, as of `now` (aware).

    Set-based: the period's items are loaded once (without their evidence), their evidence once as plain
    (item, sighting, rep) rows, and the evidence changes are written in bulk, not object by object.
    """
    calendar = PeriodCalendar.of(settings.accountability)
    period = calendar.starting(start_date)
    check_generable(session, period, settings.today(now))
    period_row = ensure_period(session, period, calendar.deadline(period))
    # 100,000s of sighting facts, drafts and evidence rows: plain values, no cycles to look for.
    with cyclic_collection_paused():
        outcome = run_rule(session, period_row, settings, settings.today(now))
        existing = _items_by_customer(session, period_row.id)
        evidence = _evidence_by_item(session, period_row.id)
        changes = _EvidenceChanges()
        counts = {"created": 0, "updated": 0, "unchanged": 0, "withdrawn": 0, "reopened": 0}
        created: list[ItemDraft] = []
        for draft in outcome.items:
            item = existing.pop(draft.customer_id, None)
            if item is None:
                created.append(draft)
            else:
                counts[_update_item(item, evidence.get(item.id, {}), draft, changes, now)] += 1
        for item in existing.values():
            counts[_withdraw_item(item, evidence.get(item.id, {}), outcome, now)] += 1
        period_row.generated_at = now
        session.flush()
        new_ids = _insert_items(session, period_row.id, created, now)
        counts["created"] = len(created)
        for draft in created:
            changes.added += [
                (new_ids[draft.customer_id], row.sighting_id, row.rep_id) for row in draft.evidence
            ]
        changes.write(session)
    if session.get_bind().dialect.name == "postgresql":
        # Tens of thousands of rows just written: plan the report's queries on what is there now.
        session.execute(text("ANALYZE item_evidence"))
    open_items = session.scalar(
        select(func.count(AccountabilityItem.id)).where(
            AccountabilityItem.period_id == period_row.id, AccountabilityItem.status == ItemStatus.OPEN
        )
    )
    return GenerationResult(
        period_row.id, period, **counts, open_items=int(open_items or 0), pending=outcome.pending
    )


class PeriodRefused(TranslatableError, ValueError):
    """A period that may not be generated (not ended, or before anything was captured); says why
    (translated where shown)."""


def check_generable(session: Session, period: Period, today: dt.date) -> None:
    """Refuse a period that has not ended by `today` or that ends before the first capture.

    An unfinished period would hold a partial picture that then becomes everyone's default list; one before
    the first capture would hold nothing but unknown days.
    """
    if period.end >= today:
        raise PeriodRefused(
            N_("the period %(period)s has not ended yet: it can be generated from %(day)s"),
            period=period.label,
            day=(period.end + ONE_DAY).isoformat(),
        )
    first = session.scalar(select(func.min(PageCapture.capture_date)))
    if first is None:
        raise PeriodRefused(
            N_("nothing has been captured yet: the period %(period)s would be empty"), period=period.label
        )
    if period.end < first:
        raise PeriodRefused(
            N_("the period %(period)s ends before the first capture (%(day)s)"),
            period=period.label,
            day=first.isoformat(),
        )


def run_rule(
    session: Session, period_row: AccountabilityPeriod, settings: Settings, today: dt.date
) -> RuleResult:
    """Load the period's facts and apply the rule, without writing anything."""
    period = Period(period_row.start_date, period_row.end_date)
    sightings = load_sighting_facts(session, period_row)
    customers = {sighting.customer_id for sighting in sightings if sighting.customer_id is not None}
    facts = load_facts(session, period, settings.accountability.deal_grace_days, customers)
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
            Sighting.slot_id,
            Sighting.advertiser_id,
        )
        .outerjoin(AdvertiserMatch, AdvertiserMatch.advertiser_id == Sighting.advertiser_id)
        .where(Sighting.seen_date.between(period_row.start_date, period_row.end_date))
        .where(candidate | Sighting.id.in_(current_evidence))
    )
    rows = session.connection().execute(stmt).all()  # Core rows: no ORM loading for 100,000s of them
    # A few hundred slots and a few thousand advertisers behind 100,000s of sightings: named once each.
    places = _slot_places(session)
    texts = _advertiser_texts(session, {row[6] for row in rows if row[6] is not None})
    none = str(MatchDecision.NONE)
    return [
        SightingFact(
            sighting_id,
            day,
            customer_id,
            str(decision) if decision else none,
            is_house_ad,
            *places[slot_id],
            advertiser_id,
            texts.get(advertiser_id) or "",
        )
        for sighting_id, day, customer_id, decision, is_house_ad, slot_id, advertiser_id in rows
    ]


def _slot_places(session: Session) -> dict[int, tuple[str, str, str]]:
    """Slot id -> (site name, page key, slot name)."""
    statement = select(Slot.id, Site.name, Page.key, Slot.name).join(Page, Page.id == Slot.page_id)
    rows = session.execute(statement.join(Site, Site.id == Page.site_id))
    return {slot_id: (site, page, slot) for slot_id, site, page, slot in rows}


def _advertiser_texts(session: Session, ids: set[int]) -> dict[int | None, str]:
    texts: dict[int | None, str] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = session.execute(select(Advertiser.id, Advertiser.text).where(Advertiser.id.in_(chunk)))
        texts.update((advertiser_id, text) for advertiser_id, text in rows)
    return texts


def _customers_matched_in(period: Period) -> Select[Any]:
    return (
        select(AdvertiserMatch.customer_id)
        .join(Sighting, Sighting.advertiser_id == AdvertiserMatch.advertiser_id)
        .where(Sighting.seen_date.between(period.start, period.end), AdvertiserMatch.customer_id.is_not(None))
        .distinct()
    )


def load_facts(
    session: Session, period: Period, deal_grace_days: int, customer_ids: Collection[int] | None = None
) -> Facts:
    """KA flags, assignments and orders of `customer_ids` (default: every customer matched to any
    sighting of the period, found by a query; generation passes the ones its sightings name)."""
    if customer_ids is None:
        customer_ids = set(session.scalars(_customers_matched_in(period)))
    ids = sorted(customer_ids)
    customers: list[CustomerFact] = []
    assignments: list[AssignmentSpan] = []
    orders: list[OrderSpan] = []
    grace_start = period.start - dt.timedelta(days=deal_grace_days)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        customers += [
            CustomerFact(*row)
            for row in session.execute(select(Customer.id, Customer.is_ka).where(Customer.id.in_(chunk)))
        ]
        assignments += [
            AssignmentSpan(*row)
            for row in session.execute(
                select(
                    Assignment.customer_id, Assignment.rep_id, Assignment.start_date, Assignment.end_date
                ).where(
                    Assignment.customer_id.in_(chunk),
                    Assignment.start_date <= period.end,
                    Assignment.end_date.is_(None) | (Assignment.end_date >= period.start),
                )
            )
        ]
        orders += [
            OrderSpan(*row)
            for row in session.execute(
                select(Order.customer_id, Order.start_date, Order.end_date, Order.signed_date).where(
                    Order.customer_id.in_(chunk),
                    ((Order.start_date <= period.end) & (Order.end_date >= period.start))
                    | Order.signed_date.between(grace_start, period.end),
                )
            )
        ]
    return Facts.build(customers, assignments, orders, deal_grace_days=deal_grace_days)


def _items_by_customer(session: Session, period_id: int) -> dict[int, AccountabilityItem]:
    stmt = (
        select(AccountabilityItem)
        .where(AccountabilityItem.period_id == period_id)
        .options(selectinload(AccountabilityItem.explanation))  # the item's state needs its form
    )
    return {item.customer_id: item for item in session.scalars(stmt)}


def _evidence_by_item(session: Session, period_id: int) -> dict[int, dict[int, tuple[int, int]]]:
    """The period's evidence as item id -> sighting id -> (evidence id, owner rep id): plain rows."""
    rows = session.execute(
        select(ItemEvidence.item_id, ItemEvidence.sighting_id, ItemEvidence.id, ItemEvidence.rep_id)
        .join(AccountabilityItem, AccountabilityItem.id == ItemEvidence.item_id)
        .where(AccountabilityItem.period_id == period_id)
    )
    found: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for item_id, sighting_id, evidence_id, rep_id in rows:
        found[item_id][sighting_id] = (evidence_id, rep_id)
    return found


# --- writing ------------------------------------------------------------------------------------------


@dataclass
class _EvidenceChanges:
    """Evidence rows to add, remove and re-own, written in bulk once every item is decided."""

    added: list[tuple[int, int, int]] = field(default_factory=list)  # (item id, sighting id, rep id)
    removed: list[int] = field(default_factory=list)  # evidence ids
    owners: list[tuple[int, int]] = field(default_factory=list)  # (evidence id, rep id)

    def write(self, session: Session) -> None:
        for start in range(0, len(self.removed), _CHUNK):
            chunk = self.removed[start : start + _CHUNK]
            session.execute(delete(ItemEvidence).where(ItemEvidence.id.in_(chunk)))
        if self.owners:
            session.execute(
                update(ItemEvidence), [{"id": evidence, "rep_id": rep} for evidence, rep in self.owners]
            )
        rows = [
            {"item_id": item, "sighting_id": sighting, "rep_id": rep} for item, sighting, rep in self.added
        ]
        # Core on the connection: tens of thousands of plain rows, no ORM bookkeeping per row.
        connection = session.connection()
        for start in range(0, len(rows), _CHUNK):
            connection.execute(insert(ItemEvidence), rows[start : start + _CHUNK])


_CHUNK = 5_000


def _insert_items(
    session: Session, period_id: int, drafts: list[ItemDraft], now: dt.datetime
) -> dict[int, int]:
    """Insert new open items for `drafts` in bulk; their ids by customer id (evidence comes after)."""
    if not drafts:
        return {}
    rows = [
        {
            "period_id": period_id,
            "customer_id": draft.customer_id,
            "rep_id": draft.rep_id,
            "status": ItemStatus.OPEN,
            "days_seen": draft.days_seen,
            "days_unknown": draft.days_unknown,
            "first_seen": draft.first_seen,
            "last_seen": draft.last_seen,
            "created_at": now,
            "updated_at": now,
        }
        for draft in drafts
    ]
    session.connection().execute(insert(AccountabilityItem), rows)  # on the connection: Core, not ORM
    created = session.execute(
        select(AccountabilityItem.customer_id, AccountabilityItem.id).where(
            AccountabilityItem.period_id == period_id,
            AccountabilityItem.customer_id.in_([draft.customer_id for draft in drafts]),
        )
    )
    return {customer_id: item_id for customer_id, item_id in created}


def _update_item(
    item: AccountabilityItem,
    current: dict[int, tuple[int, int]],
    draft: ItemDraft,
    changes: _EvidenceChanges,
    now: dt.datetime,
) -> str:
    """Refresh one item from its draft; returns updated, unchanged or reopened."""
    changed = _copy_draft(item, draft) | _sync_evidence(item.id, current, draft, changes)
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


def _sync_evidence(
    item_id: int, current: dict[int, tuple[int, int]], draft: ItemDraft, changes: _EvidenceChanges
) -> bool:
    """Plan the changes that make the item's evidence exactly the draft's; whether there are any."""
    wanted = {row.sighting_id: row.rep_id for row in draft.evidence}
    removed = [evidence for sighting, (evidence, _rep) in current.items() if sighting not in wanted]
    owners = [
        (current[sighting][0], rep)
        for sighting, rep in wanted.items()
        if sighting in current and current[sighting][1] != rep
    ]
    added = [(item_id, sighting, rep) for sighting, rep in wanted.items() if sighting not in current]
    changes.removed += removed
    changes.owners += owners
    changes.added += added
    return bool(removed or owners or added)


def _state(item: AccountabilityItem) -> ItemState:
    form = item.explanation.status.value if item.explanation else None
    return item_state(item.status.value, form, deadline_passed=False)


def _withdraw_item(
    item: AccountabilityItem, current: dict[int, tuple[int, int]], outcome: RuleResult, now: dt.datetime
) -> str:
    """An open item with no accountable evidence left is withdrawn, keeping its evidence for the record."""
    if not allowed(_state(item), Action.WITHDRAW):
        return "unchanged"  # already withdrawn, or waived by a person: leave it as it is
    reasons = sorted({outcome.exclusions.get(sighting, Exclusion.SIGHTING_REMOVED) for sighting in current})
    item.status = ItemStatus.WITHDRAWN
    item.status_reason = ",".join(reasons) or Exclusion.SIGHTING_REMOVED
    item.status_changed_by = GENERATOR
    item.updated_at = now
    return "withdrawn"
