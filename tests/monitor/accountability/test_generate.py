"""Generating a period against a real database (SQLite and PostgreSQL): items, evidence, idempotence."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    Explanation,
    ItemEvidence,
    Order,
)
from models.enums import (
    ExplanationStatus,
    ItemStatus,
    MatchDecision,
)
from monitor.accountability.generate import GENERATOR, PeriodRefused, generate_period
from tests.support.world import (
    NOW,
    START,
    World,
    build_world,
    day,
    items_by_code,
    settings_for,
)

# Both backends: generation's DISTINCT, date-range and upsert SQL runs differently on each.
pytestmark = pytest.mark.both_backends


def test_generation_makes_one_item_per_accountable_customer_with_its_evidence(
    session: Session, tmp_path: Path
) -> None:
    world = build_world(session)
    result = generate_period(session, settings_for(tmp_path), START, NOW)

    period = session.scalars(select(AccountabilityPeriod)).one()
    assert (period.start_date, period.end_date, period.form_deadline) == (
        START,
        day(14),
        dt.date(2026, 11, 27),
    )
    assert period.generated_at == NOW
    items = items_by_code(session)
    assert sorted(items) == ["C001", "C002"]
    bank = items["C001"]
    assert bank.rep.code == "R002"  # the owner on the last accountable day
    assert (bank.days_seen, bank.days_unknown, bank.first_seen, bank.last_seen) == (3, 2, day(2), day(8))
    assert bank.status == ItemStatus.OPEN
    owners = sorted(
        (evidence.sighting.seen_date, world_rep_code(world, evidence.rep_id)) for evidence in bank.evidence
    )
    assert owners == [(day(2), "R001"), (day(3), "R001"), (day(8), "R002"), (day(8), "R002")]
    assert (items["C002"].rep.code, items["C002"].days_seen, items["C002"].days_unknown) == ("R003", 1, 0)
    assert (result.created, result.updated, result.unchanged, result.open_items) == (2, 0, 0, 2)
    assert [match.advertiser_text for match in result.pending] == ["浦发银行信用卡中心"]
    assert result.pending[0].accountable_if_confirmed


def world_rep_code(world: World, rep_id: int) -> str:
    return next(code for code, rep in world.reps.items() if rep.id == rep_id)


def _snapshot(session: Session) -> list[tuple[object, ...]]:
    items = session.execute(
        select(
            AccountabilityItem.id,
            AccountabilityItem.rep_id,
            AccountabilityItem.status,
            AccountabilityItem.days_seen,
            AccountabilityItem.days_unknown,
            AccountabilityItem.updated_at,
        ).order_by(AccountabilityItem.id)
    )
    evidence = session.execute(select(ItemEvidence.id, ItemEvidence.item_id, ItemEvidence.sighting_id))
    return [tuple(row) for row in items] + sorted(tuple(row) for row in evidence)


def test_regenerating_changes_nothing(session: Session, tmp_path: Path) -> None:
    build_world(session)
    generate_period(session, settings_for(tmp_path), START, NOW)
    session.commit()
    before = _snapshot(session)
    result = generate_period(session, settings_for(tmp_path), START, NOW + dt.timedelta(hours=1))
    session.commit()
    assert _snapshot(session) == before
    assert (result.created, result.updated, result.unchanged, result.withdrawn) == (0, 0, 2, 0)
    assert session.scalar(select(func.count()).select_from(AccountabilityPeriod)) == 1


def test_a_start_date_that_starts_no_period_is_refused(session: Session, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not start a period"):
        generate_period(session, settings_for(tmp_path), day(2), NOW)


def test_explanation_survives_regeneration_and_rejection_withdraws_the_item_visibly(
    session: Session, tmp_path: Path
) -> None:
    world = build_world(session)
    settings = settings_for(tmp_path)
    generate_period(session, settings, START, NOW)
    bank = items_by_code(session)["C001"]
    explanation = Explanation(item=bank, reason="competitor_price", text="客户预算转向竞品", funnel_stage=30)
    explanation.status = ExplanationStatus.SUBMITTED
    session.add(explanation)
    session.commit()

    generate_period(session, settings, START, NOW)
    session.commit()
    session.expire_all()
    kept = items_by_code(session)["C001"].explanation
    assert kept is not None and kept.id == explanation.id and kept.text == "客户预算转向竞品"

    match = world.advertisers["spdb"].match
    assert match is not None
    match.decision = MatchDecision.REJECTED
    session.commit()
    result = generate_period(session, settings, START, NOW)
    session.commit()
    session.expire_all()
    bank = items_by_code(session)["C001"]
    assert result.withdrawn == 1
    assert (bank.status, bank.status_reason, bank.status_changed_by) == (
        ItemStatus.WITHDRAWN,
        "match_rejected",
        GENERATOR,
    )
    assert bank.explanation is not None and bank.explanation.status == ExplanationStatus.SUBMITTED
    assert len(bank.evidence) == 4  # kept, so the withdrawal can be read against what it was

    match.decision = MatchDecision.CONFIRMED
    session.commit()
    result = generate_period(session, settings, START, NOW)
    session.commit()
    session.expire_all()
    bank = items_by_code(session)["C001"]
    assert result.reopened == 1
    assert (bank.status, bank.status_reason) == (ItemStatus.OPEN, None)


def test_waived_items_stay_waived(session: Session, tmp_path: Path) -> None:
    world = build_world(session)
    settings = settings_for(tmp_path)
    generate_period(session, settings, START, NOW)
    bmw = items_by_code(session)["C002"]
    bmw.status, bmw.status_reason, bmw.status_changed_by = (
        ItemStatus.WAIVED,
        "集团统一采购",
        "manager@example.com",
    )
    match = world.advertisers["bmw"].match
    assert match is not None
    match.decision = MatchDecision.REJECTED
    session.commit()
    generate_period(session, settings, START, NOW)
    session.commit()
    session.expire_all()
    assert items_by_code(session)["C002"].status == ItemStatus.WAIVED


def test_a_new_deal_drops_the_days_it_covers_and_moves_the_owner(session: Session, tmp_path: Path) -> None:
    world = build_world(session)
    settings = settings_for(tmp_path)
    generate_period(session, settings, START, NOW)
    session.add(
        Order(
            code="O-2",
            customer=world.customers["C001"],
            signed_date=day(7),
            start_date=day(7),
            end_date=day(30),
        )
    )
    session.commit()
    result = generate_period(session, settings, START, NOW)
    session.commit()
    session.expire_all()
    bank = items_by_code(session)["C001"]
    assert result.updated == 1
    assert (bank.rep.code, bank.days_seen, bank.last_seen, len(bank.evidence)) == ("R001", 2, day(3), 2)


def test_a_page_never_captured_on_a_day_counts_as_unknown(session: Session, tmp_path: Path) -> None:
    world = build_world(session)
    for n in (9, 10, 11):
        session.delete(world.captures[("zhaopin/home", day(n))])
    session.flush()
    generate_period(session, settings_for(tmp_path), START, NOW)
    bank = items_by_code(session)["C001"]
    # Day 4 failed, days 9 to 11 were never captured (a lost crawl day is unknown, never "not seen") and
    # day 12's banner slot did not render.
    assert bank.days_unknown == 5


@pytest.mark.parametrize(
    ("start", "now", "refusal"),
    [
        # 10:00 in Shanghai on the period's last day: it has not ended.
        (
            START,
            dt.datetime(2026, 11, 22, 2, tzinfo=dt.UTC),
            "has not ended yet: it can be generated from 2026-11-23",
        ),
        # A period that has not even begun.
        (START + dt.timedelta(days=14), NOW, "has not ended yet"),
        # Before the first capture there is nothing to hold anyone to.
        (START - dt.timedelta(days=14), NOW, "ends before the first capture (2026-11-09)"),
    ],
)
def test_a_period_that_has_not_ended_or_precedes_the_first_capture_is_refused(
    session: Session, tmp_path: Path, start: dt.date, now: dt.datetime, refusal: str
) -> None:
    build_world(session)
    with pytest.raises(PeriodRefused, match=re.escape(refusal)):
        generate_period(session, settings_for(tmp_path), start, now)
    assert session.scalars(select(AccountabilityPeriod)).all() == []


def test_nothing_captured_yet_refuses_every_period(session: Session, tmp_path: Path) -> None:
    with pytest.raises(PeriodRefused, match="nothing has been captured yet"):
        generate_period(session, settings_for(tmp_path), START, NOW)
