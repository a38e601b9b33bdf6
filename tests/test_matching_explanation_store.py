"""The matcher's explanation stored with the match and shown where a person decides: `rivalwatch review`,
and known non-customers (rejected advertisers, leads) gathered from the database for the open world."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.enums import MatchDecision
from monitor.cli import main
from monitor.core.i18n import translator
from monitor.matching.records import KnownCompany, MatchExplanation, PartCheck
from monitor.matching.store import known_non_customers, match_reason, rematch_advertisers, review_queue
from tests.support.world import NOW, build_world, settings_for


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
