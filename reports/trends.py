"""Open items across periods as chart geometry for inline SVG: company bars and one sparkline per team.

Only numbers and our own team names go into the charts; the template draws them, no script is involved.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from reports.queries import TrendRow

CHART_WIDTH, CHART_HEIGHT = 640, 220
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 44, 12, 20, 36
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 168, 36, 4

TeamKey = tuple[str | None, str | None, str | None]  # team code, team name, branch name


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str  # the period's first day, MM-DD
    title: str  # the period's first day, YYYY-MM-DD


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class Sparkline:
    points: str  # "x,y x,y …" for <polyline points>
    dots: tuple[tuple[float, float, int], ...]  # (x, y, value) per period


@dataclass(frozen=True)
class TeamTrend:
    code: str | None
    name: str | None
    branch_name: str | None
    counts: tuple[int, ...]  # one per period, oldest first
    sparkline: Sparkline

    @property
    def latest(self) -> int:
        return self.counts[-1]

    @property
    def change(self) -> int | None:
        """Latest minus the period before, or None with a single period."""
        return self.counts[-1] - self.counts[-2] if len(self.counts) > 1 else None


@dataclass(frozen=True)
class TrendView:
    periods: tuple[dt.date, ...]  # period starts, oldest first
    company: tuple[int, ...]
    teams: tuple[TeamTrend, ...]
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    plot_left: int = PLOT_LEFT
    plot_bottom: float = CHART_HEIGHT - PLOT_BOTTOM
    spark_width: int = SPARK_WIDTH
    spark_height: int = SPARK_HEIGHT


def build_trend(rows: Sequence[TrendRow]) -> TrendView:
    """Company and per-team open items for each period in `rows` (periods with no items count 0)."""
    periods = tuple(sorted({row.period_start for row in rows}))
    index = {start: n for n, start in enumerate(periods)}
    teams: dict[TeamKey, list[int]] = defaultdict(lambda: [0] * len(periods))
    company = [0] * len(periods)
    for row in rows:
        company[index[row.period_start]] += row.open_items
        if row.open_items:
            teams[(row.team_code, row.team_name, row.branch_name)][index[row.period_start]] += row.open_items
    ordered = sorted(teams.items(), key=lambda entry: (entry[0][0] is None, entry[0][0] or ""))
    team_trends = tuple(
        TeamTrend(code, name, branch, tuple(counts), sparkline(counts))
        for (code, name, branch), counts in ordered
    )
    top = _axis_top(max(company, default=0))
    return TrendView(periods, tuple(company), team_trends, _bars(periods, company, top), _ticks(top))


def _axis_top(value: int) -> int:
    """A round axis maximum at or above `value` (at least 4, so ticks stay whole numbers)."""
    if value <= 4:
        return 4
    magnitude = 10 ** int(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value and top % 4 == 0:
            return top
    return int(math.ceil(value / 4) * 4)


def _plot_y(value: float, top: int) -> float:
    plot_height = CHART_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    return round(PLOT_TOP + plot_height * (1 - value / top), 1)


def _bars(periods: Sequence[dt.date], company: Sequence[int], top: int) -> tuple[Bar, ...]:
    if not periods:
        return ()
    slot = (CHART_WIDTH - PLOT_LEFT - PLOT_RIGHT) / len(periods)
    width = round(min(slot * 0.6, 56), 1)
    bottom = CHART_HEIGHT - PLOT_BOTTOM
    bars = []
    for n, (start, value) in enumerate(zip(periods, company, strict=True)):
        y = _plot_y(value, top)
        x = round(PLOT_LEFT + slot * n + (slot - width) / 2, 1)
        bars.append(Bar(x, y, width, round(bottom - y, 1), value, f"{start:%m-%d}", start.isoformat()))
    return tuple(bars)


def _ticks(top: int) -> tuple[Tick, ...]:
    return tuple(Tick(_plot_y(top * n / 4, top), top * n // 4) for n in range(5))


def sparkline(counts: Sequence[int]) -> Sparkline:
    """A small line of `counts` scaled to its own maximum (a single value is drawn mid-width)."""
    top = max(max(counts, default=0), 1)
    inner_w, inner_h = SPARK_WIDTH - 2 * SPARK_PAD, SPARK_HEIGHT - 2 * SPARK_PAD
    step = inner_w / (len(counts) - 1) if len(counts) > 1 else 0
    dots = tuple(
        (
            round(SPARK_PAD + (step * n if len(counts) > 1 else inner_w / 2), 1),
            round(SPARK_PAD + inner_h * (1 - value / top), 1),
            value,
        )
        for n, value in enumerate(counts)
    )
    return Sparkline(" ".join(f"{x},{y}" for x, y, _ in dots), dots)
