"""Evidence retention and audit over a real database (SQLite and PostgreSQL) and a real evidence store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    Advertiser,
    AdvertiserMatch,
    CrawlRun,
    Creative,
    Customer,
    Explanation,
    ItemEvidence,
    Page,
    PageCapture,
    Rep,
    Sighting,
    Site,
    Slot,
)
from models.enums import CaptureStatus, MatchDecision, PageKind, SlotKind
from monitor.capture.evidence_log import seal_day, verify_log
from monitor.capture.retention import (
    PruneResult,
    prune_evidence,
    retention_cutoff,
    unchecked_days,
    verify_evidence,
)
from monitor.core.evidence import EvidenceStore

# Both backends: pruning selects by date cut-offs and cross-table citations (NOT IN, shared hashes).
pytestmark = pytest.mark.both_backends

TODAY = dt.date(2026, 11, 20)
RETENTION_DAYS = 30
CUTOFF = dt.date(2026, 10, 21)  # captures dated before this are old
OLD = dt.date(2026, 9, 1)
RECENT = dt.date(2026, 11, 19)


@dataclass
class World:
    """A site with two pages and a slot each, an evidence store, and a rep and customer to cite."""

    session: Session
    store: EvidenceStore
    pages: list[Page]
    slots: list[Slot]
    rep: Rep
    customer: Customer
    runs: dict[dt.date, CrawlRun] = field(default_factory=dict)
    positions: int = 0

    def put(self, label: str) -> str:
        return self.store.put(f"evidence: {label}".encode())

    def capture(
        self,
        day: dt.date,
        *,
        screenshot: str | None,
        html: str | None,
        page: int = 0,
        response: str | None = None,
    ) -> PageCapture:
        if day not in self.runs:
            self.runs[day] = CrawlRun(crawl_date=day)
            self.session.add(self.runs[day])
            self.session.flush()
        capture = PageCapture(
            page=self.pages[page],
            crawl_run_id=self.runs[day].id,
            capture_date=day,
            status=CaptureStatus.OK,
            http_status=200,
            url=self.pages[page].url,
            screenshot_sha256=screenshot,
            html_sha256=html,
            response_sha256=response,
        )
        self.session.add(capture)
        return capture

    def sighting(
        self, capture: PageCapture, *, element: str | None = None, creative: str | None = None
    ) -> Sighting:
        self.positions += 1
        sighting = Sighting(
            capture=capture,
            slot=self.slots[self.pages.index(capture.page)],
            seen_date=capture.capture_date,
            position=self.positions,
            raw_text="上海浦东发展银行股份有限公司招聘信息",
            advertiser_text="上海浦东发展银行股份有限公司",
            element_screenshot_sha256=element,
            creative=self.creative(creative) if creative else None,
        )
        self.session.add(sighting)
        return sighting

    def creative(self, sha: str) -> Creative:
        creative = Creative(
            sha256=sha, mime_type="image/png", size_bytes=10, first_url="https://a.example/1.png"
        )
        self.session.add(creative)
        return creative

    def cite(self, sighting: Sighting, *, published: bool = False) -> ItemEvidence:
        period = AccountabilityPeriod(
            start_date=dt.date(2026, 8, 31),
            end_date=dt.date(2026, 9, 13),
            form_deadline=dt.date(2026, 9, 18),
            published_at=dt.datetime(2026, 9, 14, 1, tzinfo=dt.UTC) if published else None,
        )
        item = AccountabilityItem(period=period, customer=self.customer, rep=self.rep)
        evidence = ItemEvidence(item=item, sighting=sighting, rep_id=self.rep.id)
        self.session.add_all([period, item, evidence])
        self.session.flush()
        return evidence

    def match(self, sighting: Sighting) -> None:
        """The sighting's advertiser matched to the world's customer."""
        advertiser = Advertiser(text=sighting.advertiser_text)
        self.session.add(advertiser)
        self.session.flush()
        sighting.advertiser_id = advertiser.id
        self.session.add(
            AdvertiserMatch(
                advertiser_id=advertiser.id, customer=self.customer, score=0.95, decision=MatchDecision.AUTO
            )
        )
        self.session.flush()

    def uncite(self, evidence: ItemEvidence) -> None:
        """What a re-match or a re-generation does: the item no longer lists the sighting."""
        self.session.delete(evidence)
        self.session.flush()

    def prune(self) -> PruneResult:
        self.session.flush()
        result = prune_evidence(self.session, self.store, TODAY, RETENTION_DAYS)
        self.session.commit()
        self.session.expire_all()
        return result


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    site = Site(name="rival", display_name="Rival", base_url="https://www.rival.example")
    pages = [
        Page(site=site, key=key, url=f"https://www.rival.example/{key}", kind=PageKind.HOMEPAGE)
        for key in ("home", "campus")
    ]
    slots = [Slot(page=page, name="logo-wall", kind=SlotKind.LOGO) for page in pages]
    rep = Rep(code="R001", name="张伟")
    customer = Customer(code="C001", name="上海浦东发展银行股份有限公司")
    session.add_all([site, *pages, *slots, rep, customer])
    session.flush()
    return World(session, EvidenceStore(tmp_path / "evidence"), pages, slots, rep, customer)


def test_retention_cutoff_keeps_the_last_retention_days() -> None:
    assert retention_cutoff(TODAY, RETENTION_DAYS) == CUTOFF


def test_old_uncited_screenshot_and_html_are_pruned(world: World) -> None:
    screenshot, html = world.put("old screenshot"), world.put("old html")
    capture = world.capture(OLD, screenshot=screenshot, html=html)

    result = world.prune()

    assert not world.store.exists(screenshot)
    assert not world.store.exists(html)
    assert (capture.screenshot_sha256, capture.html_sha256) == (None, None)
    assert sorted(result.deleted) == sorted([screenshot, html])
    assert result.captures_cleared == 2
    assert result.bytes_freed == len(b"evidence: old screenshot") + len(b"evidence: old html")


def test_files_cited_by_an_accountability_item_are_kept(world: World) -> None:
    screenshot, html = world.put("cited screenshot"), world.put("cited html")
    element, creative = world.put("cited element"), world.put("cited creative")
    capture = world.capture(OLD, screenshot=screenshot, html=html)
    world.cite(world.sighting(capture, element=element, creative=creative))

    result = world.prune()

    assert all(world.store.exists(sha) for sha in (screenshot, html, element, creative))
    assert (capture.screenshot_sha256, capture.html_sha256) == (screenshot, html)
    assert result.deleted == ()
    assert sorted(result.kept) == sorted([screenshot, html])


def test_recent_captures_are_kept_and_the_cutoff_day_is_recent(world: World) -> None:
    kept = [world.put(f"recent {day}") for day in (RECENT, CUTOFF)]
    day_before = world.put("one day too old")
    world.capture(RECENT, screenshot=kept[0], html=None)
    world.capture(CUTOFF, screenshot=kept[1], html=None)
    world.capture(CUTOFF - dt.timedelta(days=1), screenshot=day_before, html=None)

    result = world.prune()

    assert all(world.store.exists(sha) for sha in kept)
    assert not world.store.exists(day_before)
    assert result.deleted == (day_before,)


def test_html_unchanged_since_an_old_day_is_kept_for_the_newer_capture(world: World) -> None:
    same_html = world.put("a page that never changes")
    old_screenshot, new_screenshot = world.put("old screenshot"), world.put("new screenshot")
    old = world.capture(OLD, screenshot=old_screenshot, html=same_html)
    world.capture(RECENT, screenshot=new_screenshot, html=same_html)

    result = world.prune()

    assert world.store.exists(same_html)
    assert not world.store.exists(old_screenshot)
    assert (old.screenshot_sha256, old.html_sha256) == (None, same_html)
    assert result.kept == (same_html,)


def test_element_screenshots_and_creatives_of_old_uncited_sightings_are_never_pruned(world: World) -> None:
    screenshot, element, creative = world.put("screenshot"), world.put("element"), world.put("creative")
    capture = world.capture(OLD, screenshot=screenshot, html=None)
    sighting = world.sighting(capture, element=element, creative=creative)

    world.prune()

    assert not world.store.exists(screenshot)
    assert world.store.exists(element) and world.store.exists(creative)
    assert sighting.element_screenshot_sha256 == element


def test_page_file_with_the_same_bytes_as_an_element_screenshot_is_kept(world: World) -> None:
    shared = world.put("a page that is just its banner")
    old = world.capture(OLD, screenshot=shared, html=None)
    world.sighting(world.capture(RECENT, screenshot=None, html=None, page=1), element=shared)

    world.prune()

    assert world.store.exists(shared)
    assert old.screenshot_sha256 == shared


def test_a_screenshot_shared_by_two_old_captures_is_deleted_once_and_cleared_on_both(world: World) -> None:
    shared = world.put("identical screenshot")
    captures = [world.capture(OLD, screenshot=shared, html=None, page=page) for page in (0, 1)]

    result = world.prune()

    assert result.deleted == (shared,)
    assert result.captures_cleared == 2
    assert [capture.screenshot_sha256 for capture in captures] == [None, None]


def test_an_already_missing_old_file_is_reported_and_its_column_cleared(world: World) -> None:
    gone = world.put("lost screenshot")
    world.store.delete(gone)
    capture = world.capture(OLD, screenshot=gone, html=None)

    result = world.prune()

    assert result.already_missing == (gone,)
    assert result.deleted == ()
    assert capture.screenshot_sha256 is None


def test_pruning_twice_changes_nothing_the_second_time(world: World) -> None:
    world.capture(OLD, screenshot=world.put("old"), html=world.put("old html"))
    cited = world.capture(OLD, screenshot=world.put("cited"), html=None, page=1)
    world.cite(world.sighting(cited))
    world.prune()
    remaining = sorted(world.store.iter_all())

    second = world.prune()

    assert (second.deleted, second.already_missing, second.captures_cleared) == ((), (), 0)
    assert sorted(world.store.iter_all()) == remaining
    assert verify_evidence(world.session, world.store) == []


def test_verify_evidence_lists_missing_corrupt_and_invalid_references(world: World) -> None:
    healthy, missing, corrupt = world.put("healthy"), world.put("missing"), world.put("corrupt")
    world.store.delete(missing)
    world.store.path(corrupt).write_bytes(b"tampered")
    capture = world.capture(RECENT, screenshot=healthy, html=missing)
    sighting = world.sighting(capture, element=corrupt, creative=corrupt)
    world.capture(RECENT, screenshot=None, html="../../etc/passwd", page=1)
    world.session.flush()

    problems = {problem.sha256: problem for problem in verify_evidence(world.session, world.store)}

    assert set(problems) == {missing, corrupt, "../../etc/passwd"}
    assert problems[missing].problem == "missing"
    assert problems[missing].referenced_by == (f"page_capture {capture.id} html",)
    assert problems[corrupt].problem == "corrupt"
    assert problems[corrupt].reference_count == 2
    assert problems[corrupt].referenced_by == (
        f"sighting {sighting.id} element screenshot",
        f"creative {sighting.creative_id}",
    )
    assert problems["../../etc/passwd"].problem == "invalid name"


def test_verify_evidence_without_rehash_only_checks_presence(world: World) -> None:
    corrupt = world.put("corrupt")
    world.store.path(corrupt).write_bytes(b"tampered")
    world.capture(RECENT, screenshot=corrupt, html=None)
    world.session.flush()

    assert verify_evidence(world.session, world.store, rehash=False) == []
    assert [problem.problem for problem in verify_evidence(world.session, world.store)] == ["corrupt"]


def test_pruning_goes_day_by_day_and_commits_each_batch(world: World) -> None:
    days = [OLD + dt.timedelta(days=n) for n in range(3)]
    files = [world.put(f"screenshot of {day}") for day in days]
    for day, sha in zip(days, files, strict=True):
        world.capture(day, screenshot=sha, html=None)
    world.session.flush()
    seen: list[tuple[dt.date, list[bool]]] = []

    def after_batch(last_day: dt.date) -> None:
        world.session.commit()  # each batch is its own transaction
        seen.append((last_day, [world.store.exists(sha) for sha in files]))

    prune_evidence(world.session, world.store, TODAY, RETENTION_DAYS, batch_days=1, after_batch=after_batch)

    assert seen == [
        (days[0], [False, True, True]),
        (days[1], [False, False, True]),
        (days[2], [False, False, False]),
    ]


def test_each_old_capture_is_looked_at_once(world: World) -> None:
    cited = world.capture(OLD, screenshot=world.put("cited"), html=None)
    world.cite(world.sighting(cited))
    world.prune()
    assert unchecked_days(world.session, CUTOFF) == []

    later = world.capture(CUTOFF, screenshot=world.put("next day"), html=None)
    world.session.flush()
    assert unchecked_days(world.session, CUTOFF + dt.timedelta(days=1)) == [CUTOFF]
    result = prune_evidence(world.session, world.store, TODAY + dt.timedelta(days=1), RETENTION_DAYS)
    assert result.kept == () and len(result.deleted) == 1  # the cited day was not looked at again
    world.session.expire_all()
    assert later.retention_checked and cited.retention_checked


def test_the_network_response_of_an_old_capture_is_pruned_and_kept_when_cited(world: World) -> None:
    old_response, cited_response = world.put("old response"), world.put("cited response")
    world.capture(OLD, screenshot=None, html=None, response=old_response)
    cited = world.capture(OLD, screenshot=None, html=None, response=cited_response, page=1)
    world.cite(world.sighting(cited))

    result = world.prune()

    assert result.deleted == (old_response,)
    assert world.store.exists(cited_response) and cited.response_sha256 == cited_response


def test_a_published_report_keeps_its_files_after_its_evidence_row_is_dropped(world: World) -> None:
    screenshot, html = world.put("reported screenshot"), world.put("reported html")
    capture = world.capture(OLD, screenshot=screenshot, html=html)
    sighting = world.sighting(capture)
    world.match(sighting)
    world.uncite(world.cite(sighting, published=True))

    result = world.prune()

    assert world.store.exists(screenshot) and world.store.exists(html)
    assert result.deleted == ()


def test_an_explanation_form_keeps_its_items_files_before_publication(world: World) -> None:
    screenshot = world.put("explained screenshot")
    sighting = world.sighting(world.capture(OLD, screenshot=screenshot, html=None))
    world.match(sighting)
    evidence = world.cite(sighting)
    world.session.add(Explanation(item_id=evidence.item_id, text="客户已签约"))
    world.uncite(evidence)

    world.prune()

    assert world.store.exists(screenshot)


def test_an_unpublished_period_without_forms_protects_only_its_evidence_rows(world: World) -> None:
    screenshot = world.put("no longer cited")
    sighting = world.sighting(world.capture(OLD, screenshot=screenshot, html=None))
    world.match(sighting)
    world.uncite(world.cite(sighting))

    result = world.prune()

    assert result.deleted == (screenshot,)


def test_a_prune_after_a_published_period_loses_no_cited_file_nor_any_manifest(world: World) -> None:
    """The whole story: a period is captured, sealed, published; retention runs long after."""
    cited_files = [world.put(f"cited {label}") for label in ("screenshot", "html", "response", "element")]
    capture = world.capture(OLD, screenshot=cited_files[0], html=cited_files[1], response=cited_files[2])
    cited = world.sighting(capture, element=cited_files[3], creative=world.put("cited creative"))
    world.match(cited)
    world.cite(cited, published=True)
    uncited_files = [world.put("uncited"), world.put("uncited html")]
    uncited = world.capture(OLD, screenshot=uncited_files[0], html=uncited_files[1], page=1)
    manifest = seal_day(world.session, world.store, OLD, dt.datetime(2026, 9, 2, tzinfo=dt.UTC))
    assert manifest is not None
    world.session.commit()

    result = world.prune()

    assert sorted(result.deleted) == sorted(uncited_files)
    assert (uncited.screenshot_sha256, uncited.html_sha256) == (None, None)
    assert all(world.store.exists(sha) for sha in [*cited_files, manifest.sha256])
    assert verify_evidence(world.session, world.store) == []
    assert verify_log(world.session, world.store, TODAY) == []  # pruned files are expected gone
