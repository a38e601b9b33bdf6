"""Scoring the matcher against a labelled set: precision of automatic matches, recall, review load.

Labelled CSV format (UTF-8, header required): `text,expected_customer_id,kind`. `expected_customer_id`
is empty when the text must not match any customer; `kind` groups rows in the report (free text).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from monitor.matching.index import MatchIndex
from monitor.matching.records import MatchResult, Thresholds
from monitor.matching.roster import RosterError


@dataclass(frozen=True, slots=True)
class LabelledCase:
    """One row of the labelled set."""

    text: str
    expected_customer_id: str | None
    kind: str


@dataclass(frozen=True, slots=True)
class EvalFigures:
    """Figures for a group of cases; ratios are None where nothing was there to count."""

    kind: str
    rows: int
    auto: int
    auto_right: int
    review: int
    expected: int
    proposed_right: int

    @property
    def auto_precision(self) -> float | None:
        return self.auto_right / self.auto if self.auto else None

    @property
    def recall(self) -> float | None:
        return self.proposed_right / self.expected if self.expected else None

    @property
    def auto_recall(self) -> float | None:
        return self.auto_right / self.expected if self.expected else None

    @property
    def review_rate(self) -> float | None:
        return self.review / self.rows if self.rows else None

    @property
    def false_auto(self) -> int:
        return self.auto - self.auto_right


def read_labelled_csv(path: Path) -> list[LabelledCase]:
    """Cases from a labelled CSV (`text,expected_customer_id,kind`)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for column in ("text", "expected_customer_id", "kind"):
            if column not in (reader.fieldnames or []):
                raise RosterError(f"{path}: row 1 (header): missing required column {column!r}")
        return [
            LabelledCase(
                row["text"] or "",
                (row["expected_customer_id"] or "").strip() or None,
                (row["kind"] or "").strip() or "-",
            )
            for row in reader
        ]


def figures(kind: str, pairs: Iterable[tuple[LabelledCase, MatchResult]]) -> EvalFigures:
    """Count outcomes for (case, result) pairs under one label."""
    rows = auto = auto_right = review = expected = proposed_right = 0
    for case, result in pairs:
        rows += 1
        right = case.expected_customer_id is not None and result.customer_id == case.expected_customer_id
        auto += result.decision == "auto"
        auto_right += result.decision == "auto" and right
        review += result.decision == "review"
        expected += case.expected_customer_id is not None
        proposed_right += result.decision != "none" and right
    return EvalFigures(kind, rows, auto, auto_right, review, expected, proposed_right)


def evaluate(index: MatchIndex, cases: list[LabelledCase], thresholds: Thresholds) -> list[EvalFigures]:
    """Figures per kind (in first-seen order), then "overall"."""
    pairs = [(case, index.match(case.text, thresholds=thresholds)) for case in cases]
    kinds = list(dict.fromkeys(case.kind for case in cases))
    per_kind = [figures(kind, (pair for pair in pairs if pair[0].kind == kind)) for kind in kinds]
    return [*per_kind, figures("overall", pairs)]


def format_table(rows: list[EvalFigures]) -> str:
    """A fixed-width text table of evaluation figures."""
    lines = [
        f"{'kind':<12} {'rows':>5} {'auto_prec':>9} {'recall':>7} {'auto_rec':>8} "
        f"{'review':>7} {'false_auto':>10}"
    ]
    for row in rows:
        lines.append(
            f"{row.kind:<12} {row.rows:>5} {_ratio(row.auto_precision):>9} {_ratio(row.recall):>7} "
            f"{_ratio(row.auto_recall):>8} {_ratio(row.review_rate):>7} {row.false_auto:>10}"
        )
    return "\n".join(lines)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
