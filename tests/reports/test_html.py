"""The biweekly HTML report (问责客户报表): content checked with CSS selectors, and `rivalwatch report`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AccountabilityItem, PageCapture
from models.enums import MatchDecision
from monitor.accountability.generate import generate_period
from monitor.capture.evidence_log import seal_day
from monitor.cli import main
from monitor.core.evidence import EvidenceStore
from reports.context import build_report_context, safe_href
from reports.html import render_period_report, write_period_report
from reports.queries import PeriodRow
from tests.support.world import (
    NOW,
    START,
    World,
    build_world,
    day,
    settings_for,
    store_evidence,
)

# Both backends: the read model sorts Chinese names and groups per team; collations differ.
pytestmark = pytest.mark.both_backends


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def rep_page(path: Path, code: str) -> Path:
    """The page of one rep beside the company page at `path`."""
    return path.parent / path.stem / "reps" / f"{code}.html"


def rep_pages(path: Path) -> BeautifulSoup:
    """Every rep page's section of the report at `path`, gathered in one document (in rep order)."""
    gathered = BeautifulSoup("<html><body></body></html>", "lxml")
    assert gathered.body is not None
    for page in sorted((path.parent / path.stem / "reps").glob("*.html")):
        for section in soup_of(page).select(".rep-section"):
            gathered.body.append(section)
    return gathered


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


def test_report_is_archived_under_reports_path_in_chinese(session: Session, tmp_path: Path) -> None:
    _, path = generated_report(session, tmp_path)
    assert path == tmp_path / "reports" / "report-2026-11-09.html"
    soup = soup_of(path)
    assert one(soup, "html")["lang"] == "zh-CN"
    assert one(soup, "head > title").get_text() == "问责客户报表 2026-11-09~2026-11-22"
    assert one(soup, "h1#report-title").get_text() == "问责客户报表"
    assert "2026-11-27" in one(soup, "#form-deadline").get_text()
    assert "2026-11-24 10:00" in one(soup, "#generated-at").get_text()  # shown in Asia/Shanghai
    headers = [th.get_text() for th in rep_pages(path).select(".rep-section table.items > thead th")][:10]
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
    pages = sorted(tmp_path.joinpath("reports").rglob("*.html"))
    names = sorted(page.relative_to(path.parent).as_posix() for page in pages)
    assert names[:4] == [
        "report-2026-11-09.html",
        "report-2026-11-09/intel.html",
        "report-2026-11-09/reps/R002.html",
        "report-2026-11-09/reps/R003.html",
    ]
    assert [name.split("/")[1] for name in names[4:]] == ["teams", "teams"]  # BR-EAST/SH-KA1, …/SH-KA2
    for page in pages:
        html = soup_of(page)
        assert not html.select("link, script, iframe")  # self-contained, nothing to fetch or run
        assert not html.select("img")  # the world's evidence files are not in the store: no thumbnails
    assert not list(tmp_path.joinpath("reports").rglob(".*.tmp"))


def test_report_has_a_section_per_rep_and_totals_per_team_branch_and_company(
    session: Session, tmp_path: Path
) -> None:
    world, path = generated_report(session, tmp_path)
    soup = soup_of(path)
    assert [row["data-rep-code"] for row in soup.select("#rep-totals tr.rep-row[data-rep-code]")] == [
        "R002",
        "R003",
    ]
    assert [str(link["href"]) for link in soup.select("#rep-totals a.rep-page")] == [
        "report-2026-11-09/reps/R002.html",
        "report-2026-11-09/reps/R003.html",
    ]
    items = rep_pages(path)
    assert [section["data-rep-code"] for section in items.select(".rep-section[data-rep-code]")] == [
        "R002",
        "R003",
    ]
    bank_id, bmw_id = world.customers["C001"].id, world.customers["C002"].id
    bank = one(items, f".rep-section[data-rep-code=R002] .item[data-customer-id='{bank_id}']")
    assert cell_texts(one(bank, "tr.item-row")) == [
        "上海浦东发展银行股份有限公司 C001",
        "李娜",
        "上海KA一组",
        "前程无忧、智联招聘",
        "智联招聘 · 首页 · 首页Logo墙 前程无忧 · 首页 · 首页横幅",
        "3",
        "2",
        "2026-11-10",
        "2026-11-16",
        "4 条",
        "未填写",
    ]
    # Four sightings in two placements: the logo wall (three days) and the banner (one day).
    assert [cell_texts(row)[1] for row in bank.select("tr.placement")] == [
        "智联招聘 · 首页 · 首页Logo墙（Logo） 位次 1 · 记录次数 3",
        "前程无忧 · 首页 · 首页横幅（横幅） 位次 1 · 记录次数 1",
    ]
    one(items, f".rep-section[data-rep-code=R003] .item[data-customer-id='{bmw_id}']")

    company = {cell["data-total"]: cell.get_text() for cell in soup.select("#company-totals td[data-total]")}
    assert company == {"items": "2", "reps": "2", "days_seen": "4", "days_unknown": "2", "evidence": "5"}
    team_items = {
        row["data-team-code"]: one(row, "[data-total=items]").get_text() for row in soup.select(".team-row")
    }
    assert team_items == {"SH-KA1": "1", "SH-KA2": "1"}
    branch = one(soup, ".branch-row[data-branch-code=BR-EAST]")
    assert cell_texts(branch) == ["华东分公司", "2", "2", "4", "2"]


def placement_row(soup: BeautifulSoup, customer_id: int, site: str, slot: str) -> Tag:
    return one(
        soup, f".item[data-customer-id='{customer_id}'] tr.placement[data-site={site}][data-slot={slot}]"
    )


def day_states(row: Tag) -> list[str]:
    return [str(cell["data-state"]) for cell in row.select("td.day-cell")]


def test_placement_row_shows_competitor_page_slot_text_link_and_owner(
    session: Session, tmp_path: Path
) -> None:
    world, path = generated_report(session, tmp_path)
    row = placement_row(rep_pages(path), world.customers["C001"].id, "job51", "banner")
    assert one(row, ".competitor").get_text() == "前程无忧"
    assert one(row, ".page").get_text() == "首页"
    assert one(row, ".slot").get_text() == "首页横幅（横幅）"
    assert one(row, ".ad-text").get_text() == "1/3上海浦东发展银行股份有限公司招聘信息"
    link = one(row, ".link a")
    assert str(link["href"]).startswith("https://job51.example/company/")
    assert link["rel"] == ["noopener", "noreferrer", "nofollow"]
    assert one(row, ".owner").get_text() == "李娜（R002）"
    assert one(row, ".placement-days").get_text() == "1"


def test_timeline_has_one_cell_per_day_seen_not_seen_or_unknown(session: Session, tmp_path: Path) -> None:
    world, path = generated_report(session, tmp_path)
    soup = rep_pages(path)
    bank = world.customers["C001"].id
    logos = placement_row(soup, bank, "zhaopin", "logos")
    cells = logos.select("td.day-cell")
    assert [cell["data-day"] for cell in cells] == [day(n).isoformat() for n in range(1, 15)]
    expected = ["not_seen"] * 14
    expected[1] = expected[2] = expected[7] = "seen"  # days 2, 3 and 8
    expected[3] = "unknown"  # the zhaopin homepage timed out on day 4
    assert day_states(logos) == expected
    banner = day_states(placement_row(soup, bank, "job51", "banner"))
    assert (banner[7], banner[11]) == ("seen", "unknown")  # the banner slot did not render on day 12
    assert banner.count("seen") == 1 and banner.count("unknown") == 1
    # The owner that day is kept even after the transfer: R001 for days 2-3, R002 from day 8.
    assert one(logos, ".owner").get_text() == "张伟（R001）、李娜（R002）"


def test_thumbnails_are_copied_beside_the_report_and_referenced_relatively(
    session: Session, tmp_path: Path
) -> None:
    world = build_world(session)
    settings = settings_for(tmp_path)
    store = EvidenceStore(settings.evidence_path)
    shas = store_evidence(session, store)
    generate_period(session, settings, START, NOW)
    session.commit()
    path = write_period_report(session, settings, START)
    soup = rep_pages(path)
    page = rep_page(path, "R002")  # every rep page sits two folders below the company page

    logos = placement_row(soup, world.customers["C001"].id, "zhaopin", "logos")
    element = shas["element:上海浦东发展银行"]
    assert one(logos, "img.thumbnail")["src"] == f"../evidence/{element}.png"
    page_link = one(logos, "a.page-shot")["href"]
    assert page_link == f"../evidence/{shas['page:' + day(8).isoformat()]}.png"
    seen_day = one(logos, f"td.day-cell[data-day='{day(2).isoformat()}'] a")
    assert seen_day["href"] == f"../evidence/{shas['page:' + day(2).isoformat()]}.png"
    bmw = placement_row(soup, world.customers["C002"].id, "job51", "logos")
    assert one(bmw, "img.thumbnail")["src"] == f"../evidence/{shas['creative']}.png"
    assert one(bmw, "img.thumbnail")["alt"] == "素材"

    references = [str(tag["src"]) for tag in soup.select("img")] + [
        str(tag["href"]) for tag in soup.select("a.page-shot, td.day-cell a")
    ]
    for reference in references:
        assert not reference.startswith(("/", "file:", "http")), reference
        archived = (page.parent / reference).resolve()
        assert archived.is_file(), reference
        assert store.read(archived.stem) == archived.read_bytes()

    # Retention prunes the store; the archived report keeps its evidence, even when rendered again.
    for sha in list(store.iter_all()):
        store.delete(sha)
    again = rep_pages(write_period_report(session, settings, START))
    assert [str(tag["src"]) for tag in again.select("img")] == [str(tag["src"]) for tag in soup.select("img")]
    assert all((page.parent / str(tag["src"])).is_file() for tag in again.select("img"))


def test_a_pruned_screenshot_shows_its_hash_instead_of_a_broken_image(
    session: Session, tmp_path: Path
) -> None:
    world, path = generated_report(session, tmp_path)  # the world's hashes are not in the store
    logos = placement_row(rep_pages(path), world.customers["C001"].id, "zhaopin", "logos")
    assert not logos.select("img, a.page-shot")
    assert one(logos, ".thumb .missing").get_text() == "截图已清理 abababababab"


def test_trend_chart_shows_open_items_per_period_for_company_and_teams(
    session: Session, tmp_path: Path
) -> None:
    world = build_world(session)
    settings = settings_for(tmp_path)
    first = world.captures[("zhaopin/home", START)]
    earlier_day = START - dt.timedelta(days=1)  # a crawl in the earlier period that saw none of ours
    session.add(
        PageCapture(
            page=first.page,
            crawl_run_id=first.crawl_run_id,
            capture_date=earlier_day,
            status=first.status,
            url=first.url,
        )
    )
    generate_period(session, settings, START - dt.timedelta(days=14), NOW)  # an earlier, empty period
    generate_period(session, settings, START, NOW)
    session.commit()
    soup = soup_of(write_period_report(session, settings, START))
    chart = one(soup, "#trends svg#trend-company")
    assert chart["role"] == "img"
    bars = [(bar["data-period"], bar["data-value"]) for bar in chart.select("g.bar")]
    assert bars == [("2026-10-26", "0"), ("2026-11-09", "2")]
    teams = {
        row["data-team-code"]: [cell.get_text() for cell in row.select("td.trend-count")]
        for row in soup.select("#trend-teams tr.trend-team")
    }
    assert teams == {"SH-KA1": ["0", "1"], "SH-KA2": ["0", "1"]}
    assert len(soup.select("#trend-teams svg.sparkline polyline")) == 2
    assert one(soup, "#trend-teams tr.trend-team[data-team-code=SH-KA1] .change").get_text() == "+1"


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
    path = write_period_report(session, settings, START)
    soup = soup_of(path)
    bank_id = world.customers["C001"].id
    assert not rep_pages(path).select(f".item[data-customer-id='{bank_id}']")
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
    html = render_period_report(build_report_context(period, [], [], []))  # Chinese by default
    soup = BeautifulSoup(html, "lxml")
    assert one(soup, "#company-totals [data-total=items]").get_text() == "0"
    assert "本周期没有问责客户。" in one(soup, "#items").get_text()
    assert "尚未生成" in one(soup, "#generated-at").get_text()


def test_summary_headings_are_the_translated_strings(session: Session, tmp_path: Path) -> None:
    _, path = generated_report(session, tmp_path)
    soup = soup_of(path)
    headings = [th.get_text() for th in soup.select("#company-totals th")]
    assert headings == ["问责客户数", "涉及销售数", "出现天数合计", "未知天数合计", "证据条数"]
    assert "built-in method" not in path.read_text(encoding="utf-8")


def test_report_renders_in_english_too(session: Session, tmp_path: Path) -> None:
    world = build_world(session)
    settings = settings_for(tmp_path).model_copy(update={"language": "en"})
    generate_period(session, settings, START, NOW)
    path = write_period_report(session, settings, START)
    soup = soup_of(path)
    assert one(soup, "html")["lang"] == "en"
    assert one(soup, "h1#report-title").get_text() == "Accountable customers report"
    assert one(soup, "#period-label").get_text() == "Reporting period: 2026-11-09~2026-11-22"
    headings = [th.get_text() for th in soup.select("#company-totals th")]
    assert headings == ["Accountable customers", "Reps involved", "Days seen, total", "Days unknown, total",
                        "Evidence rows"]  # fmt: skip
    bank = one(rep_pages(path), f".item[data-customer-id='{world.customers['C001'].id}'] tr.item-row")
    assert cell_texts(bank)[-2:] == ["4 rows", "not started"]
    assert "统计周期" not in soup.get_text()


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
    assert len(rep_pages(path).select(".item[data-customer-id]")) == 2
    assert "2 open items (2 created" in result.output

    assert f"workbook: {path.with_suffix('.xlsx')}" in lines
    assert path.with_suffix(".xlsx").is_file()

    again = runner.invoke(main, ["report", "--period", "2026-11-22", "--no-generate", "--no-xlsx"], env=env)
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


def test_waive_command_waives_the_item_and_regeneration_keeps_it_waived(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    world = build_world(session)
    session.commit()
    runner, env = CliRunner(), _cli_env(database_url, tmp_path)
    assert runner.invoke(main, ["report", "--period", "2026-11-09", "--no-xlsx"], env=env).exit_code == 0

    args = [
        "waive",
        "C002",
        "--period",
        "2026-11-20",
        "--reason",
        "集团统一投放，已报备",
        "--by",
        "管理部 陈",
    ]
    result = runner.invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    assert "waived: item" in result.output
    assert runner.invoke(main, ["report", "--period", "2026-11-09", "--no-xlsx"], env=env).exit_code == 0
    session.expire_all()
    item = session.scalars(
        select(AccountabilityItem).where(AccountabilityItem.customer_id == world.customers["C002"].id)
    ).one()
    assert (item.status, item.status_reason, item.status_changed_by) == (
        "waived",
        "集团统一投放，已报备",
        "管理部 陈",
    )
    soup = soup_of(tmp_path / "var" / "reports" / "report-2026-11-09.html")
    closed = one(soup, f"#closed-items tr.closed-item[data-customer-id='{world.customers['C002'].id}']")
    assert one(closed, ".reason").get_text() == "集团统一投放，已报备"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["C999", "--period", "2026-11-09"], "no customer with id 'C999'"),
        (["C002", "--period", "2025-03-01"], "no accountability period starts on 2025-02-17"),
        (["C003", "--period", "2026-11-09"], "customer C003 has no item in the period 2026-11-09~2026-11-22"),
    ],
)
def test_waive_command_refuses_unknown_customer_period_or_item(
    session: Session, database_url: str, tmp_path: Path, args: list[str], message: str
) -> None:
    build_world(session)
    generate_period(session, settings_for(tmp_path), START, NOW)
    session.commit()
    result = CliRunner().invoke(
        main, ["waive", *args, "--reason", "x", "--by", "y"], env=_cli_env(database_url, tmp_path)
    )
    assert result.exit_code == 1
    assert message in result.output


def test_each_cited_day_shows_its_evidence_log_manifest(session: Session, tmp_path: Path) -> None:
    world = build_world(session)
    settings = settings_for(tmp_path)
    store = EvidenceStore(settings.evidence_path)
    store_evidence(session, store)
    days = sorted(set(session.scalars(select(PageCapture.capture_date))))
    manifests = {day: seal_day(session, store, day, NOW) for day in days}
    generate_period(session, settings, START, NOW)
    session.commit()

    path = write_period_report(session, settings, START)

    row = placement_row(rep_pages(path), world.customers["C001"].id, "job51", "banner")
    shown = [span.get_text() for span in row.select(".hash.manifest")]
    assert shown
    for text in shown:
        day_label, sha = text.split()[-2:]
        manifest = next(m for day, m in manifests.items() if day.strftime("%m-%d") == day_label)
        assert manifest is not None and sha == manifest.sha256
