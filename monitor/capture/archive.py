"""Web archives of the evidence: WARC records (ISO 28500) per page capture, and a period's WACZ.

Built at export time from the evidence store, never stored: the store's files (named by their SHA-256
and sealed in the evidence log) are the evidence, and a WARC is one standard view of them. Building it
again gives the same payloads, so nothing once captured is ever rewritten, and the store holds each byte
once. Each record names the evidence file it carries (`WARC-Rivalwatch-Evidence-SHA256`) and the
metadata record names the day's manifest, so an outsider can tie a replayed page back to the log.

Per capture (docs/capture.md says which record is which):
- `response`: the HTTP response as received from the network (`page_capture.response_sha256`); for a
  capture stored before responses were kept, one made from the stored HTML, flagged in the metadata.
- `conversion`: the rendered DOM of a browser page (`html_sha256`), referring to the response.
- `resource` `urn:view:<url>`: the full-page screenshot (PNG), as browser-based crawlers record it.
- `response` per creative at the image URL the page showed, so the replayed page shows the logos.
- `metadata` `urn:rivalwatch:metadata:<url>`: site, page, crawl run, each sighting's slot, position,
  text and box, the manifest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    CrawlRun,
    Creative,
    ItemEvidence,
    Page,
    PageCapture,
    Sighting,
    Site,
    Slot,
)
from monitor.capture.evidence_log import manifest_hashes
from monitor.core.evidence import EvidenceStorage

SOFTWARE = "Rivalwatch evidence export"
EVIDENCE_HEADER = "WARC-Rivalwatch-Evidence-SHA256"


class ArchiveError(Exception):
    """The export cannot be made (no such period, nothing cited, a file missing)."""


@dataclass
class ArchivedPage:
    url: str
    fetched_at: dt.datetime
    title: str


@dataclass
class ArchiveSummary:
    captures: int = 0
    records: int = 0
    missing: list[str] = field(default_factory=list)  # evidence files the store no longer has
    pages: list[ArchivedPage] = field(default_factory=list)


# --- what a period cites ---------------------------------------------------------------------------


def period_containing(session: Session, day: dt.date) -> AccountabilityPeriod:
    period = session.scalar(
        select(AccountabilityPeriod).where(
            AccountabilityPeriod.start_date <= day, AccountabilityPeriod.end_date >= day
        )
    )
    if period is None:
        raise ArchiveError(f"no accountability period contains {day}; generate its report first")
    return period


def cited_capture_ids(session: Session, period_id: int) -> list[int]:
    """The page captures holding a sighting that an item of the period cites, oldest first."""
    return list(
        session.scalars(
            select(PageCapture.id)
            .join(Sighting, Sighting.capture_id == PageCapture.id)
            .join(ItemEvidence, ItemEvidence.sighting_id == Sighting.id)
            .join(AccountabilityItem, AccountabilityItem.id == ItemEvidence.item_id)
            .where(AccountabilityItem.period_id == period_id)
            .distinct()
            .order_by(PageCapture.id)
        )
    )


# --- WARC ------------------------------------------------------------------------------------------


class _Sha256Writer(WARCWriter):
    """WARC-Block-Digest and WARC-Payload-Digest as SHA-256, the evidence store's hash."""

    @staticmethod
    def _create_digester() -> Any:
        from warcio.utils import Digester

        return Digester("sha256")


def _warc_date(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Records:
    """Writes one capture's records; files absent from the store are listed, not fatal."""

    def __init__(self, writer: WARCWriter, store: EvidenceStorage, summary: ArchiveSummary) -> None:
        self.writer = writer
        self.store = store
        self.summary = summary

    def read(self, sha: str | None, what: str) -> bytes | None:
        if not sha:
            return None
        try:
            return self.store.read(sha)
        except FileNotFoundError:
            self.summary.missing.append(f"{sha} ({what})")
            return None

    def write(
        self,
        uri: str,
        kind: str,
        payload: bytes,
        date: dt.datetime,
        *,
        content_type: str | None = None,
        http_headers: StatusAndHeaders | None = None,
        extra: dict[str, str] | None = None,
    ) -> str:
        headers = {"WARC-Date": _warc_date(date), **(extra or {})}
        record = self.writer.create_warc_record(
            uri,
            kind,
            payload=io.BytesIO(payload),
            length=len(payload),
            warc_content_type=content_type or "",
            http_headers=http_headers,
            warc_headers_dict=headers,
        )
        self.writer.write_record(record)
        self.summary.records += 1
        return str(record.rec_headers.get_header("WARC-Record-ID"))


def _split_http(message: bytes) -> tuple[StatusAndHeaders, bytes]:
    head, _, body = message.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = [tuple(line.split(":", 1)) for line in lines[1:] if ":" in line]
    statusline = lines[0].split(" ", 1)[1] if " " in lines[0] else lines[0]
    pairs = [(name.strip(), value.strip()) for name, value in headers]
    return StatusAndHeaders(statusline, pairs, protocol="HTTP/1.1"), body


def _made_response(status: int | None, html: bytes) -> bytes:
    code = status or 200
    head = f"HTTP/1.1 {code} OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(html)}"
    return head.encode("ascii") + b"\r\n\r\n" + html


def _capture_rows(session: Session, capture_id: int) -> tuple[Any, list[Any]]:
    capture = session.execute(
        select(
            PageCapture,
            Site.name,
            Site.display_name,
            Page.key,
            CrawlRun.started_at,
            CrawlRun.finished_at,
        )
        .join(Page, Page.id == PageCapture.page_id)
        .join(Site, Site.id == Page.site_id)
        .join(CrawlRun, CrawlRun.id == PageCapture.crawl_run_id)
        .where(PageCapture.id == capture_id)
    ).one()
    sightings = list(
        session.execute(
            select(Sighting, Slot.name, Creative.sha256, Creative.mime_type)
            .join(Slot, Slot.id == Sighting.slot_id)
            .outerjoin(Creative, Creative.id == Sighting.creative_id)
            .where(Sighting.capture_id == capture_id)
            .order_by(Slot.name, Sighting.position)
        )
    )
    return capture, sightings


def write_capture(records: _Records, session: Session, capture_id: int, manifest: str | None) -> ArchivedPage:
    """Every record of one capture (see the module's docstring)."""
    (capture, site, site_display, page_key, run_started, run_finished), sightings = _capture_rows(
        session, capture_id
    )
    url, when = capture.url, capture.fetched_at
    received = records.read(capture.response_sha256, f"capture {capture.id} network response")
    html = records.read(capture.html_sha256, f"capture {capture.id} html")
    made = received is None  # captured before responses were kept, or pruned: made from the HTML
    message = received if received is not None else _made_response(capture.http_status, html or b"")
    http_headers, body = _split_http(message)
    evidence = {EVIDENCE_HEADER: capture.response_sha256} if received is not None else {}
    response_id = records.write(url, "response", body, when, http_headers=http_headers, extra=evidence)
    refers = {"WARC-Refers-To": response_id, "WARC-Concurrent-To": response_id}
    if html is not None and html != body:
        records.write(
            url,
            "conversion",
            html,
            when,
            content_type="text/html; charset=utf-8",
            extra={**refers, EVIDENCE_HEADER: capture.html_sha256 or ""},
        )
    screenshot = records.read(capture.screenshot_sha256, f"capture {capture.id} screenshot")
    if screenshot is not None:
        records.write(
            f"urn:view:{url}",
            "resource",
            screenshot,
            when,
            content_type="image/png",
            extra={**refers, EVIDENCE_HEADER: capture.screenshot_sha256 or ""},
        )
    shown: dict[str, str] = {}
    ads = []
    for sighting, slot, creative_sha, mime in sightings:
        box = None
        if sighting.box_x is not None:
            box = [sighting.box_x, sighting.box_y, sighting.box_width, sighting.box_height]
        ads.append(
            {
                "sighting_id": sighting.id,
                "slot": slot,
                "position": sighting.position,
                "text": sighting.raw_text,
                "advertiser_text": sighting.advertiser_text,
                "link": sighting.link,
                "image_url": sighting.image_url,
                "box": box,
                "creative_sha256": creative_sha,
                "element_screenshot_sha256": sighting.element_screenshot_sha256,
            }
        )
        if creative_sha and sighting.image_url and sighting.image_url not in shown:
            data = records.read(creative_sha, f"creative of sighting {sighting.id}")
            if data is not None:
                image_headers = StatusAndHeaders(
                    "200 OK",
                    [
                        ("Content-Type", mime or "application/octet-stream"),
                        ("Content-Length", str(len(data))),
                    ],
                    protocol="HTTP/1.1",
                )
                extra = {EVIDENCE_HEADER: creative_sha, "WARC-Concurrent-To": response_id}
                records.write(
                    sighting.image_url, "response", data, when, http_headers=image_headers, extra=extra
                )
                shown[sighting.image_url] = creative_sha
    metadata = {
        "site": site,
        "site_display_name": site_display,
        "page": page_key,
        "url": url,
        "capture_id": capture.id,
        "capture_date": capture.capture_date.isoformat(),
        "fetched_at": when.astimezone(dt.UTC).isoformat(),
        "status": str(capture.status),
        "http_status": capture.http_status,
        "crawl_run": {
            "id": capture.crawl_run_id,
            "started_at": run_started.astimezone(dt.UTC).isoformat() if run_started else None,
            "finished_at": run_finished.astimezone(dt.UTC).isoformat() if run_finished else None,
        },
        "evidence": {
            "response_sha256": capture.response_sha256,
            "html_sha256": capture.html_sha256,
            "screenshot_sha256": capture.screenshot_sha256,
            "response_reconstructed": made,
        },
        "manifest_sha256": manifest,
        "ads": ads,
    }
    # Its own URI, not the page's: the WACZ index lists metadata too, and a replay must find the page.
    records.write(
        f"urn:rivalwatch:metadata:{url}",
        "metadata",
        json.dumps(metadata, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8"),
        when,
        content_type="application/json",
        extra={"WARC-Concurrent-To": response_id},
    )
    records.summary.captures += 1
    return ArchivedPage(url, when, f"{site_display} · {page_key} · {capture.capture_date.isoformat()}")


def write_warc(
    session: Session,
    store: EvidenceStorage,
    capture_ids: list[int],
    out: BinaryIO,
    description: str,
    now: dt.datetime,
) -> ArchiveSummary:
    """The captures' records, gzipped per record, after a warcinfo record; the manifests they cite too."""
    writer = _Sha256Writer(out, gzip=True, warc_version="WARC/1.1")
    summary = ArchiveSummary()
    records = _Records(writer, store, summary)
    info = writer.create_warcinfo_record(
        "rivalwatch-evidence.warc.gz",
        {"software": SOFTWARE, "description": description, "format": "WARC/1.1"},
    )
    info.rec_headers.replace_header("WARC-Date", _warc_date(now))
    writer.write_record(info)
    summary.records += 1
    days: dict[int, dt.date] = {}
    for start in range(0, len(capture_ids), 500):
        chunk = capture_ids[start : start + 500]
        rows = session.execute(
            select(PageCapture.id, PageCapture.capture_date).where(PageCapture.id.in_(chunk))
        )
        days.update({capture_id: day for capture_id, day in rows})
    manifests = manifest_hashes(session, days.values())
    for capture_id in capture_ids:
        summary.pages.append(write_capture(records, session, capture_id, manifests.get(days[capture_id])))
    for day, sha in sorted(manifests.items()):
        data = records.read(sha, f"manifest of {day}")
        if data is not None:
            records.write(
                f"urn:rivalwatch:manifest:{day.isoformat()}",
                "resource",
                data,
                now,
                content_type="application/json",
                extra={EVIDENCE_HEADER: sha},
            )
    return summary


# --- WACZ ------------------------------------------------------------------------------------------


def _pages_jsonl(pages: list[ArchivedPage], title: str) -> Iterator[str]:
    yield json.dumps({"format": "json-pages-1.0", "id": "pages", "title": title}, ensure_ascii=False)
    for page in pages:
        yield json.dumps(
            {
                "url": page.url,
                "ts": page.fetched_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "title": page.title,
            },
            ensure_ascii=False,
        )


def export_period(
    session: Session, store: EvidenceStorage, day: dt.date, output: Path, now: dt.datetime
) -> ArchiveSummary:
    """Write the WACZ of the period containing `day`: every capture its items cite, replayable."""
    from wacz.main import main as wacz_main

    period = period_containing(session, day)
    capture_ids = cited_capture_ids(session, period.id)
    if not capture_ids:
        raise ArchiveError(f"period {period.label} cites no capture: nothing to export")
    title = f"Rivalwatch evidence {period.label}"
    with tempfile.TemporaryDirectory(prefix="rivalwatch-wacz-") as work:
        folder = Path(work)
        warc = folder / "rivalwatch-evidence.warc.gz"
        with warc.open("wb") as out:
            summary = write_warc(session, store, capture_ids, out, title, now)
        pages = folder / "pages.jsonl"
        pages.write_text("\n".join(_pages_jsonl(summary.pages, title)) + "\n", encoding="utf-8")
        partial = folder / "out.wacz"
        arguments = ["create", "-o", str(partial), "-p", str(pages), "--hash-type", "sha256"]
        arguments += ["--title", title, "--desc", f"{summary.captures} page captures cited by its items"]
        said = io.StringIO()
        with contextlib.redirect_stdout(said):
            code = wacz_main([*arguments, str(warc)])
        if code not in (0, None):
            raise ArchiveError(f"wacz create failed ({code}): {said.getvalue().strip()}")
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(partial, output)
    return summary


def validate_wacz(path: Path) -> tuple[bool, str]:
    """`wacz validate -f path`, in a child process (it leaves temporary folders behind): (valid, output)."""
    done = subprocess.run(
        [sys.executable, "-m", "wacz", "validate", "-f", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    said = (done.stdout + done.stderr).strip()
    return done.returncode == 0 and "Validation succeeded" in said, said
