"""The demo's calendar: its 14 days are the two weeks before the day it runs.

The fictional sites, their ads (`catalogue`) and the roster were designed on fixed days, 2026-11-09 ..
2026-11-22 (`DESIGN_START`). A demo run moves that design onto the two weeks that ended yesterday, so its
period has ended and its forms are open (the deadline lies ahead) whenever a newcomer tries it: the sites
keep serving their designed day, while the crawl, the roster's dates and the period use the run's days.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from monitor.demo.catalogue import DEMO_END, DEMO_START

DESIGN_START = DEMO_START
DEMO_DAYS = (DEMO_END - DEMO_START).days + 1
# Roster columns holding dates, moved with the demo's days (the rest are names and codes).
ROSTER_DATE_COLUMNS = frozenset({"start_date", "end_date", "signed_date"})


@dataclass(frozen=True)
class DemoCalendar:
    """The run's period, `start` .. `end`, and how far it lies from the designed one."""

    start: dt.date

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=DEMO_DAYS - 1)

    @property
    def shift(self) -> dt.timedelta:
        return self.start - DESIGN_START

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range(DEMO_DAYS)]

    def design_day(self, day: dt.date) -> dt.date:
        """The designed day the fixture sites show for the run's `day`."""
        return day - self.shift

    def run_day(self, design_day: dt.date) -> dt.date:
        """The run's day for a designed one (e.g. the outage of 2026-11-15)."""
        return design_day + self.shift

    def morning_after(self, tz: dt.tzinfo) -> dt.datetime:
        """09:00 on the day after the period, in the users' timezone: when the demo reports."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(9), tzinfo=tz)


def demo_calendar(today: dt.date) -> DemoCalendar:
    """The demo's period for a run on `today`: the 14 days that ended yesterday."""
    return DemoCalendar(today - dt.timedelta(days=DEMO_DAYS))


def shift_roster_csv(text: str, shift: dt.timedelta) -> str:
    """A roster CSV with every date in its date columns moved by `shift` (empty cells stay empty)."""
    reader = csv.DictReader(io.StringIO(text))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [], lineterminator="\n")
    writer.writeheader()
    for row in reader:
        for column in ROSTER_DATE_COLUMNS & row.keys():
            if row[column]:
                row[column] = (dt.date.fromisoformat(row[column]) + shift).isoformat()
        writer.writerow(row)
    return out.getvalue()


def shifted_roster(files: list[Path], folder: Path, shift: dt.timedelta) -> list[Path]:
    """Copies of the roster `files` in `folder`, their dates moved by `shift`; the copies' paths."""
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for path in files:
        copy = folder / path.name
        copy.write_text(shift_roster_csv(path.read_text(encoding="utf-8-sig"), shift), encoding="utf-8")
        copies.append(copy)
    return copies
