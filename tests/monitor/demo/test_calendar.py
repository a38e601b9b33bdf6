"""The demo's calendar: its designed fortnight moved onto the two weeks before the run."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.accountability.periods import PeriodCalendar
from monitor.core.settings import AccountabilitySettings
from monitor.demo.calendar import DESIGN_START, demo_calendar, shift_roster_csv
from monitor.demo.run import DEMO_SITES, demo_settings


@pytest.mark.parametrize(
    "today",
    [dt.date(2026, 11, 23), dt.date(2026, 12, 3), dt.date(2027, 2, 28), dt.date(2028, 1, 1)],
)
def test_the_period_ended_yesterday_and_its_forms_are_open(today: dt.date) -> None:
    calendar = demo_calendar(today)
    assert calendar.end == today - dt.timedelta(days=1)
    assert len(calendar.days) == 14
    periods = PeriodCalendar.of(AccountabilitySettings(period_anchor=calendar.start))
    period = periods.starting(calendar.start)
    assert (period.start, period.end) == (calendar.start, calendar.end)
    assert periods.last_complete(today) == period  # the period the office is offered first
    assert periods.deadline(period) >= today  # a newcomer can still fill the forms


def test_designed_days_map_onto_the_run() -> None:
    calendar = demo_calendar(dt.date(2026, 12, 3))
    assert calendar.start == dt.date(2026, 11, 19)
    assert calendar.design_day(calendar.start) == DESIGN_START
    assert calendar.run_day(dt.date(2026, 11, 15)) == dt.date(2026, 11, 25)
    assert demo_calendar(dt.date(2026, 11, 23)).shift == dt.timedelta(0)  # the designed run itself


def test_roster_dates_move_with_the_run_and_nothing_else_does() -> None:
    header = "order_id,customer_id,signed_date,start_date,end_date,amount\n"
    moved = shift_roster_csv(header + "SO-1,C002,2026-10-20,2026-11-01,,480000.00\n", dt.timedelta(days=10))
    assert moved == header + "SO-1,C002,2026-10-30,2026-11-11,,480000.00\n"


def test_demo_settings_count_periods_from_the_run(tmp_path: object) -> None:
    calendar = demo_calendar(dt.date(2026, 12, 3))
    settings = demo_settings(tmp_path, calendar)  # type: ignore[arg-type]
    assert settings.accountability.period_anchor == calendar.start
    assert settings.sites_dir == DEMO_SITES
