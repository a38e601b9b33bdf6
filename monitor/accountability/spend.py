"""Spend estimates: what a customer's ads with each competitor would cost at the competitor's rate card.

Only slots whose site config has a rate card (`Slot.rate_card`) are priced: per item (period, customer),
per competitor, the sum over the days the customer was seen in a priced slot of that day's price (per
day, or the band of the best position it held that day). It is an estimate, never a figure the
competitor gave: every line names its rate cards (the source and the date they were read). Without a rate
card nothing is estimated. The query reads the items' evidence rows only (bounded by the period).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ItemEvidence, Sighting
from models.sites import Page, Site, Slot
from monitor.core.siteconfig import RateCard


@dataclass
class SpendLine:
    """One item's estimate with one competitor, in one currency."""

    site: str
    currency: str
    amount: float = 0.0
    days: int = 0  # slot-days priced
    sources: set[str] = field(default_factory=set)  # "source (read YYYY-MM-DD)"

    @property
    def source_text(self) -> str:
        return "; ".join(sorted(self.sources))


@dataclass(frozen=True)
class SpendTotal:
    currency: str
    amount: float


def card_label(card: RateCard) -> str:
    return f"{card.source or '—'} ({card.read_on.isoformat()})"


def item_spend(session: Session, item_ids: Sequence[int]) -> dict[int, list[SpendLine]]:
    """Item id -> its estimates per competitor (only items with a priced slot appear)."""
    cards = _cards(session)
    if not item_ids or not cards:
        return {}  # without a rate card the evidence is not read: tens of thousands of rows a period
    statement = (
        select(
            ItemEvidence.item_id,
            Site.display_name,
            Slot.id,
            Sighting.seen_date,
            func.min(Sighting.position),
        )
        .select_from(ItemEvidence)
        .join(Sighting, Sighting.id == ItemEvidence.sighting_id)
        .join(Slot, Slot.id == Sighting.slot_id)
        .join(Page, Page.id == Slot.page_id)
        .join(Site, Site.id == Page.site_id)
        .where(ItemEvidence.item_id.in_(item_ids), Slot.rate_card.is_not(None))
        .group_by(ItemEvidence.item_id, Site.display_name, Slot.id, Sighting.seen_date)
    )
    rows = session.execute(statement).all()
    lines: dict[int, dict[tuple[str, str], SpendLine]] = defaultdict(dict)
    for item_id, site, slot_id, _day, position in rows:
        card = cards.get(slot_id)
        price = card.price(int(position)) if card else None
        if card is None or price is None:
            continue
        line = lines[item_id].setdefault((site, card.currency), SpendLine(site, card.currency))
        line.amount += price
        line.days += 1
        line.sources.add(card_label(card))
    return {item: sorted(by_site.values(), key=lambda line: -line.amount) for item, by_site in lines.items()}


def _cards(session: Session) -> dict[int, RateCard]:
    """Slot id -> its rate card, for the slots priced (a few of a few hundred slots, or none)."""
    found: dict[int, RateCard] = {}
    for slot_id, raw in session.execute(select(Slot.id, Slot.rate_card).where(Slot.rate_card.is_not(None))):
        card = _card(raw)
        if card is not None:
            found[slot_id] = card
    return found


def _card(raw: Any) -> RateCard | None:
    try:
        return RateCard.model_validate(raw) if raw else None
    except ValueError:
        return None  # a card stored by an older config shape: not priced, never a wrong figure


def totals(lines: Iterable[SpendLine]) -> list[SpendTotal]:
    """The lines summed per currency (never added across currencies)."""
    sums: dict[str, float] = defaultdict(float)
    for line in lines:
        sums[line.currency] += line.amount
    return [SpendTotal(currency, amount) for currency, amount in sorted(sums.items())]
