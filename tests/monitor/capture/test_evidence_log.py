"""The evidence log over a real database and evidence store: sealing days, the hash chain, verifying."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import CrawlRun, Creative, EvidenceManifest, Page, PageCapture, Sighting, Site, Slot
from models.enums import CaptureStatus, PageKind, SlotKind
from monitor.capture.evidence_log import (
    manifest_hashes,
    parse_manifest,
    seal_day,
    verify_log,
)
from monitor.core.evidence import EvidenceStore

# Both backends: the chain is read in sealing order and days are compared with NOT IN over dates.
pytestmark = pytest.mark.both_backends

DAYS = [dt.date(2026, 11, 2), dt.date(2026, 11, 3), dt.date(2026, 11, 4)]
TODAY = dt.date(2026, 11, 10)
SEALED_AT = dt.datetime(2026, 11, 5, 1, 0, tzinfo=dt.UTC)


@dataclass
class World:
    session: Session
    store: EvidenceStore
    page: Page
    slot: Slot

    def capture(self, day: dt.date, label: str) -> PageCapture:
        run = CrawlRun(crawl_date=day)
        self.session.add(run)
        self.session.flush()
        capture = PageCapture(
            page=self.page,
            crawl_run_id=run.id,
            capture_date=day,
            status=CaptureStatus.OK,
            http_status=200,
            url=self.page.url,
            html_sha256=self.store.put(f"<html>{label}</html>".encode()),
            response_sha256=self.store.put(f"HTTP/1.1 200 OK\r\n\r\n{label}".encode()),
            screenshot_sha256=self.store.put(f"png {label}".encode()),
        )
        creative = Creative(
            sha256=self.store.put(f"creative {label}".encode()),
            mime_type="image/png",
            size_bytes=10,
            first_url="https://a.example/1.png",
        )
        sighting = Sighting(
            capture=capture,
            slot=self.slot,
            seen_date=day,
            position=1,
            raw_text="招商银行",
            advertiser_text="招商银行",
            element_screenshot_sha256=self.store.put(f"element {label}".encode()),
            creative=creative,
        )
        self.session.add_all([capture, creative, sighting])
        self.session.flush()
        return capture

    def seal(self, day: dt.date) -> EvidenceManifest | None:
        row = seal_day(self.session, self.store, day, SEALED_AT)
        self.session.commit()
        return row

    def verify(self) -> list[str]:
        return [problem.describe() for problem in verify_log(self.session, self.store, TODAY)]

    def overwrite(self, sha: str, data: bytes) -> None:
        """Tamper with a stored file behind the store's back (an attacker with disk access)."""
        self.store.delete(sha)
        target = self.store.root / sha[:2] / sha[2:4] / sha
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    site = Site(name="rival", display_name="Rival", base_url="https://www.rival.example")
    page = Page(site=site, key="home", url="https://www.rival.example/", kind=PageKind.HOMEPAGE)
    slot = Slot(page=page, name="logo-wall", kind=SlotKind.LOGO)
    session.add_all([site, page, slot])
    session.flush()
    return World(session, EvidenceStore(tmp_path / "evidence"), page, slot)


@pytest.fixture
def sealed(world: World) -> list[EvidenceManifest]:
    rows = []
    for day in DAYS:
        world.capture(day, str(day))
        row = world.seal(day)
        assert row is not None
        rows.append(row)
    return rows


def test_each_day_lists_its_files_and_links_to_the_day_before(
    world: World, sealed: list[EvidenceManifest]
) -> None:
    documents = [parse_manifest(world.store.read(row.sha256)) for row in sealed]

    assert [row.previous_sha256 for row in sealed] == [None, sealed[0].sha256, sealed[1].sha256]
    assert [document["previous"] for document in documents] == [None, sealed[0].sha256, sealed[1].sha256]
    kinds = sorted(entry["kind"] for entry in documents[0]["files"])
    assert kinds == ["creative", "element_screenshot", "page_html", "page_response", "page_screenshot"]
    assert all(row.file_count == 5 for row in sealed)
    assert world.verify() == []


def test_sealing_again_without_changes_adds_nothing(world: World, sealed: list[EvidenceManifest]) -> None:
    assert world.seal(DAYS[1]) is None
    assert world.session.scalar(select(EvidenceManifest).order_by(EvidenceManifest.id.desc())) == sealed[-1]


def test_a_late_rerun_appends_a_new_version_after_the_head_and_rewrites_nothing(
    world: World, sealed: list[EvidenceManifest]
) -> None:
    before = {row.sha256: world.store.read(row.sha256) for row in sealed}
    # A re-run of the first day, after the third was sealed, saw the page anew.
    capture = world.session.scalars(select(PageCapture).where(PageCapture.capture_date == DAYS[0])).one()
    capture.html_sha256 = world.store.put(b"<html>re-run</html>")
    world.session.flush()

    rerun = world.seal(DAYS[0])

    assert rerun is not None and (rerun.day, rerun.version) == (DAYS[0], 2)
    assert rerun.previous_sha256 == sealed[-1].sha256  # chained after the head, not into the past
    assert all(world.store.read(sha) == data for sha, data in before.items())
    assert manifest_hashes(world.session, DAYS) == {
        DAYS[0]: rerun.sha256,
        DAYS[1]: sealed[1].sha256,
        DAYS[2]: sealed[2].sha256,
    }
    assert world.verify() == []


@pytest.mark.parametrize(
    "kind", ["page_html", "page_response", "page_screenshot", "element_screenshot", "creative"]
)
def test_a_changed_byte_in_any_listed_file_is_caught(
    world: World, sealed: list[EvidenceManifest], kind: str
) -> None:
    document = parse_manifest(world.store.read(sealed[1].sha256))
    sha = next(entry["sha256"] for entry in document["files"] if entry["kind"] == kind)
    data = bytearray(world.store.read(sha))
    data[0] ^= 1
    world.overwrite(sha, bytes(data))

    problems = world.verify()

    assert len(problems) == 1
    assert problems[0].startswith(f"manifest of {DAYS[1]} v1 ({sealed[1].sha256})")
    assert f"{kind} {sha}" in problems[0] and "changed" in problems[0]


def test_a_changed_byte_in_a_manifest_is_caught(world: World, sealed: list[EvidenceManifest]) -> None:
    data = world.store.read(sealed[0].sha256).replace(b'"version":1', b'"version":2')
    world.overwrite(sealed[0].sha256, data)

    problems = world.verify()

    assert problems == [
        f"manifest of {DAYS[0]} v1 ({sealed[0].sha256}): the manifest file is changed: "
        "its bytes no longer hash to its name"
    ]


def test_a_removed_day_is_named_as_the_first_broken_link(
    world: World, sealed: list[EvidenceManifest]
) -> None:
    middle = sealed[1]
    world.session.execute(delete(EvidenceManifest).where(EvidenceManifest.id == middle.id))
    world.session.commit()

    problems = world.verify()

    assert problems[0].startswith(f"manifest of {DAYS[2]} v1 ({sealed[2].sha256})")
    assert f"links to {middle.sha256}, but the manifest before it is {sealed[0].sha256}" in problems[0]
    assert problems[-1] == f"day {DAYS[1]}: captures of this day are in no manifest"


def test_a_removed_day_with_its_captures_still_breaks_the_chain(
    world: World, sealed: list[EvidenceManifest]
) -> None:
    middle = sealed[1]
    capture_ids = select(PageCapture.id).where(PageCapture.capture_date == DAYS[1])
    world.session.execute(delete(Sighting).where(Sighting.capture_id.in_(capture_ids)))
    world.session.execute(delete(PageCapture).where(PageCapture.capture_date == DAYS[1]))
    world.session.execute(delete(EvidenceManifest).where(EvidenceManifest.id == middle.id))
    world.session.commit()

    problems = world.verify()

    assert len(problems) == 2  # the row's link and the file's link both point at the removed day
    assert all(problem.startswith(f"manifest of {DAYS[2]} v1") for problem in problems)


def test_a_rewritten_manifest_with_a_fixed_row_still_breaks_the_next_link(
    world: World, sealed: list[EvidenceManifest]
) -> None:
    """Someone replaces day 1's manifest (dropping a file) and points its row at the new file."""
    document = parse_manifest(world.store.read(sealed[0].sha256))
    document["files"] = document["files"][1:]
    forged = world.store.put(json.dumps(document, sort_keys=True, separators=(",", ":")).encode())
    world.session.get_one(EvidenceManifest, sealed[0].id).sha256 = forged
    world.session.commit()

    problems = world.verify()

    assert len(problems) == 2
    assert problems[0].startswith(f"manifest of {DAYS[1]} v1") and "before it is " + forged in problems[0]


def test_a_missing_file_and_an_unsealed_day_are_reported(
    world: World, sealed: list[EvidenceManifest]
) -> None:
    capture = world.session.scalars(select(PageCapture).where(PageCapture.capture_date == DAYS[2])).one()
    world.store.delete(capture.screenshot_sha256 or "")
    world.capture(dt.date(2026, 11, 5), "never sealed")
    world.session.commit()

    problems = world.verify()

    assert problems == [
        f"manifest of {DAYS[2]} v1 ({sealed[2].sha256}): page_screenshot {capture.screenshot_sha256} "
        f"(rival/home capture {capture.id}) is missing",
        "day 2026-11-05: captures of this day are in no manifest",
    ]


def test_a_page_file_pruned_by_retention_is_not_a_fault(world: World, sealed: list[EvidenceManifest]) -> None:
    capture = world.session.scalars(select(PageCapture).where(PageCapture.capture_date == DAYS[0])).one()
    sha = capture.screenshot_sha256 or ""
    capture.screenshot_sha256 = None  # what retention does before it deletes the file
    world.session.commit()
    world.store.delete(sha)

    assert world.verify() == []
