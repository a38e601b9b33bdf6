"""Render a period's report context to one self-contained HTML page and archive it atomically."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.orm import Session

from monitor.settings import REPO_ROOT, Settings
from reports.context import ReportContext, load_report_context
from reports.strings import strings_for

TEMPLATES_DIR = REPO_ROOT / "templates"
PERIOD_TEMPLATE = "reports/period.html"


def make_environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """Jinja2 with autoescape on for everything: ad texts and links come from competitors' pages."""
    return Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_period_report(
    context: ReportContext,
    strings: Mapping[str, str],
    timezone: dt.tzinfo = dt.UTC,
    environment: Environment | None = None,
) -> str:
    """The report page for `context`, with its texts from `strings` and times shown in `timezone`."""
    template = (environment or make_environment()).get_template(PERIOD_TEMPLATE)
    generated = (
        context.generated_at.astimezone(timezone).strftime("%Y-%m-%d %H:%M") if context.generated_at else None
    )
    return template.render(report=context, t=strings, generated=generated)


def report_path(settings: Settings, start: dt.date) -> Path:
    return settings.reports_path / f"report-{start:%Y-%m-%d}.html"


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
    """Render the period starting on `start` in the settings' language and archive it; returns the path."""
    html = render_period_report(
        load_report_context(session, start), strings_for(settings.language), settings.tz
    )
    path = report_path(settings, start)
    write_atomically(path, html)
    return path
