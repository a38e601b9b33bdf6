"""Crawl health: a page that could not be seen or a slot that went quiet is an alert, never a quiet zero."""

from __future__ import annotations

import datetime as dt
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from models import PageCapture
from models.enums import CaptureStatus
from monitor.capture.crawl import run_crawl_subprocess
from monitor.capture.health import SlotDay, assess_slot, load_health
from monitor.cli import main
from monitor.core.settings import REPO_ROOT
from monitor.demo.fixture_server import FixtureServer
from tests.support.smtp import Mailbox, smtp_server

DAY = dt.date(2026, 11, 12)


def _history(*counts: int) -> list[SlotDay]:
    return [SlotDay(DAY - dt.timedelta(days=len(counts) - n), True, count) for n, count in enumerate(counts)]


@pytest.mark.parametrize(
    ("today", "history", "kind"),
    [
        (SlotDay(DAY, True, 8), _history(8, 9, 8), None),
        (SlotDay(DAY, True, 7), _history(8, 9, 8), None),
        (SlotDay(DAY, True, 2), _history(8, 9, 8), "slot_low"),
        (SlotDay(DAY, True, 0), _history(8, 9, 8), "slot_empty"),
        (SlotDay(DAY, False, 0), _history(8, 9, 8), "slot_missing"),
        (SlotDay(DAY, True, 0), [], "slot_empty"),  # no history yet: an empty slot is still suspicious
        (SlotDay(DAY, True, 1), _history(2), None),  # too little history to call it low
    ],
)
def test_slot_yield_is_compared_with_its_recent_history(
    today: SlotDay, history: list[SlotDay], kind: str | None
) -> None:
    alert = assess_slot("jobhub", "home", "top_banner", today, history)
    assert (alert.kind if alert else None) == kind


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as server:
        yield server


def test_a_layout_change_and_a_blocked_page_raise_alerts_and_mail_them(
    engine: Engine,
    session_factory: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
    mailbox: Mailbox,
) -> None:
    env = {
        "RIVALWATCH_DATABASE_URL": database_url,
        "RIVALWATCH_VAR_DIR": str(tmp_path),
        "RIVALWATCH_SITES_DIR": str(REPO_ROOT / "config" / "demo-sites"),
        "RIVALWATCH_SMTP__PORT": str(mailbox.port),
        "RIVALWATCH_CRAWL__ALERT_RECIPIENTS": json.dumps(["office@example.com"]),
        # Alerts come from what was read off the pages; screenshots need Chromium
        # (tests/spiders/test_ads_spider.py has them).
        "RIVALWATCH_CRAWL__STATIC_SCREENSHOTS": "false",
    }
    # One crawled day: a missing slot and a failed page are alerts on their own, without history (the
    # comparison with earlier days is the table above, and test_web_office's health page over stored days).
    with FixtureServer(day=DAY) as server:
        env["RIVALWATCH_DEMO_URL"] = server.base_url
        server.fail("/jobhub/", "empty-slot", slot="top_banner")
        server.fail("/qiancheng/", "403")
        done = run_crawl_subprocess(None, DAY, sites=["jobhub", "qiancheng"], env=env, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]

    with session_factory() as session:
        report = load_health(session, DAY, ["jobhub", "qiancheng"])
        blocked = session.scalars(
            select(PageCapture).where(
                PageCapture.capture_date == DAY, PageCapture.url.contains("/qiancheng/")
            )
        ).first()
    assert blocked is not None and blocked.status == CaptureStatus.BLOCKED
    kinds = {(alert.site, alert.page, alert.slot, alert.kind) for alert in report.alerts}
    assert ("jobhub", "home", "top_banner", "slot_missing") in kinds
    assert ("qiancheng", "home", None, "page_failed") in kinds
    assert not any(alert.site == "jobhub" and alert.slot == "slider" for alert in report.alerts)

    result = CliRunner().invoke(main, ["health", "--date", str(DAY), "--mail"], env=env)
    assert result.exit_code == 1, result.output
    assert "jobhub/home/top_banner: slot_missing" in result.output
    assert len(mailbox.messages) == 1
    mail = mailbox.messages[0]
    assert mail["To"] == "office@example.com"
    body = mail.get_body(("plain",))
    assert body is not None and "jobhub/home/top_banner: slot_missing" in body.get_content()


def test_mailing_alerts_with_the_mail_server_down_is_one_clear_line(
    session_factory: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    from monitor.core.siteconfig import load_site_configs
    from spiders.persist import sync_sites

    demo_sites = REPO_ROOT / "config" / "demo-sites"
    with session_factory() as session, session.begin():
        sync_sites(session, load_site_configs(demo_sites))  # configured, never captured: alerts
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "RIVALWATCH_DATABASE_URL": database_url,
        "RIVALWATCH_VAR_DIR": str(tmp_path),
        "RIVALWATCH_SITES_DIR": str(demo_sites),
        "RIVALWATCH_SMTP__PORT": str(port),
        "RIVALWATCH_CRAWL__ALERT_RECIPIENTS": json.dumps(["office@example.com"]),
    }
    result = CliRunner().invoke(main, ["health", "--date", str(DAY), "--mail"], env=env)
    assert result.exit_code == 1, result.output
    assert f"Error: cannot mail the crawl alerts via 127.0.0.1:{port}: " in result.output
    assert isinstance(result.exception, SystemExit)  # no traceback
    assert "Traceback" not in result.output
