"""What each day of a period looked like for one placement: seen, not seen, unknown, or not captured yet.

One definition for every reader: the rule counts an item's unknown days with it, and the item page, the
report, the workbook and the mails draw their timelines with it, so a rep sees exactly the days the
report shows. Pure: the caller loads the captures (monitor.accountability.items.capture_log).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from monitor.accountability.periods import Period


class DayState(enum.StrEnum):
    SEEN = "seen"
    NOT_SEEN = "not_seen"  # the page and the slot were looked at and the ad was not there
    UNKNOWN = "unknown"  # the page or the slot could not be looked at that day: never "not seen"
    PENDING = "pending"  # no capture yet and the day was not over when the period was generated


# When placements disagree about a day, the item's timeline shows the most telling state.
_MERGE_ORDER = (DayState.SEEN, DayState.UNKNOWN, DayState.PENDING, DayState.NOT_SEEN)


@dataclass(frozen=True)
class UnknownPlace:
    """A day a page (slot None) or one of its slots could not be seen: captured not ok, or not at all."""

    site: str
    page: str
    day: dt.date
    slot: str | None = None


@dataclass(frozen=True)
class CaptureLog:
    """Which pages were captured on which days of a period, and which of their slots failed to render.

    `as_of` is the users' day the log stands for (the period's generation): a page with no capture on an
    earlier day was not seen (unknown); on that day or later its crawl may simply not have run yet.
    """

    period: Period
    as_of: dt.date
    pages: Mapping[tuple[str, str], Mapping[dt.date, bool]]  # (site, page) -> day -> capture ok
    failed_slots: frozenset[tuple[str, str, str, dt.date]]  # (site, page, slot, day)

    @classmethod
    def build(
        cls,
        period: Period,
        as_of: dt.date,
        captures: Iterable[tuple[str, str, dt.date, bool]],
        failed_slots: Iterable[tuple[str, str, str, dt.date]],
    ) -> CaptureLog:
        """From captures `(site, page, day, ok)` and failed slots `(site, page, slot, day)`."""
        pages: dict[tuple[str, str], dict[dt.date, bool]] = defaultdict(dict)
        for site, page, day, ok in captures:
            # Several attempts on one day: the page counts as seen when any of them was ok.
            pages[(site, page)][day] = pages[(site, page)].get(day, False) or ok
        return cls(period, as_of, dict(pages), frozenset(failed_slots))

    def page_state(self, site: str, page: str, day: dt.date) -> DayState | None:
        """UNKNOWN or PENDING when the page itself was not looked at on `day`; None when it was."""
        ok = self.pages.get((site, page), {}).get(day)
        if ok is None:
            return DayState.UNKNOWN if day < self.as_of else DayState.PENDING
        return None if ok else DayState.UNKNOWN

    def day_state(self, site: str, page: str, slot: str, day: dt.date, seen: bool) -> DayState:
        """One placement's state on one day."""
        if seen:
            return DayState.SEEN
        page_state = self.page_state(site, page, day)
        if page_state is not None:
            return page_state
        return DayState.UNKNOWN if (site, page, slot, day) in self.failed_slots else DayState.NOT_SEEN

    def placement_days(
        self, site: str, page: str, slot: str, seen_days: Iterable[dt.date]
    ) -> tuple[DayState, ...]:
        """The placement's state on each day of the period, in order."""
        seen = set(seen_days)
        return tuple(self.day_state(site, page, slot, day, day in seen) for day in self.period.days())

    def unknown_places(self, watched_pages: Iterable[tuple[str, str]]) -> frozenset[UnknownPlace]:
        """Every (page, day) of `watched_pages` and (slot, day) that could not be looked at."""
        unknown = {
            UnknownPlace(site, page, day)
            for site, page in watched_pages
            for day in self.period.days()
            if self.page_state(site, page, day) is DayState.UNKNOWN
        }
        unknown.update(
            UnknownPlace(site, page, day, slot)
            for site, page, slot, day in self.failed_slots
            if self.period.contains(day)
        )
        return frozenset(unknown)


def merge_days(placements: Sequence[Sequence[DayState]]) -> tuple[DayState, ...]:
    """An item's timeline over its placements: seen anywhere, else unknown, else pending, else not seen."""
    if not placements:
        return ()
    return tuple(min(states, key=_MERGE_ORDER.index) for states in zip(*placements, strict=True))
