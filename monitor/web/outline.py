"""Where an ad sat on its full-page screenshot, drawn as an outline over that screenshot.

The page draws an inline SVG whose viewBox is the screenshot's size in pixels, with the screenshot as an
`<image>` and the ad's box (Sighting.box_*, CSS pixels of a full-page capture at scale 1) as a `<rect>`:
it scales with the page and needs neither script nor inline styles (the CSP allows neither).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from monitor.accountability.items import Box
from monitor.core.evidence import EvidenceStorage, InvalidEvidenceHash


@dataclass(frozen=True)
class PageOutline:
    """A full-page screenshot (its size in pixels) and the ad's box on it."""

    capture_id: int
    width: int
    height: int
    box: Box


def image_size(store: EvidenceStorage, sha: str | None) -> tuple[int, int] | None:
    """Width and height of a stored image, read from its header; None if it is missing or no image."""
    if sha is None:
        return None
    try:
        data = io.BytesIO(store.read(sha))
        with warnings.catch_warnings():
            # A very tall page is a legitimate screenshot, not a decompression bomb: only its header is read.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(data) as image:
                return image.size
    except (InvalidEvidenceHash, OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return None


def page_outline(
    store: EvidenceStorage, capture_id: int, page_sha: str | None, box: Box | None
) -> PageOutline | None:
    """The outline to draw, or None (no box, or no readable screenshot): then the plain image is shown."""
    if box is None:
        return None
    size = image_size(store, page_sha)
    if size is None:
        return None
    return PageOutline(capture_id, size[0], size[1], box)
