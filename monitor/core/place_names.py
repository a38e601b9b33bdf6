"""The one place where a sighting's site, page and slot become the words a person reads in the alerts and
the creative gallery: the site configs' display names (`PlaceNames`), never the keys the data keeps.
"""

from __future__ import annotations

from monitor.core.siteconfig import PlaceNames


def slot_label(
    names: PlaceNames, site: str, page_key: str, slot_name: str, kind: str, url: str | None = None
) -> str:
    """The page (its label, else the path of its `url`) and the slot on it (its label, else its kind)."""
    return f"{names.page(site, page_key, url)} · {names.slot(site, page_key, slot_name, kind)}"
