"""Applying a read roster to the database: check its references, then upsert every table by code.

The caller owns the transaction: everything is flushed, nothing is committed. Nothing is ever deleted: rows
absent from an import stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from models import Assignment, Customer, CustomerAlias, ListedCompany, Order, Rep, Team
from monitor.roster.checks import kept_overlap_errors, listed_customer_errors, reference_errors, usable
from monitor.roster.records import (
    AssignmentRow,
    CompanyRow,
    CustomerRow,
    KeptAssignment,
    OrderRow,
    RepRow,
    Roster,
    RosterInvalid,
)

ALIAS_SOURCE = "roster"
_NAME_CHUNK = 500  # names a query asks for at once (SQLite allows 32,766 parameters)


@dataclass
class TableCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def record(self, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1


@dataclass
class ImportSummary:
    """Rows created, updated and unchanged per table (teams come from the reps' team/branch columns)."""

    tables: dict[str, TableCounts] = field(default_factory=dict)

    def counts(self, table: str) -> TableCounts:
        return self.tables.setdefault(table, TableCounts())

    @property
    def changed(self) -> bool:
        return any(counts.created or counts.updated for counts in self.tables.values())

    def lines(self) -> list[str]:
        return [
            f"{table:<12} created {c.created:>6}  updated {c.updated:>6}  unchanged {c.unchanged:>6}"
            for table, c in self.tables.items()
        ]


@dataclass
class _Existing:
    """The rows already in the database that an import may update or refer to, by code.

    Customers are kept as ids only (there may be hundreds of thousands); `_apply_customers` loads them a
    chunk at a time.
    """

    teams: dict[str, Team]
    reps: dict[str, Rep]
    customers: dict[str, int]  # code -> id; only when assignments or orders refer to customers
    assignments: dict[int, list[Assignment]]  # customer.id -> its assignments
    orders: dict[str, Order]
    keep_customer_ids: bool = True

    @classmethod
    def load(cls, session: Session, roster: Roster) -> _Existing:
        assignments: dict[int, list[Assignment]] = {}
        refers = bool(roster.assignments or roster.orders)  # only then are customers needed by code
        if roster.assignments:
            for assignment in session.scalars(select(Assignment)):
                assignments.setdefault(assignment.customer_id, []).append(assignment)
        return cls(
            teams={team.code: team for team in session.scalars(select(Team))},
            reps={rep.code: rep for rep in session.scalars(select(Rep))},
            customers={code: id_ for code, id_ in session.execute(select(Customer.code, Customer.id))}
            if refers
            else {},
            assignments=assignments,
            orders={order.code: order for order in session.scalars(select(Order))} if roster.orders else {},
            keep_customer_ids=refers,
        )

    def kept_assignments(self) -> dict[str, list[KeptAssignment]]:
        """The loaded assignments as plain values, by customer code (reps are all loaded: no query)."""
        codes = {customer_id: code for code, customer_id in self.customers.items()}
        return {
            codes[customer_id]: [KeptAssignment(row.rep.code, row.start_date, row.end_date) for row in rows]
            for customer_id, rows in self.assignments.items()
        }


def _set_changed(target: Any, values: Mapping[str, Any]) -> bool:
    """Set the attributes whose value differs; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed


def _find_or_add(session: Session, found: Any, make: Callable[[], Any]) -> tuple[Any, bool]:
    """`found`, or a new object from `make()` added to the session; and whether it is new."""
    if found is not None:
        return found, False
    new = make()
    session.add(new)
    return new, True


def _team_specs(reps: Sequence[RepRow]) -> dict[str, dict[str, Any]]:
    """Team code -> name, parent code, manager email; branches first so parents exist before children."""
    specs: dict[str, dict[str, Any]] = {}
    for rep in reps:
        if rep.branch and rep.branch != rep.team:
            specs.setdefault(rep.branch, {"name": rep.branch, "parent": None, "manager_email": None})
    for rep in reps:
        parent = rep.branch if rep.branch and rep.branch != rep.team else None
        spec = specs.setdefault(rep.team_code, {"name": rep.team, "parent": parent, "manager_email": None})
        spec["manager_email"] = spec["manager_email"] or rep.manager_email
    return specs


def _apply_teams(session: Session, reps: Sequence[RepRow], existing: _Existing, counts: TableCounts) -> None:
    for code, spec in _team_specs(reps).items():
        values = {"name": spec["name"], "parent": existing.teams[spec["parent"]] if spec["parent"] else None}
        if spec["manager_email"]:  # a team's manager email is kept unless the import names one
            values["manager_email"] = spec["manager_email"]
        team, created = _find_or_add(session, existing.teams.get(code), partial(Team, code=code))
        existing.teams[code] = team
        counts.record(created, _set_changed(team, values))


def _apply_reps(session: Session, reps: Sequence[RepRow], existing: _Existing, counts: TableCounts) -> None:
    for row in reps:
        values = {
            "name": row.name,
            "email": row.email,
            "team": existing.teams[row.team_code],
            "active": row.active,
        }
        rep, created = _find_or_add(session, existing.reps.get(row.rep_id), partial(Rep, code=row.rep_id))
        existing.reps[row.rep_id] = rep
        counts.record(created, _set_changed(rep, values))


def _sync_aliases(customer: Customer, aliases: Sequence[str]) -> bool:
    """Make the customer's roster aliases exactly `aliases`, keeping aliases from other sources."""
    wanted = set(aliases)
    roster_aliases = [alias for alias in customer.aliases if alias.source == ALIAS_SOURCE]
    stale = [alias for alias in roster_aliases if alias.alias not in wanted]
    for alias in stale:
        customer.aliases.remove(alias)
    present = {alias.alias for alias in customer.aliases}
    added = [text for text in aliases if text not in present]
    customer.aliases.extend(CustomerAlias(alias=text, source=ALIAS_SOURCE) for text in added)
    return bool(stale or added)


CHUNK = 2_000  # customers loaded, written and let go at a time


def _customer_values(row: CustomerRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "short_name": row.short_name,
        "english_name": row.english_name,
        "website": row.website,
        "is_ka": row.ka,
    }


def _insert_customers(session: Session, rows: Sequence[CustomerRow]) -> dict[str, int]:
    """New customers and their roster aliases as plain rows in bulk (no objects); their ids by code."""
    if not rows:
        return {}
    connection = session.connection()
    connection.execute(insert(Customer), [{"code": row.customer_id, **_customer_values(row)} for row in rows])
    ids = dict(
        connection.execute(
            select(Customer.code, Customer.id).where(Customer.code.in_([row.customer_id for row in rows]))
        ).all()
    )
    aliases = [
        {"customer_id": ids[row.customer_id], "alias": alias, "source": ALIAS_SOURCE}
        for row in rows
        for alias in row.aliases
    ]
    if aliases:
        connection.execute(insert(CustomerAlias), aliases)
    return ids


def _apply_customers(
    session: Session,
    customers: Sequence[CustomerRow],
    existing: _Existing,
    counts: TableCounts,
    progress: Progress | None = None,
) -> None:
    """Upsert the customers a chunk at a time: each chunk's rows are loaded, written, flushed and let go
    (the session holds clean objects weakly), so memory follows the chunk, not the roster."""
    for start in range(0, len(customers), CHUNK):
        chunk = customers[start : start + CHUNK]
        codes = [row.customer_id for row in chunk]
        loaded = {
            customer.code: customer
            for customer in session.scalars(
                select(Customer).where(Customer.code.in_(codes)).options(selectinload(Customer.aliases))
            )
        }
        new_rows: dict[str, CustomerRow] = {}
        for row in chunk:
            found = loaded.get(row.customer_id)
            if found is None:
                new_rows[row.customer_id] = row  # a repeated code is refused before anything is written
                counts.record(True, True)
                continue
            changed = _set_changed(found, _customer_values(row))
            counts.record(False, _sync_aliases(found, row.aliases) or changed)
        session.flush()
        ids = _insert_customers(session, list(new_rows.values()))
        if existing.keep_customer_ids:
            existing.customers.update((customer.code, customer.id) for customer in loaded.values())
            existing.customers.update(ids)
        if progress is not None:
            progress("customers", start + len(chunk), len(customers))


def _apply_assignments(
    session: Session, assignments: Sequence[AssignmentRow], existing: _Existing, counts: TableCounts
) -> None:
    for row in assignments:
        customer_id = existing.customers[row.customer_id]
        kept = existing.assignments.get(customer_id, [])
        found = next((a for a in kept if a.start_date == row.start_date), None)
        values = {"rep": existing.reps[row.rep_id], "end_date": row.end_date, "reason": row.reason}
        make = partial(Assignment, customer_id=customer_id, start_date=row.start_date)
        assignment, created = _find_or_add(session, found, make)
        counts.record(created, _set_changed(assignment, values))


def _apply_orders(
    session: Session, orders: Sequence[OrderRow], existing: _Existing, counts: TableCounts
) -> None:
    for row in orders:
        values = {
            "customer_id": existing.customers[row.customer_id],
            "signed_date": row.signed_date,
            "start_date": row.start_date,
            "end_date": row.end_date,
            "amount": row.amount,
            "product": row.product,
        }
        found = existing.orders.get(row.order_id)
        order, created = _find_or_add(session, found, partial(Order, code=row.order_id))
        counts.record(created, _set_changed(order, values))


def _names_in(session: Session, model: Any, names: Sequence[str]) -> dict[str, Any]:
    """The rows of `model` whose `name` is one of `names`, by name, asked a chunk of names at a time."""
    found: dict[str, Any] = {}
    for start in range(0, len(names), _NAME_CHUNK):
        chunk = names[start : start + _NAME_CHUNK]
        found.update((row.name, row) for row in session.scalars(select(model).where(model.name.in_(chunk))))
    return found


def _customer_names(session: Session, companies: Sequence[CompanyRow]) -> dict[str, str]:
    """Customers in the database named exactly like a listed company: name -> code."""
    names = [row.name for row in companies if usable(row, "name")]
    return {name: customer.code for name, customer in _names_in(session, Customer, names).items()}


def _apply_companies(
    session: Session, companies: Sequence[CompanyRow], existing: _Existing, counts: TableCounts
) -> None:
    known = _names_in(session, ListedCompany, [row.name for row in companies])
    for row in companies:
        found = known.get(row.name)
        company, created = _find_or_add(session, found, partial(ListedCompany, name=row.name))
        counts.record(created, _set_changed(company, {"list_name": row.list}))


# (table, rows written, rows in the table)
Progress = Callable[[str, int, int], None]


def apply_roster(session: Session, roster: Roster, progress: Progress | None = None) -> ImportSummary:
    """Upsert the roster into `session`, flushed but not committed.

    Raises RosterInvalid, before writing anything, listing the roster's own errors and those found against
    the database (unknown reps and customers, assignments overlapping ones kept in the database).
    """
    existing = _Existing.load(session, roster)
    errors = [*roster.errors, *reference_errors(roster, existing.reps.keys(), existing.customers.keys())]
    errors += kept_overlap_errors(roster.assignments or (), existing.kept_assignments())
    if roster.companies:
        errors += listed_customer_errors(roster.companies, _customer_names(session, roster.companies))
    if errors:
        raise RosterInvalid(errors)
    summary = ImportSummary()
    steps: list[tuple[str, Sequence[Any] | None, Callable[..., None]]] = [
        ("teams", roster.reps, _apply_teams),
        ("reps", roster.reps, _apply_reps),
        ("customers", roster.customers, _apply_customers),
        ("assignments", roster.assignments, _apply_assignments),
        ("orders", roster.orders, _apply_orders),
        ("companies", roster.companies, _apply_companies),
    ]
    for table, rows, apply in steps:
        if rows is None:
            continue
        with session.no_autoflush:
            if apply is _apply_customers:
                _apply_customers(session, rows, existing, summary.counts(table), progress)
            else:
                apply(session, rows, existing, summary.counts(table))
        session.flush()  # table by table, in the order the files are documented
        if progress is not None:
            progress(table, len(rows), len(rows))
    return summary
