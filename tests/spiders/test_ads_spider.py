"""The capture end to end: a real crawl (in a child process) of a real local HTTP server into a real database.

Fixture pages live in tests/fixtures/capture/. The server also answers 403, 429, 500, a slow page, an
offsite redirect and generated PNGs, and records every request so we can check nothing was followed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import Advertiser, CrawlRun, Page, PageCapture, Sighting, Site, Slot, SlotCapture
from models.db import make_engine, make_session_factory, transaction
from models.enums import CaptureStatus, RunStatus
from monitor.capture.crawl import run_crawl_subprocess
from monitor.core.evidence import EvidenceStore
from monitor.core.siteconfig import SiteConfig
from spiders import persist
from spiders.items import CapturedAd, PageCaptureItem, SlotResult
from tests.support.http import QuietHandler, local_server
from tests.support.images import png
from tests.support.paths import FIXTURES, REPO_ROOT

CAPTURE_PAGES = FIXTURES / "capture"
CAPTURE_DATE = dt.date(2026, 11, 10)
SLOW_SECONDS = 4.0
# The static crawl's page timeout: the slow page outlasts it, and the others' screenshots (a browser
# navigation to the fetched page, under the same timeout) fit in it on a loaded machine (1 s did not, in
# a full suite run).
STATIC_TIMEOUT_SECONDS = 2.5
PAGE_TYPES = {
    "/utf8.html": "text/html; charset=utf-8",
    "/gbk.html": "text/html",  # no charset in the header: the page's <meta> says gbk
    "/captcha.html": "text/html; charset=utf-8",
    "/browser.html": "text/html; charset=utf-8",
    "/slow-browser.html": "text/html; charset=utf-8",
    "/leaving.html": "text/html; charset=utf-8",
}

# --- the local server ------------------------------------------------------------------------------


@dataclass
class SeenRequest:
    host: str
    path: str
    browser: bool  # asked by Chromium (rendering the page for its screenshot), not by the crawler itself


@dataclass
class FixtureSite:
    url: str
    port: int
    requests: list[SeenRequest] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]


def solid_png(path: str, size: tuple[int, int] = (120, 60)) -> bytes:
    shade = int(hashlib.sha256(path.encode()).hexdigest()[:6], 16)
    return png(*size, ((shade >> 16) & 255, (shade >> 8) & 255, shade & 255))


class FixtureHandler(QuietHandler):
    site: FixtureSite

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        browser = "Sec-Fetch-Dest" in self.headers
        self.site.requests.append(SeenRequest(self.headers.get("Host", ""), self.path, browser))
        if self.path in PAGE_TYPES:
            self.reply((CAPTURE_PAGES / self.path.lstrip("/")).read_bytes(), PAGE_TYPES[self.path])
        elif self.path.startswith("/img/"):
            self.reply(solid_png(self.path), "image/png")
        elif self.path in ("/slow", "/slow-image.png"):
            time.sleep(SLOW_SECONDS)
            self.reply(b"<p>too late</p>", "text/html")
        elif self.path == "/forbidden":
            self.reply(b"<h1>403 Forbidden</h1>", "text/html", 403)
        elif self.path == "/throttled":
            self.reply(b"<h1>Too Many Requests</h1>", "text/html", 429)
        elif self.path == "/broken":
            self.reply(b"<h1>Internal Server Error</h1>", "text/html", 500)
        elif self.path == "/away":
            # Same server, other host name: outside the configured site.
            self.redirect(f"http://localhost:{self.site.port}/utf8.html")
        else:
            self.reply(b"not found", "text/plain", 404)


@pytest.fixture
def fixture_site() -> Iterator[FixtureSite]:
    site = FixtureSite(url="", port=0)
    with local_server(type("Handler", (FixtureHandler,), {"site": site})) as server:
        site.port = server.server_port
        site.url = f"http://127.0.0.1:{site.port}/"
        yield site


# --- site configs and the crawl --------------------------------------------------------------------

STATIC_SITE = """\
name: zhida
display_name: 职达网
base_url: {url}
house_ads:
  advertiser_patterns: ['^职达网$']
pages:
  - key: home
    url: /utf8.html
    kind: homepage
    slots:
      - {{name: top_banner, kind: banner, css: '#top-banners a', company_id: [{{source: 'attr:cid'}}]}}
      - name: logo_wall
        kind: logo
        css: 'ul.logos li a'
        company_id: [{{source: href, pattern: '/company/(\\d+)\\.html'}}]
      - {{name: gone, kind: banner, css: '#gone a'}}
  - key: search
    url: /gbk.html
    kind: section
    slots:
      - name: bottom_logos
        kind: logo
        css: '#banner_ads a'
        advertiser: [title, alt, text]
        company_id: [{{source: 'attr:adid'}}]
  - {{key: forbidden, url: /forbidden, kind: section, slots: [{{name: wall, kind: logo, css: a}}]}}
  - {{key: throttled, url: /throttled, kind: section, slots: [{{name: wall, kind: logo, css: a}}]}}
  - {{key: broken, url: /broken, kind: section, slots: [{{name: wall, kind: logo, css: a}}]}}
  - {{key: slow, url: /slow, kind: section, slots: [{{name: wall, kind: logo, css: a}}]}}
  - {{key: captcha, url: /captcha.html, kind: section,
     slots: [{{name: wall, kind: logo, css: 'ul.logos a'}}]}}
  - {{key: away, url: /away, kind: section, slots: [{{name: wall, kind: logo, css: a}}]}}
"""

BROWSER_SITE = """\
name: feizhi
display_name: 飞职
base_url: {url}
house_ads:
  advertiser_patterns: ['^飞职$']
pages:
  - key: home
    url: /browser.html
    kind: homepage
    browser: true
    slots:
      - {{name: carousel, kind: banner, css: '#carousel .slide', wait_seconds: 5}}
      - name: wall
        kind: logo
        css: '#wall a'
        wait_seconds: 5
        company_id: [{{source: href, pattern: '/company/(\\d+)\\.html'}}]
      - {{name: never, kind: banner, css: '#never a', wait_seconds: 1}}
  - key: stuck
    url: /slow-browser.html
    kind: section
    browser: true
    slots:
      - {{name: wall, kind: logo, css: a}}
  - key: leaving
    url: /leaving.html
    kind: section
    browser: true
    slots:
      - {{name: wall, kind: logo, css: '#wall a'}}
"""


def write_site(folder: Path, template: str, url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = template.split("\n", 1)[0].removeprefix("name: ")
    (folder / f"{name}.yaml").write_text(template.format(url=url), encoding="utf-8")
    return folder


def crawl(database_url: str, tmp_path: Path, sites_dir: Path, timeout_seconds: float, *sites: str) -> str:
    result = run_crawl_subprocess(
        simulated_day=CAPTURE_DATE,
        sites=sites,
        sites_dir=sites_dir,
        env={
            "RIVALWATCH_DATABASE_URL": database_url,
            "RIVALWATCH_VAR_DIR": str(tmp_path / "var"),
            "RIVALWATCH_CRAWL__TIMEOUT_SECONDS": str(timeout_seconds),
        },
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def captures(session: Session, site: str) -> dict[str, PageCapture]:
    """The site's captures of record, by page key."""
    rows = session.scalars(
        select(PageCapture).join(Page).join(Site).where(Site.name == site, PageCapture.of_record)
    )
    return {capture.page.key: capture for capture in rows}


def sightings(session: Session, capture: PageCapture, slot: str) -> list[Sighting]:
    return list(
        session.scalars(
            select(Sighting)
            .join(Slot)
            .where(Sighting.capture_id == capture.id, Slot.name == slot)
            .order_by(Sighting.position)
        )
    )


def row_counts(session: Session) -> dict[str, int]:
    models = [PageCapture, SlotCapture, Sighting, Advertiser, Site, Page, Slot, CrawlRun]
    return {model.__name__: session.scalar(select(func.count()).select_from(model)) or 0 for model in models}


# --- the static crawl ------------------------------------------------------------------------------


def test_static_crawl_records_every_page_and_a_rerun_adds_attempts_beside_it(
    database_url: str, tmp_path: Path, fixture_site: FixtureSite
) -> None:
    sites_dir = write_site(tmp_path / "sites", STATIC_SITE, fixture_site.url)
    summary = crawl(database_url, tmp_path, sites_dir, STATIC_TIMEOUT_SECONDS)
    assert "zhida/home" in summary and "logo_wall=3" in summary and "gone=NOT-FOUND" in summary

    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    try:
        with factory() as session:
            check_statuses(session)
            check_home_sightings(session)
            check_gbk_names(session)
            check_evidence(session, EvidenceStore(tmp_path / "var" / "evidence"))
            check_received(session, EvidenceStore(tmp_path / "var" / "evidence"))
            before = row_counts(session)
        assert_nothing_followed(fixture_site)

        crawl(database_url, tmp_path, sites_dir, STATIC_TIMEOUT_SECONDS, "zhida")
        with factory() as session:
            after = row_counts(session)
            runs = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
            latest = captures(session, "zhida")["home"]
        # Every page got a second attempt (with its slot results); the sightings are the first's.
        assert after == {
            **before,
            "CrawlRun": before["CrawlRun"] + 1,
            "PageCapture": 2 * before["PageCapture"],
            "SlotCapture": 2 * before["SlotCapture"],
        }
        assert [(run.status, run.pages_ok, run.pages_failed) for run in runs] == [
            (RunStatus.FINISHED, 2, 6)
        ] * 2
        assert runs[1].site_filter == "zhida"
        assert latest.crawl_run_id == runs[0].id  # the first ok attempt stays the day's evidence
    finally:
        engine.dispose()


def check_received(session: Session, evidence: EvidenceStore) -> None:
    """A static page's response as received: its status line and headers, then the body stored as HTML."""
    home = captures(session, "zhida")["home"]
    head, _, body = evidence.read(home.response_sha256 or "").partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert f"\r\nContent-Length: {len(body)}".encode() in head
    assert body == evidence.read(home.html_sha256 or "")


def check_statuses(session: Session) -> None:
    found = {key: (c.status, c.http_status) for key, c in captures(session, "zhida").items()}
    assert found == {
        "home": (CaptureStatus.OK, 200),
        "search": (CaptureStatus.OK, 200),
        "forbidden": (CaptureStatus.BLOCKED, 403),
        "throttled": (CaptureStatus.BLOCKED, 429),
        "broken": (CaptureStatus.HTTP_ERROR, 500),
        "slow": (CaptureStatus.TIMEOUT, None),
        "captcha": (CaptureStatus.BLOCKED, 200),
        "away": (CaptureStatus.HTTP_ERROR, None),
    }
    away = captures(session, "zhida")["away"]
    assert away.error is not None and "localhost" in away.error
    # A failed page has no slot results: its slots are unknown, not empty.
    assert not session.scalars(select(SlotCapture).where(SlotCapture.capture_id == away.id)).all()


def check_home_sightings(session: Session) -> None:
    home = captures(session, "zhida")["home"]
    slots = {row.slot.name: (row.found, row.ad_count) for row in home.slot_results}
    assert slots == {"top_banner": (True, 3), "logo_wall": (True, 3), "gone": (False, 0)}
    banners = sightings(session, home, "top_banner")
    assert [(s.position, s.advertiser_text, s.is_house_ad) for s in banners] == [
        (1, "上海浦东发展银行股份有限公司", False),
        (2, "华晨宝马汽车有限公司市场部(北京)", False),
        (3, "职达网", True),
    ]
    first = banners[0]
    assert first.raw_text == "1/3上海浦东发展银行股份有限公司招聘信息"
    assert (first.competitor_company_id, first.seen_date) == ("9001", CAPTURE_DATE)
    assert first.link and first.link.startswith("http://127.0.0.1:") and first.link.endswith("/ad/1")
    assert banners[1].link == "https://acme-careers.example/jobs"
    assert banners[2].advertiser_id is None  # house ads make no advertiser
    logos = sightings(session, home, "logo_wall")
    assert [(s.advertiser_text, s.competitor_company_id, s.is_house_ad) for s in logos] == [
        ("游戏科学", "77", False),
        ("<script>alert(1)</script>AfterShip", "78", False),
        ("", "79", True),
    ]
    assert logos[0].image_url and logos[0].image_url.endswith(
        "/img/logo-77.png"
    )  # data-src, not the grey placeholder


def check_gbk_names(session: Session) -> None:
    search = captures(session, "zhida")["search"]
    grid = sightings(session, search, "bottom_logos")
    assert [(s.advertiser_text, s.competitor_company_id, s.is_house_ad) for s in grid] == [
        ("施坦威钢琴亚太有限公司", "34801982", False),
        ("深圳市喆声电子商务有限公司", "34920219", False),
        ("", None, True),
    ]
    advertisers = set(session.scalars(select(Advertiser.text)))
    assert advertisers == {
        "上海浦东发展银行股份有限公司",
        "华晨宝马汽车有限公司市场部(北京)",
        "游戏科学",
        "<script>alert(1)</script>AfterShip",
        "施坦威钢琴亚太有限公司",
        "深圳市喆声电子商务有限公司",
    }
    assert all(s.advertiser_id is not None for s in grid if not s.is_house_ad)


def check_evidence(session: Session, evidence: EvidenceStore) -> None:
    pages = captures(session, "zhida")
    gbk = evidence.path(pages["search"].html_sha256 or "")
    assert gbk.read_bytes() == (CAPTURE_PAGES / "gbk.html").read_bytes()  # stored as fetched, GBK bytes
    assert hashlib.sha256(gbk.read_bytes()).hexdigest() == gbk.name
    assert gbk.parent.name == gbk.name[2:4] and gbk.parent.parent.name == gbk.name[:2]
    assert evidence.read(pages["forbidden"].html_sha256 or "") == b"<h1>403 Forbidden</h1>"
    assert pages["slow"].html_sha256 is None and pages["slow"].screenshot_sha256 is None
    # Static pages are shown in Chromium after being read: a full-page screenshot, and each ad's element
    # cut out of it (the banners are 120x60 images; the page is as wide as the window).
    for key in ("home", "search"):
        assert pages[key].screenshot_sha256, pages[key].error
        assert image_size(evidence, pages[key].screenshot_sha256, "JPEG")[0] == 1366
    banners = sightings(session, pages["home"], "top_banner")
    sizes = [image_size(evidence, s.element_screenshot_sha256, "PNG") for s in banners]
    assert [width for width, _ in sizes] == [120] * 3
    assert all(60 <= height <= 70 for _, height in sizes)  # an inline link's box: the image and a descender
    check_boxes(evidence, pages["home"].screenshot_sha256, banners)
    check_boxes(
        evidence, pages["search"].screenshot_sha256, sightings(session, pages["search"], "bottom_logos")
    )
    assert pages["captcha"].screenshot_sha256 is None  # only pages that were read get a picture


def assert_nothing_followed(site: FixtureSite) -> None:
    assert {request.host.split(":")[0] for request in site.requests} == {"127.0.0.1"}
    assert not [path for path in site.paths() if path.startswith(("/company/", "/ad/"))]
    own = [request.path for request in site.requests if not request.browser]
    images = [path for path in own if path.startswith("/img/")]
    assert images and len(images) == len(set(images))  # the ads' creatives, each fetched once
    # The browser showing a page for its screenshot is served the fetched HTML: no page is asked twice.
    pages = [request.path for request in site.requests if not request.path.startswith("/img/")]
    assert pages.count("/utf8.html") == 1 and pages.count("/gbk.html") == 1
    assert {request.path for request in site.requests if request.browser} >= {"/img/b1.png", "/img/grey.gif"}


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "name: bad\ndisplay_name: B\nbase_url: http://127.0.0.1:9/\nsurprise: 1\npages: []\n",
            "unknown key 'surprise'",
        ),
        (
            "name: bad\ndisplay_name: B\nbase_url: http://127.0.0.1:9/\n"
            "pages: [{key: home, url: /, kind: homepage, slots: [{name: wall, kind: logo, css: 'a[[['}]}]\n",
            "page 'home': slot 'wall': invalid css",
        ),
        (
            "name: bad\ndisplay_name: B\nbase_url: '${RIVALWATCH_TEST_UNSET_URL}/'\n"
            "pages: [{key: home, url: /, kind: homepage, slots: [{name: wall, kind: logo, css: a}]}]\n",
            "environment variable RIVALWATCH_TEST_UNSET_URL is not set",
        ),
        (
            "name: bad\ndisplay_name: B\nbase_url: http://127.0.0.1:9/\ncreative_hosts: ['https://cdn.example/']\n"
            "pages: [{key: home, url: /, kind: homepage, slots: [{name: wall, kind: logo, css: a}]}]\n",
            "creative_hosts: Value error, 'https://cdn.example/' is not a host name",
        ),
    ],
)
def test_crawl_refuses_a_broken_config_before_touching_anything(
    tmp_path: Path, yaml_text: str, message: str
) -> None:
    sites_dir = tmp_path / "sites"
    sites_dir.mkdir()
    (sites_dir / "bad.yaml").write_text(yaml_text, encoding="utf-8")
    result = run_crawl_subprocess(
        sites_dir=sites_dir,
        env={
            "RIVALWATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
            "RIVALWATCH_VAR_DIR": str(tmp_path),
        },
        timeout=60,
    )
    assert result.returncode == 1
    assert message in result.stderr and f"{sites_dir / 'bad.yaml'}:" in result.stderr
    assert not (tmp_path / "db.sqlite").exists()


# --- persistence without a crawl -------------------------------------------------------------------
# Both backends: advertisers are inserted with each dialect's own ON CONFLICT DO NOTHING (insert_missing).

SITE = SiteConfig.model_validate(
    {
        "name": "zhida",
        "display_name": "职达网",
        "base_url": "https://zhida.example/",
        "pages": [
            {
                "key": "home",
                "url": "/",
                "kind": "homepage",
                "slots": [{"name": "wall", "kind": "logo", "css": "a"}],
            }
        ],
    }
)


def ad(position: int, advertiser: str, house: bool = False) -> CapturedAd:
    return CapturedAd("wall", "logo", position, advertiser, advertiser, None, None, None, house)


def item(status: str = "ok", ads: list[CapturedAd] | None = None) -> PageCaptureItem:
    slots = [SlotResult("wall", "logo", bool(ads), ads or [])] if status == "ok" else []
    return PageCaptureItem(
        site="zhida",
        page_key="home",
        url="https://zhida.example/",
        capture_date=CAPTURE_DATE,
        status=status,  # type: ignore[arg-type]
        fetched_at=dt.datetime(2026, 11, 10, 1, 0, tzinfo=dt.UTC),
        http_status=200,
        html=b"<p>",
        slots=slots,
    )


def save(factory: sessionmaker[Session], capture: PageCaptureItem, folder: Path) -> None:
    with transaction(factory) as session:
        persist.sync_site(session, SITE)
        run = persist.start_run(session, CAPTURE_DATE, None, dt.datetime.now(dt.UTC))
        persist.save_capture(session, capture, run.id, EvidenceStore(folder))


def of_record(session: Session) -> PageCapture:
    return session.scalars(select(PageCapture).where(PageCapture.of_record)).one()


@pytest.mark.both_backends
def test_rerun_with_fewer_ads_is_kept_beside_the_first_capture_which_stays_the_evidence(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    save(session_factory, item(ads=[ad(1, "甲公司"), ad(2, "乙公司"), ad(3, "丙公司")]), tmp_path)
    save(session_factory, item(ads=[ad(1, "丁公司"), ad(2, "甲公司")]), tmp_path)
    with session_factory() as session:
        texts = session.scalars(select(Sighting.advertiser_text).order_by(Sighting.position)).all()
        assert texts == ["甲公司", "乙公司", "丙公司"]
        record = of_record(session)
        assert [(row.found, row.ad_count) for row in record.slot_results] == [(True, 3)]
        assert session.scalar(select(func.count()).select_from(PageCapture)) == 2
        # Advertisers are remembered even when only a later attempt showed them.
        assert set(session.scalars(select(Advertiser.text))) == {"甲公司", "乙公司", "丙公司"}


@pytest.mark.both_backends
def test_failed_rerun_never_overwrites_a_good_capture_of_the_same_day(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    save(session_factory, item(ads=[ad(1, "甲公司")]), tmp_path)
    save(session_factory, item(status="timeout"), tmp_path)
    with session_factory() as session:
        assert of_record(session).status == CaptureStatus.OK
        assert session.scalars(select(Sighting.advertiser_text)).all() == ["甲公司"]
        assert session.scalar(select(func.count()).select_from(PageCapture)) == 2


@pytest.mark.both_backends
def test_good_rerun_takes_over_from_a_failed_capture(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    save(session_factory, item(status="blocked"), tmp_path)
    save(session_factory, item(ads=[ad(1, "甲公司"), ad(2, "", house=True)]), tmp_path)
    with session_factory() as session:
        capture = of_record(session)
        assert (capture.status, capture.error, capture.attempt) == (CaptureStatus.OK, None, 2)
        assert session.scalars(select(Advertiser.text)).all() == ["甲公司"]


@pytest.mark.both_backends
def test_config_sync_upserts_and_deactivates_removed_slots(session_factory: sessionmaker[Session]) -> None:
    changed = SITE.model_copy(
        update={
            "pages": [
                SITE.pages[0].model_copy(
                    update={"slots": [SITE.pages[0].slots[0].model_copy(update={"name": "banner"})]}
                )
            ]
        }
    )
    for config in (SITE, changed, changed):
        with transaction(session_factory) as session:
            persist.sync_site(session, config)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Site)) == 1
        assert dict(session.execute(select(Slot.name, Slot.active)).all()) == {"wall": False, "banner": True}


# --- the demo's fictional sites ------------------------------------------------------------------


def test_crawl_of_the_demo_sites_reads_every_slot(tmp_path: Path) -> None:
    fixture_server = pytest.importorskip("monitor.demo.fixture_server")
    demo_sites = REPO_ROOT / "config" / "demo-sites"
    if not demo_sites.is_dir():
        pytest.skip(f"{demo_sites} is absent")
    database_url = f"sqlite:///{tmp_path / 'demo.db'}"
    day = dt.date(2026, 11, 12)
    with fixture_server.FixtureServer(day=day) as server:
        result = run_crawl_subprocess(
            simulated_day=day,
            sites=["jobhub", "qiancheng", "gouzhi"],  # the static ones; feizhi needs the browser
            sites_dir=demo_sites,
            env={
                "RIVALWATCH_DEMO_URL": server.base_url,
                "RIVALWATCH_DATABASE_URL": database_url,
                "RIVALWATCH_VAR_DIR": str(tmp_path / "var"),
                # What is read off the pages; the static crawl above checks their screenshots.
                "RIVALWATCH_CRAWL__STATIC_SCREENSHOTS": "false",
            },
            timeout=120,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            pages = session.scalars(select(PageCapture)).all()
            assert pages and {page.status for page in pages} == {CaptureStatus.OK}
            slots = session.scalars(select(SlotCapture)).all()
            assert slots and all(row.found and row.ad_count > 0 for row in slots)
            texts = session.scalars(select(Sighting.advertiser_text)).all()
            assert not [text for text in texts if "\ufffd" in text]  # every page decoded right
    finally:
        engine.dispose()


# --- the browser crawl -----------------------------------------------------------------------------


@pytest.mark.browser
def test_browser_crawl_reads_every_slide_and_lazy_logos_with_screenshots(
    tmp_path: Path, fixture_site: FixtureSite
) -> None:
    database_url = f"sqlite:///{tmp_path / 'browser.db'}"
    sites_dir = write_site(tmp_path / "sites", BROWSER_SITE, fixture_site.url)
    crawl(database_url, tmp_path, sites_dir, 3.0)
    evidence = EvidenceStore(tmp_path / "var" / "evidence")
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            pages = captures(session, "feizhi")
            home = pages["home"]
            # The stuck page's image holds its load event longer than the page timeout: it is read all
            # the same (the navigation waits for the DOM, not the load event), its slot missing.
            stuck = pages["stuck"]
            assert (home.status, stuck.status) == (CaptureStatus.OK, CaptureStatus.OK)
            assert "slot 'wall' did not appear" in (stuck.error or "")
            found = {row.slot.name: (row.found, row.ad_count) for row in home.slot_results}
            assert found == {"carousel": (True, 3), "wall": (True, 5), "never": (False, 0)}
            slides = sightings(session, home, "carousel")
            wall = sightings(session, home, "wall")
            assert [s.advertiser_text for s in slides] == ["上海浦东发展银行股份有限公司", "游戏科学", "飞职"]
            assert slides[2].is_house_ad
            assert [s.competitor_company_id for s in wall] == ["200", "201", "202", "203", "204"]
            assert wall[2].advertiser_text == "深圳市喆声电子商务有限公司"
            assert image_size(evidence, home.screenshot_sha256, "JPEG") == (1366, 3000)
            assert [image_size(evidence, s.element_screenshot_sha256, "PNG") for s in wall] == [(100, 50)] * 5
            # Only the slide on show has pixels; the others are recorded from the DOM without a picture.
            shots = [
                image_size(evidence, s.element_screenshot_sha256, "PNG")
                for s in slides
                if s.element_screenshot_sha256
            ]
            assert shots == [(600, 200)]
            check_boxes(evidence, home.screenshot_sha256, wall + slides)
            assert [s.box_x is None for s in slides] == [s.element_screenshot_sha256 is None for s in slides]
            rendered = evidence.read(home.html_sha256 or "").decode("utf-8")
            assert 'class="slide"' in rendered  # the stored HTML is the rendered DOM, not the served page
            # ...and the response as received from the network is kept beside it, byte for byte.
            head, _, body = evidence.read(home.response_sha256 or "").partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 200 OK\r\n")
            assert b"\r\ncontent-type: text/html; charset=utf-8" in head.lower()
            assert body == (CAPTURE_PAGES / "browser.html").read_bytes()
            # A script sending the page to another host after loading is stopped: the page is captured
            # where it is, and the other host is never asked for it, nor for the window the script
            # opens (the popup blocker is on, as in a person's browser). A frame from that host inside
            # the page (an ad server's banner) loads and is in the picture.
            leaving = pages["leaving"]
            assert leaving.status == CaptureStatus.OK
            assert "refused to leave the site for http://localhost:" in (leaving.error or "")
            assert "framed-ad" not in (leaving.error or "")
            assert [s.advertiser_text for s in sightings(session, leaving, "wall")] == [
                "华晨宝马汽车有限公司",
                "顺丰速运有限公司",
            ]
            elsewhere = [r.path for r in fixture_site.requests if not r.host.startswith("127.0.0.1")]
            assert elsewhere == ["/img/framed-ad.png"]
            with Image.open(evidence.path(leaving.screenshot_sha256 or "")) as picture:
                framed = solid_png("/img/framed-ad.png")
                with Image.open(io.BytesIO(framed)) as ad:
                    # The page screenshot is a JPEG: its colours are the frame's within JPEG's error.
                    seen = picture.convert("RGB").getpixel((60, 30))
                    shown = ad.convert("RGB").getpixel((0, 0))
                    assert isinstance(seen, tuple) and isinstance(shown, tuple)
                    assert all(abs(a - b) <= 8 for a, b in zip(seen, shown, strict=True)), (seen, shown)
    finally:
        engine.dispose()


def check_boxes(evidence: EvidenceStore, page_sha256: str | None, ads: list[Sighting]) -> None:
    """Every ad with an element screenshot has a box on the page screenshot, and cutting the page
    screenshot at that box gives back the element screenshot, pixel for pixel."""
    assert page_sha256 is not None
    with Image.open(evidence.path(page_sha256)) as page:
        page.load()
        for ad in ads:
            if ad.element_screenshot_sha256 is None:
                continue
            assert None not in (ad.box_x, ad.box_y, ad.box_width, ad.box_height), ad.advertiser_text
            x, y, width, height = ad.box_x or 0, ad.box_y or 0, ad.box_width or 0, ad.box_height or 0
            assert x >= 0 and y >= 0 and x + width <= page.width and y + height <= page.height
            cut = page.crop((x, y, x + width, y + height))
            with Image.open(evidence.path(ad.element_screenshot_sha256)) as element:
                assert cut.size == element.size
                assert cut.convert("RGB").tobytes() == element.convert("RGB").tobytes()


def image_size(evidence: EvidenceStore, sha256: str | None, kind: str) -> tuple[int, int]:
    """Full-page screenshots are JPEG, element cut-outs PNG."""
    assert sha256 is not None
    with Image.open(evidence.path(sha256)) as image:
        assert image.format == kind
        return image.size
