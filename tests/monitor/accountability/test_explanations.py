"""Reading a rep's explanation form: what is kept, what is malformed, and what a submission still needs."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.accountability.explanations import TEXT_LIMIT, missing_for_submit, parse_explanation

COMPLETE = {
    "reason": "negotiating",
    "text": "客户在谈判年度合同",
    "funnel_stage": "70",
    "next_step": "拜访HR",
    "next_step_date": "2026-12-01",
}


@pytest.mark.parametrize(
    ("changes", "kept", "errors"),
    [
        ({}, {"reason": "negotiating", "funnel_stage": 70, "next_step_date": dt.date(2026, 12, 1)}, set()),
        ({"reason": "bored"}, {"reason": None}, {"reason"}),
        ({"reason": ""}, {"reason": None}, set()),  # not chosen yet: missing, not malformed
        ({"funnel_stage": "60"}, {"funnel_stage": None}, {"funnel_stage"}),
        ({"funnel_stage": "7O"}, {"funnel_stage": None}, {"funnel_stage"}),
        ({"funnel_stage": "-10"}, {"funnel_stage": None}, {"funnel_stage"}),
        ({"funnel_stage": " 100 "}, {"funnel_stage": 100}, set()),
        ({"next_step_date": "2026-13-01"}, {"next_step_date": None}, {"next_step_date"}),
        ({"next_step_date": "12/01/2026"}, {"next_step_date": None}, {"next_step_date"}),
        ({"next_step_date": ""}, {"next_step_date": None}, set()),
        ({"text": "   "}, {"text": None}, set()),
        ({"text": "甲" * (TEXT_LIMIT + 10)}, {"text": "甲" * TEXT_LIMIT}, set()),
        ({"next_step": "  拜访  "}, {"next_step": "拜访"}, set()),
    ],
)
def test_posted_fields_are_kept_when_usable_and_named_when_malformed(
    changes: dict[str, str], kept: dict[str, object], errors: set[str]
) -> None:
    data = parse_explanation({**COMPLETE, **changes})
    assert {name: getattr(data, name) for name in kept} == kept
    assert set(data.errors) == errors


@pytest.mark.parametrize(
    ("removed", "missing"),
    [
        ((), set()),
        (("next_step", "next_step_date"), set()),  # the next step is optional
        (("reason",), {"reason"}),
        (("text",), {"text"}),
        (("funnel_stage",), {"funnel_stage"}),
        (("reason", "text", "funnel_stage"), {"reason", "text", "funnel_stage"}),
    ],
)
def test_a_submission_needs_a_reason_a_text_and_a_stage(removed: tuple[str, ...], missing: set[str]) -> None:
    form = {name: value for name, value in COMPLETE.items() if name not in removed}
    assert set(missing_for_submit(parse_explanation(form))) == missing
