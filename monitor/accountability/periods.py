"""Biweekly accountability periods (问责周期) as pure values: which days a period holds, when forms are due.

Periods are `length_days` long and one of them starts on the anchor date; the settings give both
(`accountability.period_anchor`, `period_days`). `PeriodCalendar` carries them, so callers ask one object
"the period containing this day", "the period starting on this day" or "the last complete period".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from monitor.core.i18n import N_, TranslatableError

if TYPE_CHECKING:
    from monitor.core.settings import AccountabilitySettings

ONE_DAY = dt.timedelta(days=1)


class Period(NamedTuple):
    """A period's first and last day, both inclusive."""

    start: dt.date
    end: dt.date

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d}~{self.end:%Y-%m-%d}"


def period_for(day: dt.date, anchor: dt.date, length_days: int = 14) -> Period:
    """The period containing `day`: periods are `length_days` long and one of them starts on `anchor`."""
    if length_days < 1:
        raise ValueError(f"length_days must be at least 1, not {length_days}")
    offset = (day - anchor).days // length_days * length_days  # floor division: works before the anchor
    start = anchor + dt.timedelta(days=offset)
    return Period(start, start + dt.timedelta(days=length_days - 1))


def periods_between(first: dt.date, last: dt.date, anchor: dt.date, length_days: int = 14) -> list[Period]:
    """Every period that contains a day from `first` to `last` (inclusive), oldest first."""
    periods: list[Period] = []
    current = period_for(first, anchor, length_days)
    while current.start <= last:
        periods.append(current)
        current = period_for(current.end + ONE_DAY, anchor, length_days)
    return periods


def last_complete_period(today: dt.date, anchor: dt.date, length_days: int = 14) -> Period:
    """The newest period that ended before `today`."""
    return period_for(period_for(today, anchor, length_days).start - ONE_DAY, anchor, length_days)


def form_deadline(period: Period, form_deadline_days: int) -> dt.date:
    """The day by which reps must submit their explanations for `period`."""
    return period.end + dt.timedelta(days=form_deadline_days)


class NotAPeriodStart(TranslatableError, ValueError):
    """A date given as a period's first day that starts no period; the message (translated where shown)
    names the right one."""


@dataclass(frozen=True)
class PeriodCalendar:
    """The settings' periods: anchor, length and form deadline, asked by day."""

    anchor: dt.date
    length_days: int = 14
    form_deadline_days: int = 5

    @classmethod
    def of(cls, settings: AccountabilitySettings) -> PeriodCalendar:
        return cls(settings.period_anchor, settings.period_days, settings.form_deadline_days)

    def containing(self, day: dt.date) -> Period:
        return period_for(day, self.anchor, self.length_days)

    def starting(self, start: dt.date) -> Period:
        """The period starting on `start`; a date that starts no period is an error naming the right one."""
        period = self.containing(start)
        if period.start != start:
            raise NotAPeriodStart(
                N_("%(day)s does not start a period (the period containing it starts %(start)s)"),
                day=start.isoformat(),
                start=period.start.isoformat(),
            )
        return period

    def last_complete(self, today: dt.date) -> Period:
        return last_complete_period(today, self.anchor, self.length_days)

    def deadline(self, period: Period) -> dt.date:
        return form_deadline(period, self.form_deadline_days)
