"""The period's report as one workflow: generate its items, then write its HTML report and workbook.

The command line (`rivalwatch report`), the scheduler's report job, the office's web page and the demo
all call `build_period_report`, so the three steps always run in the same order with the same
transactions: generation commits on its own before anything is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from models.db import transaction
from monitor.accountability.generate import GenerationResult, generate_period
from monitor.core.collector import cyclic_collection_paused
from monitor.core.settings import Settings
from reports.context import ReportContext, load_report_context, report_names
from reports.html import write_report
from reports.xlsx import write_workbook


@dataclass(frozen=True)
class BuiltReport:
    start: dt.date
    generation: GenerationResult | None  # None when the period was written as stored
    report: Path
    workbook: Path | None  # None when not asked for
    context: ReportContext  # what the pages and the workbook were written from; the mails reuse it


def build_period_report(
    sessions: sessionmaker[Session],
    settings: Settings,
    start: dt.date,
    now: dt.datetime,
    *,
    generate: bool = True,
    workbook: bool = True,
) -> BuiltReport:
    """(Re)generate the period starting on `start` as of `now`, then write its report and workbook.

    LookupError when `generate` is off and the period was never generated; ValueError when `start`
    starts no period.
    """
    generation = None
    if generate:
        with transaction(sessions) as session:
            generation = generate_period(session, settings, start, now)
    # The cyclic collector waits until the pages and the workbook are written too: resumed right after
    # the load, its first passes would walk the context's 100,000s of acyclic values while the pages render.
    with cyclic_collection_paused():
        with sessions() as session:
            context = load_report_context(session, start, settings.tz, report_names(settings))
        # The pages and the workbook are written from the one context, after the reading session ended.
        report = write_report(settings, context)
        book = write_workbook(settings, context) if workbook else None
    return BuiltReport(start, generation, report, book, context)
