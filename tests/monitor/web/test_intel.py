"""The office's alerts, creatives and share of voice pages, the item page's spend and creatives, the alert
link, and every office table as XLSX with its filters (httpx, then Debian's Chromium)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from spiders.settings import CHROMIUM_ARGS
from tests.support.intel import add_intel
from tests.support.paths import CHROMIUM
from tests.support.poll import wait_for
from tests.support.web import PASSWORD, Site_, make_web_settings, running_site

TIMEOUT_MS = 15_000


@pytest.fixture
def site(database_url: str, tmp_path: Path, session_factory: sessionmaker[Session]) -> Iterator[Site_]:
    settings = make_web_settings(database_url, tmp_path)
    with running_site(settings, session_factory) as running:
        with session_factory() as session:
            add_intel(session, settings, running.world)
            session.commit()
        yield running


def soup(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html.parser")


def test_the_gallery_groups_near_duplicates_and_filters_by_customer_and_competitor(site: Site_) -> None:
    office = site.signed_in("office")
    page = soup(office.get("/office/gallery").text)
    cards = page.select("figure.creative")
    # Customer 1's red ad in two encodings is one entry; customer 2 shows the same image: its own entry.
    assert len(cards) == 3
    rows = {row.select("td")[0].get_text(): row.select("td") for row in page.select("#creatives tbody tr")}
    assert rows["客户1有限公司"][7].get_text() == "2" and rows["客户2有限公司"][7].get_text() == "1"
    # Display names: the page by its address where its config gives no label, the slot by its kind.
    assert "竞品招聘网 · /campus · 横幅" in rows["客户1有限公司"][6].get_text()
    only_three = soup(office.get("/office/gallery", params={"customer": "C3"}).text)
    assert [row["data-creative"] for row in only_three.select("#creatives tbody tr")] == [
        str(site.world["creative_c"])
    ]
    missing = soup(office.get("/office/gallery", params={"customer": "NOPE"}).text)
    assert missing.select_one(".problem") is not None and not missing.select("figure.creative")
    image = office.get(str(cards[0].select_one("img")["src"]))  # type: ignore[index]
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/")


def test_share_of_voice_counts_our_customers_accountable_ones_and_leads(site: Site_) -> None:
    office = site.signed_in("office")
    page = soup(office.get("/office/voice", params={"period": site.world["period"]}).text)
    assert page.select_one("#voice-chart svg polyline[data-series='ours']") is not None
    current = page.select("#voice tbody tr")[0:2]
    shares = {row["data-kind"]: row for row in current}
    home = shares["homepage"]  # 客户1, 客户2 and the lead 游戏科学 on the home page's logo wall
    assert home.select("td")[3].get_text() == "3"
    assert home.select_one("[data-share='ours']").get_text() == "66.7%"  # type: ignore[union-attr]
    assert home.select_one("[data-share='accountable']").get_text() == "66.7%"  # type: ignore[union-attr]
    assert home.select_one("[data-share='leads']").get_text() == "33.3%"  # type: ignore[union-attr]


def test_the_item_page_shows_the_spend_estimate_with_its_rate_card_only_where_priced(site: Site_) -> None:
    rep = site.signed_in("r1")
    priced = soup(rep.get(f"/items/{site.world['item1']}").text)
    spend = priced.select_one("#spend-estimate")
    assert spend is not None
    assert "1,200 CNY" in spend.get_text() and "刊例价 2026 (2026-11-01)" in spend.get_text()
    assert priced.select("#item-creatives figure.creative")
    unpriced = soup(site.signed_in("r3").get(f"/items/{site.world['item3']}").text)
    assert unpriced.select_one("#spend-estimate") is None  # the campus banner has no rate card


def test_an_alert_link_leads_its_rep_to_the_item_and_hides_it_from_others(site: Site_) -> None:
    link = f"/alerts/{site.world['alert']}"
    own = site.signed_in("r1").get(link)
    assert own.status_code == 303 and own.headers["location"] == f"/items/{site.world['item1']}"
    assert site.signed_in("r3").get(link).status_code == 404
    assert site.signed_in("mgr_bj").get(link).status_code == 303
    office = soup(site.signed_in("office").get("/office/alerts", params={"first": "2000-01-01"}).text)
    assert [row["data-alert"] for row in office.select("#alerts tbody tr")] == [str(site.world["alert"])]


def test_every_office_table_downloads_as_xlsx_with_its_filters(site: Site_) -> None:
    office = site.signed_in("office")
    for path in ("/office/leads", "/office/matches", "/office/crawl", "/office/roster", "/office/periods"):
        page = soup(office.get(path).text)
        link = page.select_one("a.xlsx-link")
        assert link is not None and link["href"] == f"{path}.xlsx", path
        answer = office.get(str(link["href"]))
        assert answer.status_code == 200, path
        assert answer.headers["content-type"].startswith("application/vnd.openxmlformats"), path
        book = load_workbook(io.BytesIO(answer.content))
        shown = len(page.select("table"))
        assert len(book.sheetnames) == max(shown, 1), path
    answer = office.get("/office/gallery.xlsx", params={"customer": "C3"})
    sheet = load_workbook(io.BytesIO(answer.content))["creatives"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "客户或广告主" and len(rows) == 2 and rows[1][0] == "客户3有限公司"
    assert site.signed_in("r1").get("/office/leads.xlsx").status_code == 403


@pytest.mark.browser
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_intel_pages_in_chromium(site: Site_, language: str) -> None:
    from playwright.sync_api import sync_playwright

    words = {
        "zh_CN": ("广告份额", "广告素材", "投放提醒", "预估投放花费"),
        "en": ("Share of voice", "Creatives", "Alerts", "Estimated spend"),
    }[language]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=site.base_url)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"/login?lang={language}")
        page.fill("input[name=username]", "office")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"/office/voice?period={site.world['period']}")
        assert page.locator("h1").inner_text() == words[0]
        assert page.locator("#voice-chart svg circle").count() >= 3
        assert page.locator("#voice-chart svg").bounding_box()["width"] > 200  # type: ignore[index]
        page.goto("/office/gallery")
        assert page.locator("h1").inner_text() == words[1]
        # Polled from here: wait_for_function evaluates a string, which the pages' CSP (no eval) refuses.
        images = page.locator("figure.creative img")
        wait_for(lambda: images.evaluate_all("all => all.every(i => i.naturalWidth > 0)"), seconds=15)
        assert page.locator("figure.creative").count() == 3
        page.goto("/office/alerts?first=2000-01-01")
        assert words[2] in page.locator("nav").inner_text() or words[2] in page.locator("h1").inner_text()
        page.goto(f"/items/{site.world['item1']}")
        assert words[3] in page.locator("#spend-estimate h2").inner_text()
        with page.expect_download() as download:
            page.goto("/office/leads")
            page.click("a.xlsx-link")
        assert download.value.suggested_filename == "leads.xlsx"
        browser.close()


def test_the_archived_reports_intel_page_is_served_with_the_report(site: Site_) -> None:
    office = site.signed_in("office")
    period = site.world["period"]
    company = office.get(f"/office/periods/{period}/report")
    assert company.status_code == 200
    link = soup(company.text).select_one("#intel-link")
    assert link is not None
    intel = office.get(f"/office/periods/{period}/{link['href']}")
    assert intel.status_code == 200 and "default-src 'none'" in intel.headers["content-security-policy"]
    page = soup(intel.text)
    assert page.select("svg.voice-chart") and page.select_one("#spend-by-rep") is not None
    image = page.select_one("figure.creative img")
    assert image is not None
    folder = str(link["href"]).split("/")[0]
    assert office.get(f"/office/periods/{period}/{folder}/{image['src']}").status_code == 200
    assert office.get(f"/office/periods/{period}/elsewhere/intel.html").status_code == 404
    assert site.signed_in("r1").get(f"/office/periods/{period}/{link['href']}").status_code == 403
