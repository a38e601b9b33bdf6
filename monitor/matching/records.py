"""The plain values the matcher takes and gives: customers, thresholds, candidates, results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Decision = Literal["auto", "review", "none"]


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """One of our customers as the matcher sees it."""

    customer_id: str
    name: str
    short_name: str = ""
    english_name: str = ""
    aliases: tuple[str, ...] = ()
    website: str = ""


@dataclass(frozen=True, slots=True)
class KnownCompany:
    """A company known not to be our customer. `source` "list" (an imported company list) or
    "advertiser" (an advertiser a person rejected, or a lead): an advertiser never competes with itself."""

    name: str
    source: str = "list"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Score limits (0..100): at least `auto` applies itself, at least `review` waits for a person."""

    auto: float = 92.0
    review: float = 75.0
    ambiguity_margin: float = 4.0

    @classmethod
    def of(cls, value: Any = None) -> Thresholds:
        """Thresholds from None (defaults), a Thresholds, or settings with `auto_threshold` and friends."""
        if value is None:
            return cls()
        if isinstance(value, Thresholds):
            return value
        return cls(
            auto=float(value.auto_threshold),
            review=float(value.review_threshold),
            ambiguity_margin=float(value.ambiguity_margin),
        )


@dataclass(frozen=True, slots=True)
class PartCheck:
    """One part of the name compared: `part` is a PART_* code, `verdict` "same", "differs", "short"
    (the text's part is a short form of the customer's), "only_text" or "only_customer"."""

    part: str
    text: str
    customer: str
    verdict: str


@dataclass(frozen=True, slots=True)
class MatchExplanation:
    """Why the matcher decided what it did: the parts compared and the one rule that decided.

    `rule` is a rule code (see `monitor.matching.explain.RULES`); `compared` is the customer's name the
    text was compared with; `other` names the runner-up or the known non-customer the rule refers to."""

    rule: str
    decision: Decision
    checks: tuple[PartCheck, ...] = ()
    compared: str = ""
    other: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able form, stored with the match."""
        return {
            "rule": self.rule,
            "decision": self.decision,
            "compared": self.compared,
            "other": self.other,
            "checks": [[check.part, check.text, check.customer, check.verdict] for check in self.checks],
        }

    @classmethod
    def from_dict(cls, value: Any) -> MatchExplanation | None:
        """The explanation stored by `as_dict`, or None for anything else (older rows, hand edits)."""
        if not isinstance(value, dict) or not isinstance(value.get("rule"), str):
            return None
        checks = tuple(
            PartCheck(*(str(field) for field in check))
            for check in value.get("checks", ())
            if isinstance(check, list | tuple) and len(check) == 4
        )
        decision = value.get("decision")
        return cls(
            value["rule"],
            decision if decision in ("auto", "review", "none") else "none",
            checks,
            str(value.get("compared", "")),
            str(value.get("other", "")),
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """A customer the text might be, with its score and the evidence in words."""

    customer_id: str
    customer_name: str
    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The matcher's answer for one advertiser text."""

    text: str
    customer_id: str | None
    customer_name: str | None
    score: float
    decision: Decision
    candidates: tuple[Candidate, ...]
    reason: str
    explanation: MatchExplanation | None = None
