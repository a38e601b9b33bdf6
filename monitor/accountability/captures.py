"""Load what was looked at in a period (page captures, slots that did not render) as a CaptureLog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from models import Page, PageCapture, Site, Slot, SlotCapture
from models.enums import CaptureStatus
from models.joins import capture_place, slot_place
from monitor.accountability.periods import Period
from monitor.accountability.timeline import CaptureLog


def capture_log(
    session: Session, period: Period, as_of: dt.date, pages: Collection[tuple[str, str]]
) -> CaptureLog:
    """The period's captures of `pages` ((site, page key) pairs) and their failed slots, as of `as_of`."""
    if not pages:
        return CaptureLog.build(period, as_of, (), ())
    wanted = tuple_(Site.name, Page.key).in_(sorted(pages))
    # The day's capture of record only: a later attempt at a day already seen never changes it.
    on_days = PageCapture.capture_date.between(period.start, period.end) & PageCapture.of_record
    captures = session.execute(
        capture_place(select(Site.name, Page.key, PageCapture.capture_date, PageCapture.status)).where(
            on_days, wanted
        )
    )
    failed = session.execute(
        slot_place(
            select(Site.name, Page.key, Slot.name, PageCapture.capture_date)
            .select_from(SlotCapture)
            .join(PageCapture, PageCapture.id == SlotCapture.capture_id),
            SlotCapture.slot_id,
        ).where(on_days, wanted, SlotCapture.found.is_(False))
    )
    return CaptureLog.build(
        period,
        as_of,
        captures=[(name, key, day, status == CaptureStatus.OK) for name, key, day, status in captures],
        failed_slots=[(name, key, slot, day) for name, key, slot, day in failed],
    )
