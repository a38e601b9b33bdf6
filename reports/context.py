"""Turn a period's rows into a report context: company, branch, team and rep sections, pending matches.

Open items make the report; withdrawn and waived items are listed apart so nothing disappears silently.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from models.enums import ItemStatus
from monitor.accountability_db import GENERATOR
from reports.queries import (
    EvidenceRow,
    ItemRow,
    PendingRow,
    PeriodRow,
    evidence_for_period,
    items_for_period,
    pending_matches_for_period,
    period_by_start,
)

WEB_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class EvidenceView:
    sighting_id: int
    day: dt.date
    competitor: str
    page: str
    page_url: str
    slot: str
    slot_kind: str
    position: int
    raw_text: str
    link: str | None
    link_href: str | None  # the link, only when it is a plain http(s) URL
    creative_sha256: str | None
    element_screenshot_sha256: str | None
    page_screenshot_sha256: str | None
    owner_rep_code: str
    owner_rep_name: str


@dataclass(frozen=True)
class ItemView:
    item_id: int
    status: str
    reason_codes: tuple[str, ...]  # set by regeneration: translated in the template
    reason_text: str | None  # written by a person: shown as is
    changed_by: str | None
    customer_id: int
    customer_code: str
    customer_name: str
    rep_code: str
    rep_name: str
    team_name: str | None
    branch_name: str | None
    days_seen: int
    days_unknown: int
    first_seen: dt.date | None
    last_seen: dt.date | None
    explanation_status: str  # "missing" when no form exists
    competitors: tuple[str, ...]
    positions: tuple[str, ...]  # "competitor · page · slot"
    evidence: tuple[EvidenceView, ...]


@dataclass(frozen=True)
class Totals:
    items: int
    reps: int
    days_seen: int
    days_unknown: int
    evidence: int

    @classmethod
    def of(cls, items: Sequence[ItemView]) -> Totals:
        return cls(
            items=len(items),
            reps=len({item.rep_code for item in items}),
            days_seen=sum(item.days_seen for item in items),
            days_unknown=sum(item.days_unknown for item in items),
            evidence=sum(len(item.evidence) for item in items),
        )


@dataclass(frozen=True)
class RepSection:
    code: str
    name: str
    items: tuple[ItemView, ...]
    totals: Totals


@dataclass(frozen=True)
class TeamSection:
    code: str | None  # None: reps without a team
    name: str | None
    branch_name: str | None
    reps: tuple[RepSection, ...]
    totals: Totals


@dataclass(frozen=True)
class BranchSection:
    code: str | None
    name: str | None
    teams: tuple[TeamSection, ...]
    totals: Totals


@dataclass(frozen=True)
class ReportContext:
    period_id: int
    start: dt.date
    end: dt.date
    form_deadline: dt.date
    generated_at: dt.datetime | None
    branches: tuple[BranchSection, ...]
    company: Totals
    closed_items: tuple[ItemView, ...]
    pending: tuple[PendingRow, ...]

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d}~{self.end:%Y-%m-%d}"

    @property
    def teams(self) -> tuple[TeamSection, ...]:
        return tuple(team for branch in self.branches for team in branch.teams)

    @property
    def reps(self) -> tuple[RepSection, ...]:
        return tuple(rep for team in self.teams for rep in team.reps)


def load_report_context(session: Session, start: dt.date) -> ReportContext:
    """The report context of the period starting on `start`; LookupError if it was never generated."""
    period = period_by_start(session, start)
    if period is None:
        raise LookupError(f"no accountability period starts on {start}: generate it first")
    return build_report_context(
        period,
        items_for_period(session, period.id),
        evidence_for_period(session, period.id),
        pending_matches_for_period(session, period.start, period.end),
    )


def build_report_context(
    period: PeriodRow,
    items: Iterable[ItemRow],
    evidence: Iterable[EvidenceRow],
    pending: Iterable[PendingRow],
) -> ReportContext:
    """Group the period's rows into company, branch, team and rep sections."""
    evidence_by_item: dict[int, list[EvidenceView]] = defaultdict(list)
    for row in evidence:
        evidence_by_item[row.item_id].append(evidence_view(row))
    views = [item_view(row, evidence_by_item[row.item_id]) for row in items]
    open_items = [view for view in views if view.status == ItemStatus.OPEN]
    return ReportContext(
        period_id=period.id,
        start=period.start,
        end=period.end,
        form_deadline=period.form_deadline,
        generated_at=period.generated_at,
        branches=_branches(open_items, {row.item_id: row for row in items}),
        company=Totals.of(open_items),
        closed_items=tuple(view for view in views if view.status != ItemStatus.OPEN),
        pending=tuple(pending),
    )


def safe_href(link: str | None) -> str | None:
    """`link` when it is an absolute http(s) URL with a host; anything else is shown as text only."""
    if not link:
        return None
    parts = urlsplit(link.strip())
    return link.strip() if parts.scheme.lower() in WEB_SCHEMES and parts.netloc else None


def evidence_view(row: EvidenceRow) -> EvidenceView:
    return EvidenceView(
        sighting_id=row.sighting_id,
        day=row.day,
        competitor=row.site_display_name,
        page=row.page_key,
        page_url=row.page_url,
        slot=row.slot_name,
        slot_kind=row.slot_kind,
        position=row.position,
        raw_text=row.raw_text,
        link=row.link,
        link_href=safe_href(row.link),
        creative_sha256=row.creative_sha256,
        element_screenshot_sha256=row.element_screenshot_sha256,
        page_screenshot_sha256=row.page_screenshot_sha256,
        owner_rep_code=row.owner_rep_code,
        owner_rep_name=row.owner_rep_name,
    )


def item_view(row: ItemRow, evidence: Sequence[EvidenceView]) -> ItemView:
    by_generator = row.status_changed_by == GENERATOR and bool(row.status_reason)
    return ItemView(
        item_id=row.item_id,
        status=row.status,
        reason_codes=tuple((row.status_reason or "").split(",")) if by_generator else (),
        reason_text=None if by_generator else row.status_reason,
        changed_by=row.status_changed_by,
        customer_id=row.customer_id,
        customer_code=row.customer_code,
        customer_name=row.customer_name,
        rep_code=row.rep_code,
        rep_name=row.rep_name,
        team_name=row.team_name,
        branch_name=row.branch_name,
        days_seen=row.days_seen,
        days_unknown=row.days_unknown,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        explanation_status=row.explanation_status or "missing",
        competitors=row.competitors,
        positions=tuple(
            dict.fromkeys(f"{shown.competitor} · {shown.page} · {shown.slot}" for shown in evidence)
        ),
        evidence=tuple(evidence),
    )


def _branches(items: Sequence[ItemView], rows: dict[int, ItemRow]) -> tuple[BranchSection, ...]:
    """Items grouped branch -> team -> rep, each level sorted by code (no team last)."""
    tree: dict[tuple[str | None, str | None], dict[tuple[str | None, str | None], dict[str, list[ItemView]]]]
    tree = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for item in items:
        row = rows[item.item_id]
        tree[(row.branch_code, row.branch_name)][(row.team_code, row.team_name)][row.rep_code].append(item)
    return tuple(
        _branch(branch, teams)
        for branch, teams in sorted(tree.items(), key=lambda entry: _code_key(entry[0][0]))
    )


def _branch(
    branch: tuple[str | None, str | None],
    teams: dict[tuple[str | None, str | None], dict[str, list[ItemView]]],
) -> BranchSection:
    sections = tuple(
        _team(team, branch[1], reps)
        for team, reps in sorted(teams.items(), key=lambda entry: _code_key(entry[0][0]))
    )
    items = [item for team in sections for rep in team.reps for item in rep.items]
    return BranchSection(branch[0], branch[1], sections, Totals.of(items))


def _team(
    team: tuple[str | None, str | None], branch_name: str | None, reps: dict[str, list[ItemView]]
) -> TeamSection:
    sections = tuple(_rep(code, items) for code, items in sorted(reps.items()))
    items = [item for rep in sections for item in rep.items]
    return TeamSection(team[0], team[1], branch_name, sections, Totals.of(items))


def _rep(code: str, items: list[ItemView]) -> RepSection:
    ordered = tuple(sorted(items, key=lambda item: (-item.days_seen, item.customer_code)))
    return RepSection(code, ordered[0].rep_name, ordered, Totals.of(ordered))


def _code_key(code: str | None) -> tuple[bool, str]:
    return (code is None, code or "")
