"""The biweekly HTML report (问责客户报表): content checked with CSS selectors, and `rivalwatch report`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AccountabilityItem, Sighting
from models.enums import MatchDecision
from monitor.accountability_db import generate_period
from monitor.cli import main
from reports.context import build_report_context, safe_href
from reports.html import render_period_report, write_period_report
from reports.queries import PeriodRow
from reports.strings import EN, ZH_CN
from tests.support.world import HOSTILE_TEXT, NOW, START, World, build_world, settings_for


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def one(soup: BeautifulSoup | Tag, selector: str) -> Tag:
    found = soup.select(selector)
    assert len(found) == 1, f"{selector!r} matched {len(found)} elements"
    return found[0]


def cell_texts(row: Tag) -> list[str]:
    return [cell.get_text(" ", strip=True) for cell in row.find_all("td", recursive=False)]


def generated_report(session: Session, tmp_path: Path) -> tuple[World, Path]:
    world = build_world(session)
    settings = settings_for(tmp_path)
    generate_period(session, settings, START, NOW)
    session.commit()
    return world, write_period_report(session, settings, START)


def sighting_id(session: Session, raw_text: str) -> int:
    return session.scalars(select(Sighting.id).where(Sighting.raw_text == raw_text)).one()


def test_report_is_archived_under_reports_path_in_chinese(session: Session, tmp_path: Path) -> None:
    _, path = generated_report(session, tmp_path)
    assert path == tmp_path / "reports" / "report-2026-11-09.html"
    soup = soup_of(path)
    assert one(soup, "html")["lang"] == "zh-CN"
    assert one(soup, "title").get_text() == "问责客户报表 2026-11-09~2026-11-22"
    assert one(soup, "h1#report-title").get_text() == "问责客户报表"
    assert "2026-11-27" in one(soup, "#form-deadline").get_text()
    assert "2026-11-24 10:00" in one(soup, "#generated-at").get_text()  # shown in Asia/Shanghai
    headers = [th.get_text() for th in soup.select(".rep-section table.items > thead th")][:10]
    assert headers == [
        "客户",
        "销售",
        "团队",
        "竞品网站",
        "位置",
        "出现天数",
        "未知天数",
        "首次",
        "末次",
        "证据",
    ]
    assert not soup.select("link, script, img, iframe")  # self-contained, nothing to fetch or run
    assert not list(tmp_path.joinpath("reports").glob(".*.tmp"))


def test_report_has_a_section_per_rep_and_totals_per_team_branch_and_company(
    session: Session, tmp_path: Path
) -> None:
    world, path = generated_report(session, tmp_path)
    soup = soup_of(path)
    assert [section["data-rep-code"] for section in soup.select(".rep-section[data-rep-code]")] == [
        "R002",
        "R003",
    ]
    bank_id, bmw_id = world.customers["C001"].id, world.customers["C002"].id
    bank = one(soup, f".rep-section[data-rep-code=R002] .item[data-customer-id='{bank_id}']")
    assert cell_texts(one(bank, "tr.item-row")) == [
        "上海浦东发展银行股份有限公司 C001",
        "李娜",
        "上海KA一组",
        "前程无忧、智联招聘",
        "智联招聘 · home · logos 前程无忧 · home · banner",
        "3",
        "2",
        "2026-11-10",
        "2026-11-16",
        "4 条",
        "未填写",
    ]
    assert len(bank.select("tr.evidence-row")) == 4
    one(soup, f".rep-section[data-rep-code=R003] .item[data-customer-id='{bmw_id}']")

    company = {cell["data-total"]: cell.get_text() for cell in soup.select("#company-totals td[data-total]")}
    assert company == {"items": "2", "reps": "2", "days_seen": "4", "days_unknown": "2", "evidence": "5"}
    team_items = {
        row["data-team-code"]: one(row, "[data-total=items]").get_text() for row in soup.select(".team-row")
    }
    assert team_items == {"SH-KA1": "1", "SH-KA2": "1"}
    branch = one(soup, ".branch-row[data-branch-code=BR-EAST]")
    assert cell_texts(branch) == ["华东分公司", "2", "2", "4", "2"]


def test_evidence_row_shows_day_competitor_page_slot_text_link_and_owner(
    session: Session, tmp_path: Path
) -> None:
    _, path = generated_report(session, tmp_path)
    soup = soup_of(path)
    raw_text = "1/3上海浦东发展银行股份有限公司招聘信息"
    row = one(soup, f"tr.evidence-row[data-sighting-id='{sighting_id(session, raw_text)}']")
    assert one(row, ".day").get_text() == "2026-11-16"
    assert one(row, ".competitor").get_text() == "前程无忧"
    assert one(row, ".page").get_text() == "home"
    assert one(row, ".slot").get_text() == "banner（banner）#1"
    assert one(row, ".ad-text").get_text() == raw_text
    link = one(row, ".link a")
    assert str(link["href"]).startswith("https://job51.example/company/")
    assert link["rel"] == ["noopener", "noreferrer", "nofollow"]
    assert one(row, ".owner").get_text() == "李娜（R002）"
    assert "元素截图 abababababab" in one(row, ".hashes").get_text()


def test_hostile_ad_text_is_escaped_not_executed(session: Session, tmp_path: Path) -> None:
    _, path = generated_report(session, tmp_path)
    html = path.read_text(encoding="utf-8")
    soup = soup_of(path)
    assert not soup.find_all("script")
    row = one(soup, f"tr.evidence-row[data-sighting-id='{sighting_id(session, HOSTILE_TEXT)}']")
    assert one(row, ".ad-text").get_text() == HOSTILE_TEXT
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_pending_matches_are_listed_apart_from_items(session: Session, tmp_path: Path) -> None:
    _, path = generated_report(session, tmp_path)
    soup = soup_of(path)
    pending = soup.select("#pending-matches tr.pending-match")
    assert [cell_texts(row)[:4] for row in pending] == [
        ["浦发银行信用卡中心", "上海浦东发展银行股份有限公司（C001）", "前程无忧", "1"]
    ]


def test_withdrawn_item_leaves_the_sections_and_is_listed_with_its_reason(
    session: Session, tmp_path: Path
) -> None:
    world = build_world(session)
    settings = settings_for(tmp_path)
    generate_period(session, settings, START, NOW)
    match = world.advertisers["spdb"].match
    assert match is not None
    match.decision = MatchDecision.REJECTED
    session.commit()
    generate_period(session, settings, START, NOW)
    session.commit()
    soup = soup_of(write_period_report(session, settings, START))
    bank_id = world.customers["C001"].id
    assert not soup.select(f".item[data-customer-id='{bank_id}']")
    closed = one(soup, f"#closed-items tr.closed-item[data-customer-id='{bank_id}']")
    assert one(closed, ".status").get_text() == "已撤回"
    assert one(closed, ".reason").get_text() == "匹配已被否决"
    assert one(soup, "#company-totals [data-total=items]").get_text() == "1"


@pytest.mark.parametrize(
    ("link", "href"),
    [
        (
            "https://www.zhaopin.com/companydetail/CZ123.htm",
            "https://www.zhaopin.com/companydetail/CZ123.htm",
        ),
        ("http://jobs.51job.com/all/co123.html", "http://jobs.51job.com/all/co123.html"),
        ("HTTPS://example.com/", "HTTPS://example.com/"),
        ("javascript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("/company/123", None),
        ("//evil.example/", None),
        ("ftp://files.example/", None),
        ("https:///no-host", None),
        ("", None),
        (None, None),
    ],
)
def test_only_http_links_are_clickable(link: str | None, href: str | None) -> None:
    assert safe_href(link) == href


def test_an_empty_period_says_so() -> None:
    period = PeriodRow(1, START, START + dt.timedelta(days=13), dt.date(2026, 11, 27), None, None)
    html = render_period_report(build_report_context(period, [], [], []), ZH_CN)
    soup = BeautifulSoup(html, "lxml")
    assert one(soup, "#company-totals [data-total=items]").get_text() == "0"
    assert "本周期没有问责客户。" in one(soup, "#items").get_text()
    assert "尚未生成" in one(soup, "#generated-at").get_text()


def test_english_strings_cover_every_chinese_key() -> None:
    assert set(EN) == set(ZH_CN)


def test_no_string_key_hides_behind_a_dict_method() -> None:
    # In a template `t.items` would be the dict's method, not the string.
    assert not set(ZH_CN) & set(dir(dict))


def test_summary_headings_are_the_translated_strings(session: Session, tmp_path: Path) -> None:
    _, path = generated_report(session, tmp_path)
    soup = soup_of(path)
    headings = [th.get_text() for th in soup.select("#company-totals th")]
    assert headings == ["问责客户数", "涉及销售数", "出现天数合计", "未知天数合计", "证据条数"]
    assert "built-in method" not in path.read_text(encoding="utf-8")


def test_report_renders_in_english_too(session: Session, tmp_path: Path) -> None:
    build_world(session)
    settings = settings_for(tmp_path).model_copy(update={"language": "en"})
    generate_period(session, settings, START, NOW)
    soup = soup_of(write_period_report(session, settings, START))
    assert one(soup, "h1#report-title").get_text() == "Accountable customers report"


def _cli_env(database_url: str, tmp_path: Path) -> dict[str, str | None]:
    return {
        "RIVALWATCH_DATABASE_URL": database_url,
        "RIVALWATCH_VAR_DIR": str(tmp_path / "var"),
        "RIVALWATCH_CONFIG": None,
        "RIVALWATCH_REPORTS_DIR": None,
        "RIVALWATCH_LANGUAGE": None,
    }


def test_report_command_generates_and_prints_the_path(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    build_world(session)
    session.commit()
    runner = CliRunner()
    env = _cli_env(database_url, tmp_path)

    result = runner.invoke(main, ["report", "--period", "2026-11-15"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    path = Path(next(line for line in lines if line.startswith("report: ")).removeprefix("report: "))
    assert path == tmp_path / "var" / "reports" / "report-2026-11-09.html"
    assert path.is_file()
    assert len(soup_of(path).select(".item[data-customer-id]")) == 2
    assert "2 open items (2 created" in result.output

    again = runner.invoke(main, ["report", "--period", "2026-11-22", "--no-generate"], env=env)
    assert again.exit_code == 0, again.output
    assert again.output.splitlines() == [f"report: {path}"]
    session.expire_all()
    assert len(session.scalars(select(AccountabilityItem)).all()) == 2

    listed = runner.invoke(main, ["periods"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "2026-11-09~2026-11-22  deadline 2026-11-27  open 2  withdrawn 0  waived 0" in listed.output


def test_report_without_generation_of_a_period_never_generated_fails_clearly(
    database_url: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        main, ["report", "--period", "2025-03-01", "--no-generate"], env=_cli_env(database_url, tmp_path)
    )
    assert result.exit_code == 1
    assert "no accountability period starts on 2025-02-17" in result.output
