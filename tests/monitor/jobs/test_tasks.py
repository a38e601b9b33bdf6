"""The unattended jobs end to end: daily crawl + match + health, the biweekly report, maintenance."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import AccountabilityPeriod, AdvertiserMatch, PageCapture
from models.enums import MatchDecision
from monitor.cli import main
from monitor.core.settings import REPO_ROOT
from monitor.demo.fixture_server import FixtureServer
from monitor.demo.run import DEMO_ROSTER
from monitor.jobs.tasks import daily_job, maintenance_job, report_job
from monitor.roster import apply_roster, read_roster
from tests.support.robots import robot_endpoint
from tests.support.smtp import smtp_server

DAY = dt.date(2026, 11, 20)


@pytest.fixture
def job_env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("RIVALWATCH_DATABASE_URL", database_url)
    monkeypatch.setenv("RIVALWATCH_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("RIVALWATCH_SITES_DIR", str(REPO_ROOT / "config" / "demo-sites"))
    # The jobs' steps and outcomes, not the pictures: static screenshots are in spiders/test_ads_spider.py.
    monkeypatch.setenv("RIVALWATCH_CRAWL__STATIC_SCREENSHOTS", "false")
    return tmp_path


def test_daily_job_crawls_matches_and_the_report_job_runs_once(
    job_env: Path, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_factory() as session, session.begin():
        apply_roster(session, read_roster(sorted(DEMO_ROSTER.glob("*.csv"))))
    with FixtureServer(day=DAY) as server, smtp_server() as mailbox, robot_endpoint() as robots:
        monkeypatch.setenv("RIVALWATCH_DEMO_URL", server.base_url)
        monkeypatch.setenv("RIVALWATCH_SMTP__PORT", str(mailbox.port))
        monkeypatch.setenv("RIVALWATCH_ALERTS__ROBOT_BASE_URL", robots.url)
        monkeypatch.setenv("RIVALWATCH_ALERTS__REP_CHANNELS", '{"R001": ["wecombot://r001"]}')
        daily_job(None, day=DAY)
    # After matching, the day's alerts: the first day seen, every matched customer is a start.
    wecom = robots.texts("r001")  # split to WeCom's 2,048 bytes
    assert wecom and all(len(text.encode()) <= 2048 for text in wecom)
    assert wecom[0].startswith("【竞品投放提醒】2026-11-20：张晓明") and "/alerts/" in wecom[0]
    assert mailbox.to("zhang.xiaoming@example.com") and mailbox.to("bj-ka1.lead@example.com")
    with session_factory() as session:
        captures = session.scalar(select(func.count(PageCapture.id)).where(PageCapture.capture_date == DAY))
        auto = session.scalar(
            select(func.count(AdvertiserMatch.id)).where(AdvertiserMatch.decision == MatchDecision.AUTO)
        )
    assert captures and captures >= 9  # every configured demo page, browser pages included
    assert auto and auto > 10

    # 2026-11-23 starts a new period: the report of 11-09..11-22 is due, once.
    first = report_job(None, today=dt.date(2026, 11, 23))
    assert first is not None and first.is_file()
    assert report_job(None, today=dt.date(2026, 11, 24)) is None
    with session_factory() as session:
        period = session.scalars(select(AccountabilityPeriod)).one()
    assert (period.start_date, period.end_date) == (dt.date(2026, 11, 9), dt.date(2026, 11, 22))


def test_maintenance_job_and_evidence_commands_run_on_an_empty_store(
    job_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server() as mailbox:
        monkeypatch.setenv("RIVALWATCH_SMTP__PORT", str(mailbox.port))
        maintenance_job(None, now=dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC))
    assert mailbox.messages == []  # nothing overdue in an empty database
    runner = CliRunner()
    verified = runner.invoke(main, ["evidence", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "every cited file is present" in verified.output
    pruned = runner.invoke(main, ["evidence", "prune"])
    assert pruned.exit_code == 0, pruned.output
    assert "pruned 0 file(s)" in pruned.output
