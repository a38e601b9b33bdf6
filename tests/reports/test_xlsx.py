"""The period's Excel workbook, read back with openpyxl: sheets, headers, values, links, no formulas."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Sighting
from monitor.accountability.generate import generate_period
from monitor.core.evidence import EvidenceStore
from reports.html import write_period_report
from reports.xlsx import write_period_workbook
from tests.support.world import NOW, START, build_world, settings_for, store_evidence

FORMULA_TEXT = '=HYPERLINK("http://evil.example","点我")'


def rows(sheet: Worksheet) -> list[tuple[object, ...]]:
    return list(sheet.iter_rows(values_only=True))


def workbook_for(session: Session, tmp_path: Path, language: str = "zh_CN") -> tuple[Path, openpyxl.Workbook]:
    build_world(session)
    settings = settings_for(tmp_path).model_copy(update={"language": language})
    store_evidence(session, EvidenceStore(settings.evidence_path))
    bank_banner = session.scalars(select(Sighting).where(Sighting.raw_text.like("1/3%"))).one()
    bank_banner.raw_text = FORMULA_TEXT
    bank_banner.link = "javascript:alert(1)"
    generate_period(session, settings, START, NOW)
    session.commit()
    write_period_report(session, settings, START)
    path = write_period_workbook(session, settings, START)
    return path, openpyxl.load_workbook(path)


def test_workbook_has_summary_items_and_evidence_sheets_in_chinese(session: Session, tmp_path: Path) -> None:
    path, workbook = workbook_for(session, tmp_path)
    assert path == tmp_path / "reports" / "report-2026-11-09.xlsx"
    assert workbook.sheetnames == ["汇总", "问责明细", "每日状态", "证据", "广告份额"]
    for sheet in workbook:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == sheet.dimensions
        assert sheet.column_dimensions["B"].width > 10

    summary = rows(workbook["汇总"])
    assert summary[0][:5] == ("层级", "分公司", "团队", "销售", "问责客户数")
    assert summary[1][:5] == ("全公司", None, None, None, 2)
    assert ("分公司", "华东分公司", None, None, 2, 4, 2, 0) in summary
    assert ("团队", "华东分公司", "上海KA一组", None, 1, 3, 2, 0) in summary
    assert ("销售", "华东分公司", "上海KA二组", "王芳（R003）", 1, 1, 0, 0) in summary

    items = rows(workbook["问责明细"])
    assert items[0] == (
        "客户编号", "客户名称", "销售", "团队", "分公司", "竞品网站", "出现天数", "未知天数",
        "首次", "末次", "状态", "说明表状态", "原因",
    )  # fmt: skip
    bank = next(row for row in items if row[0] == "C001")
    assert bank[:8] == ("C001", "上海浦东发展银行股份有限公司", "李娜（R002）", "上海KA一组", "华东分公司",
                        "前程无忧、智联招聘", 3, 2)  # fmt: skip
    assert bank[8:12] == (dt.datetime(2026, 11, 10), dt.datetime(2026, 11, 16), "有效", "未填写")
    assert workbook["问责明细"]["I2"].number_format == "yyyy-mm-dd"


def test_evidence_sheet_links_only_web_urls_and_archived_screenshots(
    session: Session, tmp_path: Path
) -> None:
    path, workbook = workbook_for(session, tmp_path)
    sheet = workbook["证据"]
    header = rows(sheet)[0]
    assert header == ("客户编号", "客户名称", "日期", "竞品网站", "页面", "广告位", "广告文字", "链接",
                      "当日归属销售", "截图", "整页截图")  # fmt: skip
    body = list(sheet.iter_rows(min_row=2))
    assert len(body) == 5  # every sighting of the open items
    web = next(row for row in body if str(row[7].value).startswith("https://zhaopin.example/"))
    assert web[7].hyperlink is not None and web[7].hyperlink.target == web[7].value
    hostile = next(row for row in body if row[7].value == "javascript:alert(1)")
    assert hostile[7].hyperlink is None
    screenshot = web[9]
    assert str(screenshot.value).endswith(".png") and len(str(screenshot.value)) == 68
    assert screenshot.hyperlink is not None
    target = screenshot.hyperlink.target
    assert target == f"report-2026-11-09/evidence/{screenshot.value}"
    assert (path.parent / target).is_file()


def test_formula_looking_ad_text_stays_text(session: Session, tmp_path: Path) -> None:
    _, workbook = workbook_for(session, tmp_path)
    cells = [row[6] for row in workbook["证据"].iter_rows(min_row=2) if row[6].value == FORMULA_TEXT]
    assert len(cells) == 1
    assert cells[0].data_type == "s"
    assert cells[0].quotePrefix


def test_workbook_headers_are_english_when_asked(session: Session, tmp_path: Path) -> None:
    _, workbook = workbook_for(session, tmp_path, language="en")
    assert workbook.sheetnames == ["Summary", "Items", "Days", "Evidence", "Share of voice"]
    assert rows(workbook["Items"])[0][:2] == ("Customer ID", "Customer name")


@pytest.mark.parametrize("text", ["+86 21 5555", "-1", "@SUM(A1)", "=1+1", "\x07bell"])
def test_no_text_cell_becomes_a_formula(text: str, tmp_path: Path) -> None:
    from reports.xlsx_stream import StreamingWorkbook

    book = StreamingWorkbook(tmp_path)
    sheet = book.sheet("Texts", [("Text", 10)])
    book.row(sheet, [text])
    book.save(tmp_path / "texts.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "texts.xlsx")["Texts"]["A2"]
    assert cell.data_type == "s"
    assert cell.value == text.replace("\x07", "")
    assert cell.quotePrefix == text.startswith(("=", "+", "-", "@"))


@pytest.mark.parametrize("number", [1, 26, 27, 52, 53, 702, 703, 16_384])
def test_column_names_are_excels(number: int) -> None:
    from openpyxl.utils import get_column_letter

    from reports.xlsx_stream import _column_letters

    assert _column_letters(number) == get_column_letter(number)
