"""The accountability rule (问责规则) as pure functions over plain values: no session, no clock.

Read docs/accountability.md for the rule in words. In short: a sighting is accountable when it is not a
house ad, its advertiser is matched (auto or confirmed) to a KA customer, a rep owns that customer on the
sighting day, and no deal with us covers that day. One `ItemDraft` per (period, customer) gathers them.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from monitor.accountability.periods import Period
from monitor.accountability.timeline import CaptureLog, UnknownPlace

# --- inputs -------------------------------------------------------------------------------------------


class Decision(enum.StrEnum):
    """The advertiser match decision as the rule sees it (same values as models.enums.MatchDecision)."""

    AUTO = "auto"
    REVIEW = "review"
    NONE = "none"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class SightingFact(NamedTuple):
    """One ad seen in one slot of one page on one day, with its advertiser's current match."""

    sighting_id: int
    day: dt.date
    customer_id: int | None
    match_decision: str  # a Decision value
    is_house_ad: bool
    site: str  # site name (key)
    page: str  # page key within the site
    slot: str  # slot name within the page
    advertiser_id: int | None = None
    advertiser_text: str = ""


@dataclass(frozen=True)
class AssignmentSpan:
    """Customer -> rep from `start` to `end` inclusive; `end` None means still assigned."""

    customer_id: int
    rep_id: int
    start: dt.date
    end: dt.date | None

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class OrderSpan:
    """A deal with us: contract period `start`..`end` inclusive, signed on `signed`."""

    customer_id: int
    start: dt.date
    end: dt.date
    signed: dt.date

    def covers(self, day: dt.date, grace_days: int = 0) -> bool:
        """Whether the deal counts as "closed with us" on `day` (contract period or signing grace)."""
        in_contract = self.start <= day <= self.end
        in_grace = 0 <= (day - self.signed).days < grace_days
        return in_contract or in_grace


@dataclass(frozen=True)
class CustomerFact:
    customer_id: int
    is_ka: bool


class Exclusion(enum.StrEnum):
    """Why a sighting makes no evidence; also the reason codes stored on withdrawn items."""

    OUTSIDE_PERIOD = "outside_period"
    HOUSE_AD = "house_ad"
    MATCH_PENDING = "match_pending"
    NOT_MATCHED = "not_matched"
    MATCH_REJECTED = "match_rejected"
    NOT_KA = "not_ka"
    UNASSIGNED = "unassigned"
    DEAL_COVERS = "deal_covers"
    SIGHTING_REMOVED = "sighting_removed"


@dataclass(frozen=True)
class Facts:
    """Everything the rule needs about our side, indexed by customer."""

    customers: Mapping[int, CustomerFact]
    assignments: Mapping[int, tuple[AssignmentSpan, ...]]
    orders: Mapping[int, tuple[OrderSpan, ...]]
    deal_grace_days: int = 0
    # (customer, day) -> verdict: a period has a few thousand of them behind a few hundred thousand sightings.
    _verdicts: dict[tuple[int, dt.date], int | Exclusion] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def build(
        cls,
        customers: Iterable[CustomerFact],
        assignments: Iterable[AssignmentSpan],
        orders: Iterable[OrderSpan],
        deal_grace_days: int = 0,
    ) -> Facts:
        by_customer_assignments: dict[int, list[AssignmentSpan]] = defaultdict(list)
        for span in assignments:
            by_customer_assignments[span.customer_id].append(span)
        by_customer_orders: dict[int, list[OrderSpan]] = defaultdict(list)
        for order in orders:
            by_customer_orders[order.customer_id].append(order)
        return cls(
            customers={fact.customer_id: fact for fact in customers},
            assignments={key: tuple(spans) for key, spans in by_customer_assignments.items()},
            orders={key: tuple(spans) for key, spans in by_customer_orders.items()},
            deal_grace_days=deal_grace_days,
        )

    def owner_on(self, customer_id: int, day: dt.date) -> int | None:
        """The rep owning the customer on `day`; overlapping spans (bad data): the latest start wins."""
        covering = [span for span in self.assignments.get(customer_id, ()) if span.covers(day)]
        if not covering:
            return None
        return max(covering, key=lambda span: span.start).rep_id

    def deal_covers(self, customer_id: int, day: dt.date) -> bool:
        return any(order.covers(day, self.deal_grace_days) for order in self.orders.get(customer_id, ()))

    def accountable_owner(self, customer_id: int, day: dt.date) -> int | Exclusion:
        """The rep accountable for the customer on `day`, or why nobody is."""
        key = (customer_id, day)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = self._accountable_owner(customer_id, day)
        return verdict

    def _accountable_owner(self, customer_id: int, day: dt.date) -> int | Exclusion:
        fact = self.customers.get(customer_id)
        if fact is None or not fact.is_ka:
            return Exclusion.NOT_KA
        owner = self.owner_on(customer_id, day)
        if owner is None:
            return Exclusion.UNASSIGNED
        if self.deal_covers(customer_id, day):
            return Exclusion.DEAL_COVERS
        return owner


_MATCH_EXCLUSIONS: dict[str, Exclusion] = {
    Decision.REVIEW: Exclusion.MATCH_PENDING,
    Decision.NONE: Exclusion.NOT_MATCHED,
    Decision.REJECTED: Exclusion.MATCH_REJECTED,
}


def judge_sighting(sighting: SightingFact, period: Period, facts: Facts) -> int | Exclusion:
    """The rep a sighting holds accountable, or the first reason (in rule order) it holds nobody."""
    if not period.contains(sighting.day):
        return Exclusion.OUTSIDE_PERIOD
    if sighting.is_house_ad:
        return Exclusion.HOUSE_AD
    excluded = _MATCH_EXCLUSIONS.get(sighting.match_decision)  # a StrEnum: its value finds it
    if excluded is not None:
        return excluded
    if sighting.customer_id is None:
        return Exclusion.NOT_MATCHED
    return facts.accountable_owner(sighting.customer_id, sighting.day)


# --- outputs ------------------------------------------------------------------------------------------


class EvidenceDraft(NamedTuple):
    sighting_id: int
    day: dt.date
    rep_id: int  # the owner on the sighting day
    site: str
    page: str
    slot: str


@dataclass(frozen=True)
class ItemDraft:
    """What one accountability item (period, customer) should hold after generation."""

    period: Period
    customer_id: int
    rep_id: int  # the owner on the last accountable day
    days_seen: int
    days_unknown: int
    first_seen: dt.date
    last_seen: dt.date
    competitors: tuple[str, ...]  # site names
    pages: tuple[tuple[str, str], ...]  # (site, page)
    slots: tuple[tuple[str, str, str], ...]  # (site, page, slot)
    evidence: tuple[EvidenceDraft, ...]

    @property
    def sighting_ids(self) -> tuple[int, ...]:
        return tuple(evidence.sighting_id for evidence in self.evidence)


@dataclass(frozen=True)
class PendingMatch:
    """An advertiser seen in the period whose match waits for a person's review: never an item."""

    advertiser_id: int | None
    advertiser_text: str
    customer_id: int | None  # the proposed customer
    days: tuple[dt.date, ...]
    sighting_ids: tuple[int, ...]
    competitors: tuple[str, ...]
    accountable_if_confirmed: bool  # would confirming it make (or add to) an item?


@dataclass(frozen=True)
class RuleResult:
    items: tuple[ItemDraft, ...]
    pending: tuple[PendingMatch, ...]
    exclusions: Mapping[int, Exclusion]  # sighting id -> why it made no evidence


def unknown_places_from_captures(
    captures: Iterable[tuple[str, str, dt.date, bool]],
    failed_slots: Iterable[tuple[str, str, str, dt.date]],
    watched_pages: Iterable[tuple[str, str]],
    period: Period,
    today: dt.date,
) -> frozenset[UnknownPlace]:
    """Unknown places from captures `(site, page, day, ok)` and slots that did not render.

    The same definition as the timelines (monitor.accountability.timeline.CaptureLog): a watched page is
    unknown on a day when its capture that day is not ok, or when it has none and the day is before `today`.
    """
    return CaptureLog.build(period, today, captures, failed_slots).unknown_places(watched_pages)


def apply_rule(
    period: Period,
    sightings: Iterable[SightingFact],
    facts: Facts,
    unknown: Iterable[UnknownPlace] = (),
) -> RuleResult:
    """Judge every sighting of the period and gather the accountable ones into one draft per customer."""
    evidence: dict[int, list[EvidenceDraft]] = defaultdict(list)
    pending: list[SightingFact] = []
    exclusions: dict[int, Exclusion] = {}
    for sighting in sightings:
        verdict = judge_sighting(sighting, period, facts)
        if isinstance(verdict, Exclusion):
            exclusions[sighting.sighting_id] = verdict
            if verdict is Exclusion.MATCH_PENDING:
                pending.append(sighting)
            continue
        assert sighting.customer_id is not None  # judge_sighting returns an owner only for a customer
        evidence[sighting.customer_id].append(
            EvidenceDraft(
                sighting.sighting_id, sighting.day, verdict, sighting.site, sighting.page, sighting.slot
            )
        )
    unknown_index = _index_unknown(unknown)
    items = tuple(
        _draft_item(period, customer_id, rows, facts, unknown_index)
        for customer_id, rows in sorted(evidence.items())
    )
    return RuleResult(items, _pending_matches(pending, facts), exclusions)


def _index_unknown(unknown: Iterable[UnknownPlace]) -> dict[tuple[str, str, str | None], set[dt.date]]:
    index: dict[tuple[str, str, str | None], set[dt.date]] = defaultdict(set)
    for place in unknown:
        index[(place.site, place.page, place.slot)].add(place.day)
    return index


def _draft_item(
    period: Period,
    customer_id: int,
    rows: list[EvidenceDraft],
    facts: Facts,
    unknown_index: Mapping[tuple[str, str, str | None], set[dt.date]],
) -> ItemDraft:
    rows = sorted(rows, key=lambda row: (row.day, row.sighting_id))
    seen_days = {row.day for row in rows}
    slots = sorted({(row.site, row.page, row.slot) for row in rows})
    return ItemDraft(
        period=period,
        customer_id=customer_id,
        rep_id=rows[-1].rep_id,
        days_seen=len(seen_days),
        days_unknown=len(_unknown_days(customer_id, period, seen_days, slots, facts, unknown_index)),
        first_seen=rows[0].day,
        last_seen=rows[-1].day,
        competitors=tuple(sorted({row.site for row in rows})),
        pages=tuple(sorted({(row.site, row.page) for row in rows})),
        slots=tuple(slots),
        evidence=tuple(rows),
    )


def _unknown_days(
    customer_id: int,
    period: Period,
    seen_days: set[dt.date],
    slots: list[tuple[str, str, str]],
    facts: Facts,
    unknown_index: Mapping[tuple[str, str, str | None], set[dt.date]],
) -> set[dt.date]:
    """Days not seen but accountable if seen, on which a page or slot the customer used was unseen."""
    blind: set[dt.date] = set()
    for site, page, slot in slots:
        blind |= unknown_index.get((site, page, None), set()) | unknown_index.get((site, page, slot), set())
    return {
        day
        for day in blind
        if period.contains(day)
        and day not in seen_days
        and not isinstance(facts.accountable_owner(customer_id, day), Exclusion)
    }


def _pending_matches(sightings: list[SightingFact], facts: Facts) -> tuple[PendingMatch, ...]:
    groups: dict[tuple[int | None, str, int | None], list[SightingFact]] = defaultdict(list)
    for sighting in sightings:
        groups[(sighting.advertiser_id, sighting.advertiser_text, sighting.customer_id)].append(sighting)
    pending = [
        PendingMatch(
            advertiser_id=advertiser_id,
            advertiser_text=text,
            customer_id=customer_id,
            days=tuple(sorted({row.day for row in rows})),
            sighting_ids=tuple(sorted(row.sighting_id for row in rows)),
            competitors=tuple(sorted({row.site for row in rows})),
            accountable_if_confirmed=customer_id is not None
            and any(not isinstance(facts.accountable_owner(customer_id, row.day), Exclusion) for row in rows),
        )
        for (advertiser_id, text, customer_id), rows in groups.items()
    ]
    return tuple(sorted(pending, key=lambda match: (-len(match.days), match.advertiser_text)))
