"""The demo's fictional competitor sites: configs, pages, day-to-day changes, failures and the roster."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.html
import pytest
from lxml.cssselect import CSSSelector
from PIL import Image

from monitor.core.siteconfig import PageConfig, SiteConfig, SlotConfig, load_site_configs
from monitor.demo.catalogue import ADVERTISERS, DEMO_END, DEMO_START, ads_for
from monitor.demo.fixture_server import FixtureServer
from spiders.extract import decode_page, extract_ads
from tests.support.paths import REPO_ROOT
from tests.support.poll import wait_for

DEMO_SITES = REPO_ROOT / "config" / "demo-sites"
DEMO_ROSTER = REPO_ROOT / "monitor" / "demo" / "roster"
FIRST_DAY = DEMO_START
LATER_DAY = dt.date(2026, 11, 20)
DEMO_DAYS = [DEMO_START + dt.timedelta(days=n) for n in range((DEMO_END - DEMO_START).days + 1)]

CONFIGS = load_site_configs(DEMO_SITES)
ALL_PAGES = [(site, page) for site in CONFIGS for page in site.pages]
STATIC_PAGES = [(site, page) for site, page in ALL_PAGES if not page.browser]


def _page_id(entry: tuple[SiteConfig, PageConfig]) -> str:
    return f"{entry[0].name}-{entry[1].key}"


@dataclass(frozen=True)
class Fetched:
    status: int
    content_type: str
    body: bytes


def fetch(url: str, timeout: float = 5.0) -> Fetched:
    """GET with urllib; HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return Fetched(response.status, response.headers.get("Content-Type", ""), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Fetched(error.code, error.headers.get("Content-Type", ""), error.read())


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FixtureServer]:
    with FixtureServer(day=FIRST_DAY) as running:
        monkeypatch.setenv("RIVALWATCH_DEMO_URL", running.base_url)
        yield running


def page_html(server: FixtureServer, site: SiteConfig, page: PageConfig) -> str:
    fetched = fetch(site.page_url(page))
    assert fetched.status == 200, fetched
    charset = fetched.content_type.partition("charset=")[2] or None
    return decode_page(fetched.body, page.encoding, charset)


def slot_elements(html: str, slot: SlotConfig) -> list[lxml.html.HtmlElement]:
    assert slot.css is not None
    return CSSSelector(slot.css, translator="html")(lxml.html.document_fromstring(html))


def slot_texts(html: str, page: PageConfig) -> list[tuple[str, str]]:
    """(slot, first advertiser attribute or text) of every element each slot selects."""
    texts = []
    for slot in page.slots:
        for element in slot_elements(html, slot):
            nodes = list(element.iter())
            value = next((n.get(a) for a in ("alt", "title") for n in nodes if n.get(a)), None)
            texts.append((slot.name, value or element.text_content().strip()))
    return texts


# --- configs ---------------------------------------------------------------------------------------


def test_every_demo_site_config_loads_with_the_schema() -> None:
    assert [site.name for site in CONFIGS] == ["feizhi", "gouzhi", "jobhub", "qiancheng"]
    for site in CONFIGS:
        assert site.base_url == f"${{RIVALWATCH_DEMO_URL}}/{site.name}/"
        assert {page.kind for page in site.pages} == {"homepage", "section"}
        assert all(page.browser == (site.name == "feizhi") for page in site.pages)
    encodings = {(site.name, page.key): page.encoding for site, page in ALL_PAGES if page.encoding}
    assert encodings == {("qiancheng", "finance"): "gbk"}


# --- pages -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", STATIC_PAGES, ids=_page_id)
def test_every_slot_of_a_static_page_finds_ads_on_every_demo_day(
    server: FixtureServer, entry: tuple[SiteConfig, PageConfig]
) -> None:
    site, page = entry
    for day in DEMO_DAYS:
        server.day = day
        html = page_html(server, site, page)
        empty = [slot.name for slot in page.slots if not slot_elements(html, slot)]
        assert not empty, f"{site.name}/{page.key} on {day}: no elements for {empty}"


@pytest.mark.parametrize("entry", STATIC_PAGES, ids=_page_id)
@pytest.mark.parametrize("day", [FIRST_DAY, LATER_DAY], ids=str)
def test_configs_read_exactly_the_catalogue_ads(
    server: FixtureServer, entry: tuple[SiteConfig, PageConfig], day: dt.date
) -> None:
    site, page = entry
    server.day = day
    url = site.page_url(page)
    found = extract_ads(page_html(server, site, page), site, page, url).ads
    expected = ads_for(site.name, page.key, day)
    assert [(a.slot, a.position, a.text, a.company_id, a.is_house_ad) for a in found] == [
        (a.slot, a.position, a.text, a.company_id, a.house) for a in expected
    ]
    reads_images = {slot.name: bool(slot.image) for slot in page.slots}
    expected_images = [server.url(a.image) if reads_images[a.slot] else None for a in expected]
    assert [a.image for a in found] == expected_images


@pytest.mark.parametrize("entry", ALL_PAGES, ids=_page_id)
def test_the_ads_a_page_shows_change_with_the_server_day(
    server: FixtureServer, entry: tuple[SiteConfig, PageConfig]
) -> None:
    site, page = entry
    shown = []
    for day in (FIRST_DAY, LATER_DAY):
        server.day = day
        html = page_html(server, site, page)
        if page.browser:  # the page is an empty shell; its script loads the day's ads as JSON
            assert f"/feizhi/api/{page.key}.json" in html
            data = json.loads(fetch(server.url(f"/feizhi/api/{page.key}.json")).body)
            shown.append([(slot, ad["text"]) for slot, ads in data["slots"].items() for ad in ads])
        else:
            shown.append(slot_texts(html, page))
    assert shown[0] and shown[1]
    assert shown[0] != shown[1]


def test_gbk_page_is_served_and_declared_as_gbk(server: FixtureServer) -> None:
    fetched = fetch(server.url("/qiancheng/zone/finance.html"))
    assert fetched.content_type == "text/html; charset=gbk"
    with pytest.raises(UnicodeDecodeError):
        fetched.body.decode("utf-8")
    html = fetched.body.decode("gbk")
    assert '<meta charset="gbk">' in html
    assert "金融行业专区" in html
    assert 'title="华澜银行股份有限公司信用卡中心"' in html


def test_hostile_alt_text_is_escaped_in_the_markup(server: FixtureServer) -> None:
    html = fetch(server.url("/jobhub/")).body.decode("utf-8")
    assert 'alt="&lt;script&gt;alert(&#39;rw&#39;)&lt;/script&gt;澄川物流招聘信息"' in html
    assert "<script>alert" not in html


def test_feizhi_page_is_an_empty_shell_filled_by_script(server: FixtureServer) -> None:
    html = fetch(server.url("/feizhi/")).body.decode("utf-8")
    tree = lxml.html.document_fromstring(html)
    assert tree.cssselect("#fz_carousel") and not tree.cssselect("#fz_carousel .fz-slide")
    data = json.loads(fetch(server.url("/feizhi/api/home.json")).body)
    expected = ads_for("feizhi", "home", FIRST_DAY)
    assert [ad["text"] for ads in data["slots"].values() for ad in ads] == [a.text for a in expected]
    assert len(data["slots"]["logo_wall"]) > 8  # more than the first batch: the wall grows on scroll


def test_day_query_parameter_shows_another_day(server: FixtureServer) -> None:
    first = fetch(server.url("/jobhub/")).body
    assert fetch(server.url("/jobhub/?day=2026-11-20")).body != first
    assert fetch(server.url("/jobhub/?day=not-a-day")).body == first


# --- images ----------------------------------------------------------------------------------------


def test_creatives_are_pngs_of_their_slot_size_and_identical_every_day(server: FixtureServer) -> None:
    shown = [ad for site, page in ALL_PAGES for ad in ads_for(site.name, page.key, FIRST_DAY)]
    for path, slot in sorted({(ad.image, ad.slot) for ad in shown}):
        fetched = fetch(server.url(path))
        assert (fetched.status, fetched.content_type) == (200, "image/png"), path
        size = Image.open(io.BytesIO(fetched.body)).size
        assert size in {(990, 60), (322, 173), (150, 60)}, (path, slot, size)
    first = fetch(server.url("/jobhub/img/hualan-bank-990x60.png")).body
    server.day = LATER_DAY
    assert fetch(server.url("/jobhub/img/hualan-bank-990x60.png")).body == first
    assert (
        fetch(server.url("/qiancheng/img/hualan-bank-150x60.png")).body
        == fetch(server.url("/jobhub/img/hualan-bank-150x60.png")).body
    )
    assert fetch(server.url("/jobhub/img/nobody-150x60.png")).status == 404


# --- failures --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["403", "500"])
def test_failed_path_answers_with_its_status_until_cleared(server: FixtureServer, kind: str) -> None:
    server.fail("/jobhub/", kind)  # type: ignore[arg-type]
    assert fetch(server.url("/jobhub/")).status == int(kind)
    assert fetch(server.url("/jobhub/campus/")).status == 200
    server.clear_failures()
    assert fetch(server.url("/jobhub/")).status == 200


def test_timeout_holds_the_request_without_blocking_others(server: FixtureServer) -> None:
    server.fail(server.url("/gouzhi/"), "timeout")
    started = time.monotonic()
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        fetch(server.url("/gouzhi/"), timeout=0.5)
    assert time.monotonic() - started < 3
    assert fetch(server.url("/gouzhi/shanghai/"), timeout=2).status == 200


def test_empty_slot_renames_one_container_and_keeps_the_page(server: FixtureServer) -> None:
    jobhub = next(site for site in CONFIGS if site.name == "jobhub")
    home = jobhub.page("home")
    server.fail("/jobhub/", "empty-slot")
    html = page_html(server, jobhub, home)
    counts = {slot.name: len(slot_elements(html, slot)) for slot in home.slots}
    assert counts["top_banner"] == 0
    assert all(counts[name] > 0 for name in ("slider", "logo8in1", "logo16in1"))
    server.fail("/jobhub/", "empty-slot", slot="logo16in1")
    html = page_html(server, jobhub, home)
    by_name = {slot.name: slot for slot in home.slots}
    assert slot_elements(html, by_name["top_banner"]) and not slot_elements(html, by_name["logo16in1"])


def test_empty_slot_on_the_script_page_renames_the_container(server: FixtureServer) -> None:
    server.fail("/feizhi/", "empty-slot", slot="logo_wall")
    html = fetch(server.url("/feizhi/")).body.decode("utf-8")
    assert 'id="fz_logos_v2"' in html and 'id="fz_carousel"' in html


def test_fail_refuses_unknown_kinds_and_empty_slot_off_a_page(server: FixtureServer) -> None:
    with pytest.raises(ValueError, match="unknown failure"):
        server.fail("/jobhub/", "404")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="page path"):
        server.fail("/jobhub/img/x.png", "empty-slot")
    with pytest.raises(KeyError):
        server.fail("/jobhub/", "empty-slot", slot="nope")


def test_requests_are_recorded_in_order(server: FixtureServer) -> None:
    fetch(server.url("/qiancheng/?day=2026-11-10"))
    fetch(server.url("/nowhere"))
    assert server.requests == ["/qiancheng/", "/nowhere"]


def test_stop_returns_quickly_while_a_request_hangs() -> None:
    server = FixtureServer().start()
    server.fail("/feizhi/", "timeout")
    outcome: list[BaseException | Fetched] = []

    def client() -> None:
        try:
            outcome.append(fetch(server.url("/feizhi/"), timeout=30))
        except (OSError, urllib.error.URLError) as exc:
            outcome.append(exc)

    thread = threading.Thread(target=client)
    thread.start()
    wait_for(lambda: "/feizhi/" in server.requests)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.5
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert outcome and isinstance(outcome[0], BaseException)  # the held request never got a page


# --- roster ----------------------------------------------------------------------------------------

ROSTER_COLUMNS = {
    "reps.csv": ["rep_id", "name", "email", "team", "branch", "manager_email", "active"],
    "customers.csv": ["customer_id", "name", "short_name", "english_name", "aliases", "website", "ka"],
    "assignments.csv": ["customer_id", "rep_id", "start_date", "end_date", "reason"],
    "orders.csv": ["order_id", "customer_id", "signed_date", "start_date", "end_date", "amount", "product"],
}


def roster(name: str) -> list[dict[str, str]]:
    with (DEMO_ROSTER / name).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ROSTER_COLUMNS[name]
        return list(reader)


def test_demo_roster_holds_every_advertiser_we_call_a_customer() -> None:
    customers = {row["customer_id"]: row for row in roster("customers.csv")}
    for advertiser in ADVERTISERS.values():
        if advertiser.customer_id:
            row = customers[advertiser.customer_id]
            assert not advertiser.website or row["website"] == f"https://{advertiser.website}"
    assert len(customers) == 60
    assert {row["branch"] for row in roster("reps.csv")} == {"北京分公司", "上海分公司"}
    assert len({row["team"] for row in roster("reps.csv")}) == 4


def test_demo_roster_assigns_every_ka_customer_and_registers_one_mid_period_transfer() -> None:
    customers = roster("customers.csv")
    assignments = roster("assignments.csv")
    assigned = {row["customer_id"] for row in assignments}
    assert {row["customer_id"] for row in customers if row["ka"] == "yes"} <= assigned
    transfer = [row for row in assignments if row["customer_id"] == "C005"]
    assert [(row["rep_id"], row["start_date"], row["end_date"]) for row in transfer] == [
        ("R002", "2025-07-01", "2026-11-15"),
        ("R004", "2026-11-16", ""),
    ]
    orders = {row["customer_id"]: row for row in roster("orders.csv")}
    assert orders["C006"]["end_date"] == "2026-11-12"
    assert orders["C007"]["start_date"] == "2026-11-18"
    assert orders["C008"]["end_date"] < "2026-01-01"
