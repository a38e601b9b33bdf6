"""Evidence retention and audit: old page screenshots and HTML go, whatever an item cites stays.

Two years of sightings are kept, but full-page screenshots, page HTML and network responses (the bulk of
the store) only for `crawl.retention_days`, except the files a manager may still need to look at: those
cited by an accountability item, by a published report or by a rep's explanation form (see
`_cited_page_files`). Creatives and element screenshots are never pruned, and neither is anything else
in the store: only page files of old captures are ever candidates, so the evidence log's manifests
(monitor.capture.evidence_log) and anything else stored by hash stay whatever their age.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, select, union, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    AdvertiserMatch,
    Creative,
    Explanation,
    ItemEvidence,
    PageCapture,
    Sighting,
)
from monitor.core.evidence import EvidenceStorage, is_sha256_hex

_BATCH = 500
_MAX_LISTED_REFERENCES = 5
_PAGE_FILE_COLUMNS = (PageCapture.screenshot_sha256, PageCapture.html_sha256, PageCapture.response_sha256)

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


def _page_files(where: ColumnElement[bool], among: list[str] | None = None) -> Select[Any]:
    """Distinct page file hashes of the captures matching `where` (and in `among`, if given)."""
    parts = []
    for column in _PAGE_FILE_COLUMNS:
        part = select(column.label("sha")).where(where)
        parts.append(part.where(column.in_(among)) if among is not None else part)
    return select(union(*parts).subquery().c.sha)


def _cited_page_files(session: Session, candidates: list[str]) -> set[str]:
    """Those of `candidates` that are page files of a capture with a cited sighting.

    Cited: an item's evidence row names the sighting; or the sighting is one a published report or a
    form could have shown: seen inside a period that is published or has an explanation form, by an
    advertiser matched to a customer with an item in that period. The second keeps a file a report was
    mailed with even after a re-match or re-generation dropped its evidence row.

    Asked per candidate through the page-file indexes and each capture's sightings, never by loading
    every citation: the cost follows the batch, not the history.
    """
    by_item = select(ItemEvidence.id).where(ItemEvidence.sighting_id == Sighting.id).exists()
    has_form = select(Explanation.id).where(Explanation.item_id == AccountabilityItem.id).exists()
    by_report_or_form = (
        select(AccountabilityItem.id)
        .join(AccountabilityPeriod, AccountabilityPeriod.id == AccountabilityItem.period_id)
        .join(AdvertiserMatch, AdvertiserMatch.customer_id == AccountabilityItem.customer_id)
        .where(
            AdvertiserMatch.advertiser_id == Sighting.advertiser_id,
            Sighting.seen_date >= AccountabilityPeriod.start_date,
            Sighting.seen_date <= AccountabilityPeriod.end_date,
            AccountabilityPeriod.published_at.is_not(None) | has_form,
        )
        .exists()
    )
    cited = (
        select(Sighting.id).where(Sighting.capture_id == PageCapture.id, by_item | by_report_or_form).exists()
    )
    found: set[str] = set()
    for column in _PAGE_FILE_COLUMNS:
        found |= _hashes(session, select(column).where(column.in_(candidates), cited).distinct())
    return found


def _used_since(session: Session, candidates: list[str], cutoff: dt.date) -> set[str]:
    """Those of `candidates` that a capture inside the window still uses (the same bytes recur)."""
    return _hashes(session, _page_files(PageCapture.capture_date >= cutoff, candidates))


def _used_outside_pages(session: Session, candidates: list[str]) -> set[str]:
    """Those of `candidates` that are also an element screenshot or a creative (never pruned)."""
    used = _hashes(
        session,
        select(Sighting.element_screenshot_sha256)
        .where(Sighting.element_screenshot_sha256.in_(candidates))
        .distinct(),
    )
    return used | _hashes(session, select(Creative.sha256).where(Creative.sha256.in_(candidates)))


def needed_files(session: Session, candidates: set[str], cutoff: dt.date) -> set[str]:
    """Those of the old captures' files `candidates` that must stay: cited, reused, or not page files."""
    needed: set[str] = set()
    for batch in _batches(candidates):
        needed |= _used_since(session, batch, cutoff)
        rest = [sha for sha in batch if sha not in needed]
        needed |= _cited_page_files(session, rest) if rest else set()
        rest = [sha for sha in rest if sha not in needed]
        needed |= _used_outside_pages(session, rest) if rest else set()
    return needed


def unchecked_days(session: Session, cutoff: dt.date) -> list[dt.date]:
    """The capture days before `cutoff` with a capture retention has not looked at yet, oldest first."""
    return list(
        session.scalars(
            select(PageCapture.capture_date)
            .where(PageCapture.capture_date < cutoff, PageCapture.retention_checked.is_(False))
            .distinct()
            .order_by(PageCapture.capture_date)
        )
    )


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


def _delete_files(store: EvidenceStorage, hashes: set[str]) -> tuple[list[str], list[str], int]:
    deleted, missing, freed = [], [], 0
    for sha in sorted(hashes):
        size = store.size(sha) or 0
        if store.delete(sha):
            deleted.append(sha)
            freed += size
        else:
            missing.append(sha)
    return deleted, missing, freed


@dataclass
class _Progress:
    deleted: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    cleared: int = 0
    freed: int = 0


def _prune_days(
    session: Session, store: EvidenceStorage, cutoff: dt.date, days: list[dt.date], progress: _Progress
) -> None:
    """Prune the page files of the unchecked captures of `days`, then mark those captures checked."""
    on_days = PageCapture.capture_date.in_(days) & PageCapture.retention_checked.is_(False)
    candidates = _hashes(session, _page_files(on_days))
    needed = needed_files(session, candidates, cutoff)
    prunable = candidates - needed
    progress.cleared += _clear_columns(session, cutoff, prunable)
    session.execute(
        update(PageCapture)
        .where(on_days)
        .values(retention_checked=True)
        .execution_options(synchronize_session=False)
    )
    session.flush()  # the database forgets the files before any of them is deleted
    deleted, missing, freed = _delete_files(store, prunable)
    progress.deleted += deleted
    progress.missing += missing
    progress.kept += sorted(candidates & needed)
    progress.freed += freed


def prune_evidence(
    session: Session,
    store: EvidenceStorage,
    today: dt.date,
    retention_days: int,
    *,
    batch_days: int = 7,
    after_batch: Callable[[dt.date], None] | None = None,
) -> PruneResult:
    """Delete full-page screenshots, page HTML and network responses of captures before the window.

    Kept: every file an accountability item, a published report or a form cites (its sightings' page
    files, element screenshot and creative; see `_cited_page_files`), every file a capture inside the
    window still uses (the same bytes recur day after day), and anything that is also an element
    screenshot or a creative.

    Works through the old capture days not looked at before, `batch_days` at a time, oldest first: each
    batch asks the indexes about its own files only, so time and memory follow the days to prune, not
    the history kept. Each capture is looked at once (`retention_checked`); a daily run prunes one day.

    A pruned file's column is set to NULL on the old captures that held it, so the database never
    points at a file that is gone. Each batch's columns are cleared and flushed before its files are
    deleted, so a database error deletes nothing of that batch. `after_batch(last day)` runs after each
    batch: a caller that commits there keeps each transaction short; otherwise the caller owns the one
    transaction and should commit right after. Run it while no crawl is writing, since a crawl may
    reuse a file between the check and the delete.
    """
    cutoff = retention_cutoff(today, retention_days)
    progress = _Progress()
    days = unchecked_days(session, cutoff)
    for start in range(0, len(days), batch_days):
        batch = days[start : start + batch_days]
        _prune_days(session, store, cutoff, batch, progress)
        if after_batch is not None:
            after_batch(batch[-1])
    return PruneResult(
        cutoff,
        tuple(progress.deleted),
        tuple(progress.missing),
        tuple(sorted(set(progress.kept))),
        progress.cleared,
        progress.freed,
    )


def _references(session: Session) -> Iterator[tuple[str, str]]:
    """(hash, where) for every evidence file the database names."""
    captures = select(
        PageCapture.id, PageCapture.screenshot_sha256, PageCapture.html_sha256, PageCapture.response_sha256
    )
    for capture_id, screenshot, html, response in session.execute(captures.execution_options(yield_per=1000)):
        if screenshot:
            yield screenshot, f"page_capture {capture_id} screenshot"
        if html:
            yield html, f"page_capture {capture_id} html"
        if response:
            yield response, f"page_capture {capture_id} network response"
    elements = select(Sighting.id, Sighting.element_screenshot_sha256).where(
        Sighting.element_screenshot_sha256.is_not(None)
    )
    for sighting_id, element_sha in session.execute(elements.execution_options(yield_per=1000)):
        yield str(element_sha), f"sighting {sighting_id} element screenshot"
    for creative_id, sha in session.execute(select(Creative.id, Creative.sha256)):
        yield sha, f"creative {creative_id}"


def _problem(store: EvidenceStorage, sha: str, rehash: bool) -> ProblemKind | None:
    if not is_sha256_hex(sha):
        return "invalid name"
    if not store.exists(sha):
        return "missing"
    if rehash and not store.verify(sha):
        return "corrupt"
    return None


def verify_evidence(
    session: Session, store: EvidenceStorage, *, rehash: bool = True
) -> list[EvidenceProblem]:
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
