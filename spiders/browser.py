"""Render a page like a person sees it: scroll so lazy logos load, wait for the slots, take screenshots.

Works on a Playwright page handed over by scrapy-playwright. Element screenshots are cut out of the
full-page screenshot by each ad element's visible box, so page and element evidence show the same
moment and a wall of 300 logos costs one screenshot, not 300.
"""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from monitor.siteconfig import PageConfig, SlotConfig

logger = logging.getLogger(__name__)

SCROLL_STEP_MS = 100
MAX_SCROLL_STEPS = 60
SETTLE_MS = 3000
# Every <img> has finished loading (or failed): lazy logos revealed by the scroll are painted.
_IMAGES_SETTLED = "() => Array.from(document.images).every((image) => image.complete)"
_NO_MOTION = "*, *::before, *::after { transition: none !important; animation: none !important; }"

_SCROLL_TO_BOTTOM = """
async ([stepMs, maxSteps]) => {
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  for (let step = 0; step < maxSteps; step++) {
    window.scrollBy(0, Math.max(200, Math.floor(window.innerHeight * 0.8)));
    await pause(stepMs);
    const bottom = document.scrollingElement || document.documentElement;
    if (window.scrollY + window.innerHeight >= bottom.scrollHeight - 2) break;
  }
  await pause(stepMs);
  window.scrollTo(0, 0);
}
"""

# One box per element the selector matches (document order), or null when the element shows nothing:
# hidden, transparent, zero-sized, or clipped away by an ancestor (the hidden slides of a carousel).
_ELEMENT_BOXES = """
([css, xpath]) => {
  let elements = [];
  if (css !== null) {
    elements = Array.from(document.querySelectorAll(css));
  } else {
    const found = document.evaluate(xpath, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
    for (let i = 0; i < found.snapshotLength; i++) {
      const node = found.snapshotItem(i);
      if (node.nodeType === Node.ELEMENT_NODE) elements.push(node);
    }
  }
  return elements.map((element) => {
    if (element.checkVisibility &&
        !element.checkVisibility({opacityProperty: true, visibilityProperty: true})) return null;
    const own = element.getBoundingClientRect();
    let [left, top, right, bottom] = [own.left, own.top, own.right, own.bottom];
    // An inline <a> around a block <img> has a thin box of its own: take its content's too.
    for (const child of element.querySelectorAll('*')) {
      const box = child.getBoundingClientRect();
      if (box.width > 0 && box.height > 0) {
        left = Math.min(left, box.left); top = Math.min(top, box.top);
        right = Math.max(right, box.right); bottom = Math.max(bottom, box.bottom);
      }
    }
    for (let parent = element.parentElement; parent && parent !== document.body;
         parent = parent.parentElement) {
      const style = getComputedStyle(parent);
      if (style.overflowX !== 'visible' || style.overflowY !== 'visible') {
        const clip = parent.getBoundingClientRect();
        left = Math.max(left, clip.left); top = Math.max(top, clip.top);
        right = Math.min(right, clip.right); bottom = Math.min(bottom, clip.bottom);
      }
    }
    if (right - left < 2 || bottom - top < 2) return null;
    return {x: left + window.scrollX, y: top + window.scrollY, width: right - left, height: bottom - top};
  });
}
"""


@dataclass
class Rendered:
    """What the browser saw: the DOM as HTML, the full-page PNG and each slot's element boxes."""

    html: str
    screenshot: bytes | None = None
    boxes: dict[str, list[dict[str, float] | None]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def playwright_selector(slot: SlotConfig) -> str:
    return slot.css if slot.css is not None else f"xpath={slot.xpath}"


async def scroll_to_bottom(page: Any) -> None:
    """Scroll down in steps so lazy-loaded logos and infinite walls load, then back to the top."""
    await page.evaluate(_SCROLL_TO_BOTTOM, [SCROLL_STEP_MS, MAX_SCROLL_STEPS])
    # Not "networkidle": that always costs 500 ms of silence, and a page that polls never gets there.
    try:
        await page.wait_for_function(_IMAGES_SETTLED, timeout=SETTLE_MS)
    except Exception:  # noqa: BLE001 - an image that never arrives: screenshot what there is
        logger.debug("page %s: images still loading after %d ms", page.url, SETTLE_MS)


async def wait_for_slot(page: Any, slot: SlotConfig) -> bool:
    """Wait up to the slot's deadline for its selector to be in the DOM (visible or not)."""
    try:
        await page.wait_for_selector(
            playwright_selector(slot), state="attached", timeout=slot.wait_seconds * 1000
        )
    except Exception:  # noqa: BLE001 - Playwright's TimeoutError: the slot did not render
        return False
    return True


async def render(page: Any, config: PageConfig) -> Rendered:
    """Scroll, wait for every slot (each with its own deadline, all at once), then read DOM and pixels."""
    await scroll_to_bottom(page)
    appeared = await asyncio.gather(*(wait_for_slot(page, slot) for slot in config.slots))
    problems = [
        f"slot {slot.name!r} did not appear"
        for slot, ok in zip(config.slots, appeared, strict=True)
        if not ok
    ]
    rendered = Rendered(html=await page.content(), problems=problems)
    # Slides jump instead of gliding, so boxes and pixels show the same, whole slide.
    await page.add_style_tag(content=_NO_MOTION)
    for _ in range(3):
        boxes = await element_boxes(page, config)
        try:
            rendered.screenshot = await page.screenshot(full_page=True, type="png", animations="disabled")
        except Exception as exc:  # noqa: BLE001 - evidence is best effort; the ads are still read
            rendered.problems.append(f"screenshot failed: {exc}")
            return rendered
        rendered.boxes = boxes
        if await element_boxes(page, config) == boxes:  # a carousel did not move while we looked
            break
    return rendered


async def element_boxes(page: Any, config: PageConfig) -> dict[str, list[dict[str, float] | None]]:
    return {slot.name: await page.evaluate(_ELEMENT_BOXES, [slot.css, slot.xpath]) for slot in config.slots}


def crop_elements(screenshot: bytes, boxes: list[dict[str, float] | None]) -> list[bytes | None]:
    """PNG cut-outs of the full-page screenshot, one per box (None where there is nothing to cut)."""
    with Image.open(io.BytesIO(screenshot)) as image:
        image.load()
        return [_crop(image, box) for box in boxes]


def _crop(image: Image.Image, box: dict[str, float] | None) -> bytes | None:
    if box is None:
        return None
    left, top = max(0, round(box["x"])), max(0, round(box["y"]))
    right = min(image.width, round(box["x"] + box["width"]))
    bottom = min(image.height, round(box["y"] + box["height"]))
    if right - left < 2 or bottom - top < 2:
        return None
    output = io.BytesIO()
    # Fast compression: hundreds of cut-outs a page, each small; the CPU matters more than the bytes.
    image.crop((left, top, right, bottom)).save(output, format="PNG", compress_level=1)
    return output.getvalue()
