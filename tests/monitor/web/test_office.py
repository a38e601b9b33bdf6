"""The office's working pages over a real server and database: publishing through a real SMTP server,
waivers, transfers, leads with their CSV, crawl health, and the ad outlined on its page screenshot.

The world is `tests.support.web.build_world`: reps r1 and r2 in team BJ1 (under branch BJ), r3 in SH,
one open item each in the current (generated) period, a lead, and page screenshots of yesterday.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    Assignment,
    CrawlPageTask,
    CrawlRun,
    Customer,
    Page,
    PageCapture,
    PublishedMail,
    Sighting,
    SlotCapture,
)
from models.enums import CaptureStatus, ItemStatus, PageTaskStatus
from tests.support.poll import wait_for
from tests.support.smtp import Mailbox, smtp_server
from tests.support.web import Site_, make_web_settings, post_form, running_site

CAP = 1  # every rep of the world owns one customer: any transfer to them goes over the cap


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
def site(
    database_url: str, tmp_path: Path, session_factory: sessionmaker[Session], mailbox: Mailbox
) -> Iterator[Site_]:
    settings = make_web_settings(database_url, tmp_path)
    settings = settings.model_copy(
        update={
            "smtp": settings.smtp.model_copy(update={"host": "127.0.0.1", "port": mailbox.port}),
            "accountability": settings.accountability.model_copy(update={"rep_customer_cap": CAP}),
        }
    )
    with running_site(settings, session_factory) as running:
        yield running


def page(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def flashes(html: str) -> list[str]:
    return [tag.get_text(strip=True) for tag in page(html).select(".flash")]


def item_status(site: Site_, key: str) -> tuple[ItemStatus, str | None, str | None]:
    with site.session_factory() as session:
        item = session.get(AccountabilityItem, site.world[key])
        assert item is not None
        return item.status, item.status_reason, item.status_changed_by


def assignments_of(site: Site_, customer_code: str) -> list[tuple[str, dt.date, dt.date | None, bool]]:
    with site.session_factory() as session:
        rows = session.scalars(
            select(Assignment)
            .join(Customer)
            .where(Customer.code == customer_code)
            .order_by(Assignment.start_date)
        )
        return [(row.rep.code, row.start_date, row.end_date, row.cap_override) for row in rows]


def published_mails(site: Site_) -> int:
    """Mails sent (queued ones are not sent yet)."""
    with site.session_factory() as session:
        return len(session.scalars(select(PublishedMail).where(PublishedMail.status == "sent")).all())


# --- who may act ---------------------------------------------------------------------------------------

TRANSFER = {"customer": "C2", "to_rep": "r1", "effective": "", "reason": "客户总部迁至北京", "override": "1"}
ACTIONS = {
    "publish": ("/office/periods/{period}/publish", {}),
    "waive": ("/items/{item1}/waive", {"reason": "集团统一投放"}),
    "transfer": ("/office/roster/transfer", TRANSFER),
}


def _nothing_changed(site: Site_, mailbox: Mailbox) -> None:
    assert mailbox.messages == [] and published_mails(site) == 0
    assert item_status(site, "item1")[0] == ItemStatus.OPEN
    assert [rep for rep, *_ in assignments_of(site, "C2")] == ["r2"]


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("username", ["r1", "mgr_bj"])
def test_office_actions_are_forbidden_to_reps_and_managers(
    site: Site_, mailbox: Mailbox, username: str, action: str
) -> None:
    path, data = ACTIONS[action]
    client = site.signed_in(username)
    response = post_form(client, path.format(**site.world.ids), data, csrf_from="/items")
    assert response.status_code == 403
    _nothing_changed(site, mailbox)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_office_actions_need_the_csrf_token(site: Site_, mailbox: Mailbox, action: str) -> None:
    path, data = ACTIONS[action]
    office = site.signed_in("office")
    assert office.post(path.format(**site.world.ids), data=data).status_code == 403
    assert office.post(path.format(**site.world.ids), data={**data, "csrf": "forged"}).status_code == 403
    _nothing_changed(site, mailbox)


# --- publishing ----------------------------------------------------------------------------------------


def publish(site: Site_, client: httpx.Client, period: str = "period") -> list[str]:
    """Publish from the web (it runs after the answer) and wait for the run to end; what the mails page says
    it did."""
    mails = f"/office/periods/{site.world[period]}/mails"
    answer = post_form(
        client, f"/office/periods/{site.world[period]}/publish", {}, csrf_from="/office/periods"
    )
    assert answer.status_code == 303 and answer.headers["location"] == mails
    wait_for(lambda: page(client.get(mails).text).select_one("#publish-state[data-state=done]"), seconds=60)
    return [line.get_text(strip=True) for line in page(client.get(mails).text).select(".publish-outcome")]


def test_publish_mails_each_rep_and_manager_once(site: Site_, mailbox: Mailbox) -> None:
    office = site.signed_in("office")
    assert publish(site, office) == ["已发送 5 封邮件。"]
    recipients = sorted(str(message["To"].addresses[0].addr_spec) for message in mailbox.messages)
    assert recipients == [
        "bj-boss@example.com",
        "r1@example.com",
        "r2@example.com",
        "r3@example.com",
        "sh-boss@example.com",
    ]
    periods = office.get("/office/periods").text
    row = page(periods).select_one(f"tr[data-period='{site.world['period']}']")
    assert row is not None and row.select_one(".published-at").get_text(strip=True)  # type: ignore[union-attr]

    assert publish(site, office) == ["5 封邮件此前已发送，未重复发送。"]
    assert len(mailbox.messages) == 5 and published_mails(site) == 5

    # The office sees who was mailed: one row per recipient, each sent.
    mails = page(office.get(f"/office/periods/{site.world['period']}/mails").text)
    listed = {str(row["data-recipient"]): str(row["data-status"]) for row in mails.select("tr.mail")}
    assert listed == dict.fromkeys(recipients, "sent")


def test_a_rep_mail_from_the_web_carries_only_their_items_and_a_sign_in_link(
    site: Site_, mailbox: Mailbox
) -> None:
    publish(site, site.signed_in("office"))
    [mail] = [message for message in mailbox.messages if message["To"].addresses[0].username == "r2"]
    html = mail.get_body(preferencelist=("html",))
    assert html is not None
    soup = page(html.get_content())
    assert [tag.get_text(strip=True) for tag in soup.select(".customer")] == ["客户2有限公司"]
    link = str(soup.select_one("a#forms-link")["href"])  # type: ignore[index]
    assert link.startswith(f"{site.settings.base_url}/login/link?token=")


def test_only_a_generated_period_is_published(site: Site_, mailbox: Mailbox) -> None:
    office = site.signed_in("office")
    response = post_form(office, f"/office/periods/{site.world['earlier']}/publish", {}, "/office/periods")
    assert response.status_code == 404
    assert mailbox.messages == []
    assert office.get(f"/office/periods/{site.world['earlier']}/report").status_code == 404


def test_publish_says_when_the_mail_server_is_unreachable(
    database_url: str, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    with smtp_server() as box:
        closed_port = box.port  # nothing listens there once the server has stopped
    settings = make_web_settings(database_url, tmp_path)
    settings = settings.model_copy(update={"smtp": settings.smtp.model_copy(update={"port": closed_port})})
    with running_site(settings, session_factory) as site:
        [message] = publish(site, site.signed_in("office"))
        assert message.startswith("无法连接邮件服务器")
        assert published_mails(site) == 0


def test_archived_report_and_workbook_are_served_by_period_id(site: Site_) -> None:
    office = site.signed_in("office")
    links = page(office.get("/office/periods").text).select_one(f"tr[data-period='{site.world['period']}']")
    assert links is not None
    report_url = str(links.select_one("a.report-link")["href"])  # type: ignore[index]
    report = office.get(report_url)
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert report.headers["content-security-policy"].startswith("default-src 'none'")
    soup = page(report.text)
    assert soup.select_one("h1#report-title").get_text() == "问责客户报表"  # type: ignore[union-attr]
    # The company page links to a page per rep; their thumbnails and the way back resolve through the app.
    report_base = f"{site.base_url}{report_url}"
    rep_urls = [urljoin(report_base, str(a["href"])) for a in soup.select("#rep-totals a.rep-page")]
    assert len(rep_urls) == 3
    thumbnails = []
    for rep_url in rep_urls:
        rep = office.get(rep_url)
        assert rep.status_code == 200 and rep.headers["content-security-policy"].startswith(
            "default-src 'none'"
        )
        rep_soup = page(rep.text)
        thumbnails += [urljoin(rep_url, str(img["src"])) for img in rep_soup.select("img.thumbnail")]
        back = office.get(urljoin(rep_url, str(rep_soup.select_one("a.company-page")["href"])))  # type: ignore[index]
        assert back.status_code == 200 and "company-totals" in back.text
        team = office.get(urljoin(rep_url, str(rep_soup.select_one("a.team-page")["href"])))  # type: ignore[index]
        assert team.status_code == 200 and "team-items" in team.text
    assert len(thumbnails) == 3
    for src in thumbnails:
        image = office.get(src)
        assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"
    folder = rep_urls[0].split("/")[-3]
    base = f"/office/periods/{site.world['period']}/{folder}/evidence"
    assert office.get(f"{base}/..%2F..%2Frivalwatch.db").status_code == 404
    assert office.get(f"{base}/{'0' * 64}.png").status_code == 404
    assert (
        office.get(f"/office/periods/{site.world['period']}/other/evidence/{'0' * 64}.png").status_code == 404
    )
    pages = f"/office/periods/{site.world['period']}/{folder}"
    assert office.get(f"{pages}/reps/..%2F..%2F..%2Frivalwatch.db").status_code == 404
    assert office.get(f"{pages}/other/x.html").status_code == 404
    assert office.get(f"/office/periods/{site.world['period']}/rivalwatch.html").status_code == 404

    workbook = office.get(str(links.select_one("a.workbook-link")["href"]))  # type: ignore[index]
    assert workbook.status_code == 200
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in workbook.headers["content-disposition"]
    assert workbook.content[:2] == b"PK"


# --- waivers -------------------------------------------------------------------------------------------


def test_office_waives_an_item_and_everyone_in_scope_sees_why(site: Site_) -> None:
    office = site.signed_in("office")
    item = site.world["item2"]
    assert page(office.get(f"/items/{item}").text).select_one("form[action$='/waive']") is not None
    response = post_form(office, f"/items/{item}/waive", {"reason": "集团统一投放，已报备"}, "/items")
    assert response.status_code == 303
    assert item_status(site, "item2") == (ItemStatus.WAIVED, "集团统一投放，已报备", "office")
    for username in ("r2", "mgr_bj", "office"):
        shown = page(site.signed_in(username).get(f"/items/{item}").text)
        note = shown.select_one("#item-status[data-item-status=waived]")
        assert note is not None, username
        assert note.select_one(".waive-reason").get_text() == "集团统一投放，已报备"  # type: ignore[union-attr]
        assert "已豁免" in note.get_text()
        assert shown.select_one("form[action$='/waive']") is None
    rep_page = page(site.signed_in("r2").get(f"/items/{item}").text)
    assert rep_page.select_one("form[action$='/explanation']") is None  # nothing left to explain
    assert site.signed_in("r1").get(f"/items/{item}").status_code == 404


def test_a_waiver_needs_a_reason(site: Site_) -> None:
    office = site.signed_in("office")
    response = post_form(office, f"/items/{site.world['item1']}/waive", {"reason": "  "}, "/items")
    assert response.status_code == 400
    assert page(response.text).select_one(".problem").get_text() == "请填写豁免原因。"  # type: ignore[union-attr]
    assert item_status(site, "item1")[0] == ItemStatus.OPEN


# --- roster and transfers ------------------------------------------------------------------------------


def _transfer(site: Site_, office: httpx.Client, **fields: str) -> httpx.Response:
    data = {**TRANSFER, "effective": site.settings.today().isoformat(), **fields}
    return post_form(office, "/office/roster/transfer", data, csrf_from="/office/roster")


def test_transfer_over_the_cap_is_refused_without_the_override(site: Site_) -> None:
    response = _transfer(site, site.signed_in("office"), override="")
    assert response.status_code == 409
    shown = page(response.text)
    problem = shown.select_one("#transfer .problem").get_text()  # type: ignore[union-attr]
    assert problem.startswith("划转未完成：") and "（上限 1）" in problem
    assert shown.select_one("select[name=customer] option[selected]")["value"] == "C2"  # type: ignore[index]
    assert [rep for rep, *_ in assignments_of(site, "C2")] == ["r2"]


def test_transfer_with_the_office_override_is_made_and_recorded(site: Site_) -> None:
    office = site.signed_in("office")
    today = site.settings.today()
    assert _transfer(site, office).status_code == 303
    start = today - dt.timedelta(days=10)
    assert assignments_of(site, "C2") == [
        ("r2", start, today - dt.timedelta(days=1), False),
        ("r1", today, None, True),
    ]
    with site.session_factory() as session:
        new = session.scalars(select(Assignment).where(Assignment.start_date == today)).one()
        assert (new.registered_by, new.reason) == ("office", "客户总部迁至北京")
    roster = office.get("/office/roster")
    assert any("超过上限 1 个" in message for message in flashes(roster.text))
    row = page(roster.text).select_one("tr[data-rep=r1]")
    assert row is not None and "over-cap" in row["class"]
    assert row.select_one(".load").get_text() == "2"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"customer": "C999"}, "C999"),
        ({"to_rep": "nobody"}, "nobody"),
        ({"effective": "tomorrow"}, "请按 YYYY-MM-DD 填写生效日期。"),
    ],
)
def test_transfer_with_unknown_ids_says_what_is_wrong(
    site: Site_, fields: dict[str, str], expected: str
) -> None:
    response = _transfer(site, site.signed_in("office"), **fields)
    assert response.status_code in (400, 409)
    assert expected in page(response.text).select_one("#transfer .problem").get_text()  # type: ignore[union-attr]
    assert [rep for rep, *_ in assignments_of(site, "C2")] == ["r2"]


# --- leads ---------------------------------------------------------------------------------------------


def test_leads_page_and_csv_download(site: Site_) -> None:
    office = site.signed_in("office")
    shown = page(office.get("/office/leads").text)
    assert [row["data-advertiser"] for row in shown.select("tr[data-advertiser]")] == [
        str(site.world["advertiser_lead"])
    ]
    download = office.get(str(shown.select_one("a.csv-link")["href"]))  # type: ignore[index]
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    assert download.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["排名", "广告主", "出现天数"]
    assert rows[1][:3] == ["1", "游戏科学", "1"] and rows[1][-1] == "未匹配"
    office.get("/office/leads?lang=en")
    english = list(csv.reader(io.StringIO(office.get("/office/leads.csv").content.decode("utf-8-sig"))))
    assert english[0][:3] == ["Rank", "Advertiser", "Days seen"] and english[1][-1] == "no match"
    later = (site.settings.today() + dt.timedelta(days=1)).isoformat()
    assert page(office.get(f"/office/leads?since={later}").text).select("tr[data-advertiser]") == []
    assert office.get("/office/leads?since=not-a-date").status_code == 400


# --- crawl health --------------------------------------------------------------------------------------


def _slot_history(site: Site_, counts: list[int]) -> None:
    """The homepage's logo wall on the days before yesterday (oldest first) and yesterday (the last)."""
    yesterday = site.settings.today() - dt.timedelta(days=1)
    with site.session_factory() as session:
        home = session.get(PageCapture, site.world["capture_home"])
        assert home is not None
        slot_id = session.scalars(select(Sighting.slot_id).where(Sighting.capture_id == home.id)).first()
        for back, count in enumerate(reversed(counts)):
            day = yesterday - dt.timedelta(days=back)
            capture = home
            if day != yesterday:
                run = CrawlRun(crawl_date=day)
                session.add(run)
                session.flush()
                capture = PageCapture(
                    page_id=home.page_id,
                    crawl_run_id=run.id,
                    capture_date=day,
                    status=CaptureStatus.OK,
                    url="x",
                )
                session.add(capture)
                session.flush()
            session.add(SlotCapture(capture_id=capture.id, slot_id=slot_id, found=True, ad_count=count))
        session.commit()


def test_crawl_health_shows_pages_slots_against_their_median_and_alerts(site: Site_) -> None:
    _slot_history(site, [10, 12, 10, 2])
    office = site.signed_in("office")
    yesterday = (site.settings.today() - dt.timedelta(days=1)).isoformat()
    shown = page(office.get(f"/office/crawl?day={yesterday}").text)
    assert shown.select_one("input[name=day]")["value"] == yesterday  # type: ignore[index]
    assert [row["data-page"] for row in shown.select("tr[data-page].health-ok")] == ["rival/campus"]
    logo_wall = shown.select_one("tr[data-page='rival/home'] tr[data-slot=logo-wall]")
    assert logo_wall is not None and logo_wall["data-alert-kind"] == "slot_low"
    cells = [cell.get_text() for cell in logo_wall.select(".yield, .median")]
    assert cells == ["2", "10"]  # two ads that day against a median of ten
    assert [alert["data-alert-kind"] for alert in shown.select("#alerts li.alert")] == ["slot_low"]

    today = site.settings.today().isoformat()
    shown_today = page(office.get(f"/office/crawl?day={today}").text)  # nothing captured today: all alerts
    assert [alert["data-alert-kind"] for alert in shown_today.select("#alerts li.alert")] == [
        "page_failed"
    ] * 2
    assert len(shown_today.select("tr[data-page].health-bad")) == 2
    # Without a day, the page opens on the latest day a crawl captured, not on an empty today.
    opened = page(office.get("/office/crawl").text)
    assert opened.select_one("input[name=day]")["value"] == yesterday  # type: ignore[index]


def test_crawl_page_shows_a_distributed_days_pages_by_status_and_who_holds_them(site: Site_) -> None:
    yesterday = site.settings.today() - dt.timedelta(days=1)
    with site.session_factory() as session:
        pages = list(session.scalars(select(Page).order_by(Page.key)))
        expires = dt.datetime(2026, 11, 20, 8, 15, tzinfo=dt.UTC)
        session.add_all(
            [
                CrawlPageTask(
                    crawl_date=yesterday,
                    page_id=pages[0].id,
                    batch=1,
                    status=PageTaskStatus.CLAIMED,
                    lease_owner="crawler-2:4242:abc",
                    lease_expires_at=expires,
                    attempts=1,
                ),
                CrawlPageTask(
                    crawl_date=yesterday,
                    page_id=pages[1].id,
                    batch=2,
                    status=PageTaskStatus.FAILED,
                    attempts=3,
                    error="crawl exited with -9",
                ),
            ]
        )
        session.commit()
        display_name = pages[0].site.display_name
    office = site.signed_in("office")

    shown = page(office.get(f"/office/crawl?day={yesterday.isoformat()}").text)
    other_day = page(office.get(f"/office/crawl?day={(yesterday + dt.timedelta(days=1)).isoformat()}").text)

    counts = {
        cell["data-task-status"]: cell.get_text()
        for cell in shown.select("#distributed td[data-task-status]")
    }
    assert counts == {"open": "0", "claimed": "1", "done": "0", "failed": "1"}
    (worker,) = shown.select("#distributed tr[data-worker]")
    cells = [cell.get_text() for cell in worker.select("td")]
    assert cells == ["crawler-2 · 4242", "1", display_name, "08:15:00 UTC"]
    assert [item["data-task-failed"] for item in shown.select("#distributed li")] == [pages[1].key]
    assert other_day.select_one("#distributed") is None  # a day crawled locally shows no workers


# --- the ad outlined on its page screenshot --------------------------------------------------------------


def _set_box(site: Site_, sighting_key: str, box: tuple[int, int, int, int]) -> None:
    with site.session_factory() as session:
        sighting = session.get(Sighting, site.world[sighting_key])
        assert sighting is not None
        sighting.box_x, sighting.box_y, sighting.box_width, sighting.box_height = box
        session.commit()


def test_the_ads_box_is_outlined_on_the_page_screenshot(site: Site_) -> None:
    _set_box(site, "sighting1", (24, 310, 160, 48))
    shown = page(site.signed_in("mgr_bj").get(f"/items/{site.world['item1']}").text)
    svg = shown.select_one(".shots svg.page-outline")
    assert svg is not None
    assert svg["viewbox" if "viewbox" in svg.attrs else "viewBox"] == "0 0 400 600"  # PAGE_PNG is 400x600
    image = svg.select_one("image")
    assert image is not None and image["href"] == f"/evidence/capture/{site.world['capture_home']}/page"
    rect = svg.select_one("rect.ad-box")
    assert rect is not None
    assert [rect[name] for name in ("x", "y", "width", "height")] == ["24", "310", "160", "48"]
    assert shown.select(f".shots img[src='/evidence/capture/{site.world['capture_home']}/page']") == []


def test_without_a_box_the_screenshot_is_shown_plain(site: Site_) -> None:
    _set_box(site, "sighting1", (24, 310, 160, 48))
    shown = page(site.signed_in("mgr_bj").get(f"/items/{site.world['item2']}").text)
    assert shown.select(".shots svg.page-outline, rect.ad-box") == []
    assert shown.select(f".shots img[src='/evidence/capture/{site.world['capture_home']}/page']")


def test_an_unreadable_screenshot_falls_back_to_the_plain_image(site: Site_) -> None:
    _set_box(site, "sighting1", (24, 310, 160, 48))
    with site.session_factory() as session:
        capture = session.get(PageCapture, site.world["capture_home"])
        assert capture is not None
        capture.screenshot_sha256 = "f" * 64  # not in the store
        session.commit()
    shown = page(site.signed_in("mgr_bj").get(f"/items/{site.world['item1']}").text)
    assert shown.select("svg.page-outline") == []


def test_period_rows_offer_publish_and_links_only_when_generated(site: Site_) -> None:
    shown = page(site.signed_in("office").get("/office/periods").text)
    current = shown.select_one(f"tr[data-period='{site.world['period']}']")
    earlier = shown.select_one(f"tr[data-period='{site.world['earlier']}']")
    assert current is not None and earlier is not None
    assert current.select("a.publish-link, a.report-link, a.workbook-link")
    assert earlier.select("a.publish-link, a.report-link, a.workbook-link") == []
    with site.session_factory() as session:
        assert session.get(AccountabilityPeriod, site.world["earlier"]).generated_at is None  # type: ignore[union-attr]


# LIKE with lower() and an escape character: the search runs on both backends.
@pytest.mark.both_backends
@pytest.mark.parametrize(
    ("query", "codes"),
    [("c2", ["C2"]), ("客户", ["C1", "C2", "C3"]), ("%", []), ("_", []), ("", ["C1", "C2", "C3"])],
)
def test_the_transfer_form_searches_customers_on_the_server(
    site: Site_, query: str, codes: list[str]
) -> None:
    shown = page(site.signed_in("office").get("/office/roster", params={"q": query}).text)
    options = shown.select("select[name=customer] option")
    offered = [str(option["value"]) for option in options if option["value"]]
    assert offered == codes
    assert shown.select_one("#customer-search input[name=q]")["value"] == query  # type: ignore[index]
