"""The report's size budget on a generated office (issue 19): no page over 2 MB, no mail over 1 MB.

A moderate office (monitor.demo.scale) keeps the test quick; bench/bench_scale.py measures the full size.
The company page is a summary whatever the number of items: it holds no placement and no timeline.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bs4 import BeautifulSoup
from pydantic import SecretStr
from sqlalchemy import Engine

from models.db import make_session_factory
from monitor.core.mail import send_raw
from monitor.core.settings import Settings
from monitor.demo.scale import LAST_DAY, Size, build_office, last_period_start
from reports.build import build_period_report
from reports.publish import publish_period
from tests.support.smtp import smtp_server

PAGE_BUDGET = 2_000_000
MAIL_BUDGET = 1_000_000
OFFICE = Size(
    months=1,
    branches=2,
    teams=4,
    reps=12,
    customers=800,
    sites=3,
    pages_per_site=3,
    advertisers=400,
    matched=300,
    review=20,
    positions_scale=0.3,
)


def test_no_report_page_over_2_mb_and_no_mail_over_1_mb(engine: Engine, tmp_path: Path) -> None:
    settings = Settings(
        var_dir=tmp_path, evidence_dir=tmp_path / "evidence", secret_key=SecretStr("test-secret")
    )
    build_office(engine, settings, OFFICE, seed=7)
    sessions = make_session_factory(engine)
    start = last_period_start(OFFICE, settings)
    now = dt.datetime.combine(LAST_DAY + dt.timedelta(days=2), dt.time(1), tzinfo=dt.UTC)

    built = build_period_report(sessions, settings, start, now)

    pages = sorted(built.report.parent.rglob("*.html"))
    assert len(pages) > 2 * OFFICE.reps // 3  # a page per rep with items, per team, and the company's
    assert max(page.stat().st_size for page in pages) < PAGE_BUDGET
    company = BeautifulSoup(built.report.read_text(encoding="utf-8"), "lxml")
    assert not company.select("tr.placement, td.day-cell, img")
    assert int(company.select_one("#company-totals [data-total=evidence]").get_text()) > 1_000  # type: ignore[union-attr]

    with smtp_server() as box:
        smtp = settings.smtp.model_copy(update={"host": "127.0.0.1", "port": box.port})
        with sessions() as session:
            result = publish_period(session, settings, start, now, lambda mails: send_raw(smtp, mails))
    assert not result.failed and len(box.messages) == len(result.sent) > OFFICE.reps // 2
    assert max(len(message.as_bytes()) for message in box.messages) < MAIL_BUDGET
