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
