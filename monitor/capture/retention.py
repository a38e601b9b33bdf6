"""Evidence retention and audit: old page screenshots and HTML go, whatever an item cites stays.

Two years of sightings are kept, but full-page screenshots and page HTML (the bulk of the store) only
for `crawl.retention_days`, except the files a manager may still need to look at: those cited by an
accountability item. Creatives and element screenshots are never pruned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, select, union, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from models import Creative, ItemEvidence, PageCapture, Sighting
from monitor.core.evidence import EvidenceStore, is_sha256_hex

_BATCH = 500
_MAX_LISTED_REFERENCES = 5
_PAGE_FILE_COLUMNS = (PageCapture.screenshot_sha256, PageCapture.html_sha256)

ProblemKind = Literal["missing", "corrupt", "invalid name"]


@dataclass(frozen=True)
class PruneResult:
    cutoff: dt.date  # captures dated before this day were old enough to prune
    deleted: tuple[str, ...]  # files removed from the store
    already_missing: tuple[str, ...]  # prunable but already absent; their columns were cleared too
    kept: tuple[str, ...]  # old captures' files kept: cited by an item or used by a newer capture
    captures_cleared: int  # page_capture columns set to NULL
    bytes_freed: int


@dataclass(frozen=True)
class EvidenceProblem:
    sha256: str
    problem: ProblemKind
    referenced_by: tuple[str, ...]  # the first few references, e.g. "page_capture 12 screenshot"
    reference_count: int


def retention_cutoff(today: dt.date, retention_days: int) -> dt.date:
    """The first day still kept: a capture is old when dated before `today - retention_days`."""
    return today - dt.timedelta(days=retention_days)


def _batches(values: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _BATCH):
        yield ordered[start : start + _BATCH]


def _hashes(session: Session, query: Select[Any]) -> set[str]:
    """The non-empty values of a one-column query."""
    return {value for value in session.scalars(query) if value}


def _page_files(where: ColumnElement[bool]) -> Select[Any]:
    """Distinct screenshot and HTML hashes of the captures matching `where`."""
    screenshots = select(PageCapture.screenshot_sha256.label("sha")).where(where)
    pages = select(PageCapture.html_sha256.label("sha")).where(where)
    return select(union(screenshots, pages).subquery().c.sha)


def _cited_files(session: Session) -> set[str]:
    """Every file an accountability item cites: its sightings' pages, element screenshots, creatives."""
    query = (
        select(
            PageCapture.screenshot_sha256,
            PageCapture.html_sha256,
            Sighting.element_screenshot_sha256,
            Creative.sha256,
        )
        .select_from(ItemEvidence)
        .join(Sighting, ItemEvidence.sighting_id == Sighting.id)
        .join(PageCapture, Sighting.capture_id == PageCapture.id)
        .outerjoin(Creative, Sighting.creative_id == Creative.id)
        .distinct()
    )
    return {value for row in session.execute(query) for value in row if value}


def _used_outside_pages(session: Session, candidates: set[str]) -> set[str]:
    """Those of `candidates` that are also an element screenshot or a creative (never pruned)."""
    used: set[str] = set()
    for batch in _batches(candidates):
        used |= _hashes(
            session,
            select(Sighting.element_screenshot_sha256)
            .where(Sighting.element_screenshot_sha256.in_(batch))
            .distinct(),
        )
        used |= _hashes(session, select(Creative.sha256).where(Creative.sha256.in_(batch)))
    return used


def prunable_files(session: Session, cutoff: dt.date) -> tuple[set[str], set[str]]:
    """(prunable, kept): old captures' page files split by whether anything still needs them."""
    old = _hashes(session, _page_files(PageCapture.capture_date < cutoff))
    needed = _hashes(session, _page_files(PageCapture.capture_date >= cutoff))
    needed |= _cited_files(session)
    needed |= _used_outside_pages(session, old - needed)
    return old - needed, old & needed


def _clear_columns(session: Session, cutoff: dt.date, hashes: set[str]) -> int:
    """Set the old captures' columns holding `hashes` to NULL; the number of columns cleared."""
    cleared = 0
    for column in _PAGE_FILE_COLUMNS:
        cleared += sum(_clear_column(session, column, cutoff, batch) for batch in _batches(hashes))
    return cleared


def _clear_column(
    session: Session, column: InstrumentedAttribute[str | None], cutoff: dt.date, batch: list[str]
) -> int:
    statement = (
        update(PageCapture)
        .where(PageCapture.capture_date < cutoff, column.in_(batch))
        .values({column.key: None})
        .execution_options(synchronize_session="fetch")
    )
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def _delete_files(store: EvidenceStore, hashes: set[str]) -> tuple[list[str], list[str], int]:
    deleted, missing, freed = [], [], 0
    for sha in sorted(hashes):
        path = store.path(sha)
        size = path.stat().st_size if path.is_file() else 0
        if store.delete(sha):
            deleted.append(sha)
            freed += size
        else:
            missing.append(sha)
    return deleted, missing, freed


def prune_evidence(
    session: Session, store: EvidenceStore, today: dt.date, retention_days: int
) -> PruneResult:
    """Delete full-page screenshots and page HTML of captures older than `retention_days`.

    Kept: every file an accountability item cites (its sightings' page screenshot and HTML, element
    screenshot and creative), every file a capture inside the window still uses (the same bytes
    recur day after day), and anything that is also an element screenshot or a creative.

    A pruned file's column is set to NULL on the old captures that held it, so the database never
    points at a file that is gone: a capture dated before the cutoff without a screenshot or HTML was
    pruned (or never had one). The columns are cleared and flushed before any file is deleted, so a
    database error deletes nothing; the caller owns the transaction and should commit right after.
    Run it while no crawl is writing, since a crawl may reuse a file between the check and the delete.
    """
    cutoff = retention_cutoff(today, retention_days)
    prunable, kept = prunable_files(session, cutoff)
    cleared = _clear_columns(session, cutoff, prunable)
    session.flush()
    deleted, missing, freed = _delete_files(store, prunable)
    return PruneResult(cutoff, tuple(deleted), tuple(missing), tuple(sorted(kept)), cleared, freed)


def _references(session: Session) -> Iterator[tuple[str, str]]:
    """(hash, where) for every evidence file the database names."""
    captures = select(PageCapture.id, PageCapture.screenshot_sha256, PageCapture.html_sha256)
    for capture_id, screenshot, html in session.execute(captures.execution_options(yield_per=1000)):
        if screenshot:
            yield screenshot, f"page_capture {capture_id} screenshot"
        if html:
            yield html, f"page_capture {capture_id} html"
    elements = select(Sighting.id, Sighting.element_screenshot_sha256).where(
        Sighting.element_screenshot_sha256.is_not(None)
    )
    for sighting_id, element_sha in session.execute(elements.execution_options(yield_per=1000)):
        yield str(element_sha), f"sighting {sighting_id} element screenshot"
    for creative_id, sha in session.execute(select(Creative.id, Creative.sha256)):
        yield sha, f"creative {creative_id}"


def _problem(store: EvidenceStore, sha: str, rehash: bool) -> ProblemKind | None:
    if not is_sha256_hex(sha):
        return "invalid name"
    if not store.exists(sha):
        return "missing"
    if rehash and not store.verify(sha):
        return "corrupt"
    return None


def verify_evidence(session: Session, store: EvidenceStore, *, rehash: bool = True) -> list[EvidenceProblem]:
    """Every hash the database names whose file is missing, corrupt (re-hashed) or not a valid name."""
    listed: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for sha, where in _references(session):
        counts[sha] = counts.get(sha, 0) + 1
        places = listed.setdefault(sha, [])
        if len(places) < _MAX_LISTED_REFERENCES:
            places.append(where)
    problems = []
    for sha in sorted(listed):
        problem = _problem(store, sha, rehash)
        if problem:
            problems.append(EvidenceProblem(sha, problem, tuple(listed[sha]), counts[sha]))
    return problems
