"""Render a period's report context to one self-contained HTML page and archive it atomically."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session

from monitor.core.evidence import EvidenceStore
from monitor.core.i18n import DEFAULT_LANGUAGE, html_lang, install_translations
from monitor.core.labels import LABELS
from monitor.core.settings import REPO_ROOT, Settings
from reports.archive import EVIDENCE_FOLDER, archive_evidence, cited_files, evidence_href
from reports.context import ReportContext, load_report_context

TEMPLATES_DIR = REPO_ROOT / "templates"
PERIOD_TEMPLATE = "reports/period.html"


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


def render_period_report(
    context: ReportContext,
    language: str = DEFAULT_LANGUAGE,
    timezone: dt.tzinfo = dt.UTC,
    environment: Environment | None = None,
    evidence: Mapping[str, str] | None = None,
) -> str:
    """The report page for `context` in `language` (zh_CN or en), with times shown in `timezone`.

    `evidence` maps a file's sha256 to its href relative to the page; files not in it show as hashes.
    An `environment` given is used as it is (it carries its own language).
    """
    template = (environment or make_environment(language=language)).get_template(PERIOD_TEMPLATE)
    generated = (
        context.generated_at.astimezone(timezone).strftime("%Y-%m-%d %H:%M") if context.generated_at else None
    )
    hrefs = dict(evidence or {})
    return template.render(report=context, generated=generated, href=lambda file: evidence_href(hrefs, file))


def report_path(settings: Settings, start: dt.date) -> Path:
    return settings.reports_path / f"report-{start:%Y-%m-%d}.html"


def evidence_folder(settings: Settings, start: dt.date) -> Path:
    """Where the report's cited evidence files are copied: `report-YYYY-MM-DD/evidence/`."""
    return settings.reports_path / f"report-{start:%Y-%m-%d}" / EVIDENCE_FOLDER


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_period_report(session: Session, settings: Settings, start: dt.date) -> Path:
    """Render the period starting on `start` in the settings' language and archive it with its evidence.

    The cited screenshots are copied first, so the page never refers to a file that is not there yet.
    """
    context = load_report_context(session, start, settings.tz)
    path = report_path(settings, start)
    hrefs = archive_evidence(
        EvidenceStore(settings.evidence_path),
        evidence_folder(settings, start),
        cited_files(context),
        href_prefix=f"{path.stem}/{EVIDENCE_FOLDER}",
    )
    html = render_period_report(context, settings.language, settings.tz, evidence=hrefs)
    write_atomically(path, html)
    return path
