"""`rivalwatch match` and `rivalwatch match-eval`: the matching engine from the command line."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from monitor.cli._context import settings_from
from monitor.matching import MatchIndex, Thresholds
from monitor.matching.evaluate import evaluate, format_table, read_labelled_csv
from monitor.matching.roster import RosterError, read_customers_csv

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _load_index(customers: Path) -> MatchIndex:
    try:
        return MatchIndex.build(read_customers_csv(customers))
    except RosterError as exc:
        raise click.UsageError(str(exc)) from exc


@click.command("match")
@click.option("--customers", "customers", type=_FILE, required=True, help="Customer roster CSV.")
@click.option("--names", "names", type=_FILE, required=True, help="Ad texts, one per line.")
@click.pass_context
def match_command(ctx: click.Context, customers: Path, names: Path) -> None:
    """Match each ad text in NAMES to a customer; print CSV name,customer_id,customer_name,score,decision."""
    thresholds = Thresholds.of(settings_from(ctx).matching)
    index = _load_index(customers)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["name", "customer_id", "customer_name", "score", "decision"])
    for line in names.read_text(encoding="utf-8-sig").splitlines():
        if not line.strip():
            writer.writerow([line, "", "", "0.0", "none"])
            continue
        result = index.match(line, thresholds=thresholds)
        writer.writerow(
            [
                line,
                result.customer_id or "",
                result.customer_name or "",
                f"{result.score:.1f}",
                result.decision,
            ]
        )


@click.command("match-eval")
@click.argument("labelled", type=_FILE)
@click.option(
    "--customers",
    "customers",
    type=_FILE,
    default=None,
    help="Customer roster CSV (default: customers.csv beside LABELLED).",
)
@click.pass_context
def match_eval_command(ctx: click.Context, labelled: Path, customers: Path | None) -> None:
    """Evaluate matching on LABELLED (CSV text,expected_customer_id,kind; empty expected = must not match)."""
    thresholds = Thresholds.of(settings_from(ctx).matching)
    roster = customers or labelled.with_name("customers.csv")
    if not roster.is_file():
        raise click.UsageError(f"{roster}: customer roster not found; pass --customers")
    index = _load_index(roster)
    try:
        cases = read_labelled_csv(labelled)
    except RosterError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(
        f"thresholds: auto {thresholds.auto:g}, review {thresholds.review:g}, "
        f"margin {thresholds.ambiguity_margin:g}; {len(index)} customers, {len(cases)} cases"
    )
    click.echo(format_table(evaluate(index, cases, thresholds)))
