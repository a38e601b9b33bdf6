"""`rivalwatch match` and `rivalwatch match-eval`: the matching engine from the command line."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from monitor.cli._context import settings_from
from monitor.matching import MatchIndex, Thresholds
from monitor.matching.evaluate import (
    evaluate,
    failures,
    format_table,
    halves,
    read_labelled_csv,
    read_others_csv,
)
from monitor.matching.explain import describe
from monitor.matching.roster import RosterError, read_customers_csv

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _load_index(customers: Path, others: Path | None = None) -> MatchIndex:
    try:
        known = read_others_csv(others) if others is not None else []
        return MatchIndex.build(read_customers_csv(customers), others=known)
    except RosterError as exc:
        raise click.UsageError(str(exc)) from exc


@click.command("match")
@click.option("--customers", "customers", type=_FILE, required=True, help="Customer roster CSV.")
@click.option("--names", "names", type=_FILE, required=True, help="Ad texts, one per line.")
@click.option(
    "--others", "others", type=_FILE, default=None, help="Known non-customers: CSV with a name column."
)
@click.option(
    "--explain", is_flag=True, help="Add a last column, explanation: the parts compared and the rule."
)
@click.pass_context
def match_command(
    ctx: click.Context, customers: Path, names: Path, others: Path | None, explain: bool
) -> None:
    """Match each ad text in NAMES to a customer; print CSV name,customer_id,customer_name,score,decision
    (and explanation with --explain)."""
    thresholds = Thresholds.of(settings_from(ctx).matching)
    index = _load_index(customers, others)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(
        ["name", "customer_id", "customer_name", "score", "decision", *(["explanation"] if explain else [])]
    )
    for line in names.read_text(encoding="utf-8-sig").splitlines():
        if not line.strip():
            writer.writerow([line, "", "", "0.0", "none", *([""] if explain else [])])
            continue
        result = index.match(line, thresholds=thresholds)
        row = [
            line,
            result.customer_id or "",
            result.customer_name or "",
            f"{result.score:.1f}",
            result.decision,
        ]
        if explain:
            row.append(describe(result.explanation) if result.explanation else result.reason)
        writer.writerow(row)


@click.command("match-eval")
@click.argument("labelled", type=_FILE)
@click.option(
    "--customers",
    "customers",
    type=_FILE,
    default=None,
    help="Customer roster CSV (default: customers.csv beside LABELLED).",
)
@click.option(
    "--others",
    "others",
    type=_FILE,
    default=None,
    help="Known non-customers, CSV with a name column (default: others.csv beside LABELLED, if there).",
)
@click.option(
    "--failures",
    "show_failures",
    is_flag=True,
    help="List the tuning half's wrong rows with their explanation (never the test half's).",
)
@click.pass_context
def match_eval_command(
    ctx: click.Context, labelled: Path, customers: Path | None, others: Path | None, show_failures: bool
) -> None:
    """Evaluate matching on LABELLED (CSV text,expected_customer_id,kind[,half]; empty expected = must not
    match). A set split into halves (half = tune/test) prints the figures of each half."""
    thresholds = Thresholds.of(settings_from(ctx).matching)
    roster = customers or labelled.with_name("customers.csv")
    if not roster.is_file():
        raise click.UsageError(f"{roster}: customer roster not found; pass --customers")
    beside = labelled.with_name("others.csv")
    index = _load_index(roster, others or (beside if beside.is_file() else None))
    try:
        cases = read_labelled_csv(labelled)
    except RosterError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(
        f"thresholds: auto {thresholds.auto:g}, review {thresholds.review:g}, "
        f"margin {thresholds.ambiguity_margin:g}; {len(index)} customers, {len(cases)} cases"
    )
    for half, rows in halves(cases):
        if half:
            click.echo(f"\n{half} half: {len(rows)} cases")
        click.echo(format_table(evaluate(index, rows, thresholds)))
    if show_failures:
        tuning = [case for case in cases if case.half in ("", "tune")]
        for case, result in failures(index, tuning, thresholds):
            line = describe(result.explanation) if result.explanation else result.reason
            expected = case.expected_customer_id or "-"
            got = f"{result.decision} {result.customer_id or '-'}"
            click.echo(f"{case.kind}\t{case.text}\texpected {expected}\t{got}\t{line}")
