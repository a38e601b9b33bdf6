"""Typed rows for a period's report beside its items: the period, pending matches, trends, recipients.

The items themselves, their evidence and timelines come from monitor.accountability.items.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    Advertiser,
    AdvertiserMatch,
    Customer,
    Page,
    Rep,
    Sighting,
    Site,
    Slot,
    Team,
    User,
)
from models.enums import ItemStatus, MatchDecision


@dataclass(frozen=True)
class PeriodRow:
    id: int
    start: dt.date
    end: dt.date
    form_deadline: dt.date
    generated_at: dt.datetime | None
    published_at: dt.datetime | None


@dataclass(frozen=True)
class TrendRow:
    """Open items of one period for one team (team None: reps without a team)."""

    period_start: dt.date
    team_code: str | None
    team_name: str | None
    branch_name: str | None
    open_items: int


@dataclass(frozen=True)
class ManagerRow:
    """A team or branch with a manager address; a branch manager's scope takes in its teams."""

    team_code: str
    team_name: str
    manager_email: str


@dataclass(frozen=True)
class RepRecipientRow:
    rep_id: int
    rep_code: str
    rep_name: str
    email: str | None
    user_id: int | None  # the rep's web sign-in, if they have one


@dataclass(frozen=True)
class PendingRow:
    advertiser_id: int
    advertiser_text: str
    customer_code: str | None
    customer_name: str | None
    days: tuple[dt.date, ...]
    competitors: tuple[str, ...]


def period_by_start(session: Session, start: dt.date) -> PeriodRow | None:
    """The period starting on `start`, if it was ever generated."""
    row = session.execute(
        select(
            AccountabilityPeriod.id,
            AccountabilityPeriod.start_date,
            AccountabilityPeriod.end_date,
            AccountabilityPeriod.form_deadline,
            AccountabilityPeriod.generated_at,
            AccountabilityPeriod.published_at,
        ).where(AccountabilityPeriod.start_date == start)
    ).first()
    return PeriodRow(*row) if row else None


def pending_matches_for_period(session: Session, start: dt.date, end: dt.date) -> list[PendingRow]:
    """Advertisers seen in the period (not as house ads) whose match waits for review.

    Their sightings are read through the advertiser/day index, a few hundred advertisers' days, and their
    slots named after: joined to the advertisers and places, the query read every sighting of the period.
    """
    waiting = select(AdvertiserMatch.advertiser_id).where(AdvertiserMatch.decision == MatchDecision.REVIEW)
    seen = (
        select(Sighting.advertiser_id, Sighting.seen_date, Sighting.slot_id)
        .where(
            Sighting.advertiser_id.in_(waiting),
            Sighting.is_house_ad.is_(False),
            Sighting.seen_date.between(start, end),
        )
        .distinct()
    )
    places = select(Slot.id, Site.display_name).join(Page, Page.id == Slot.page_id)
    competitors = dict(session.execute(places.join(Site, Site.id == Page.site_id)).all())
    days: dict[int | None, set[dt.date]] = defaultdict(set)  # by advertiser (never None: it waits)
    sites: dict[int | None, set[str]] = defaultdict(set)
    for advertiser_id, seen_date, slot_id in session.connection().execute(seen).all():
        days[advertiser_id].add(seen_date)
        sites[advertiser_id].add(competitors[slot_id])
    heads = session.execute(
        select(Advertiser.id, Advertiser.text, Customer.code, Customer.name)
        .join(AdvertiserMatch, AdvertiserMatch.advertiser_id == Advertiser.id)
        .outerjoin(Customer, Customer.id == AdvertiserMatch.customer_id)
        .where(AdvertiserMatch.decision == MatchDecision.REVIEW)
    )
    rows = [
        PendingRow(key, text, code, name, tuple(sorted(days[key])), tuple(sorted(sites[key])))
        for key, text, code, name in heads
        if key in days
    ]
    return sorted(rows, key=lambda row: (-len(row.days), row.advertiser_text))


def open_items_trend(session: Session, up_to: dt.date, periods: int = 8) -> list[TrendRow]:
    """Open items per team in the last `periods` generated periods starting on or before `up_to`."""
    starts = session.scalars(
        select(AccountabilityPeriod.start_date)
        .where(AccountabilityPeriod.start_date <= up_to)
        .order_by(AccountabilityPeriod.start_date.desc())
        .limit(periods)
    ).all()
    if not starts:
        return []
    team, branch = aliased(Team), aliased(Team)
    stmt = (
        select(
            AccountabilityPeriod.start_date,
            team.code,
            team.name,
            func.coalesce(branch.name, team.name),
            func.count(AccountabilityItem.id),
        )
        .select_from(AccountabilityItem)
        .join(AccountabilityPeriod, AccountabilityPeriod.id == AccountabilityItem.period_id)
        .join(Rep, Rep.id == AccountabilityItem.rep_id)
        .outerjoin(team, team.id == Rep.team_id)
        .outerjoin(branch, branch.id == team.parent_id)
        .where(AccountabilityPeriod.start_date.in_(starts), AccountabilityItem.status == ItemStatus.OPEN)
        .group_by(AccountabilityPeriod.start_date, team.code, team.name, branch.name)
    )
    rows = [TrendRow(*row) for row in session.execute(stmt)]
    # Periods with no open item at all still belong on the axis: one empty company row each.
    seen = {row.period_start for row in rows}
    rows += [TrendRow(start, None, None, None, 0) for start in starts if start not in seen]
    return sorted(rows, key=lambda row: (row.period_start, row.team_code or ""))


def team_managers(session: Session) -> list[ManagerRow]:
    """Every team or branch that names a manager address."""
    stmt = (
        select(Team.code, Team.name, Team.manager_email)
        .where(Team.manager_email.is_not(None), Team.manager_email != "")
        .order_by(Team.code)
    )
    return [ManagerRow(code, name, (email or "").strip()) for code, name, email in session.execute(stmt)]


def rep_recipients(session: Session, rep_codes: Iterable[str]) -> list[RepRecipientRow]:
    """The reps with these codes, with their address and web user."""
    stmt = (
        select(Rep.id, Rep.code, Rep.name, Rep.email, User.id)
        .outerjoin(User, User.rep_id == Rep.id)
        .where(Rep.code.in_(list(rep_codes)))
        .order_by(Rep.code)
    )
    return [RepRecipientRow(*row) for row in session.execute(stmt)]
