"""One row by its code (the roster's rep_id, customer_id, team or order code), or an error naming it.

Every area looks rows up by the codes people type; this is the one place that does, so each area only
turns `UnknownCode` into its own error where its callers expect one.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.roster import Customer, Order, Rep, Team

# The models with a unique `code` people type; a value-restricted TypeVar, so `by_code(session, Rep, ...)`
# is typed as a Rep and a model without a code is refused by mypy.
Coded = TypeVar("Coded", Team, Rep, Customer, Order)


class UnknownCode(LookupError):
    """No row of this kind has this code; `kind` is the model's name in lower case."""

    def __init__(self, kind: str, code: str) -> None:
        self.kind = kind
        self.code = code
        super().__init__(f"no {kind} with code {code!r}")


def by_code(session: Session, model: type[Coded], code: str) -> Coded:
    """The `model` row whose code is exactly `code`; UnknownCode when there is none."""
    found = session.scalars(select(model).where(model.code == code)).one_or_none()
    if found is None:
        raise UnknownCode(model.__name__.lower(), code)
    return found
