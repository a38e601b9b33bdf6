"""Same-day alerts: which customers started advertising, and each message delivered once to each channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import AdAlert, AlertMessage, Customer
from monitor.accountability.alerts import (
    AlertRow,
    Audience,
    Channel,
    detect_alerts,
    queue_alerts,
    render,
    send_alerts,
)
from monitor.cli import main
from monitor.core.chat import Pacer, parse_robot
from monitor.core.mail import send_messages
from monitor.core.settings import AlertSettings, Settings, SmtpSettings
from tests.support.robots import robot_endpoint
from tests.support.smtp import Mailbox, smtp_server
from tests.support.world import TEAM_ONE_MANAGER, World, build_world, day, settings_for

# Both backends: send-once bookkeeping rests on unique rows and a conditional UPDATE.
pytestmark = pytest.mark.both_backends

NOW = dt.datetime(2026, 11, 17, 1, 0, tzinfo=dt.UTC)
DING_SECRET = "SECdemo0123456789"
FEISHU_SECRET = "feishu-secret"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, SmtpSettings]]:
    with smtp_server() as box:
        yield box, SmtpSettings(host="127.0.0.1", port=box.port, sender="rivalwatch@example.com")


def alert_settings(tmp_path: Path, smtp: SmtpSettings, robots: str, **alerts: object) -> Settings:
    config = AlertSettings(
        gap_days=3,
        rep_channels={"R002": ["wecombot://wecom-r002", f"dingtalk://{DING_SECRET}@ding-r002/"]},
        team_channels={"SH-KA1": [f"feishu://{FEISHU_SECRET}@feishu-ka1"]},
        robot_base_url=robots,
        retry_seconds=0,
        **alerts,  # type: ignore[arg-type]
    )
    return settings_for(tmp_path).model_copy(
        update={"smtp": smtp, "alerts": config, "base_url": "https://rw.example"}
    )


def codes(session: Session, alerts: list[AdAlert]) -> list[tuple[str, str, str]]:
    return [(session.get(Customer, a.customer_id).code, a.site.name, a.reason) for a in alerts]  # type: ignore[union-attr]


def test_a_customer_alerts_on_its_first_day_and_again_only_after_a_gap(session: Session) -> None:
    build_world(session)
    assert codes(session, detect_alerts(session, day(2), gap_days=3)) == [
        ("C001", "zhaopin", "first"),
        ("C003", "zhaopin", "first"),
        ("C004", "zhaopin", "first"),
    ]
    assert detect_alerts(session, day(2), gap_days=3) == []  # once per day
    assert detect_alerts(session, day(3), gap_days=3) == []  # seen the day before: nothing new
    # Day 8: the bank back on zhaopin after days 4..7 without it, and new on job51; now R002's customer.
    eighth = detect_alerts(session, day(8), gap_days=3)
    assert codes(session, eighth) == [("C001", "zhaopin", "back"), ("C001", "job51", "first")]
    assert eighth[0].last_seen_before == day(3) and eighth[0].rep is not None and eighth[0].rep.code == "R002"
    assert detect_alerts(session, day(8), gap_days=7) == []  # already written
    # Matches waiting for review, unmatched advertisers and house ads never alert.
    assert detect_alerts(session, day(5), gap_days=3) == []


def sent_world(session: Session, settings: Settings, when: dt.date) -> World:
    world = build_world(session)
    detect_alerts(session, when, settings.alerts.gap_days)
    queue_alerts(session, settings, when, NOW)
    session.commit()
    return world


def send(session: Session, settings: Settings, when: dt.date | None, sleeps: list[float] | None = None):  # type: ignore[no-untyped-def]
    waits = sleeps if sleeps is not None else []
    return send_alerts(
        session,
        settings,
        when,
        now=lambda: NOW,
        send_mail=lambda message: send_messages(settings.smtp, [message]),
        pacer=Pacer(sleep=waits.append),
        sleep=waits.append,
    )


def test_each_rep_and_team_hears_once_on_every_channel_with_a_retry_after_a_rate_limit(
    session: Session, tmp_path: Path, mailbox: tuple[Mailbox, SmtpSettings]
) -> None:
    box, smtp = mailbox
    secrets = {"ding-r002": DING_SECRET, "feishu-ka1": FEISHU_SECRET}
    with robot_endpoint(secrets=secrets, rate_limit_once={"ding-r002"}) as robots:
        settings = alert_settings(tmp_path, smtp, robots.url)
        sent_world(session, settings, day(8))
        sleeps: list[float] = []
        result = send(session, settings, day(8), sleeps)
        again = send(session, settings, day(8))
    assert result.failed == () and again.sent == 0
    assert robots.refused == [("ding-r002", "rate limited")] and len(sleeps) == 1
    for token in ("wecom-r002", "ding-r002", "feishu-ka1"):
        (text,) = robots.texts(token)
        assert "上海浦东发展银行股份有限公司" in text and "2026-11-16" in text
        assert "https://rw.example/alerts/" in text and "/evidence/sighting/" in text
        assert "智联招聘" in text and "前程无忧" in text
    assert all(r.signed for r in robots.received if r.vendor != "wecom")
    # Mail: the rep (R002 owns the bank since day 6), the team's manager and the branch's manager.
    (rep_mail,) = box.to("r002@example.com")
    assert "间隔后再次出现" in rep_mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert len(box.to(TEAM_ONE_MANAGER)) == 1 and box.to("r001@example.com") == []
    statuses = session.scalars(select(AlertMessage.status)).all()
    assert statuses and set(statuses) == {"sent"}


def test_a_message_that_fails_stays_failed_with_its_error_and_goes_on_the_next_run(
    session: Session, tmp_path: Path, mailbox: tuple[Mailbox, SmtpSettings]
) -> None:
    _, smtp = mailbox
    with robot_endpoint(secrets={"ding-r002": "not-the-secret"}) as robots:
        settings = alert_settings(tmp_path, smtp, robots.url, retries=1)
        sent_world(session, settings, day(8))
        first = send(session, settings, day(8))
        assert [label for label, _ in first.failed] == ["dingtalk://…r002"]
        row = session.scalars(select(AlertMessage).where(AlertMessage.status == "failed")).one()
        assert "310000" in (row.error or "") and row.body
        robots.secrets["ding-r002"] = DING_SECRET  # the office fixed the robot's secret
        second = send(session, settings, None)
    assert second.sent == 1 and second.failed == ()
    assert len(robots.texts("ding-r002")) == 1 and len(robots.texts("wecom-r002")) == 1


def test_a_later_run_the_same_day_sends_only_the_new_alerts(
    session: Session, tmp_path: Path, mailbox: tuple[Mailbox, SmtpSettings]
) -> None:
    _, smtp = mailbox
    with robot_endpoint() as robots:
        settings = alert_settings(tmp_path, smtp, robots.url)
        world = sent_world(session, settings, day(8))
        send(session, settings, day(8))
        world.see(session, "job51/home/logos", 8, "aftership")  # a late capture of the day
        detect_alerts(session, day(8), 3)
        queue_alerts(session, settings, day(8), NOW)
        session.commit()
        send(session, settings, day(8))
    first, second = robots.texts("wecom-r002")
    assert "上海浦东发展银行" in first and "AfterShip" not in first
    assert "AfterShip" in second and "上海浦东发展银行" not in second


def test_a_long_list_is_split_to_wecoms_2048_bytes_keeping_each_alert_whole(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    rows = [
        AlertRow(
            n,
            day(8),
            f"C{n}",
            f"客户{n}" * 8,
            "智联招聘",
            "home",
            "logos",
            "first",
            None,
            n,
            "ab" * 32,
            "R1",
            "张伟",
            "T1",
            "一组",
            None,
            1,
            "首页 · 企业Logo墙",
        )
        for n in range(1, 60)
    ]
    robot = parse_robot("wecombot://k")
    audience = Audience("rep", "R1", "张伟", tuple(rows), ())
    texts = render(settings, audience, rows, Channel(robot.key, robot.label, robot))
    assert len(texts) > 1 and all(len(text.encode()) <= 2048 for text in texts)
    listed = [line for text in texts for line in text.split("\n") if line.startswith("•")]
    assert len(listed) == len(rows)
    for text in texts:  # every alert's thumbnail and item links sit in the same part as its name
        assert text.count("•") == text.count("/alerts/")


def test_alerts_send_command_reports_and_exits_non_zero_on_a_failure(
    database_url: str,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    mailbox: tuple[Mailbox, SmtpSettings],
) -> None:
    box, smtp = mailbox
    with session_factory() as session:
        build_world(session)
        session.commit()
    with robot_endpoint(rate_limit_once={"wecom-r002"}) as robots:
        env = {
            "RIVALWATCH_DATABASE_URL": database_url,
            "RIVALWATCH_VAR_DIR": str(tmp_path),
            "RIVALWATCH_SMTP__PORT": str(smtp.port),
            "RIVALWATCH_ALERTS__ROBOT_BASE_URL": robots.url,
            "RIVALWATCH_ALERTS__RETRY_SECONDS": "0",
            "RIVALWATCH_ALERTS__REP_CHANNELS": '{"R002": ["wecombot://wecom-r002", "dingtalk://x@ding-r002/"]}',
        }
        robots.secrets["ding-r002"] = "the-real-secret"
        result = CliRunner().invoke(main, ["alerts", "send", "--date", "2026-11-16"], env=env)
        assert result.exit_code == 1, result.output
        assert "2026-11-16: 1 new alert(s), 5 message(s) queued, 4 sent, 1 failed" in result.stdout
        assert "failed dingtalk://…r002" in result.stderr
        robots.secrets["ding-r002"] = "x"
        again = CliRunner().invoke(main, ["alerts", "send", "--date", "2026-11-16"], env=env)
    assert again.exit_code == 0, again.output
    assert "0 new alert(s), 0 message(s) queued, 1 sent, 0 failed" in again.stdout
    assert len(robots.texts("wecom-r002")) == 1 and len(robots.texts("ding-r002")) == 1
    assert len(box.to("r002@example.com")) == 1


def test_a_second_alerts_run_on_the_machine_is_refused_while_one_runs(
    database_url: str, tmp_path: Path
) -> None:
    from monitor.core.locks import job_lock

    env = {"RIVALWATCH_DATABASE_URL": database_url, "RIVALWATCH_VAR_DIR": str(tmp_path)}
    with job_lock(settings_for(tmp_path), "alerts"):
        result = CliRunner().invoke(main, ["alerts", "send", "--date", "2026-11-16"], env=env)
    assert result.exit_code == 1 and "alerts is already running" in result.stderr
