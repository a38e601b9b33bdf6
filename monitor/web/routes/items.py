"""Item lists (a rep's own, a manager's team, the office's all) and one item with its evidence and form."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AccountabilityItem, User
from models.enums import Role
from monitor.accountability.explanations import (
    FUNNEL_STAGES,
    REASON_LABELS,
    ExplanationInput,
    deadline_passed,
    state_of,
)
from monitor.accountability.items import (
    EvidenceRow,
    ItemRecord,
    choose_period,
    item_record,
    item_rows,
    periods_newest_first,
)
from monitor.accountability.states import Action, ItemState, allowed
from monitor.accounts.scope import OFFICE_ROLES, REVIEW_ROLES, form_owner, readable_item
from monitor.core.evidence import EvidenceStorage
from monitor.matching.store import matches_of_sightings
from monitor.web.context import (
    CurrentUser,
    DbSession,
    QueryRowId,
    RowId,
    evidence_store_of,
    now_utc,
    place_names_of,
    redirect,
    render,
    settings_of,
)
from monitor.web.outline import PageOutline, page_outline
from reports.intel import item_intel

router = APIRouter()


@router.get("/")
def home(user: CurrentUser) -> Response:
    return redirect("/items")


@router.get("/items")
def item_list(request: Request, user: CurrentUser, session: DbSession, period: QueryRowId = None) -> Response:
    periods = periods_newest_first(session)
    chosen = choose_period(periods, period)
    rows = item_rows(session, chosen.id, user=user) if chosen else []
    return render(request, "items.html", {"periods": periods, "period": chosen, "rows": rows})


@router.get("/items/{item_id}")
def item_detail(request: Request, item_id: RowId, user: CurrentUser, session: DbSession) -> Response:
    return item_page(request, session, user, readable_item(session, user, item_id))


def form_values(item: AccountabilityItem) -> ExplanationInput:
    explanation = item.explanation
    if explanation is None:
        return ExplanationInput()
    return ExplanationInput(
        reason=explanation.reason,
        text=explanation.text,
        funnel_stage=explanation.funnel_stage,
        next_step=explanation.next_step,
        next_step_date=explanation.next_step_date,
    )


def _can_edit(user: User, item: AccountabilityItem, state: ItemState) -> bool:
    """The form is the user's (its author, else the item's owner) and its state takes a submission."""
    is_owner = user.role == Role.REP and user.rep_id is not None and form_owner(item) == user.rep_id
    return is_owner and allowed(state, Action.SUBMIT)


def newest_shots(record: ItemRecord) -> list[EvidenceRow]:
    """The newest sighting of each placement: the screenshots shown side by side."""
    return [placement.newest for placement in record.placements]


def outlines(store: EvidenceStorage, shots: list[EvidenceRow]) -> dict[int, PageOutline]:
    """Sighting id -> the ad's outline on its page screenshot, for the shots that have one."""
    found = {}
    for shot in shots:
        outline = page_outline(store, shot.capture_id, shot.page_screenshot_sha256, shot.box)
        if outline is not None:
            found[shot.sighting_id] = outline
    return found


def item_page(
    request: Request,
    session: Session,
    user: User,
    item: AccountabilityItem,
    values: ExplanationInput | None = None,
    problem: str | None = None,
    status_code: int = 200,
    waive_reason: str = "",
) -> Response:
    """The item with its evidence, timeline, form (for its rep) and review box (for a reviewer).

    `problem` is a message already in the request's language.
    """
    settings = settings_of(request)
    late = deadline_passed(item, settings, now_utc())
    state = state_of(item, settings, now_utc())
    record = item_record(session, item, settings.tz)
    explanation = item.explanation
    reviews = explanation.reviews if explanation else []
    reviewer_ids = {review.reviewer_user_id for review in reviews}
    reviewers = {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(reviewer_ids)))}
    context = {
        "item": item,
        "record": record,
        "outlines": outlines(evidence_store_of(request), newest_shots(record)),
        "matches": matches_of_sightings(session, (row.sighting_id for row in record.evidence)),
        "explanation": explanation,
        "reviews": reviews,
        "reviewers": reviewers,
        "values": values or form_values(item),
        "problem": problem,
        "late": late,
        "state": state,
        "can_edit": _can_edit(user, item, state),
        "can_draft": allowed(state, Action.SAVE_DRAFT),
        "can_review": user.role in REVIEW_ROLES and allowed(state, Action.ACCEPT),
        "can_waive": user.role in OFFICE_ROLES and allowed(state, Action.WAIVE),
        "can_unwaive": user.role in OFFICE_ROLES and allowed(state, Action.UNWAIVE),
        "waive_reason": waive_reason,
        "reasons": REASON_LABELS,
        "stages": FUNNEL_STAGES,
        "intel": item_intel(
            session,
            item.id,
            item.customer_id,
            item.period.start_date,
            item.period.end_date,
            place_names_of(request),
        ),
    }
    return render(request, "item.html", context, status_code)
