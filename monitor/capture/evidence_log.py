"""The tamper-evident evidence log: each crawl day's evidence hashes sealed in a manifest, in a hash chain.

A manifest is a canonical JSON file stored in the evidence store (so it is named by its own SHA-256)
listing every evidence file of one crawl day: page HTML, the network response, the full-page
screenshot, element screenshots and creatives, each with what it is. It names the hash of the manifest
sealed before it, so changing, removing or inserting a manifest breaks every link after it.

A day is sealed once its crawl completes (`seal_day`, called by `rivalwatch crawl`). A later re-run of
the same day seals a new version of that day's manifest, chained after the newest manifest: nothing
sealed is ever rewritten. Sealing twice with the same files adds nothing.

`verify_log` walks the chain in sealing order and checks each manifest's bytes, its link and every file
it lists; page files a manifest lists but retention has pruned since (old, uncited, no longer named by
the database) are expected to be gone and are not a fault.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import CrawlRun, Creative, EvidenceManifest, Page, PageCapture, Sighting, Site
from monitor.core.evidence import EvidenceStorage, is_sha256_hex, sha256_hex

MANIFEST_FORMAT = "rivalwatch-evidence-manifest/1"

FileKind = Literal["page_html", "page_response", "page_screenshot", "element_screenshot", "creative"]
# Kinds retention may prune from old captures (monitor.capture.retention); the others are kept forever.
PRUNABLE_KINDS = frozenset({"page_html", "page_response", "page_screenshot"})


@dataclass(frozen=True, order=True)
class ManifestEntry:
    sha256: str
    kind: str
    ref: str  # where it belongs, e.g. "site/page_key capture 12" or "sighting 40"

    def as_dict(self) -> dict[str, str]:
        return {"sha256": self.sha256, "kind": self.kind, "ref": self.ref}


@dataclass(frozen=True)
class ChainProblem:
    day: dt.date | None
    version: int | None
    manifest_sha256: str | None
    problem: str

    def describe(self) -> str:
        where = f"manifest of {self.day} v{self.version}" if self.version else f"day {self.day}"
        name = f" ({self.manifest_sha256})" if self.manifest_sha256 else ""
        return f"{where}{name}: {self.problem}"


# --- what a day holds ------------------------------------------------------------------------------


def day_files(session: Session, day: dt.date) -> list[ManifestEntry]:
    """Every evidence file of the day's captures, sorted (each file once per place it belongs)."""
    entries: set[ManifestEntry] = set()
    captures = session.execute(
        select(
            PageCapture.id,
            Site.name,
            Page.key,
            PageCapture.html_sha256,
            PageCapture.response_sha256,
            PageCapture.screenshot_sha256,
        )
        .join(Page, Page.id == PageCapture.page_id)
        .join(Site, Site.id == Page.site_id)
        .where(PageCapture.capture_date == day)
    )
    for capture_id, site, page, html, response, screenshot in captures:
        ref = f"{site}/{page} capture {capture_id}"
        for sha, kind in ((html, "page_html"), (response, "page_response"), (screenshot, "page_screenshot")):
            if sha:
                entries.add(ManifestEntry(sha, kind, ref))
    sightings = session.execute(
        select(Sighting.id, Sighting.element_screenshot_sha256, Creative.sha256)
        .outerjoin(Creative, Creative.id == Sighting.creative_id)
        .join(PageCapture, PageCapture.id == Sighting.capture_id)
        .where(PageCapture.capture_date == day)
    )
    for sighting_id, element, creative in sightings:
        if element:
            entries.add(ManifestEntry(element, "element_screenshot", f"sighting {sighting_id}"))
        if creative:
            entries.add(ManifestEntry(creative, "creative", f"sighting {sighting_id}"))
    return sorted(entries)


def manifest_bytes(
    day: dt.date, version: int, previous: str | None, sealed_at: dt.datetime, files: Iterable[ManifestEntry]
) -> bytes:
    """The manifest file: canonical JSON (sorted keys, no spaces, UTF-8), so its hash is reproducible."""
    document = {
        "format": MANIFEST_FORMAT,
        "day": day.isoformat(),
        "version": version,
        "previous": previous,
        "sealed_at": sealed_at.astimezone(dt.UTC).isoformat(),
        "files": [entry.as_dict() for entry in sorted(files)],
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_manifest(data: bytes) -> dict[str, Any]:
    """The manifest's JSON; ValueError when it is not a manifest of this format."""
    document = json.loads(data.decode("utf-8"))
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"not a {MANIFEST_FORMAT} file")
    return document


# --- sealing ---------------------------------------------------------------------------------------


def chain_head(session: Session) -> EvidenceManifest | None:
    """The newest manifest: the one the next manifest is chained after."""
    return session.scalar(select(EvidenceManifest).order_by(EvidenceManifest.id.desc()).limit(1))


def latest_manifest(session: Session, day: dt.date) -> EvidenceManifest | None:
    """The day's newest manifest version, or None when the day was never sealed."""
    return session.scalar(
        select(EvidenceManifest)
        .where(EvidenceManifest.day == day)
        .order_by(EvidenceManifest.version.desc())
        .limit(1)
    )


def seal_day(
    session: Session,
    store: EvidenceStorage,
    day: dt.date,
    now: dt.datetime,
    crawl_run_id: int | None = None,
) -> EvidenceManifest | None:
    """Seal the day's evidence in a new manifest chained after the newest one; its row (not committed).

    None when the day's newest manifest already lists exactly these files, or the day has no capture: a
    manifest is only added, never replaced. The manifest file is stored before its row is flushed, so a
    failed transaction leaves at most an unreferenced file behind.
    """
    files = day_files(session, day)
    latest = latest_manifest(session, day)
    if latest is None and not files and not _has_captures(session, day):
        return None
    if latest is not None and _listed(store, latest) == files:
        return None
    if crawl_run_id is None:
        crawl_run_id = session.scalar(
            select(CrawlRun.id).where(CrawlRun.crawl_date == day).order_by(CrawlRun.id.desc()).limit(1)
        )
    head = chain_head(session)
    version = latest.version + 1 if latest else 1
    previous = head.sha256 if head else None
    data = manifest_bytes(day, version, previous, now, files)
    row = EvidenceManifest(
        day=day,
        version=version,
        sha256=store.put(data),
        previous_sha256=previous,
        file_count=len(files),
        crawl_run_id=crawl_run_id,
        sealed_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _has_captures(session: Session, day: dt.date) -> bool:
    return session.scalar(select(PageCapture.id).where(PageCapture.capture_date == day).limit(1)) is not None


def _listed(store: EvidenceStorage, row: EvidenceManifest) -> list[ManifestEntry] | None:
    try:
        document = parse_manifest(store.read(row.sha256))
    except (FileNotFoundError, ValueError):
        return None
    return sorted(ManifestEntry(f["sha256"], f["kind"], f["ref"]) for f in document["files"])


def unsealed_days(session: Session, before: dt.date) -> list[dt.date]:
    """Capture days before `before` that have captures but no manifest, oldest first."""
    sealed = select(EvidenceManifest.day)
    return list(
        session.scalars(
            select(PageCapture.capture_date)
            .where(PageCapture.capture_date < before, PageCapture.capture_date.not_in(sealed))
            .distinct()
            .order_by(PageCapture.capture_date)
        )
    )


# --- verifying -------------------------------------------------------------------------------------


def manifest_hashes(session: Session, days: Iterable[dt.date]) -> dict[dt.date, str]:
    """The newest manifest hash of each of `days` that is sealed (what a report cites per capture day)."""
    wanted = sorted(set(days))
    found: dict[dt.date, tuple[int, str]] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(EvidenceManifest.day, EvidenceManifest.version, EvidenceManifest.sha256).where(
                EvidenceManifest.day.in_(wanted[start : start + 500])
            )
        )
        for day, version, sha in rows:
            if day not in found or found[day][0] < version:
                found[day] = (version, sha)
    return {day: sha for day, (_, sha) in found.items()}


def _still_named(session: Session, sha: str) -> bool:
    """True when a page capture still names `sha` (retention clears a pruned file's column first)."""
    for column in (PageCapture.html_sha256, PageCapture.response_sha256, PageCapture.screenshot_sha256):
        if session.scalar(select(PageCapture.id).where(column == sha).limit(1)) is not None:
            return True
    return False


def _file_state(store: EvidenceStorage, sha: str, known: dict[str, str]) -> str:
    """ "ok", "missing" or "changed"; each file hashed once per verification (creatives recur daily)."""
    if sha not in known:
        try:
            known[sha] = "ok" if sha256_hex(store.read(sha)) == sha else "changed"
        except FileNotFoundError:
            known[sha] = "missing"
    return known[sha]


def _file_problem(
    session: Session, store: EvidenceStorage, entry: dict[str, Any], known: dict[str, str]
) -> str | None:
    sha, kind = entry.get("sha256"), entry.get("kind")
    if not isinstance(sha, str) or not is_sha256_hex(sha):
        return f"lists an invalid file name {sha!r}"
    state = _file_state(store, sha, known)
    if state == "missing":
        if kind in PRUNABLE_KINDS and not _still_named(session, sha):
            return None  # pruned by retention: its capture no longer names it
        return f"{kind} {sha} ({entry.get('ref')}) is missing"
    if state == "changed":
        return f"{kind} {sha} ({entry.get('ref')}) is changed: its bytes no longer hash to its name"
    return None


def _manifest_problems(
    session: Session,
    store: EvidenceStorage,
    row: EvidenceManifest,
    previous: str | None,
    known: dict[str, str],
) -> Iterator[str]:
    if row.previous_sha256 != previous:
        yield f"its row links to {row.previous_sha256}, but the manifest before it is {previous}"
    try:
        data = store.read(row.sha256)
    except FileNotFoundError:
        yield "the manifest file is missing"
        return
    if sha256_hex(data) != row.sha256:
        yield "the manifest file is changed: its bytes no longer hash to its name"
        return
    try:
        document = parse_manifest(data)
    except ValueError as exc:
        yield f"the manifest file is unreadable: {exc}"
        return
    if document.get("previous") != previous:
        yield f"it links to {document.get('previous')}, but the manifest before it is {previous}"
    if document.get("day") != row.day.isoformat() or document.get("version") != row.version:
        yield f"it says day {document.get('day')} v{document.get('version')}, its row another"
    for entry in document.get("files", []):
        problem = _file_problem(session, store, entry, known)
        if problem:
            yield problem


def verify_log(session: Session, store: EvidenceStorage, today: dt.date) -> list[ChainProblem]:
    """Every fault of the evidence log in chain order (the first is the first broken link).

    Checks each manifest file against its hash, each link against the manifest before it, each listed
    file against its hash, and that every capture day before `today` is sealed (a removed day's
    captures would otherwise go unnoticed with its manifest).
    """
    problems: list[ChainProblem] = []
    previous: str | None = None
    known: dict[str, str] = {}
    for row in session.scalars(select(EvidenceManifest).order_by(EvidenceManifest.id)):
        for problem in _manifest_problems(session, store, row, previous, known):
            problems.append(ChainProblem(row.day, row.version, row.sha256, problem))
        previous = row.sha256
    # A day removed with its manifest shows up as a broken link above; its captures left behind, here.
    for day in unsealed_days(session, today):
        problems.append(ChainProblem(day, None, None, "captures of this day are in no manifest"))
    return problems
