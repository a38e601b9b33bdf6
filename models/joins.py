"""The joins from a capture row up to its slot, page and site, written once.

Each takes a statement that already selects from (or joins) the named table and adds the joins, so the
caller can select `Site.name`, `Page.key`, `Slot.name` and filter on them.
"""

from __future__ import annotations

from typing import Any, TypeVarTuple

from sqlalchemy import Select

from models.capture import PageCapture, Sighting
from models.sites import Page, Site, Slot

Columns = TypeVarTuple("Columns")


def slot_place(statement: Select[*Columns], slot_id: Any) -> Select[*Columns]:
    """Join Slot (on `slot_id`), its Page and its Site."""
    return (
        statement.join(Slot, Slot.id == slot_id)
        .join(Page, Page.id == Slot.page_id)
        .join(Site, Site.id == Page.site_id)
    )


def sighting_place(statement: Select[*Columns]) -> Select[*Columns]:
    """Join the sighting's Slot, Page and Site."""
    return slot_place(statement, Sighting.slot_id)


def capture_place(statement: Select[*Columns]) -> Select[*Columns]:
    """Join the page capture's Page and Site."""
    return statement.join(Page, Page.id == PageCapture.page_id).join(Site, Site.id == Page.site_id)
