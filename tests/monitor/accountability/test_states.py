"""The item state machine: every (state, action) pair, applied through the functions that write items.

One table (monitor.accountability.states.TRANSITIONS) says what is allowed; here each pair is tried on a real
item in the database through the same function the web app and the CLI call, and must either move the item
to the table's next state or be refused and leave it exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from models import AccountabilityItem, Explanation, User
from models.enums import ExplanationStatus, ItemStatus, ReviewDecision, Role
from monitor.accountability.explanations import (
    ExplanationInput,
    FormRefused,
    review,
    save_draft,
    state_of,
    submit,
)
from monitor.accountability.generate import generate_period
from monitor.accountability.items import item_rows
from monitor.accountability.states import TRANSITIONS, Action, ItemState, item_state
from monitor.accountability.waivers import WaiveError, unwaive, waive
from monitor.accounts.scope import RoleForbidden, readable_item, writable_item
from monitor.roster.transfers import transfer_customer
from tests.support.world import NOW, START, add_rep_users, build_world, day, items_by_code, settings_for

# Before the form deadline (2026-11-27, five days after the period) and after it.
EARLY = NOW
LATE = dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC)
ANSWER = ExplanationInput(reason="negotiating", text="谈判中，预算尚未确定", funnel_stage=70)


@pytest.mark.parametrize(
    ("item_status", "form", "late", "state"),
    [
        ("open", None, False, ItemState.OPEN),
        ("open", "draft", False, ItemState.DRAFT),
        ("open", None, True, ItemState.OVERDUE),
        ("open", "draft", True, ItemState.OVERDUE),
        ("open", "submitted", True, ItemState.SUBMITTED),
        ("open", "sent_back", True, ItemState.SENT_BACK),
        ("open", "accepted", True, ItemState.ACCEPTED),
        ("waived", "submitted", False, ItemState.WAIVED),
        ("withdrawn", "accepted", False, ItemState.WITHDRAWN),
    ],
)
def test_an_items_state_comes_from_its_status_form_and_deadline(
    item_status: str, form: str | None, late: bool, state: ItemState
) -> None:
    assert item_state(item_status, form, late) == state


def _in_state(session: Session, item: AccountabilityItem, state: ItemState) -> dt.datetime:
    """Put `item` in `state`; returns the moment at which it is in that state."""
    forms = {
        ItemState.DRAFT: ExplanationStatus.DRAFT,
        ItemState.SUBMITTED: ExplanationStatus.SUBMITTED,
        ItemState.SENT_BACK: ExplanationStatus.SENT_BACK,
        ItemState.ACCEPTED: ExplanationStatus.ACCEPTED,
    }
    if state in forms:
        item.explanation = Explanation(
            item_id=item.id, status=forms[state], rep_id=item.rep_id, text="旧的说明"
        )
    item.status = {ItemState.WAIVED: ItemStatus.WAIVED, ItemState.WITHDRAWN: ItemStatus.WITHDRAWN}.get(
        state, ItemStatus.OPEN
    )
    session.flush()
    return LATE if state == ItemState.OVERDUE else EARLY


def _act(
    session: Session, item: AccountabilityItem, action: Action, rep: User, manager: User, now: dt.datetime
) -> None:
    settings = settings_for(Path("."))
    match action:
        case Action.SAVE_DRAFT:
            save_draft(item, rep, ANSWER, settings, now)
        case Action.SUBMIT:
            submit(item, rep, ANSWER, settings, now)
        case Action.ACCEPT:
            review(item, manager, ReviewDecision.ACCEPT, None, settings, now)
        case Action.SEND_BACK:
            review(item, manager, ReviewDecision.SEND_BACK, "请补充预算情况", settings, now)
        case Action.WAIVE:
            waive(session, item, "客户已由总部统一采购", "office", now)
        case Action.UNWAIVE:
            unwaive(session, item, "豁免有误", "office", now)


def _snapshot(item: AccountabilityItem) -> tuple[object, ...]:
    form = item.explanation
    return (item.status, form.status if form else None, form.text if form else None, len(item.waivers))


PERSON_ACTIONS = [
    Action.SAVE_DRAFT,
    Action.SUBMIT,
    Action.ACCEPT,
    Action.SEND_BACK,
    Action.WAIVE,
    Action.UNWAIVE,
]


@pytest.mark.parametrize(("state", "action"), list(itertools.product(ItemState, PERSON_ACTIONS)))
def test_every_state_and_action_moves_as_the_table_says_or_is_refused(
    session: Session, tmp_path: Path, state: ItemState, action: Action
) -> None:
    world = build_world(session)
    generate_period(session, settings_for(tmp_path), START, NOW)
    users = add_rep_users(session, world)
    manager = User(username="mgr", display_name="经理", role=Role.MANAGER)
    session.add(manager)
    item = items_by_code(session)["C001"]
    now = _in_state(session, item, state)
    assert state_of(item, settings_for(tmp_path), now) == state
    before = _snapshot(item)
    expected = TRANSITIONS.get((state, action))
    if expected is None:
        with pytest.raises((FormRefused, WaiveError)):
            _act(session, item, action, users["R002"], manager, now)
        assert _snapshot(item) == before  # refused: nothing changed
        return
    _act(session, item, action, users["R002"], manager, now)
    # (Undoing a waiver leads back to the form's own state: here no form, before the deadline, so OPEN.)
    assert state_of(item, settings_for(tmp_path), now) == expected


def test_a_waiver_keeps_its_history_and_can_be_undone(session: Session, tmp_path: Path) -> None:
    build_world(session)
    generate_period(session, settings_for(tmp_path), START, NOW)
    item = items_by_code(session)["C001"]
    waive(session, item, "总部统一采购", "office", NOW)
    with pytest.raises(WaiveError, match="cannot be waived"):
        waive(session, item, "第二次豁免会覆盖原因", "office", NOW)
    unwaive(session, item, "豁免有误", "admin", NOW + dt.timedelta(hours=1))
    assert item.status == ItemStatus.OPEN and item.status_reason is None
    assert [(w.action, w.reason, w.decided_by) for w in item.waivers] == [
        ("waive", "总部统一采购", "office"),
        ("unwaive", "豁免有误", "admin"),
    ]
    generate_period(session, settings_for(tmp_path), START, NOW + dt.timedelta(hours=2))
    assert items_by_code(session)["C001"].status == ItemStatus.OPEN  # accountable again after regeneration


def test_a_transfer_never_moves_or_hides_a_reps_explanation(session: Session, tmp_path: Path) -> None:
    """R003's answer on BMW (C002) is accepted; then C002 moves to R001 from before its sighting."""
    world = build_world(session)
    settings = settings_for(tmp_path)
    generate_period(session, settings, START, NOW)
    users = add_rep_users(session, world)
    manager = User(username="mgr", display_name="经理", role=Role.MANAGER)
    session.add(manager)
    bmw = items_by_code(session)["C002"]
    submit(bmw, users["R003"], ANSWER, settings, EARLY)
    review(bmw, manager, ReviewDecision.ACCEPT, None, settings, EARLY)
    transfer_customer(
        session, "C002", "R001", effective=day(9), reason="客户划转", registered_by="office", now=NOW, cap=40
    )
    generate_period(session, settings, START, NOW + dt.timedelta(hours=1))
    session.expire_all()
    bmw = items_by_code(session)["C002"]
    assert bmw.rep.code == "R001"  # the item follows the owner on the sighting day
    assert bmw.explanation is not None and bmw.explanation.status == ExplanationStatus.ACCEPTED
    assert bmw.explanation.rep_id == world.reps["R003"].id  # still R003's answer
    old, new = users["R003"], users["R001"]
    assert readable_item(session, old, bmw.id) is bmw  # the author still reads his own form
    assert bmw.id in {row.item_id for row in item_rows(session, bmw.period_id, user=old)}
    assert writable_item(session, old, bmw.id) is bmw  # his (accepted, so closed) form
    with pytest.raises(RoleForbidden):
        writable_item(session, new, bmw.id)  # the new owner cannot rewrite another rep's answer
    assert readable_item(session, new, bmw.id) is bmw
