"""The explanation form: reading what a rep posts, saving or submitting it, a reviewer's decision.

What is allowed when is the state machine's (monitor.accountability.states): every write asks it first.
Functions change the session and never commit: the request (or the CLI) owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from models import AccountabilityItem, Explanation, Review, User
from models.enums import ExplanationStatus, ReviewDecision
from monitor.accountability.states import Action, ItemState, TransitionRefused, item_state, next_state
from monitor.core.i18n import N_
from monitor.core.settings import Settings

# Stored in Explanation.reason (the code) and shown by its label (a message id).
REASON_LABELS: dict[str, str] = {
    "budget_to_competitor": N_("The customer's budget went to the competitor"),
    "negotiating": N_("The customer is in negotiation"),
    "churned": N_("The customer has churned"),
    "not_our_customer": N_("Not my customer, or a wrong match"),
    "other": N_("Other"),
}
REASONS = tuple(REASON_LABELS)
FUNNEL_STAGES: dict[int, str] = {
    10: N_("Prospect"),
    30: N_("Interest"),
    50: N_("Proposal"),
    70: N_("Negotiation"),
    100: N_("Won"),
}
TEXT_LIMIT = 5000


class FormRefused(Exception):
    """The action is not allowed in the form's current state; the message is a UI message id."""


def state_of(item: AccountabilityItem, settings: Settings, now: dt.datetime) -> ItemState:
    """The item's state at `now` (its status, its form's status, its deadline)."""
    form = item.explanation.status.value if item.explanation else None
    return item_state(item.status.value, form, deadline_passed(item, settings, now))


def _check(item: AccountabilityItem, action: Action, settings: Settings, now: dt.datetime) -> None:
    try:
        next_state(state_of(item, settings, now), action)
    except TransitionRefused as refused:
        raise FormRefused(refused.message) from None


@dataclass
class ExplanationInput:
    reason: str | None = None
    text: str | None = None
    funnel_stage: int | None = None
    next_step: str | None = None
    next_step_date: dt.date | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _clean(value: object, limit: int = TEXT_LIMIT) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text[:limit] or None


def parse_explanation(form: Mapping[str, object]) -> ExplanationInput:
    """Read the posted fields, keeping what is usable and noting what is malformed."""
    data = ExplanationInput(text=_clean(form.get("text")), next_step=_clean(form.get("next_step")))
    reason = _clean(form.get("reason"), 50)
    if reason is not None and reason not in REASONS:
        data.errors["reason"] = N_("Choose a reason.")
    data.reason = reason if reason in REASONS else None
    stage = _clean(form.get("funnel_stage"), 5)
    if stage is not None and (not stage.isdigit() or int(stage) not in FUNNEL_STAGES):
        data.errors["funnel_stage"] = N_("Choose the funnel stage.")
    data.funnel_stage = int(stage) if stage and stage.isdigit() and int(stage) in FUNNEL_STAGES else None
    day = _clean(form.get("next_step_date"), 20)
    try:
        data.next_step_date = dt.date.fromisoformat(day) if day else None
    except ValueError:
        data.errors["next_step_date"] = N_("Enter a date as YYYY-MM-DD.")
    return data


def missing_for_submit(data: ExplanationInput) -> dict[str, str]:
    """Fields a submission needs: a reason, a written explanation and the funnel stage."""
    missing = {}
    if data.reason is None:
        missing["reason"] = N_("Choose a reason.")
    if data.text is None:
        missing["text"] = N_("Write the explanation.")
    if data.funnel_stage is None:
        missing["funnel_stage"] = N_("Choose the funnel stage.")
    return missing


def deadline_passed(item: AccountabilityItem, settings: Settings, now: dt.datetime) -> bool:
    """The deadline is a calendar day in the users' timezone, open until its end."""
    return settings.today(now) > item.period.form_deadline


def _form_for(item: AccountabilityItem, author: User) -> Explanation:
    if item.explanation is None:
        # The form belongs to the rep who writes it: a later transfer of the customer leaves it theirs.
        item.explanation = Explanation(item_id=item.id, status=ExplanationStatus.DRAFT, rep_id=author.rep_id)
    item.explanation.author_user_id = author.id
    return item.explanation


def _apply(explanation: Explanation, data: ExplanationInput) -> None:
    explanation.reason = data.reason
    explanation.text = data.text
    explanation.funnel_stage = data.funnel_stage
    explanation.next_step = data.next_step
    explanation.next_step_date = data.next_step_date


def save_draft(
    item: AccountabilityItem, author: User, data: ExplanationInput, settings: Settings, now: dt.datetime
) -> Explanation:
    """Keep unfinished answers (until the deadline; a sent-back form stays sent back until resubmitted)."""
    _check(item, Action.SAVE_DRAFT, settings, now)
    explanation = _form_for(item, author)
    _apply(explanation, data)
    return explanation


def submit(
    item: AccountabilityItem, author: User, data: ExplanationInput, settings: Settings, now: dt.datetime
) -> Explanation:
    """Submit (or update a submission) until it is accepted; a first submission only by the deadline."""
    _check(item, Action.SUBMIT, settings, now)
    explanation = _form_for(item, author)
    _apply(explanation, data)
    explanation.status = ExplanationStatus.SUBMITTED
    explanation.submitted_at = now
    return explanation


def review(
    item: AccountabilityItem,
    reviewer: User,
    decision: ReviewDecision,
    comment: str | None,
    settings: Settings,
    now: dt.datetime,
) -> Review:
    """Accept or send back a submitted form; sending back needs a comment for the rep."""
    action = Action.ACCEPT if decision == ReviewDecision.ACCEPT else Action.SEND_BACK
    _check(item, action, settings, now)
    explanation = item.explanation
    assert explanation is not None  # only a submitted form can be reviewed
    if decision == ReviewDecision.SEND_BACK and not comment:
        raise FormRefused(N_("Write a comment when sending a form back."))
    record = Review(reviewer_user_id=reviewer.id, decision=decision, comment=comment, created_at=now)
    explanation.reviews.append(record)
    explanation.status = (
        ExplanationStatus.ACCEPTED if decision == ReviewDecision.ACCEPT else ExplanationStatus.SENT_BACK
    )
    return record
