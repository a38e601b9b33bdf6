"""Market intelligence for a period: share of voice with its trend chart, spend estimates, the creatives.

`load_intel` reads it once (bounded by the period and the trend's periods); the report's intel page
(`templates/reports/intel.html`), the workbook's sheets and the office pages show it. The chart is inline
SVG built here, so the archived report needs no script.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Creative
from monitor.accountability.creatives import CreativeEntry, GalleryFilter, gallery, placement_sums
from monitor.accountability.spend import SpendLine, SpendTotal, item_spend, totals
from monitor.accountability.voice import PAGE_KINDS, VoiceRow, periods_back, share_of_voice
from monitor.core.siteconfig import PlaceNames
from reports.context import EvidenceFile, ReportContext

TREND_PERIODS = 4  # the period and the three before it
REPORT_CREATIVES = 60
SERIES = (("ours", "#1f6fb2"), ("accountable", "#d9480f"), ("leads", "#2b8a3e"))


@dataclass(frozen=True)
class GalleryCard:
    entry: CreativeEntry
    image: EvidenceFile | None


@dataclass(frozen=True)
class SpendSum:
    code: str | None
    name: str
    team_name: str | None
    totals: tuple[SpendTotal, ...]


@dataclass(frozen=True)
class IntelView:
    start: dt.date
    end: dt.date
    voice: tuple[VoiceRow, ...]  # every period of the trend, oldest first
    spend_by_item: dict[int, list[SpendLine]]
    spend_by_rep: tuple[SpendSum, ...]
    spend_by_team: tuple[SpendSum, ...]
    gallery: tuple[GalleryCard, ...]

    @property
    def current_voice(self) -> tuple[VoiceRow, ...]:
        return tuple(row for row in self.voice if row.start == self.start)

    @property
    def has_spend(self) -> bool:
        return bool(self.spend_by_item)

    @property
    def files(self) -> list[EvidenceFile]:
        return [card.image for card in self.gallery if card.image is not None]


def load_intel(session: Session, context: ReportContext, creatives: int = REPORT_CREATIVES) -> IntelView:
    """The period's share of voice (with the trend), spend estimates per item, rep and team, and creatives."""
    length = (context.end - context.start).days + 1
    period = GalleryFilter(context.start, context.end)
    # The period's sightings are read once, for its creatives and its share of voice both.
    sums = placement_sums(session, period, creatives_only=False)
    counts = [(row.slot_id, row.advertiser_id, row.sightings) for row in sums]
    trend = periods_back(context.start, length, TREND_PERIODS)
    voice = share_of_voice(session, trend, counted={(context.start, context.end): counts})
    items = [item for rep in context.reps for item in rep.items]
    spend = item_spend(session, [item.item_id for item in items])
    by_rep, by_team = _sums(context, spend)
    entries = gallery(session, period, limit=creatives, names=context.names, sums=sums)
    return IntelView(
        context.start,
        context.end,
        tuple(voice),
        spend,
        by_rep,
        by_team,
        tuple(gallery_cards(session, entries)),
    )


def gallery_cards(session: Session, entries: Sequence[CreativeEntry]) -> list[GalleryCard]:
    """Each entry with its image as an evidence file (the shown variant's content hash)."""
    ids = [entry.creative_id for entry in entries]
    rows = dict(
        (creative_id, (sha, mime))
        for creative_id, sha, mime in session.execute(
            select(Creative.id, Creative.sha256, Creative.mime_type).where(Creative.id.in_(ids))
        )
    )
    cards = []
    for entry in entries:
        found = rows.get(entry.creative_id)
        image = None
        if found:
            extension = (mimetypes.guess_extension(found[1]) or ".png").lstrip(".")
            image = EvidenceFile(found[0], "creative", "jpg" if extension == "jpe" else extension)
        cards.append(GalleryCard(entry, image))
    return cards


def _sums(
    context: ReportContext, spend: dict[int, list[SpendLine]]
) -> tuple[tuple[SpendSum, ...], tuple[SpendSum, ...]]:
    reps, teams = [], []
    for team in context.teams:
        team_lines: list[SpendLine] = []
        for rep in team.reps:
            lines = [line for item in rep.items for line in spend.get(item.item_id, [])]
            if lines:
                reps.append(SpendSum(rep.code, rep.name, team.name, tuple(totals(lines))))
            team_lines += lines
        if team_lines:
            teams.append(SpendSum(team.code, team.name or "", team.branch_name, tuple(totals(team_lines))))
    return tuple(reps), tuple(teams)


# --- the chart --------------------------------------------------------------------------------------------


def voice_chart(rows: Sequence[VoiceRow], translate: Callable[[str], str]) -> Markup:
    """Inline SVG: per period, the shares of placements held by our customers, accountable customers and
    leads, all competitors and page kinds together; one line per series, a legend, labelled axes."""
    by_period: dict[dt.date, list[VoiceRow]] = defaultdict(list)
    for row in rows:
        by_period[row.start].append(row)
    starts = sorted(by_period)
    if not starts:
        return Markup("")
    width, height, left, bottom, top = 560, 240, 44, 36, 28
    plot_w, plot_h = width - left - 16, height - top - bottom
    step = plot_w / max(len(starts) - 1, 1)

    def x(index: int) -> float:
        return left + (step * index if len(starts) > 1 else plot_w / 2)

    def y(share: float) -> float:
        return top + plot_h * (1 - share)

    labels = {
        "ours": translate("Our customers, share"),
        "accountable": translate("Accountable customers, share"),
        "leads": translate("Leads, share"),
    }
    parts = [
        f'<svg class="voice-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(translate("Share of voice"))}">'
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<line x1="{left}" x2="{width - 16}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end">{tick:.0%}</text>'
        )
    for index, start in enumerate(starts):
        parts.append(
            f'<text x="{x(index):.1f}" y="{height - 12}" font-size="11" text-anchor="middle">'
            f"{start:%m-%d}</text>"
        )
    for position, (series, colour) in enumerate(SERIES):
        points = []
        for index, start in enumerate(starts):
            period_rows = by_period[start]
            total = sum(row.placements for row in period_rows)
            held = sum(getattr(row, series) for row in period_rows)
            share = held / total if total else 0.0
            points.append((x(index), y(share), share, start))
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
        parts.append(
            f'<polyline data-series="{series}" fill="none" stroke="{colour}" stroke-width="2" '
            f'points="{path}"/>'
        )
        for px, py, share, start in points:
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}" data-series="{series}" '
                f'data-share="{share:.4f}"><title>{escape(labels[series])} {start:%Y-%m-%d}: '
                f"{share:.1%}</title></circle>"
            )
        legend_x = left + sum(_text_width(labels[name]) + 32 for name, _ in SERIES[:position])
        parts.append(
            f'<rect x="{legend_x}" y="6" width="12" height="12" fill="{colour}"/>'
            f'<text x="{legend_x + 16}" y="16" font-size="12">{escape(labels[series])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _text_width(text: str, size: int = 12) -> float:
    """About how wide `text` is at `size` px: CJK characters are square, Latin ones about half as wide."""
    return sum(size if ord(char) >= 0x2E80 else size * 0.6 for char in text)


def page_kind_labels() -> dict[str, str]:
    """Page kind -> its message id (translated where shown)."""
    from monitor.core.i18n import N_

    ids = {
        "homepage": N_("Homepage"),
        "city": N_("City section"),
        "industry": N_("Industry section"),
        "section": N_("Other section"),
    }
    return {kind: ids[kind] for kind in PAGE_KINDS}


@dataclass(frozen=True)
class ItemIntel:
    """What the item page shows beside the evidence: the customer's creatives and the spend estimate."""

    creatives: tuple[CreativeEntry, ...]
    spend: tuple[SpendLine, ...]

    @property
    def spend_totals(self) -> list[SpendTotal]:
        return totals(self.spend)


def item_intel(
    session: Session,
    item_id: int,
    customer_id: int,
    start: dt.date,
    end: dt.date,
    names: PlaceNames | None = None,
) -> ItemIntel:
    entries = gallery(session, GalleryFilter(start, end, customer_id), limit=24, names=names)
    return ItemIntel(tuple(entries), tuple(item_spend(session, [item_id]).get(item_id, [])))
