"""Reading logos: generic texts, the OCR engine on rendered logos, naming the day's logo-only sightings."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from models import Advertiser, CrawlRun, Creative, Page, PageCapture, Sighting, Site, Slot
from models.enums import CaptureStatus, PageKind, SlotKind
from monitor.capture.logos import (
    LogoRead,
    LogoReader,
    clean_read,
    is_generic_logo_text,
    join_lines,
    read_logos,
)
from monitor.core.evidence import EvidenceStore
from monitor.demo.images import logo_png
from monitor.matching import CustomerRecord, MatchIndex
from monitor.matching.store import ocr_trust
from tests.support.paths import shared_data

DAY = dt.date(2026, 11, 10)
NOW = dt.datetime(2026, 11, 10, 2, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "image_url", "generic"),
    [
        ("", None, True),
        ("  ", None, True),
        ("公司logo", None, True),
        ("公司 LOGO", None, True),
        ("Logo", None, True),
        ("企业Logo", None, True),
        ("banner_0812.png", None, True),
        ("a1b2c3", "https://cdn.example/logo/a1b2c3.jpg", True),
        ("招商银行", None, False),
        ("Logo Design Studio", None, False),
        ("Bluefin Analytics", "https://cdn.example/bluefin.png", False),
    ],
)
def test_generic_logo_texts(text: str, image_url: str | None, generic: bool) -> None:
    assert is_generic_logo_text(text, image_url) is generic


@pytest.mark.parametrize(
    ("read", "name"),
    [
        ("①招商银行", "招商银行"),
        ("0荣晟环保", "荣晟环保"),
        ("O 心智", "心智"),
        ("58同城", "58同城"),
        ("3M", "3M"),
    ],
)
def test_what_a_symbol_reads_as_is_dropped(read: str, name: str) -> None:
    assert clean_read(read) == name


def test_lines_are_joined_in_reading_order_at_the_least_confidence() -> None:
    read = join_lines([(120, 10, "银行", 0.93), (10, 12, "招商", 0.99), (10, 60, "", 0.1)])
    assert read == LogoRead("招商银行", 0.93)
    assert join_lines([(10, 10, "Bluefin", 0.98), (10, 40, "Analytics", 0.97)]) == LogoRead(
        "Bluefin Analytics", 0.97
    )
    assert join_lines([]) is None


@pytest.fixture(scope="module")
def reader() -> LogoReader:
    return LogoReader()


def test_the_engine_reads_a_rendered_logo_with_a_symbol_beside_the_name(reader: LogoReader) -> None:
    read = reader.read(logo_png("招商银行", 150, 60, symbol=True))
    assert read is not None and read.text == "招商银行" and read.confidence > 0.9
    assert reader.read(b"not an image") is None


def _world(session: Session, store: EvidenceStore, texts: list[tuple[str, bytes]]) -> list[Sighting]:
    site = Site(name="gouzhi", display_name="勾职网", base_url="https://www.gouzhi.example")
    page = Page(site=site, key="shanghai", url="https://www.gouzhi.example/sh/", kind=PageKind.HOMEPAGE)
    slot = Slot(page=page, name="city_logos", kind=SlotKind.LOGO)
    run = CrawlRun(crawl_date=DAY)
    session.add_all([site, page, slot, run])
    session.flush()
    capture = PageCapture(
        page=page, crawl_run_id=run.id, capture_date=DAY, status=CaptureStatus.OK, url=page.url
    )
    sightings = []
    creatives: dict[str, Creative] = {}
    for position, (text, image) in enumerate(texts, start=1):
        sha = store.put(image)
        creative = creatives.setdefault(
            sha,
            Creative(
                sha256=sha, mime_type="image/png", size_bytes=len(image), first_url="https://x.example/"
            ),
        )
        sightings.append(
            Sighting(
                capture=capture,
                slot=slot,
                seen_date=DAY,
                position=position,
                raw_text=text,
                advertiser_text=text,
                image_url=f"https://x.example/{position}.png",
                creative=creative,
            )
        )
    session.add_all([capture, *sightings])
    session.flush()
    return sightings


def test_logo_only_sightings_are_named_by_ocr_once_per_creative(
    session: Session, tmp_path: Path, reader: LogoReader
) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    logo = logo_png("南枝花卉", 150, 60)
    generic, empty, named = _world(
        session, store, [("公司logo", logo), ("", logo), ("青禾乳业", logo_png("青禾乳业", 150, 60))]
    )
    calls: list[bytes] = []

    def counting_read(image: bytes) -> LogoRead | None:
        calls.append(image)
        return reader.read(image)

    summary = read_logos(session, store, DAY, NOW, counting_read)

    assert (summary.sightings_named, summary.creatives_read, len(calls)) == (2, 1, 1)
    for sighting in (generic, empty):
        assert (sighting.advertiser_text, sighting.advertiser_source) == ("南枝花卉", "ocr")
        assert sighting.ocr_confidence is not None and sighting.ocr_confidence > 0.9
    assert generic.raw_text == "公司logo"  # the page's own text stays as evidence
    assert (named.advertiser_text, named.advertiser_source) == ("青禾乳业", None)
    advertiser = session.get_one(Advertiser, generic.advertiser_id)
    assert advertiser.text == "南枝花卉" and advertiser.ocr_confidence == generic.ocr_confidence

    again = read_logos(session, store, DAY, NOW, counting_read)
    assert (again.sightings_named, again.creatives_read, len(calls)) == (0, 0, 1)


def test_real_company_names_are_read_and_never_auto_matched_wrongly(reader: LogoReader) -> None:
    """Logos rendered from the shared list of listed companies, fonts, colours, sizes and symbols varied."""
    with shared_data("companies", "listed-companies.dev.csv").open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["short_name"].isalnum()][:16]
    index = MatchIndex.build(
        [CustomerRecord(str(n), row["full_name"], row["short_name"]) for n, row in enumerate(rows)]
    )
    fonts = ["NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", "NotoSerifCJK-Regular.ttc"]
    colours = [
        ((20, 40, 120), (255, 255, 255)),
        ((255, 255, 255), (200, 30, 40)),
        ((90, 90, 90), (230, 230, 230)),
    ]
    sizes = [(150, 60), (240, 80), (120, 40)]
    exact = 0
    for n, row in enumerate(rows):
        ink, paper = colours[n % 3]
        image = logo_png(
            row["short_name"],
            *sizes[n % 3],
            symbol=n % 2 == 0,
            ink=ink,
            paper=paper,
            font_path=f"/usr/share/fonts/opentype/noto/{fonts[n % 3]}",
        )
        read = reader.read(image)
        if read is None:
            continue
        exact += read.text == row["short_name"]
        result = ocr_trust(index.match(read.text), read.confidence, 0.95)
        if result.decision == "auto":
            assert result.customer_id == str(n), (row["short_name"], read)
    assert exact >= 14, f"{exact} of 16 read exactly"
