"""An item's state and the one table of what may happen to it in each state. Pure: no session, no clock.

An item's state combines its status (open, waived, withdrawn), its explanation form's status and the form
deadline. Every write to an item or its form asks `next_state` first, so a waived item refuses a form, a
draft cannot be saved after the deadline, and only a submitted form can be reviewed, whoever calls.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from monitor.core.i18n import N_


class ItemState(enum.StrEnum):
    OPEN = "open"  # accountable, no form yet, deadline not passed
    DRAFT = "draft"  # the rep saved answers, not submitted, deadline not passed
    SUBMITTED = "submitted"  # waiting for the manager
    SENT_BACK = "sent_back"  # the manager asked for more; the rep may resubmit, also after the deadline
    ACCEPTED = "accepted"  # closed
    OVERDUE = "overdue"  # deadline passed with no submitted form
    WAIVED = "waived"  # the office decided it is not held against the rep
    WITHDRAWN = "withdrawn"  # regeneration found no accountable evidence left


class Action(enum.StrEnum):
    SAVE_DRAFT = "save_draft"  # the rep
    SUBMIT = "submit"  # the rep
    ACCEPT = "accept"  # a manager
    SEND_BACK = "send_back"  # a manager
    WAIVE = "waive"  # the office
    UNWAIVE = "unwaive"  # the office undoes its waiver
    WITHDRAW = "withdraw"  # regeneration: no accountable evidence left
    REOPEN = "reopen"  # regeneration: accountable evidence again


# The whole state machine: (state, action) -> the state after. A pair missing from it is refused.
# UNWAIVE and REOPEN lead back to the form's own state, which `item_state` recomputes; OPEN stands for it.
_FORM_STATES = (ItemState.OPEN, ItemState.DRAFT, ItemState.SUBMITTED, ItemState.SENT_BACK)
_ACCOUNTABLE = (*_FORM_STATES, ItemState.ACCEPTED, ItemState.OVERDUE)
TRANSITIONS: Mapping[tuple[ItemState, Action], ItemState] = {
    (ItemState.OPEN, Action.SAVE_DRAFT): ItemState.DRAFT,
    (ItemState.DRAFT, Action.SAVE_DRAFT): ItemState.DRAFT,
    (ItemState.SENT_BACK, Action.SAVE_DRAFT): ItemState.SENT_BACK,  # stays sent back until resubmitted
    (ItemState.OPEN, Action.SUBMIT): ItemState.SUBMITTED,
    (ItemState.DRAFT, Action.SUBMIT): ItemState.SUBMITTED,
    (ItemState.SUBMITTED, Action.SUBMIT): ItemState.SUBMITTED,  # an update while waiting for review
    (ItemState.SENT_BACK, Action.SUBMIT): ItemState.SUBMITTED,
    (ItemState.SUBMITTED, Action.ACCEPT): ItemState.ACCEPTED,
    (ItemState.SUBMITTED, Action.SEND_BACK): ItemState.SENT_BACK,
    **{(state, Action.WAIVE): ItemState.WAIVED for state in _ACCOUNTABLE},
    (ItemState.WAIVED, Action.UNWAIVE): ItemState.OPEN,
    # Regeneration withdraws only what no person has decided on; a waiver or a form's answers stay.
    **{(state, Action.WITHDRAW): ItemState.WITHDRAWN for state in _ACCOUNTABLE},
    (ItemState.WITHDRAWN, Action.REOPEN): ItemState.OPEN,
}

# Why a refused action is refused, as a message id for the person who tried.
_REFUSALS: Mapping[ItemState, str] = {
    ItemState.ACCEPTED: N_("This form has been accepted and can no longer be changed."),
    ItemState.OVERDUE: N_("The deadline has passed; the form can no longer be submitted."),
    ItemState.WAIVED: N_("This item is waived: there is nothing to explain or review."),
    ItemState.WITHDRAWN: N_("This item was withdrawn: there is nothing to explain or review."),
}
_ACTION_REFUSALS: Mapping[Action, str] = {
    Action.SAVE_DRAFT: N_("This form is submitted; update it with Submit."),
    Action.ACCEPT: N_("Only a submitted form can be reviewed."),
    Action.SEND_BACK: N_("Only a submitted form can be reviewed."),
    Action.WAIVE: N_("This item cannot be waived in its state."),
    Action.UNWAIVE: N_("Only a waived item can have its waiver undone."),
}


class TransitionRefused(Exception):
    """`action` is not allowed in `state`; `message` is a UI message id."""

    def __init__(self, state: ItemState, action: Action) -> None:
        self.state, self.action = state, action
        self.message = _REFUSALS.get(state) or _ACTION_REFUSALS.get(action) or N_("Not allowed now.")
        super().__init__(self.message)


def item_state(item_status: str, form_status: str | None, deadline_passed: bool) -> ItemState:
    """The state of an item with this status, form status (None: no form) and deadline."""
    if item_status in (ItemState.WAIVED, ItemState.WITHDRAWN):
        return ItemState(item_status)
    if form_status in (ItemState.SUBMITTED, ItemState.SENT_BACK, ItemState.ACCEPTED):
        return ItemState(form_status)
    if deadline_passed:
        return ItemState.OVERDUE
    return ItemState.DRAFT if form_status == ItemState.DRAFT else ItemState.OPEN


def next_state(state: ItemState, action: Action) -> ItemState:
    """The state after `action`, or TransitionRefused."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionRefused(state, action) from None


def allowed(state: ItemState, action: Action) -> bool:
    return (state, action) in TRANSITIONS
