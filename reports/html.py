"""Render a period's report context to HTML pages and archive them atomically, with their evidence.

A report is several pages, one template per page kind, so that none grows with the number of items:

    report-YYYY-MM-DD.html                    the company page: totals by company, branch, team and rep,
                                              trends, top customers, closed items, pending matches
    report-YYYY-MM-DD/teams/<slug>.html       one per team: its reps and items, one line each
    report-YYYY-MM-DD/reps/<slug>.html        one per rep: their items with placements and timelines
    report-YYYY-MM-DD/evidence/<sha>.<ext>    every file the pages show or link, referenced relatively

Each page refers to the others and to the evidence relatively, so the folder opens the same from the
disk, from a copy, or through the web app (`monitor.web.routes.periods`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from monitor.core.evidence import open_evidence_store
from monitor.core.i18n import DEFAULT_LANGUAGE, html_lang, install_translations, translator
from monitor.core.labels import DAY_STATE, LABELS, SLOT_KIND
from monitor.core.settings import REPO_ROOT, Settings
from reports.archive import EVIDENCE_FOLDER, archive_evidence, cited_files
from reports.context import DayCell, EvidenceFile, ReportContext, load_report_context, report_names

TEMPLATES_DIR = REPO_ROOT / "templates"
COMPANY_TEMPLATE = "reports/company.html"
TEAM_TEMPLATE = "reports/team.html"
REP_TEMPLATE = "reports/rep.html"
INTEL_TEMPLATE = "reports/intel.html"
INTEL_PAGE = "intel.html"
REPS_FOLDER, TEAMS_FOLDER = "reps", "teams"
TOP_CUSTOMERS = 20
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,60}")
_DAY_MARKS = {"seen": "●", "unknown": "?", "pending": "–"}


def make_environment(templates_dir: Path = TEMPLATES_DIR, language: str = DEFAULT_LANGUAGE) -> Environment:
    """Jinja2 in `language`, with autoescape on for everything: ad texts and links come from competitors."""
    environment = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(labels=LABELS, html_lang=html_lang(language))
    return install_translations(environment, language)


def page_slug(code: str | None) -> str:
    """A file name for a rep's or team's page: the code when it is plain, else a readable part and a hash."""
    code = code or "none"
    if _SAFE_NAME.fullmatch(code):
        return code
    readable = re.sub(r"[^A-Za-z0-9_-]+", "_", code).strip("_")[:40]
    return f"{readable or 'x'}-{hashlib.sha256(code.encode()).hexdigest()[:10]}"


@dataclass(frozen=True)
class PageLinks:
    """Relative links from one page of the report (at `depth` folders below the company page)."""

    start: dt.date
    depth: int  # 0: the company page; 2: a rep's or team's page
    files: Mapping[str, str]  # sha256 -> file name in the evidence folder, for the files archived

    @property
    def folder(self) -> str:
        return f"report-{self.start:%Y-%m-%d}"

    def _up(self) -> str:
        return "../" * self.depth

    def company(self) -> str:
        return f"{self._up()}{self.folder}.html"

    def rep(self, code: str) -> str:
        return self._in_folder(f"{REPS_FOLDER}/{page_slug(code)}.html")

    def team(self, code: str | None) -> str:
        return self._in_folder(f"{TEAMS_FOLDER}/{page_slug(code)}.html")

    def intel(self) -> str:
        """The market intelligence page: share of voice, spend estimates, creatives."""
        return self._in_folder(INTEL_PAGE)

    def file(self, file: EvidenceFile | None) -> str | None:
        """The archived file's relative href, or None when the archive could not get it."""
        name = self.files.get(file.sha256) if file else None
        return self._in_folder(f"{EVIDENCE_FOLDER}/{name}") if name else None

    def _in_folder(self, path: str) -> str:
        """`path` inside the report's folder: from the company page down into it, else up one level."""
        return f"{self.folder}/{path}" if self.depth == 0 else f"{'../' * (self.depth - 1)}{path}"


def timeline_builder(links: PageLinks, translate: Callable[[str], str]) -> Callable[..., Markup]:
    """A function turning a placement's or item's day cells into the row's `<td>`s, built once per row in
    Python: a period's pages have tens of thousands of day cells, too many for template calls per cell.
    """
    labels = {state: escape(translate(label)) for state, label in DAY_STATE.items()}
    shot_links: dict[EvidenceFile, str] = {}  # a page's screenshot is linked from every cell of its day

    def shot_link(file: EvidenceFile | None) -> str:
        if file is None:
            return ""
        found = shot_links.get(file)
        if found is None:
            href = links.file(file)
            found = shot_links[file] = (
                f'<a href="{escape(href)}" target="_blank" rel="noopener">' if href else ""
            )
        return found

    def cells(days: Sequence[DayCell], links_to_shots: bool = True) -> Markup:
        out = []
        for cell in days:
            iso, state = cell.day.isoformat(), cell.state
            mark = _DAY_MARKS.get(state, "")
            link = shot_link(cell.page_shot) if state == "seen" and links_to_shots else ""
            if link:
                mark = f"{link}{mark}</a>"
            out.append(
                f'<td class="day-cell day-{state}" data-day="{iso}" data-state="{state}" '
                f'title="{iso} {labels[state]}">{mark}</td>'
            )
        return Markup("".join(out))

    return cells


def day_heads(days: Sequence[dt.date]) -> Markup:
    """The day columns' headers of a timeline table (the same on every table of a page)."""
    return Markup("".join(f'<th class="day-head" title="{day.isoformat()}">{day.day}</th>' for day in days))


@dataclass(frozen=True)
class RenderedPage:
    path: str  # relative to the reports folder
    html: str


def _generated(context: ReportContext, timezone: dt.tzinfo) -> str | None:
    if context.generated_at is None:
        return None
    return context.generated_at.astimezone(timezone).strftime("%Y-%m-%d %H:%M")


def render_report_pages(
    context: ReportContext,
    language: str = DEFAULT_LANGUAGE,
    timezone: dt.tzinfo = dt.UTC,
    files: Mapping[str, str] | None = None,
    environment: Environment | None = None,
) -> list[RenderedPage]:
    """Every page of the report in `language`, the company page first; `files` maps a file's sha256 to
    its name in the evidence folder (files not in it show as hashes)."""
    environment = environment or make_environment(language=language)
    translate = translator(language).gettext
    base: dict[str, Any] = {
        "report": context,
        "generated": _generated(context, timezone),
        "day_heads": day_heads(context.days),
        # Each placement row names its slot's kind: translated once per report, not once per row.
        "slot_kinds": {kind: translate(label) for kind, label in SLOT_KIND.items()},
    }
    pages = [RenderedPage(f"report-{context.start:%Y-%m-%d}.html", _company(environment, base, files or {}))]
    inner = PageLinks(context.start, 2, files or {})
    cells = timeline_builder(inner, translate)
    team_template, rep_template = (
        environment.get_template(TEAM_TEMPLATE),
        environment.get_template(REP_TEMPLATE),
    )
    folder = inner.folder
    for team in context.teams:
        html = team_template.render(**base, team=team, links=inner, cells=cells)
        pages.append(RenderedPage(f"{folder}/{TEAMS_FOLDER}/{page_slug(team.code)}.html", html))
        for rep in team.reps:
            html = rep_template.render(**base, team=team, rep=rep, links=inner, cells=cells)
            pages.append(RenderedPage(f"{folder}/{REPS_FOLDER}/{page_slug(rep.code)}.html", html))
    if context.intel is not None:
        pages.append(_intel(environment, base, files or {}, translate))
    return pages


def _intel(
    environment: Environment, base: dict[str, Any], files: Mapping[str, str], translate: Callable[[str], str]
) -> RenderedPage:
    from reports.intel import page_kind_labels, voice_chart

    report = base["report"]
    assert isinstance(report, ReportContext)
    links = PageLinks(report.start, 1, files)
    html = environment.get_template(INTEL_TEMPLATE).render(
        **base,
        links=links,
        intel=report.intel,
        chart=voice_chart(report.intel.voice, translate),
        page_kinds=page_kind_labels(),
    )
    return RenderedPage(f"{links.folder}/{INTEL_PAGE}", html)


def _company(environment: Environment, base: dict[str, Any], files: Mapping[str, str]) -> str:
    report = base["report"]
    assert isinstance(report, ReportContext)
    items = [item for rep in report.reps for item in rep.items]
    top = sorted(items, key=lambda item: (-item.days_seen, -len(item.placements), item.customer_code))
    links = PageLinks(report.start, 0, files)
    template = environment.get_template(COMPANY_TEMPLATE)
    return template.render(**base, links=links, top_customers=top[:TOP_CUSTOMERS])


def render_period_report(
    context: ReportContext,
    language: str = DEFAULT_LANGUAGE,
    timezone: dt.tzinfo = dt.UTC,
    environment: Environment | None = None,
) -> str:
    """The company page alone (what opens first), for callers that show only the summary."""
    return render_report_pages(context, language, timezone, {}, environment)[0].html


def report_path(settings: Settings, start: dt.date) -> Path:
    """The company page; the other pages and the evidence live in `report_folder` beside it."""
    return settings.reports_path / f"report-{start:%Y-%m-%d}.html"


def report_folder(settings: Settings, start: dt.date) -> Path:
    return settings.reports_path / f"report-{start:%Y-%m-%d}"


def evidence_folder(settings: Settings, start: dt.date) -> Path:
    """Where the report's cited evidence files are copied: `report-YYYY-MM-DD/evidence/`."""
    return report_folder(settings, start) / EVIDENCE_FOLDER


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_report(settings: Settings, context: ReportContext) -> Path:
    """Archive the report of `context` (evidence first, then the pages, the company page last)."""
    files = archive_evidence(
        open_evidence_store(settings), evidence_folder(settings, context.start), cited_files(context)
    )
    pages = render_report_pages(context, settings.language, settings.tz, files)
    for page in [*pages[1:], pages[0]]:
        write_atomically(settings.reports_path / page.path, page.html)
    _remove_stale_pages(settings, context.start, {page.path for page in pages})
    return report_path(settings, context.start)


def _remove_stale_pages(settings: Settings, start: dt.date, current: set[str]) -> None:
    """Pages of reps or teams no longer in the report (a regeneration moved their items away)."""
    folder = report_folder(settings, start)
    for kind in (REPS_FOLDER, TEAMS_FOLDER):
        for page in (folder / kind).glob("*.html"):
            if str(page.relative_to(settings.reports_path)) not in current:
                page.unlink(missing_ok=True)


def write_period_report(session: Session, settings: Settings, start: dt.date) -> Path:
    """Load the period starting on `start` and archive its report; returns the company page's path."""
    return write_report(settings, load_report_context(session, start, settings.tz, report_names(settings)))


__all__ = [
    "PageLinks",
    "evidence_folder",
    "render_period_report",
    "render_report_pages",
    "report_folder",
    "report_path",
    "write_period_report",
    "write_report",
]
