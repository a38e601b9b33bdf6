"""Creatives captured by a real crawl (child process) of a real local server into a real database.

The server (fixture pages in tests/fixtures/capture/creatives*.html) answers with real images, a
50 MB "image", an SVG, an HTML page posing as a PNG, an image on another host name (localhost instead
of 127.0.0.1) and a redirect to that other host, and records every request with its Host header.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import pty
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import imagehash
import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import CrawlRun, Creative, EvidenceManifest, Page, PageCapture, Sighting, Site
from models.db import make_engine, make_session_factory, transaction
from models.enums import CaptureStatus, RunStatus
from models.migrate import upgrade
from monitor.capture.crawl import crawl_command_line, run_crawl_subprocess, simulated_day_environment
from monitor.core.evidence import EvidenceStore
from spiders import persist
from tests.support.http import QuietHandler, local_server
from tests.support.images import encoded
from tests.support.paths import FIXTURES

PAGES_DIR = FIXTURES / "capture"
DAY_ONE = dt.date(2026, 11, 10)
DAY_TWO = dt.date(2026, 11, 11)
HUGE_BYTES = 50_000_000
PROGRESS_LABEL = "capturing"


def banner_png() -> bytes:
    image = Image.new("RGB", (600, 100), "white")
    for x in range(0, 600, 40):
        image.paste((200, 30 + x // 5, 40), (x, 0, x + 20, 100))
    return encoded(image, "PNG")


def logo_jpeg() -> bytes:
    image = Image.new("RGB", (120, 60), (20, 90, 200))
    for x in range(0, 120, 30):
        for y in range(0, 60, 30):
            if (x + y) // 30 % 2:
                image.paste((250, 250, 250), (x, y, x + 30, y + 30))
    return encoded(image, "JPEG")


def cdn_png() -> bytes:
    image = Image.new("RGB", (80, 80), (240, 240, 240))
    image.paste((10, 160, 60), (10, 10, 50, 70))
    return encoded(image, "PNG")


# What the server answers: path -> (content type, body). Types are deliberately unreliable.
IMAGES = {
    "/img/banner.png": ("image/png", banner_png()),
    "/img/logo.jpg": ("application/octet-stream", logo_jpeg()),
    "/img/cdn-logo.png": ("image/png", cdn_png()),
    "/img/elsewhere.png": ("image/png", cdn_png()[::-1]),
    "/img/redirected.png": ("image/png", cdn_png()[::-1]),
    "/img/vector.svg": (
        "image/svg+xml",
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
    ),
    "/img/page.png": ("image/png", b"<!DOCTYPE html><html><body>not an image</body></html>"),
}
PAGES = {
    "/home.html": "creatives.html",
    "/campus.html": "creatives-section.html",
    "/cdn.html": "creatives-cdn.html",
}


@dataclass
class ImageSite:
    url: str = ""
    port: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)  # (host name, path)

    def hits(self, path: str) -> list[str]:
        return [host for host, seen in self.requests if seen == path]


class ImageHandler(QuietHandler):
    site: ImageSite

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.site.requests.append((self.headers.get("Host", "").rsplit(":", 1)[0], self.path))
        if self.path in PAGES:
            page = (PAGES_DIR / PAGES[self.path]).read_bytes().replace(b"PORT", str(self.site.port).encode())
            self.reply(page, "text/html; charset=utf-8")
        elif self.path in IMAGES:
            content_type, body = IMAGES[self.path]
            self.reply(body, content_type)
        elif self.path == "/redirect.png":
            self.redirect(f"http://localhost:{self.site.port}/img/redirected.png")
        elif self.path in ("/huge-declared.png", "/huge-streamed.png"):
            self.stream_huge(declare=self.path == "/huge-declared.png")
        else:
            self.send_error(404)

    def stream_huge(self, declare: bool) -> None:
        """A PNG signature followed by 50 MB, with or without a Content-Length saying so."""
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        if declare:
            self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        chunk = bytes(1 << 20)
        try:
            self.wfile.write(b"\x89PNG\r\n\x1a\n")
            for _ in range(HUGE_BYTES // len(chunk)):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler stopped reading, as it should


@pytest.fixture
def image_site() -> Iterator[ImageSite]:
    site = ImageSite()
    with local_server(type("Handler", (ImageHandler,), {"site": site})) as server:
        site.port = server.server_port
        site.url = f"http://127.0.0.1:{site.port}/"
        yield site


ZHIDA = """\
name: zhida
display_name: 职达网
base_url: {url}
pages:
  - key: home
    url: /home.html
    kind: homepage
    slots:
      - {{name: top_banner, kind: banner, css: '#top-banners a'}}
      - {{name: logo_wall, kind: logo, css: 'ul.logos li a'}}
  - key: campus
    url: /campus.html
    kind: section
    slots:
      - {{name: top_banner, kind: banner, css: '#top-banners a'}}
"""

# The logo is on "localhost", which this site allows for creatives; zhida does not.
YUNZHI = """\
name: yunzhi
display_name: 云职
base_url: {url}
creative_hosts: [localhost]
pages:
  - key: home
    url: /cdn.html
    kind: homepage
    slots:
      - name: companies
        kind: logo
        css: 'li.company-item .company-name a'
        item: li.company-item
        advertiser: [text]
        image: ['css:.logo img@data-delay-src', 'css:.logo img@src']
"""


def write_sites(folder: Path, url: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, template in (("zhida", ZHIDA), ("yunzhi", YUNZHI)):
        (folder / f"{name}.yaml").write_text(template.format(url=url), encoding="utf-8")
    return folder


def crawl_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    # Without the static pages' screenshots (test_ads_spider.py has them): Chromium would load the
    # images too, and these tests count the crawler's own downloads and evidence files.
    return {
        "RIVALWATCH_DATABASE_URL": database_url,
        "RIVALWATCH_VAR_DIR": str(tmp_path / "var"),
        "RIVALWATCH_CRAWL__STATIC_SCREENSHOTS": "false",
    }


def crawl(
    database_url: str, tmp_path: Path, sites_dir: Path, day: dt.date
) -> subprocess.CompletedProcess[str]:
    result = run_crawl_subprocess(
        simulated_day=day, sites_dir=sites_dir, env=crawl_env(database_url, tmp_path), timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def expected_phash(data: bytes) -> str:
    with Image.open(io.BytesIO(data)) as image:
        return str(imagehash.phash(image.convert("RGB")))


def sighting_of(session: Session, site: str, page: str, day: dt.date, advertiser: str) -> Sighting:
    return session.scalars(
        select(Sighting)
        .join(PageCapture)
        .join(Page)
        .join(Site)
        .where(
            Site.name == site,
            Page.key == page,
            PageCapture.capture_date == day,
            Sighting.advertiser_text == advertiser,
        )
    ).one()


# --- the crawl -------------------------------------------------------------------------------------


def test_creatives_are_stored_once_and_unsafe_images_are_refused(
    database_url: str, tmp_path: Path, image_site: ImageSite
) -> None:
    sites_dir = write_sites(tmp_path / "sites", image_site.url)
    engine = make_engine(database_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    try:
        with transaction(factory) as session:  # a crawl process that died a day ago
            stale = persist.start_run(session, DAY_ONE, None, dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
            stale_id = stale.id
        first = crawl(database_url, tmp_path, sites_dir, DAY_ONE)
        assert "3 pages stored, 3 creatives stored" in first.stdout
        assert PROGRESS_LABEL not in first.stdout + first.stderr  # not a terminal: no progress bar
        evidence = EvidenceStore(tmp_path / "var" / "evidence")
        with factory() as session:
            check_creatives(session, DAY_ONE)
            check_refusals(session, first.stderr)
            check_evidence_holds_only_pages_and_creatives(session, evidence)
            runs = {run.id: run.status for run in session.scalars(select(CrawlRun))}
            assert runs == {stale_id: RunStatus.ABANDONED, stale_id + 1: RunStatus.FINISHED}
        check_requests(image_site)
        files = list(evidence.iter_all())

        image_site.requests.clear()
        crawl(database_url, tmp_path, sites_dir, DAY_TWO)
        assert image_site.hits("/img/banner.png") == ["127.0.0.1"]  # fetched again: a new day
        with factory() as session:
            check_creatives(session, DAY_TWO)
            assert session.scalar(select(func.count()).select_from(Creative)) == 3
            day_one = sighting_of(session, "zhida", "home", DAY_ONE, "上海浦东发展银行股份有限公司")
            day_two = sighting_of(session, "zhida", "home", DAY_TWO, "上海浦东发展银行股份有限公司")
            assert day_one.creative_id == day_two.creative_id is not None
            # Each day's responses as received differ (their Date header), and the day has a manifest.
            received = session.scalars(
                select(PageCapture.response_sha256).where(PageCapture.capture_date == DAY_TWO)
            )
            manifest = session.scalars(select(EvidenceManifest.sha256).where(EvidenceManifest.day == DAY_TWO))
            new = {*received, *manifest}
        # The same banner (and pages) stored once.
        assert [sha for sha in evidence.iter_all() if sha not in new] == files
    finally:
        engine.dispose()


def check_creatives(session: Session, day: dt.date) -> None:
    expected = {
        ("zhida", "home", "上海浦东发展银行股份有限公司"): "/img/banner.png",
        ("zhida", "campus", "上海浦东发展银行股份有限公司"): "/img/banner.png",
        ("zhida", "home", "游戏科学"): "/img/logo.jpg",
        ("yunzhi", "home", "希悦"): "/img/cdn-logo.png",
    }
    for (site, page, advertiser), path in expected.items():
        sighting = sighting_of(session, site, page, day, advertiser)
        creative = sighting.creative
        assert creative is not None, (site, page, advertiser)
        data = IMAGES[path][1]
        with Image.open(io.BytesIO(data)) as image:
            size = image.size
        assert (creative.sha256, creative.size_bytes) == (hashlib.sha256(data).hexdigest(), len(data))
        assert (creative.width, creative.height) == size
        assert creative.phash == expected_phash(data)
        assert creative.first_url.endswith(path) and sighting.image_url == creative.first_url
    mime_types = dict(session.execute(select(Creative.first_url, Creative.mime_type)).all())
    assert sorted(mime_types.values()) == ["image/jpeg", "image/png", "image/png"]


def check_refusals(session: Session, log: str) -> None:
    refused = [
        "大图申报公司",
        "大图流式公司",
        "矢量图公司",
        "网页冒充图片公司",
        "别处图片公司",
        "跳转图片公司",
    ]
    for advertiser in refused:
        sighting = sighting_of(session, "zhida", "home", DAY_ONE, advertiser)
        assert sighting.image_url and sighting.creative_id is None, advertiser
    home = sighting_of(session, "zhida", "home", DAY_ONE, "游戏科学").capture
    assert (home.status, home.error) == (CaptureStatus.OK, None)  # refused creatives never fail the page
    # Each refusal is logged with its reason.
    for reason in ("huge-declared.png", "huge-streamed.png", "vector.svg", "page.png", "redirected.png"):
        assert reason in log, reason


def check_evidence_holds_only_pages_and_creatives(session: Session, evidence: EvidenceStore) -> None:
    """Pages (as read and as received), creatives, and the evidence log's manifest of the day."""
    pages = set(session.scalars(select(PageCapture.html_sha256)))
    received = set(session.scalars(select(PageCapture.response_sha256)))
    creatives = set(session.scalars(select(Creative.sha256)))
    manifests = set(session.scalars(select(EvidenceManifest.sha256)))
    assert len(manifests) == 1 and len(received) == len(pages)
    assert set(evidence.iter_all()) == pages | received | creatives | manifests


def check_requests(site: ImageSite) -> None:
    assert site.hits("/img/banner.png") == ["127.0.0.1"]  # on two pages, fetched once
    assert site.hits("/img/cdn-logo.png") == ["localhost"]  # allowed by yunzhi's creative_hosts
    assert site.hits("/img/elsewhere.png") == []  # localhost is not allowed for zhida
    assert site.hits("/redirect.png") == ["127.0.0.1"]
    assert site.hits("/img/redirected.png") == []  # its redirect to localhost was refused
    assert not [path for _, path in site.requests if path.startswith(("/ad/", "/company/", "/gongsi/"))]


# --- a person at a terminal ------------------------------------------------------------------------


def test_progress_bar_is_drawn_when_stderr_is_a_terminal(tmp_path: Path, image_site: ImageSite) -> None:
    sites_dir = write_sites(tmp_path / "sites", image_site.url)
    controller, terminal = pty.openpty()
    env = {
        **os.environ,
        **crawl_env(f"sqlite:///{tmp_path / 'tty.db'}", tmp_path),
        **simulated_day_environment(DAY_ONE),
        "COLUMNS": "100",
    }
    chunks: list[bytes] = []
    reader = threading.Thread(target=drain, args=(controller, chunks), daemon=True)
    reader.start()
    try:
        result = subprocess.run(
            crawl_command_line(sites_dir=sites_dir),
            stdout=subprocess.PIPE,
            stderr=terminal,
            env=env,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(terminal)
    reader.join(timeout=10)
    os.close(controller)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert result.returncode == 0, result.stdout + shown
    assert PROGRESS_LABEL in shown and "3/3" in shown
    assert "INFO" not in shown and "WARNING" not in shown  # only errors are logged under the bar
    assert PROGRESS_LABEL not in result.stdout  # the summary on stdout stays clean


def drain(fd: int, chunks: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the terminal's last writer closed it
            return
        if not chunk:
            return
        chunks.append(chunk)


# --- stale runs ------------------------------------------------------------------------------------


# Both backends: the cut-off compares timestamps with time zones in SQL.
@pytest.mark.both_backends
def test_only_runs_running_for_longer_than_the_limit_are_marked_abandoned(session: Session) -> None:
    now = dt.datetime(2026, 11, 10, 8, 0, tzinfo=dt.UTC)
    died = persist.start_run(session, DAY_ONE, None, now - dt.timedelta(hours=7))
    busy = persist.start_run(session, DAY_ONE, None, now - dt.timedelta(hours=1))
    done = persist.start_run(session, DAY_ONE, None, now - dt.timedelta(hours=9))
    persist.finish_run(session, done.id, 1, 0, now - dt.timedelta(hours=8))
    assert persist.close_dead_runs(session, now) == [died.id]
    assert (died.status, died.finished_at) == (RunStatus.ABANDONED, now)
    assert (busy.status, done.status) == (RunStatus.RUNNING, RunStatus.FINISHED)
