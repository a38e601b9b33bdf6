"""Matching against the database: re-match, confirmations and rejections are remembered; the matcher's
explanation is stored with the match and shown by `rivalwatch review`; rejected advertisers and leads are
known non-customers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from models import (
    Advertiser,
    AdvertiserMatch,
    CompetitorCompanyId,
    Customer,
    CustomerAlias,
    ListedCompany,
    MatchRejection,
    Sighting,
)
from models.enums import MatchDecision
from monitor.cli import main
from monitor.core.i18n import translator
from monitor.matching.records import KnownCompany, MatchExplanation, PartCheck
from monitor.matching.store import (
    MatchReviewError,
    confirm_match,
    known_non_customers,
    match_reason,
    reject_match,
    rematch_advertisers,
    review_queue,
)
from monitor.web import office
from tests.support.world import NOW, World, build_world, day, settings_for

# Both backends: the matching store's aggregates and alias upserts are SQL each runs its own way.
pytestmark = pytest.mark.both_backends


def _match(session: Session, world: World, key: str) -> AdvertiserMatch:
    advertiser = world.advertisers[key]
    session.refresh(advertiser)
    assert advertiser.match is not None
    return advertiser.match


def _code(session: Session, match: AdvertiserMatch) -> str | None:
    return session.get_one(Customer, match.customer_id).code if match.customer_id else None


def test_rematch_decides_every_advertiser_from_the_roster(session: Session, tmp_path: Path) -> None:
    world = build_world(session)
    summary = rematch_advertisers(session, settings_for(tmp_path), now=NOW)
    assert summary.advertisers == len(world.advertisers)
    bank = _match(session, world, "spdb")
    assert (bank.decision, _code(session, bank)) == (MatchDecision.AUTO, "C001")
    assert _match(session, world, "stranger").decision == MatchDecision.NONE
    # The world's BMW match was confirmed by a person: a re-match keeps it as it was.
    assert _match(session, world, "bmw").decision == MatchDecision.CONFIRMED
    again = rematch_advertisers(session, settings_for(tmp_path), now=NOW)
    assert again.changed == 0


@pytest.mark.parametrize(
    ("ocr_confidence", "decision"),
    [(None, MatchDecision.AUTO), (0.99, MatchDecision.AUTO), (0.80, MatchDecision.REVIEW)],
)
def test_a_name_only_ocr_read_is_not_auto_matched_below_the_measured_confidence(
    session: Session, tmp_path: Path, ocr_confidence: float | None, decision: MatchDecision
) -> None:
    world = build_world(session)
    world.advertisers["spdb"].ocr_confidence = ocr_confidence
    settings = settings_for(tmp_path)
    assert settings.matching.ocr_auto_confidence == 0.95

    rematch_advertisers(session, settings, now=NOW)

    bank = _match(session, world, "spdb")
    assert (bank.decision, _code(session, bank)) == (decision, "C001")
    if decision == MatchDecision.REVIEW:
        assert "read from a logo by OCR at confidence 0.80 (< 0.95): review" in (bank.reason or "")


def test_confirmation_becomes_an_alias_and_a_learned_competitor_id(session: Session, tmp_path: Path) -> None:
    world = build_world(session)
    stranger = world.advertisers["stranger"]
    for row in session.scalars(select(Sighting).where(Sighting.advertiser_id == stranger.id)):
        row.competitor_company_id = "CZ123"
    session.flush()
    confirm_match(session, stranger.id, "C002", decided_by="office", now=NOW)
    aliases = session.scalars(
        select(CustomerAlias.alias).where(CustomerAlias.customer_id == world.customers["C002"].id)
    ).all()
    assert "某某科技有限公司" in aliases
    learned = session.scalars(select(CompetitorCompanyId)).one()
    assert (learned.external_id, learned.customer_id) == ("CZ123", world.customers["C002"].id)
    rematch_advertisers(session, settings_for(tmp_path), now=NOW + dt.timedelta(days=1))
    match = _match(session, world, "stranger")
    assert (match.decision, _code(session, match), match.decided_by) == (
        MatchDecision.CONFIRMED,
        "C002",
        "office",
    )


def test_a_rejected_pair_is_never_auto_matched_again(session: Session, tmp_path: Path) -> None:
    world = build_world(session)
    settings = settings_for(tmp_path)
    rematch_advertisers(session, settings, now=NOW)
    bank = world.advertisers["spdb"]
    reject_match(session, bank.id, decided_by="office", now=NOW)
    assert session.scalars(select(MatchRejection)).one().customer_id == world.customers["C001"].id
    rematch_advertisers(session, settings, now=NOW + dt.timedelta(days=1))
    match = _match(session, world, "spdb")
    assert (match.decision, _code(session, match)) == (MatchDecision.REJECTED, "C001")


def test_a_roster_change_updates_earlier_decisions(session: Session, tmp_path: Path) -> None:
    world = build_world(session)
    settings = settings_for(tmp_path)
    rematch_advertisers(session, settings, now=NOW)
    assert _match(session, world, "stranger").decision == MatchDecision.NONE
    session.add(Customer(code="C099", name="某某科技有限公司"))
    session.flush()
    rematch_advertisers(session, settings, now=NOW + dt.timedelta(days=1))
    match = _match(session, world, "stranger")
    assert (match.decision, _code(session, match)) == (MatchDecision.AUTO, "C099")


def test_review_lists_count_sightings_and_the_web_list_shows_the_latest(session: Session) -> None:
    world = build_world(session)
    world.see(session, "job51/home/logos", 9, "doubtful", raw_text="浦发银行信用卡中心 第9天")
    latest = world.see(session, "job51/home/banner", 9, "doubtful", raw_text="浦发银行信用卡中心 横幅")
    world.see(session, "job51/home/logos", 5, "doubtful")
    world.advertisers["stranger"].match.decision = MatchDecision.REVIEW  # type: ignore[union-attr]
    session.flush()
    queue = review_queue(session)
    doubtful, stranger = world.advertisers["doubtful"].id, world.advertisers["stranger"].id
    assert [(row.advertiser_id, row.customer_code, row.sightings) for row in queue] == [
        (doubtful, "C001", 4),
        (stranger, None, 1),
    ]
    web, total = office.review_queue(session)
    assert total == 2
    assert [(row.match.advertiser_id, row.sightings) for row in web] == [(doubtful, 4), (stranger, 1)]
    # The last day's sighting (of two that day, the one stored last), not the first one found.
    assert web[0].sample is not None and web[0].sample.id == latest.id
    assert web[1].sample is not None and web[1].sample.seen_date == day(5)


def test_review_queue_lists_doubtful_matches_and_refuses_unknown_ids(session: Session) -> None:
    world = build_world(session)
    queue = review_queue(session)
    assert [row.advertiser_id for row in queue] == [world.advertisers["doubtful"].id]
    with pytest.raises(MatchReviewError, match="no advertiser with id 99999"):
        confirm_match(session, 99999, None, decided_by="office", now=NOW)
    with pytest.raises(MatchReviewError, match="no customer with customer_id 'NOPE'"):
        confirm_match(session, world.advertisers["doubtful"].id, "NOPE", decided_by="office", now=NOW)


def test_rematch_stores_the_explanation_and_the_review_queue_carries_it(
    session: Session, tmp_path: Path
) -> None:
    world = build_world(session)
    rematch_advertisers(session, settings_for(tmp_path), now=NOW)
    spdb = world.advertisers["spdb"].match
    assert spdb is not None and spdb.decision == MatchDecision.AUTO
    stored = MatchExplanation.from_dict(spdb.explanation)
    assert stored is not None and stored.decision == "auto"
    assert "字号" in match_reason(spdb, translator("zh_CN").gettext)
    assert all(row.explanation is not None for row in review_queue(session))


def test_a_match_without_an_explanation_shows_its_reason(session: Session) -> None:
    world = build_world(session)
    match = world.advertisers["doubtful"].match
    assert match is not None
    match.reason = "similar name"
    assert match_reason(match) == "similar name"


def test_rejected_advertisers_and_leads_are_known_non_customers(session: Session, tmp_path: Path) -> None:
    world = build_world(session)
    world.advertisers["doubtful"].match.decision = MatchDecision.REJECTED  # type: ignore[union-attr]
    session.flush()
    known = known_non_customers(session)
    assert KnownCompany("某某科技有限公司", "advertiser") in known  # a lead: matched none
    assert KnownCompany("浦发银行信用卡中心", "advertiser") in known  # rejected by a person
    assert all(company.name != "上海浦东发展银行" for company in known)  # an auto match is a customer


def test_a_company_on_the_office_list_keeps_a_look_alike_from_applying_itself(
    session: Session, tmp_path: Path
) -> None:
    build_world(session)
    session.add(Customer(code="C009", name="金山办公软件股份有限公司"))
    advertiser = Advertiser(text="金山办公软件")
    session.add(advertiser)
    session.flush()
    rematch_advertisers(session, settings_for(tmp_path), now=NOW, only=[advertiser.id])
    assert advertiser.match is not None and advertiser.match.decision == MatchDecision.AUTO
    session.add(ListedCompany(name="金山办公软件有限公司", list_name="工商名录"))  # another entity
    session.flush()
    assert KnownCompany("金山办公软件有限公司") in known_non_customers(session)
    rematch_advertisers(session, settings_for(tmp_path), now=NOW, only=[advertiser.id])
    session.refresh(advertiser)
    assert advertiser.match is not None and advertiser.match.decision == MatchDecision.REVIEW
    explanation = MatchExplanation.from_dict(advertiser.match.explanation)
    assert explanation is not None and explanation.rule == "known_other"


def test_review_command_prints_why_under_each_row(
    engine: Engine, session_factory: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    checks = (PartCheck("trade_name", "浦发", "浦东发展", "short"),)
    with session_factory() as session, session.begin():
        world = build_world(session)
        match = world.advertisers["doubtful"].match
        assert match is not None and match.decision == MatchDecision.REVIEW
        match.explanation = MatchExplanation("two_characters", "review", checks, "上海浦东发展银行").as_dict()
    env = {
        "RIVALWATCH_DATABASE_URL": database_url,
        "RIVALWATCH_VAR_DIR": str(tmp_path),
        "RIVALWATCH_CONFIG": None,
    }
    result = CliRunner().invoke(main, ["review"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "浦发银行信用卡中心" in lines[0]
    assert lines[1] == "\t字号 浦发 ⊂ 浦东发展 → 两字名称仅为客户名称的开头：不自动匹配 → 复核"
