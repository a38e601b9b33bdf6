"""The office's periods: generate one, publish it by mail, and open its archived report and workbook.

The report and the workbook are served by period id only: their paths come from the settings
(`reports.html.report_path`, `reports.xlsx.workbook_path`), never from the request.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Request, Response
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from models import AccountabilityPeriod
from monitor.accountability.periods import PeriodCalendar
from monitor.accountability.store import generated_period as find_generated_period
from monitor.accountability.store import period_summaries
from monitor.accounts.scope import NotInScope
from monitor.core.i18n import TranslatableError
from monitor.core.settings import Settings
from monitor.web.context import (
    DbSession,
    OfficeUser,
    RowId,
    flash,
    form_day,
    now_utc,
    redirect,
    render,
    settings_of,
    translations,
)
from monitor.web.publishing import PublishRun, run_publish
from reports.build import build_period_report
from reports.html import (
    REPS_FOLDER,
    TEAMS_FOLDER,
    evidence_folder,
    report_folder,
    report_path,
    write_period_report,
)
from reports.publish import PublishResult, period_mails
from reports.xlsx import workbook_path, write_period_workbook

router = APIRouter()

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The archived report is a static page with its own <style> and no script: it gets its own, stricter
# policy (nothing but its inline stylesheet and images from this site), not the app's `default-src 'self'`.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_ARCHIVED_FILE = re.compile(r"[0-9a-f]{64}\.(png|jpg|gif|webp)")
_ARCHIVED_PAGE = re.compile(r"[A-Za-z0-9_-]{1,80}\.html")


def generated_period(session: Session, period_id: int) -> AccountabilityPeriod:
    """The period with this id, if it has been generated (else 404)."""
    period = find_generated_period(session, period_id)
    if period is None:
        raise NotInScope(period_id)
    return period


@router.get("/office/periods")
def period_list(request: Request, user: OfficeUser, session: DbSession) -> Response:
    settings = settings_of(request)
    calendar = PeriodCalendar.of(settings.accountability)
    context = {
        "rows": period_summaries(session),
        "default_start": calendar.last_complete(settings.today(now_utc())).start,
    }
    return render(request, "periods.html", context)


@router.post("/office/periods/generate")
def generate(
    request: Request, user: OfficeUser, session: DbSession, start_date: Annotated[str, Form()] = ""
) -> Response:
    _ = translations(request).gettext
    session.rollback()  # the workflow opens its own transactions
    try:
        start = form_day(start_date)
    except ValueError:
        problem = _("enter a date as YYYY-MM-DD")
        flash(request, _("The period was not generated: %(error)s") % {"error": problem})
        return redirect("/office/periods")
    try:
        build_period_report(request.app.state.session_factory, settings_of(request), start, now_utc())
    except TranslatableError as exc:
        flash(request, _("The period was not generated: %(error)s") % {"error": exc.translated(_)})
        return redirect("/office/periods")
    flash(request, _("Period generated."))
    return redirect("/office/periods")


@router.get("/office/periods/{period_id}/publish")
def confirm_publish(request: Request, period_id: RowId, user: OfficeUser, session: DbSession) -> Response:
    """Ask before publishing: what will be mailed, and that mails sent before are not sent again."""
    period = generated_period(session, period_id)
    summary = next(row for row in period_summaries(session) if row.period.id == period.id)
    mails = period_mails(session, period.id)
    sent = sum(1 for mail in mails if mail.status == "sent")
    return render(request, "publish.html", {"period": period, "summary": summary, "sent": sent})


@router.post("/office/periods/{period_id}/publish")
def publish(
    request: Request, period_id: RowId, user: OfficeUser, session: DbSession, background: BackgroundTasks
) -> Response:
    """Start publishing (after the answer is sent) and show its progress on the mails page."""
    settings = settings_of(request)
    period = generated_period(session, period_id)
    session.rollback()
    run = request.app.state.publish_runs.start(period.id, now_utc())
    if run is not None:
        background.add_task(run_publish, run, request.app.state.session_factory, settings, period.start_date)
    return redirect(f"/office/periods/{period.id}/mails")


def publish_messages(
    ngettext: Callable[[str, str, int], str], _: Callable[[str], str], result: PublishResult
) -> list[str]:
    """What a publish run did, one line each: sent, already sent, refused, reps without an address."""
    lines = []
    if result.sent or not (result.already_sent or result.failed):
        count = len(result.sent)
        lines.append(ngettext("%(num)d mail sent.", "%(num)d mails sent.", count) % {"num": count})
    if result.already_sent:
        count = len(result.already_sent)
        text = ngettext("%(num)d mail had been sent before.", "%(num)d mails had been sent before.", count)
        lines.append(text % {"num": count})
    if result.failed:
        count = len(result.failed)
        who = ", ".join(label.partition(":")[2] for label, _error in result.failed)
        text = ngettext(
            "%(num)d mail was refused (%(who)s); publish again to retry it.",
            "%(num)d mails were refused (%(who)s); publish again to retry them.",
            count,
        )
        lines.append(text % {"num": count, "who": who})
    if result.reps_without_address:
        reps = ", ".join(result.reps_without_address)
        lines.append(_("Reps with items but no email address: %(reps)s.") % {"reps": reps})
    return lines


@router.get("/office/periods/{period_id}/report")
def archived_report(request: Request, period_id: RowId, user: OfficeUser, session: DbSession) -> Response:
    """The period's archived HTML report (written first if it is not there yet, or is older than the
    period's latest generation)."""
    return _report_page(latest_report(session, settings_of(request), generated_period(session, period_id)))


def latest_report(session: Session, settings: Settings, period: AccountabilityPeriod) -> Path:
    """The company page of the period's archived report, every page written again first when the archive
    is missing or older than the period's latest generation."""
    path = report_path(settings, period.start_date)
    if not written_since_generation(path, period):
        path = write_period_report(session, settings, period.start_date)
    return path


def written_since_generation(path: Path, period: AccountabilityPeriod) -> bool:
    """Whether the archived file exists and was written after the period's latest generation: a period
    regenerated without its files written again (by another process, or a run that stopped between the
    two) gets them written before they are served, so the archive never shows an older generation."""
    if not path.is_file() or period.generated_at is None:
        return path.is_file()
    generated = period.generated_at.replace(tzinfo=period.generated_at.tzinfo or dt.UTC)
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC) >= generated


@router.get("/office/periods/{period_id}/{folder}/evidence/{name}")
def archived_evidence(
    request: Request, period_id: RowId, folder: str, name: str, user: OfficeUser, session: DbSession
) -> Response:
    """A screenshot the archived report cites (its relative links land here): `<sha256>.<ext>` only."""
    start = generated_period(session, period_id).start_date
    archive = evidence_folder(settings_of(request), start)
    if folder != archive.parent.name or not _ARCHIVED_FILE.fullmatch(name):
        raise NotInScope(name)
    path = archive / name
    if not path.is_file():
        raise NotInScope(name)
    return FileResponse(path, headers={"Cache-Control": "private, max-age=86400"})


def _report_page(path: Path) -> Response:
    return FileResponse(
        path, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": REPORT_CSP}
    )


@router.get("/office/periods/{period_id}/{page}.html")
def archived_company_page(
    request: Request, period_id: RowId, page: str, user: OfficeUser, session: DbSession
) -> Response:
    """The company page again, under its own file name (the rep and team pages link back to it)."""
    settings, period = settings_of(request), generated_period(session, period_id)
    if f"{page}.html" != report_path(settings, period.start_date).name:
        raise NotInScope(page)
    return _report_page(latest_report(session, settings, period))


@router.get("/office/periods/{period_id}/{folder}/{kind}/{name}")
def archived_page(
    request: Request,
    period_id: RowId,
    folder: str,
    kind: str,
    name: str,
    user: OfficeUser,
    session: DbSession,
) -> Response:
    """A rep's or team's page of the archived report: `reps/<slug>.html` or `teams/<slug>.html` only."""
    period = generated_period(session, period_id)
    archive = report_folder(settings_of(request), period.start_date)
    if (
        folder != archive.name
        or kind not in (REPS_FOLDER, TEAMS_FOLDER)
        or not _ARCHIVED_PAGE.fullmatch(name)
    ):
        raise NotInScope(name)
    latest_report(session, settings_of(request), period)  # the rep and team pages of the latest generation
    path = archive / kind / name
    if not path.is_file():
        raise NotInScope(name)
    return _report_page(path)


@router.get("/office/periods/{period_id}/mails")
def mails(request: Request, period_id: RowId, user: OfficeUser, session: DbSession) -> Response:
    """Who was mailed for the period, what waits and what failed (refresh it while a publish runs)."""
    period = generated_period(session, period_id)
    rows = period_mails(session, period.id)
    order = ("sent", "sending", "queued", "failed")
    counts = [(status, sum(1 for row in rows if row.status == status)) for status in order]
    run = request.app.state.publish_runs.get(period.id)
    language = translations(request)
    outcome: list[str] = []
    if run is not None and run.done:
        outcome = run_outcome(language.ngettext, language.gettext, run)
    context = {
        "period": period,
        "mails": rows,
        "counts": counts,
        "running": run is not None and not run.done,
        "outcome": outcome,
    }
    return render(request, "mails.html", context)


def run_outcome(
    ngettext: Callable[[str, str, int], str], _: Callable[[str], str], run: PublishRun
) -> list[str]:
    """What a finished publish run did, in the reader's language."""
    if run.mail_error is not None:
        message = _(
            "The mail server could not be reached (%(error)s). Mails sent before are recorded; "
            "publish again to send the rest."
        )
        return [message % {"error": run.mail_error}]
    if run.result is None:
        return [_("Publishing failed; the log says why. Mails sent before are recorded; publish again.")]
    return publish_messages(ngettext, _, run.result)


@router.get("/office/periods/{period_id}/workbook")
def workbook(request: Request, period_id: RowId, user: OfficeUser, session: DbSession) -> Response:
    """The period's Excel workbook (written first if it is not there yet), as a download."""
    settings = settings_of(request)
    period = generated_period(session, period_id)
    path = workbook_path(settings, period.start_date)
    if not written_since_generation(path, period):
        path = write_period_workbook(session, settings, period.start_date)
    return FileResponse(path, media_type=XLSX_TYPE, filename=path.name)
