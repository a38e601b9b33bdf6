"""One item, one set of days: the item page, the report, the workbook and the rep's mail agree on each day.

The item has everything that can make two readers disagree: a page that failed on one day (an outage), a
slot that did not render on another, a transfer between reps in the middle of the period, and the
period's last day, whose crawl never ran. A day not crawled yet when the timelines were read is shown as
such (a period is generated only once it has ended, so only the read model meets that day).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup, Tag
from openpyxl import load_workbook
from pydantic import SecretStr
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from models import PageCapture, User
from models.enums import Role
from monitor.accountability.generate import generate_period
from monitor.accountability.items import item_records, item_rows
from monitor.accountability.periods import Period
from monitor.accounts.passwords import hash_password
from monitor.core.evidence import EvidenceStore
from monitor.core.settings import Settings
from monitor.web.app import create_app
from monitor.web.server import serve_in_thread
from reports.context import load_report_context
from reports.html import write_period_report
from reports.xlsx import write_period_workbook
from tests.support.web import PASSWORD, post_form
from tests.support.world import (
    SLOT_LABELS,
    START,
    build_world,
    day,
    items_by_code,
    store_evidence,
    write_site_configs,
)

# The read model's SQL (grouping, DISTINCT, tuple IN) runs on both backends.
pytestmark = pytest.mark.both_backends
# 10:00 in Shanghai the morning after the period: the crawl of its last day never ran.
GENERATED = dt.datetime.combine(day(15), dt.time(2, 0), tzinfo=dt.UTC)

S, N, U, P = "seen", "not_seen", "unknown", "pending"
# The bank (C001): on zhaopin's logo wall on days 2, 3 and 8 (owned by R001 until day 5, then R002);
# zhaopin's homepage failed on day 4. On 51job's banner on day 8; that slot did not render on day 12.
EXPECTED = {
    ("zhaopin", "home", "logos"): [N, S, S, U, N, N, N, S, N, N, N, N, N, U],
    ("job51", "home", "banner"): [N, N, N, N, N, N, N, S, N, N, N, U, N, U],
}
MERGED = [N, S, S, U, N, N, N, S, N, N, N, U, N, U]


def _world(session_factory: sessionmaker[Session], settings: Settings) -> int:
    with session_factory() as session, session.begin():
        build_world(session)
        store_evidence(session, EvidenceStore(settings.evidence_path))
        session.execute(delete(PageCapture).where(PageCapture.capture_date == day(14)))
        session.add(
            User(
                username="office",
                display_name="KA销售管理部",
                role=Role.OFFICE,
                password_hash=hash_password(PASSWORD),
            )
        )
        generate_period(session, settings, START, GENERATED)
    with session_factory() as session:
        return items_by_code(session)["C001"].id


def _page_states(base_url: str, item_id: int) -> tuple[dict[tuple[str, str, str], list[str]], list[str]]:
    with httpx.Client(base_url=base_url, timeout=20) as client:
        signed_in = post_form(client, "/login", {"username": "office", "password": PASSWORD})
        assert signed_in.status_code == 303, signed_in.text
        page = BeautifulSoup(client.get(f"/items/{item_id}").text, "html.parser")
    placements = {
        (str(card["data-site"]), str(card["data-page"]), str(card["data-slot"])): [
            str(cell["data-state"]) for cell in card.select(".placement-days li")
        ]
        for card in page.select("article.placement")
    }
    merged = [str(cell["data-state"]) for cell in page.select("ol.timeline:not(.placement-days) li")]
    return placements, merged


def _report_page(path: Path, kind: str, selector: str) -> Tag:
    """The element matching `selector` on the report's rep or team pages (beside the company page)."""
    for page in sorted((path.parent / path.stem / kind).glob("*.html")):
        found = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").select_one(selector)
        if found is not None:
            return found
    raise AssertionError(f"no {selector} on any {kind} page")


def _report_states(path: Path) -> dict[tuple[str, str, str], list[str]]:
    item = _report_page(path, "reps", '.item[data-customer-code="C001"]')
    return {
        (str(row["data-site"]), str(row["data-page"]), str(row["data-slot"])): [
            str(cell["data-state"]) for cell in row.select(".day-cell")
        ]
        for row in item.select("tr.placement")
    }


def _workbook_states(path: Path, settings: Settings) -> dict[tuple[str, str], list[str]]:
    from monitor.core.i18n import translator
    from monitor.core.labels import DAY_STATE

    _ = translator(settings.language).gettext
    codes = {_(label): code for code, label in DAY_STATE.items()}
    sheet = load_workbook(path)[_("Days")]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    return {
        (str(row[2]), str(row[4])): [codes[str(value)] for value in row[6:]]
        for row in rows
        if row[0] == "C001"
    }


def test_page_report_workbook_and_mail_show_the_same_state_for_every_day(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    settings = Settings(
        var_dir=tmp_path,
        evidence_dir=tmp_path / "evidence",
        secret_key=SecretStr("test-secret"),
        sites_dir=write_site_configs(tmp_path / "sites"),
    )
    item_id = _world(session_factory, settings)

    with serve_in_thread(create_app(settings, session_factory)) as base_url:
        page, page_merged = _page_states(base_url, item_id)
    with session_factory() as session:
        report_path = write_period_report(session, settings, START)
        workbook_path = write_period_workbook(session, settings, START)
        context = load_report_context(session, START, settings.tz)

    assert page == EXPECTED
    assert page_merged == MERGED
    assert _report_states(report_path) == EXPECTED
    team_line = _report_page(report_path, "teams", "tr.item-line")
    assert [str(cell["data-state"]) for cell in team_line.select(".day-cell")] == MERGED
    sites = {"zhaopin": "智联招聘", "job51": "前程无忧"}
    assert _workbook_states(workbook_path, settings) == {
        (sites[site], SLOT_LABELS[slot]): states for (site, _page, slot), states in EXPECTED.items()
    }
    (item,) = [item for rep in context.reps for item in rep.items if item.customer_code == "C001"]
    assert [cell.state for cell in item.timeline] == MERGED  # what the rep's mail draws
    assert item.rep_code == "R002"  # the owner on the last day seen, after the transfer
    owners = {placement.slot_key: placement.owners for placement in item.placements}
    assert owners == {"logos": ("张伟（R001）", "李娜（R002）"), "banner": ("李娜（R002）",)}


def test_the_rule_counts_the_unknown_days_the_timelines_show(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    settings = Settings(
        var_dir=tmp_path, evidence_dir=tmp_path / "evidence", secret_key=SecretStr("test-secret")
    )
    item_id = _world(session_factory, settings)
    with session_factory() as session:
        period_id = items_by_code(session)["C001"].period_id
        rows = item_rows(session, period_id, item_ids=[item_id])
        (record,) = item_records(session, Period(START, day(14)), day(15), rows)
    unknown_days = {n + 1 for n, state in enumerate(record.timeline) if state == U}
    assert unknown_days == {4, 12, 14}
    assert record.row.days_unknown == 3 and record.row.days_seen == 3


def test_a_day_not_crawled_yet_when_read_is_pending_not_unknown(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    settings = Settings(
        var_dir=tmp_path, evidence_dir=tmp_path / "evidence", secret_key=SecretStr("test-secret")
    )
    item_id = _world(session_factory, settings)
    with session_factory() as session:
        period_id = items_by_code(session)["C001"].period_id
        rows = item_rows(session, period_id, item_ids=[item_id])
        (record,) = item_records(session, Period(START, day(14)), day(14), rows)  # read on day 14
    assert record.timeline == tuple(MERGED[:13] + [P])
