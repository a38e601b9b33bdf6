"""The evidence as web archives: a period's cited captures exported as a WACZ that validates."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    CrawlRun,
    Creative,
    Customer,
    ItemEvidence,
    Page,
    PageCapture,
    Rep,
    Sighting,
    Site,
    Slot,
)
from models.enums import CaptureStatus, PageKind, SlotKind
from monitor.capture.evidence_log import seal_day
from monitor.cli import main
from monitor.core.evidence import EvidenceStore
from spiders.network import Received, http_message
from tests.support.images import png

DAY = dt.date(2026, 11, 3)
FETCHED = dt.datetime(2026, 11, 3, 1, 30, tzinfo=dt.UTC)
SERVED = b"<html><body><div id=wall></div><script>build()</script></body></html>"
RENDERED = (
    '<html><body><div id="wall"><a href="/co/1"><img src="/img/1.png" alt="公司logo"></a></div></body></html>'
)


@pytest.fixture
def cited(session: Session, tmp_path: Path) -> dict[str, str]:
    """One browser capture cited by an item of the period 2026-11-02~2026-11-15, sealed; its files."""
    store = EvidenceStore(tmp_path / "var" / "evidence")
    files = {
        "response": store.put(
            http_message(Received(200, "OK", (("Content-Type", "text/html; charset=utf-8"),), SERVED))
        ),
        "html": store.put(RENDERED.encode()),
        "screenshot": store.put(png(800, 600, (200, 30, 30))),
        "creative": store.put(png(120, 60, (30, 30, 200))),
    }
    site = Site(name="feizhi", display_name="飞职", base_url="https://www.feizhi.example")
    page = Page(site=site, key="home", url="https://www.feizhi.example/", kind=PageKind.HOMEPAGE)
    slot = Slot(page=page, name="wall", kind=SlotKind.LOGO)
    run = CrawlRun(crawl_date=DAY, started_at=FETCHED, finished_at=FETCHED)
    session.add_all([site, page, slot, run])
    session.flush()
    capture = PageCapture(
        page=page,
        crawl_run_id=run.id,
        capture_date=DAY,
        fetched_at=FETCHED,
        status=CaptureStatus.OK,
        http_status=200,
        url=page.url,
        html_sha256=files["html"],
        response_sha256=files["response"],
        screenshot_sha256=files["screenshot"],
    )
    creative = Creative(
        sha256=files["creative"],
        mime_type="image/png",
        size_bytes=10,
        first_url="https://www.feizhi.example/img/1.png",
    )
    sighting = Sighting(
        capture=capture,
        slot=slot,
        seen_date=DAY,
        position=1,
        raw_text="公司logo",
        advertiser_text="公司logo",
        link="https://www.feizhi.example/co/1",
        image_url="https://www.feizhi.example/img/1.png",
        creative=creative,
        box_x=10,
        box_y=20,
        box_width=120,
        box_height=60,
    )
    rep = Rep(code="R001", name="张伟")
    customer = Customer(code="C001", name="招商银行股份有限公司")
    period = AccountabilityPeriod(
        start_date=dt.date(2026, 11, 2), end_date=dt.date(2026, 11, 15), form_deadline=dt.date(2026, 11, 20)
    )
    item = AccountabilityItem(period=period, customer=customer, rep=rep)
    session.add_all([capture, creative, sighting, rep, customer, period, item])
    session.flush()
    session.add(ItemEvidence(item=item, sighting=sighting, rep_id=rep.id))
    manifest = seal_day(session, store, DAY, FETCHED)
    assert manifest is not None
    session.commit()
    files["manifest"] = manifest.sha256
    return files


def export(database_url: str, tmp_path: Path, *arguments: str) -> tuple[int, str]:
    config = tmp_path / "rivalwatch.toml"
    config.write_text(f'database_url = "{database_url}"\nvar_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "evidence", "export", *arguments])
    return result.exit_code, result.output


def test_export_writes_a_wacz_that_validates_with_every_record_of_the_capture(
    database_url: str, tmp_path: Path, cited: dict[str, str]
) -> None:
    output = tmp_path / "out" / "evidence.wacz"

    code, said = export(database_url, tmp_path, "--period", "2026-11-09", "--output", str(output))

    assert code == 0, said
    assert "1 page captures" in said and "wacz validate passed" in said
    with zipfile.ZipFile(output) as wacz:
        names = set(wacz.namelist())
        assert {"datapackage.json", "pages/pages.jsonl", "indexes/index.cdx.gz"} <= names
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").decode().splitlines()]
        warc = wacz.read("archive/rivalwatch-evidence.warc.gz")
        index = gzip.decompress(wacz.read("indexes/index.cdx.gz")).decode().splitlines()
    assert pages[1]["url"] == "https://www.feizhi.example/" and pages[1]["ts"] == "2026-11-03T01:30:00Z"
    # A replay looking up the page finds exactly one record under its URL: the response received.
    at_page = [json.loads(line.split(" ", 2)[2]) for line in index if line.startswith("example,feizhi)/ ")]
    assert [(entry["mime"], entry.get("status")) for entry in at_page] == [("text/html", "200")]
    records = {}
    for record in ArchiveIterator(io.BytesIO(warc)):
        key = (record.rec_type, record.rec_headers.get_header("WARC-Target-URI"))
        records[key] = (record.rec_headers, record.content_stream().read())
    page = "https://www.feizhi.example/"
    headers, body = records[("response", page)]
    assert body == SERVED  # the bytes received, not the DOM
    assert headers.get_header("WARC-Rivalwatch-Evidence-SHA256") == cited["response"]
    assert headers.get_header("WARC-Payload-Digest").startswith("sha256:")
    assert records[("conversion", page)][1] == RENDERED.encode()
    assert records[("resource", f"urn:view:{page}")][0].get_header("Content-Type") == "image/png"
    assert records[("resource", f"urn:view:{page}")][1] == EvidenceStore(tmp_path / "var" / "evidence").read(
        cited["screenshot"]
    )
    creative = records[("response", "https://www.feizhi.example/img/1.png")]
    assert creative[0].get_header("WARC-Rivalwatch-Evidence-SHA256") == cited["creative"]
    metadata = json.loads(records[("metadata", f"urn:rivalwatch:metadata:{page}")][1])
    assert metadata["site"] == "feizhi" and metadata["page"] == "home"
    assert metadata["manifest_sha256"] == cited["manifest"]
    assert metadata["ads"][0]["box"] == [10, 20, 120, 60] and metadata["ads"][0]["slot"] == "wall"
    assert metadata["crawl_run"]["started_at"] == "2026-11-03T01:30:00+00:00"
    manifest = records[("resource", "urn:rivalwatch:manifest:2026-11-03")][1]
    assert EvidenceStore(tmp_path / "var" / "evidence").read(cited["manifest"]) == manifest


def test_export_of_an_unknown_period_says_so_and_writes_nothing(
    database_url: str, tmp_path: Path, cited: dict[str, str]
) -> None:
    output = tmp_path / "evidence.wacz"

    code, said = export(database_url, tmp_path, "--period", "2025-01-01", "--output", str(output))

    assert code == 1
    assert "no accountability period contains 2025-01-01" in said
    assert not output.exists()
