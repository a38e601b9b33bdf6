"""The accountability rule as a table of cases over plain values (monitor.accountability.rule)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from monitor.accountability.periods import (
    Period,
    form_deadline,
    last_complete_period,
    period_for,
    periods_between,
)
from monitor.accountability.rule import (
    AssignmentSpan,
    CustomerFact,
    Exclusion,
    Facts,
    OrderSpan,
    SightingFact,
    apply_rule,
    unknown_places_from_captures,
)
from monitor.accountability.timeline import UnknownPlace

ANCHOR = dt.date(2026, 1, 5)
PERIOD = Period(dt.date(2026, 11, 9), dt.date(2026, 11, 22))
KA, KA_B, NOT_KA = 1, 3, 2
ANN, BOB = 10, 20


def day(n: int) -> dt.date:
    """Day n of the period (day 1 is its first day, 2026-11-09)."""
    return PERIOD.start + dt.timedelta(days=n - 1)


def seen(
    sighting_id: int,
    n: int,
    customer: int | None = KA,
    decision: str = "auto",
    *,
    house: bool = False,
    site: str = "zhaopin",
    page: str = "home",
    slot: str = "logos",
) -> SightingFact:
    return SightingFact(
        sighting_id=sighting_id,
        day=day(n),
        customer_id=customer,
        match_decision=decision,
        is_house_ad=house,
        site=site,
        page=page,
        slot=slot,
        advertiser_id=100 + (customer or 0),
        advertiser_text=f"advertiser {customer}",
    )


def owns(
    customer: int, rep: int, start: dt.date = dt.date(2025, 1, 1), end: dt.date | None = None
) -> AssignmentSpan:
    return AssignmentSpan(customer, rep, start, end)


def deal(customer: int, start: dt.date, end: dt.date, signed: dt.date = dt.date(2025, 6, 1)) -> OrderSpan:
    return OrderSpan(customer, start, end, signed)


CUSTOMERS = (CustomerFact(KA, True), CustomerFact(KA_B, True), CustomerFact(NOT_KA, False))


@dataclass(frozen=True)
class Case:
    sightings: tuple[SightingFact, ...]
    # customer -> (item owner, days seen, days unknown, ((sighting id, evidence owner), ...))
    expected: dict[int, tuple[int, int, int, tuple[tuple[int, int], ...]]]
    assignments: tuple[AssignmentSpan, ...] = (owns(KA, ANN), owns(KA_B, BOB), owns(NOT_KA, ANN))
    orders: tuple[OrderSpan, ...] = ()
    unknown: tuple[UnknownPlace, ...] = ()
    grace_days: int = 0
    pending: tuple[int, ...] = field(default=())  # sighting ids in the pending-match list


CASES = {
    "auto match of an owned KA customer makes an item": Case(
        sightings=(seen(1, 3),), expected={KA: (ANN, 1, 0, ((1, ANN),))}
    ),
    "confirmed match counts like auto": Case(
        sightings=(seen(1, 3, decision="confirmed"),), expected={KA: (ANN, 1, 0, ((1, ANN),))}
    ),
    "distinct days are counted, not sightings": Case(
        sightings=(seen(1, 2), seen(2, 2, slot="banner"), seen(3, 5)),
        expected={KA: (ANN, 2, 0, ((1, ANN), (2, ANN), (3, ANN)))},
    ),
    "transfer mid-period splits evidence and the later owner holds the item": Case(
        sightings=(seen(1, 2), seen(2, 4), seen(3, 8)),
        assignments=(owns(KA, ANN, end=day(5)), owns(KA, BOB, start=day(6))),
        expected={KA: (BOB, 3, 0, ((1, ANN), (2, ANN), (3, BOB)))},
    ),
    "transfer after the last sighting leaves the item with the earlier owner": Case(
        sightings=(seen(1, 2), seen(2, 4)),
        assignments=(owns(KA, ANN, end=day(5)), owns(KA, BOB, start=day(6))),
        expected={KA: (ANN, 2, 0, ((1, ANN), (2, ANN)))},
    ),
    "a deal covering part of the period leaves only the uncovered days": Case(
        sightings=(seen(1, 2), seen(2, 5), seen(3, 6), seen(4, 10)),
        orders=(deal(KA, dt.date(2026, 10, 1), day(5)),),
        expected={KA: (ANN, 2, 0, ((3, ANN), (4, ANN)))},
    ),
    "a deal covering every sighting day makes no item": Case(
        sightings=(seen(1, 2), seen(2, 14)),
        orders=(deal(KA, dt.date(2026, 10, 1), dt.date(2026, 12, 31)),),
        expected={},
    ),
    "another customer's deal covers nothing": Case(
        sightings=(seen(1, 2),),
        orders=(deal(KA_B, dt.date(2026, 10, 1), dt.date(2026, 12, 31)),),
        expected={KA: (ANN, 1, 0, ((1, ANN),))},
    ),
    "house ads never count": Case(sightings=(seen(1, 2, house=True),), expected={}),
    "unmatched advertisers make nothing": Case(sightings=(seen(1, 2, None, "none"),), expected={}),
    "a rejected match makes nothing": Case(sightings=(seen(1, 2, decision="rejected"),), expected={}),
    "a match pending review goes to the pending list, not an item": Case(
        sightings=(seen(1, 2, decision="review"), seen(2, 3, decision="review")), expected={}, pending=(1, 2)
    ),
    "a pending house ad is not even pending": Case(
        sightings=(seen(1, 2, decision="review", house=True),), expected={}
    ),
    "a non-KA customer makes nothing": Case(sightings=(seen(1, 2, NOT_KA),), expected={}),
    "days on which nobody owned the customer are not counted": Case(
        sightings=(seen(1, 2), seen(2, 8)),
        assignments=(owns(KA, ANN, start=day(6)),),
        expected={KA: (ANN, 1, 0, ((2, ANN),))},
    ),
    "an assignment that ended before the period makes nothing": Case(
        sightings=(seen(1, 2),), assignments=(owns(KA, ANN, end=dt.date(2026, 10, 31)),), expected={}
    ),
    "sightings outside the period are ignored": Case(
        sightings=(seen(1, 0), seen(2, 15), seen(3, 7)), expected={KA: (ANN, 1, 0, ((3, ANN),))}
    ),
    "two competitors, same customer: one item": Case(
        sightings=(seen(1, 2, site="zhaopin"), seen(2, 2, site="job51"), seen(3, 4, site="job51")),
        expected={KA: (ANN, 2, 0, ((1, ANN), (2, ANN), (3, ANN)))},
    ),
    "two customers make two items, each with its owner": Case(
        sightings=(seen(1, 2), seen(2, 3, KA_B)),
        expected={KA: (ANN, 1, 0, ((1, ANN),)), KA_B: (BOB, 1, 0, ((2, BOB),))},
    ),
    "unknown days: failed page or slot where the customer was seen, on days not seen": Case(
        sightings=(seen(1, 2), seen(2, 3)),
        unknown=(
            UnknownPlace("zhaopin", "home", day(4)),  # the page failed: counts
            UnknownPlace("zhaopin", "home", day(5), "logos"),  # its slot did not render: counts
            UnknownPlace("zhaopin", "home", day(5)),  # same day twice: counts once
            UnknownPlace("zhaopin", "home", day(6), "banner"),  # another slot: does not count
            UnknownPlace("zhaopin", "campus", day(7)),  # a page it was never seen on: does not count
            UnknownPlace("job51", "home", day(8)),  # same page key, other site: does not count
            UnknownPlace("zhaopin", "home", day(2)),  # a day it was seen anyway: does not count
        ),
        expected={KA: (ANN, 2, 2, ((1, ANN), (2, ANN)))},
    ),
    "unknown days on which the customer could not be accountable are not counted": Case(
        sightings=(seen(1, 8),),
        assignments=(owns(KA, ANN, start=day(3)),),
        orders=(deal(KA, day(5), day(6)),),
        unknown=tuple(UnknownPlace("zhaopin", "home", day(n)) for n in (2, 4, 5, 6, 7)),
        expected={KA: (ANN, 1, 2, ((1, ANN),))},
    ),
    "grace days off: a deal signed before its contract starts covers nothing": Case(
        sightings=(seen(1, 2), seen(2, 4), seen(3, 6)),
        orders=(deal(KA, day(20), day(40), signed=day(3)),),
        expected={KA: (ANN, 3, 0, ((1, ANN), (2, ANN), (3, ANN)))},
    ),
    "grace days: the N days from the signing day count as closed": Case(
        sightings=(seen(1, 2), seen(2, 3), seen(3, 5), seen(4, 6)),
        orders=(deal(KA, day(20), day(40), signed=day(3)),),
        grace_days=3,  # covers days 3, 4 and 5
        expected={KA: (ANN, 2, 0, ((1, ANN), (4, ANN)))},
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_rule(case: Case) -> None:
    facts = Facts.build(CUSTOMERS, case.assignments, case.orders, case.grace_days)
    result = apply_rule(PERIOD, case.sightings, facts, case.unknown)
    actual = {
        item.customer_id: (
            item.rep_id,
            item.days_seen,
            item.days_unknown,
            tuple((row.sighting_id, row.rep_id) for row in item.evidence),
        )
        for item in result.items
    }
    assert actual == case.expected
    assert tuple(sid for match in result.pending for sid in match.sighting_ids) == case.pending


def test_item_lists_competitors_pages_slots_and_first_last_seen() -> None:
    sightings = (
        seen(1, 4, site="zhaopin", page="home", slot="logos"),
        seen(2, 2, site="job51", page="campus", slot="banner"),
        seen(3, 9, site="job51", page="campus", slot="banner"),
    )
    (item,) = apply_rule(PERIOD, sightings, Facts.build(CUSTOMERS, [owns(KA, ANN)], [])).items
    assert item.competitors == ("job51", "zhaopin")
    assert item.pages == (("job51", "campus"), ("zhaopin", "home"))
    assert item.slots == (("job51", "campus", "banner"), ("zhaopin", "home", "logos"))
    assert (item.first_seen, item.last_seen) == (day(2), day(9))
    assert item.sighting_ids == (2, 1, 3)  # by day


def test_exclusions_say_why_each_sighting_made_no_evidence() -> None:
    sightings = (
        seen(1, 2, house=True),
        seen(2, 2, decision="review"),
        seen(3, 2, None, "none"),
        seen(4, 2, decision="rejected"),
        seen(5, 2, NOT_KA),
        seen(6, 2, KA_B),
        seen(7, 20),
        seen(8, 2),
    )
    facts = Facts.build(CUSTOMERS, [owns(KA, ANN)], [deal(KA, day(1), day(3))])
    assert apply_rule(PERIOD, sightings, facts).exclusions == {
        1: Exclusion.HOUSE_AD,
        2: Exclusion.MATCH_PENDING,
        3: Exclusion.NOT_MATCHED,
        4: Exclusion.MATCH_REJECTED,
        5: Exclusion.NOT_KA,
        6: Exclusion.UNASSIGNED,
        7: Exclusion.OUTSIDE_PERIOD,
        8: Exclusion.DEAL_COVERS,
    }


def test_pending_match_says_whether_confirming_would_make_an_item() -> None:
    sightings = (seen(1, 2, KA, "review"), seen(2, 3, KA, "review"), seen(3, 2, NOT_KA, "review"))
    pending = apply_rule(PERIOD, sightings, Facts.build(CUSTOMERS, [owns(KA, ANN)], [])).pending
    assert [(match.customer_id, match.days, match.accountable_if_confirmed) for match in pending] == [
        (KA, (day(2), day(3)), True),
        (NOT_KA, (day(2),), False),
    ]


@pytest.mark.parametrize(
    ("given", "length", "expected"),
    [
        (dt.date(2026, 1, 5), 14, (dt.date(2026, 1, 5), dt.date(2026, 1, 18))),
        (dt.date(2026, 1, 18), 14, (dt.date(2026, 1, 5), dt.date(2026, 1, 18))),
        (dt.date(2026, 1, 19), 14, (dt.date(2026, 1, 19), dt.date(2026, 2, 1))),
        (dt.date(2026, 11, 15), 14, (dt.date(2026, 11, 9), dt.date(2026, 11, 22))),
        (dt.date(2026, 1, 4), 14, (dt.date(2025, 12, 22), dt.date(2026, 1, 4))),  # before the anchor
        (dt.date(2026, 1, 7), 7, (dt.date(2026, 1, 5), dt.date(2026, 1, 11))),
        (dt.date(2026, 1, 7), 1, (dt.date(2026, 1, 7), dt.date(2026, 1, 7))),
    ],
)
def test_period_for(given: dt.date, length: int, expected: tuple[dt.date, dt.date]) -> None:
    assert period_for(given, ANCHOR, length) == expected


def test_periods_between_lists_every_period_touched() -> None:
    periods = periods_between(dt.date(2026, 11, 1), dt.date(2026, 11, 23), ANCHOR)
    assert [period.start for period in periods] == [
        dt.date(2026, 10, 26),
        dt.date(2026, 11, 9),
        dt.date(2026, 11, 23),
    ]


@pytest.mark.parametrize(
    ("today", "expected_start"),
    [
        (dt.date(2026, 11, 23), dt.date(2026, 11, 9)),  # the day after the period ends
        (dt.date(2026, 12, 6), dt.date(2026, 11, 9)),  # the last day of the next one
        (dt.date(2026, 11, 22), dt.date(2026, 10, 26)),  # the period's own last day: not complete yet
    ],
)
def test_last_complete_period(today: dt.date, expected_start: dt.date) -> None:
    assert last_complete_period(today, ANCHOR).start == expected_start


def test_form_deadline_counts_from_the_period_end() -> None:
    assert form_deadline(PERIOD, 5) == dt.date(2026, 11, 27)


def test_unknown_places_from_captures_counts_failed_days_and_missing_days_before_today() -> None:
    captures = [("zhaopin", "home", day(n), True) for n in (1, 2, 4)] + [
        ("zhaopin", "home", day(n), False) for n in (3, 9)
    ]
    failed_slots = [("zhaopin", "home", "logos", day(2)), ("zhaopin", "home", "logos", day(30))]
    unknown = unknown_places_from_captures(
        captures, failed_slots, {("zhaopin", "home")}, PERIOD, today=day(7)
    )
    assert unknown == {
        UnknownPlace("zhaopin", "home", day(3)),  # failed
        UnknownPlace("zhaopin", "home", day(5)),  # not captured at all
        UnknownPlace("zhaopin", "home", day(6)),
        UnknownPlace("zhaopin", "home", day(9)),  # failed, even if after today
        UnknownPlace("zhaopin", "home", day(2), "logos"),  # the slot did not render
    }  # days 7..14 without captures may still be crawled; day 30 is outside the period
