"""The one place where a sighting's site, page and slot become the words a person reads.

Site configs give sites a display name; pages and slots are shown by their keys until the site config
offers display names for them too (then only this helper changes).
"""

from __future__ import annotations


def place_label(site_display_name: str, page_key: str, slot_name: str) -> str:
    """`勾职网 · home · home_banner`: the competitor, then the page and the slot on it."""
    return f"{site_display_name} · {slot_label(page_key, slot_name)}"


def slot_label(page_key: str, slot_name: str) -> str:
    """The page and the slot on it, as shown beside the competitor."""
    return f"{page_key} · {slot_name}"
