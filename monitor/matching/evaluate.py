"""Scoring the matcher against a labelled set: precision of automatic matches, recall, review load.

Labelled CSV format (UTF-8, header required): `text,expected_customer_id,kind` and optionally `half`.
`expected_customer_id` is empty when the text must not match any customer; `kind` groups rows in the
report (free text); `half` ("tune" or "test") says which half of a split set a row is in: rules are tuned
on the tuning half, and only the test half's figures forecast unseen names, so the failures of the test
half are never listed (`failures` refuses it).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from monitor.matching.index import MatchIndex
from monitor.matching.records import MatchResult, Thresholds
from monitor.matching.roster import RosterError

TUNE = "tune"
TEST = "test"
NEAR_MISS_PREFIX = "nm_"  # near-miss classes built from real names: excluded from the traffic mix


@dataclass(frozen=True, slots=True)
class LabelledCase:
    """One row of the labelled set."""

    text: str
    expected_customer_id: str | None
    kind: str
    half: str = ""


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
                (row.get("half") or "").strip(),
            )
            for row in reader
        ]


def read_others_csv(path: Path) -> list[str]:
    """Names of known non-customers from a CSV with a `name` column (an imported company list)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if "name" not in (reader.fieldnames or []):
            raise RosterError(f"{path}: row 1 (header): missing required column 'name'")
        return [(row["name"] or "").strip() for row in reader if (row["name"] or "").strip()]


def halves(cases: list[LabelledCase]) -> list[tuple[str, list[LabelledCase]]]:
    """The cases per half, tuning half first; one unnamed group when the set is not split."""
    named = [half for half in (TUNE, TEST) if any(case.half == half for case in cases)]
    if not named:
        return [("", cases)]
    return [(half, [case for case in cases if case.half == half]) for half in named]


def failures(
    index: MatchIndex, cases: list[LabelledCase], thresholds: Thresholds
) -> list[tuple[LabelledCase, MatchResult]]:
    """Rows of the tuning half the matcher gets wrong (a wrong auto, or the right customer not proposed).

    Refuses rows of the test half: reading them while tuning would make its figures a fit, not a forecast."""
    if any(case.half == TEST for case in cases):
        raise ValueError("the failures of the test half are never listed; tune on the tuning half")
    found = []
    for case in cases:
        result = index.match(case.text, thresholds=thresholds)
        wrong_auto = result.decision == "auto" and result.customer_id != case.expected_customer_id
        missed = case.expected_customer_id is not None and (
            result.decision == "none" or result.customer_id != case.expected_customer_id
        )
        if wrong_auto or missed:
            found.append((case, result))
    return found


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
    """Figures per kind (in first-seen order), then "overall", then "traffic" (without the near-miss
    classes `nm_*`, which are built to be hard and would swamp the review rate of real traffic)."""
    pairs = [(case, index.match(case.text, thresholds=thresholds)) for case in cases]
    kinds = list(dict.fromkeys(case.kind for case in cases))
    per_kind = [figures(kind, (pair for pair in pairs if pair[0].kind == kind)) for kind in kinds]
    rows = [*per_kind, figures("overall", pairs)]
    if any(kind.startswith(NEAR_MISS_PREFIX) for kind in kinds):
        rows.append(
            figures("traffic", (pair for pair in pairs if not pair[0].kind.startswith(NEAR_MISS_PREFIX)))
        )
    return rows


def format_table(rows: list[EvalFigures]) -> str:
    """A fixed-width text table of evaluation figures."""
    lines = [
        f"{'kind':<15} {'rows':>5} {'auto_prec':>9} {'recall':>7} {'auto_rec':>8} "
        f"{'review':>7} {'false_auto':>10}"
    ]
    for row in rows:
        lines.append(
            f"{row.kind:<15} {row.rows:>5} {_ratio(row.auto_precision):>9} {_ratio(row.recall):>7} "
            f"{_ratio(row.auto_recall):>8} {_ratio(row.review_rate):>7} {row.false_auto:>10}"
        )
    return "\n".join(lines)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
