"""Render a page like a person sees it: scroll so lazy logos load, wait for the slots, take screenshots.

Works on a Playwright page handed over by scrapy-playwright. Element screenshots are cut out of the
full-page screenshot by each ad element's visible box, so page and element evidence show the same
moment and a wall of 300 logos costs one screenshot, not 300.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from monitor.core.siteconfig import PageConfig, SlotConfig
from spiders.items import ElementShot

logger = logging.getLogger(__name__)

# The window every page is shown in: a common desktop size, the users' language and time zone.
VIEWPORT = {"width": 1366, "height": 900}
SCROLL_STEP_MS = 100
MAX_SCROLL_STEPS = 60
SETTLE_MS = 3000
SETTLE_POLL_MS = 50
SCREENSHOT_QUALITY = 80  # full-page screenshots are JPEG (element cut-outs stay PNG)
# Every <img> has finished loading (or failed): lazy logos revealed by the scroll are painted.
_IMAGES_SETTLED = "() => Array.from(document.images).every((image) => image.complete)"
_NO_MOTION = "*, *::before, *::after { transition: none !important; animation: none !important; }"

# Down one viewport at a time (so every element is in view once and its IntersectionObserver fires),
# until the bottom is reached and the page stops growing: no new height, no new images after a pause.
_SCROLL_TO_BOTTOM = """
async ([stepMs, maxSteps]) => {
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  // Nothing is painted on the way down (the screenshot paints it all once, afterwards): layout, and so
  // every IntersectionObserver and scroll handler, runs as usual; rastering each viewport does not.
  const veil = document.createElement("style");
  veil.textContent = "html { visibility: hidden !important; }";
  document.head.appendChild(veil);
  const root = () => document.scrollingElement || document.documentElement;
  const shape = () => root().scrollHeight + "/" + document.images.length;
  let seen = shape();
  for (let step = 0; step < maxSteps; step++) {
    if (window.scrollY + window.innerHeight < root().scrollHeight - 2) {
      window.scrollBy(0, window.innerHeight);
      await pause(stepMs);
      continue;
    }
    await pause(stepMs);
    const now = shape();
    if (now === seen) break;
    seen = now;
  }
  veil.remove();
  window.scrollTo(0, 0);
}
"""

# Waits while the page's load event has not come: until it comes, or no resource has finished for
# `quietMs`, or `maxMs` in all. Then, if it never came, what is still missing: images not loaded, and
# scripts, styles and frames with no timing entry (their URLs), or null when the culprit is unknown.
_LOAD_OR_QUIET = """
async ([quietMs, maxMs]) => {
  if (document.readyState === "complete") return [];
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const finished = () => performance.getEntriesByType("resource").length;
  const start = performance.now();
  let count = finished(), quietSince = start;
  while (document.readyState !== "complete" && performance.now() - start < maxMs) {
    await pause(50);
    const now = finished();
    if (now !== count) { count = now; quietSince = performance.now(); }
    else if (performance.now() - quietSince >= quietMs) break;
  }
  if (document.readyState === "complete") return [];
  const arrived = new Set(performance.getEntriesByType("resource").map((entry) => entry.name));
  const missing = Array.from(document.images).filter((image) => !image.complete)
    .map((image) => image.currentSrc || image.src);
  for (const element of document.querySelectorAll("script[src], link[rel~=stylesheet][href], iframe[src]")) {
    const url = element.src || element.href;
    if (url && !arrived.has(url)) missing.push(url);
  }
  return missing.length ? Array.from(new Set(missing.filter(Boolean))) : null;
}
"""
NETWORK_QUIET_MS = 500

# Stops every timer of the page (timeouts and intervals share one sequence of ids): a carousel can no
# longer move between the moment its boxes are read and the moment its pixels are taken.
_STOP_TIMERS = """
() => {
  const last = window.setTimeout(() => {}, 0);
  for (let id = 1; id <= last; id++) { window.clearTimeout(id); window.clearInterval(id); }
}
"""

# Per selector, one box per element it matches (document order), or null when the element shows nothing:
# hidden, transparent, zero-sized, or clipped away by an ancestor (the hidden slides of a carousel).
_ELEMENT_BOXES = """
(selectors) => selectors.map(([css, xpath]) => {
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
})
"""


def offsite_pattern(hosts: list[str]) -> re.Pattern[str]:
    """URLs on none of `hosts` (nor their subdomains)."""
    names = "|".join(re.escape(host.lower()) for host in hosts)
    return re.compile(
        rf"^(?!(?:https?|wss?)://(?:[^/?#@]*@)?(?:[^/?#@:]*\.)?(?:{names})(?::\d+)?(?:[/?#]|$))",
        re.IGNORECASE,
    )


class PageGuard:
    """Keeps a browser page on the configured sites; scrapy-playwright's `playwright_page_init_callback`.

    Installed before the navigation: a navigation of the page itself to any other host (a script, or a
    frame busting out, sending the window away) is stopped as if by the stop button, so the page stays
    as it was (any other error would replace it by Chromium's error page), and remembered for the
    capture's error note. Frames inside the page load from wherever they come from, as a person sees
    them: an ad served by an ad server often is one. With `document` (url, body, content type), that
    URL's navigation is answered from those bytes: a static page shown for its screenshot is the very
    HTML that was read, and the site is not asked twice.

    Only document requests are paused for this, through the DevTools protocol. A Playwright route,
    whatever its pattern, pauses every request of the page in the browser and hands it to the driver
    (about 4 % of a feizhi page's rendering time, measured; docs/capture.md). For the same reason
    scrapy-playwright's own catch-all route (it rewrites headers we leave to Chromium) is removed.
    """

    def __init__(self, hosts: list[str], document: tuple[str, bytes, str] | None = None) -> None:
        self.pattern = offsite_pattern(hosts)
        self.document = document
        self.refused: list[str] = []
        self.session: Any = None  # the page's DevTools session, also used for its screenshot
        self.main_frame: str | None = None  # the page's own frame (its id stays across navigations)

    async def __call__(self, page: Any, request: Any = None) -> None:
        await page.unroute("**")
        self.session = session = await page.context.new_cdp_session(page)
        self.main_frame = (await session.send("Page.getFrameTree"))["frameTree"]["frame"]["id"]
        session.on("Fetch.requestPaused", self._paused)
        pattern = {"urlPattern": "*", "resourceType": "Document", "requestStage": "Request"}
        await session.send("Fetch.enable", {"patterns": [pattern]})

    async def _paused(self, event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        method, params = self._answer(url, event.get("frameId") == self.main_frame)
        try:
            await self.session.send(method, {"requestId": event["requestId"], **params})
        except Exception as exc:  # noqa: BLE001 - the page was closed meanwhile: nothing left to guard
            logger.debug("guard: %s %s not sent: %s", url, method, exc)

    def _answer(self, url: str, main_frame: bool) -> tuple[str, dict[str, Any]]:
        """How to answer a paused document request: refuse it, serve the fetched page, or let it go."""
        if main_frame and self.pattern.match(url):
            self.refused.append(url)
            return "Fetch.failRequest", {"errorReason": "Aborted"}
        if self.document is not None and url == self.document[0]:
            _, body, content_type = self.document
            return "Fetch.fulfillRequest", {
                "responseCode": 200,
                "responseHeaders": [{"name": "Content-Type", "value": content_type}],
                "body": base64.b64encode(body).decode("ascii"),
            }
        return "Fetch.continueRequest", {}


def drop_handler_listeners(page: Any) -> None:
    """Stop Playwright from reporting each of the page's requests and responses to this process.

    scrapy-playwright listens to every request and response of a page for its statistics, and to every
    response for the headers of a download, and leaves those listeners on once the page is handed over.
    While they are on, every image the scroll loads is an event sent to Python, and a round trip to the
    browser for its headers. Removing the last listener of an event unsubscribes the page from it (a
    Playwright client only receives the network events it listens to). The listeners are registered on
    Playwright's implementation object, where the wrapped functions are; should a Playwright release
    move them, the page keeps them, which is only slower.
    """
    implementation: Any = getattr(page, "_impl_obj", None)
    if implementation is None or not hasattr(implementation, "listeners"):
        return
    for event in ("request", "response"):
        for listener in list(implementation.listeners(event)):
            implementation.remove_listener(event, listener)


async def full_page_screenshot(session: Any, foreign_frames: bool = False) -> bytes:
    """A JPEG (quality SCREENSHOT_QUALITY) of the whole page, encoded for speed.

    JPEG, not PNG: a page of photographs and logos encodes in a fraction of the CPU and is several times
    smaller to store and upload (and look at), and the ads stay legible at quality 80. Through the
    page's DevTools `session` because Playwright's screenshot has no `optimizeForSpeed`; the same
    capture beyond the viewport as Playwright's full-page screenshot, at a device scale factor of 1.

    `foreign_frames`: the page shows frames from other hosts (an ad server's banner). Each is drawn by
    a renderer of its own, and the first capture beyond the viewport of such a page can show one of
    them as it was drawn long before (an image frame at a few pixels, where the frame's DOM was
    complete and the same size as the picture should have been): 14 of 122 renders of the test page
    under load, a test failure in CI. A capture of one pixel first costs about 80 ms on a 9,700 px page
    (the full capture about 575 ms) and took that to 0 of 170 (docs/capture.md).
    """
    size = (await session.send("Page.getLayoutMetrics"))["cssContentSize"]
    width, height = math.ceil(size["width"]), math.ceil(size["height"])
    if foreign_frames:
        await session.send("Page.captureScreenshot", _capture(1, 1, quality=10))
    shot = await session.send("Page.captureScreenshot", _capture(width, height, SCREENSHOT_QUALITY))
    return base64.b64decode(shot["data"])


def _capture(width: int, height: int, quality: int) -> dict[str, Any]:
    """Page.captureScreenshot's parameters for the page's top-left `width` x `height` CSS pixels."""
    return {
        "format": "jpeg",
        "quality": quality,
        "captureBeyondViewport": True,
        "optimizeForSpeed": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
    }


@dataclass
class Rendered:
    """What the browser saw: the DOM as HTML, the full-page JPEG and each slot's element boxes."""

    html: str
    screenshot: bytes | None = None
    boxes: dict[str, list[dict[str, float] | None]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def context_options(user_agent: str | None) -> dict[str, Any]:
    """The browser context (window) a page is shown in, by the crawl and by the benchmark's loops."""
    return {
        "viewport": dict(VIEWPORT),
        "user_agent": user_agent,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "ignore_https_errors": True,
        # Sites that honour it skip their animations from the start (the rest are stopped before the
        # screenshot, _NO_MOTION): fewer frames to draw, and the pixels match the boxes read.
        "reduced_motion": "reduce",
    }


def playwright_selector(slot: SlotConfig) -> str:
    return slot.css if slot.css is not None else f"xpath={slot.xpath}"


async def scroll_to_bottom(page: Any) -> None:
    """Scroll down until the page stops growing, so lazy logos and infinite walls load; back to the top."""
    await page.evaluate(_SCROLL_TO_BOTTOM, [SCROLL_STEP_MS, MAX_SCROLL_STEPS])
    # Not "networkidle": that always costs 500 ms of silence, and a page that polls never gets there.
    # Polled on a timer, not on every animation frame (which keeps the renderer drawing frames).
    try:
        await page.wait_for_function(_IMAGES_SETTLED, timeout=SETTLE_MS, polling=SETTLE_POLL_MS)
    except Exception:  # noqa: BLE001 - an image that never arrives: screenshot what there is
        logger.debug("page %s: images still loading after %d ms", page.url, SETTLE_MS)
    await frames_painted(page)


_TWO_FRAMES = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


async def frames_painted(page: Any) -> None:
    """Wait (up to SETTLE_MS) until every frame inside the page has drawn twice since the veil came off.

    A frame from another site (an ad server's banner) is drawn by its own renderer, which stops
    drawing while the frame is hidden; without this wait the screenshot could show it blank.
    """
    frames = page.frames[1:]
    if not frames:
        return
    waits = [frame.evaluate(_TWO_FRAMES) for frame in frames]
    try:
        await asyncio.wait_for(asyncio.gather(*waits, return_exceptions=True), SETTLE_MS / 1000)
    except TimeoutError:  # a frame that never draws (hidden, or stuck): screenshot what there is
        logger.debug("page %s: a frame did not draw within %d ms", page.url, SETTLE_MS)


def foreign_frames(page: Any) -> bool:
    """Whether the page shows a frame from another host: one that Chromium draws in another renderer."""
    own = urlsplit(page.url).hostname
    for frame in page.frames[1:]:
        parts = urlsplit(frame.url)
        if parts.scheme in ("http", "https") and parts.hostname != own:
            return True
    return False


async def wait_for_slot(page: Any, slot: SlotConfig) -> float | None:
    """Wait up to the slot's deadline for its selector to be in the DOM (visible or not); when it was."""
    try:
        await page.wait_for_selector(
            playwright_selector(slot), state="attached", timeout=slot.wait_seconds * 1000
        )
    except Exception:  # noqa: BLE001 - Playwright's TimeoutError: the slot did not render
        return None
    return asyncio.get_running_loop().time()


async def render(page: Any, config: PageConfig, guard: PageGuard, already_read: bool = False) -> Rendered:
    """Scroll while waiting for every slot (each with its own deadline), then read DOM and pixels.

    `guard` (the page's init callback) keeps it on the sites. `already_read`: the page's HTML
    was read already (a static page shown for its screenshot): nothing to wait for, no DOM to read.
    """
    drop_handler_listeners(page)
    slots = [] if already_read else config.slots
    waits = [asyncio.ensure_future(wait_for_slot(page, slot)) for slot in slots]
    try:
        await scroll_to_bottom(page)
        scrolled_at = asyncio.get_running_loop().time()
        appeared = await asyncio.gather(*waits)
    finally:
        for wait in waits:
            wait.cancel()
    # A slot built by script after the scroll (slow data) may hold lazy images the scroll never reached.
    if any(at is not None and at > scrolled_at for at in appeared):
        await scroll_to_bottom(page)
    problems = [
        f"slot {slot.name!r} did not appear" for slot, at in zip(slots, appeared, strict=True) if at is None
    ]
    problems += await still_loading(page)
    # The page was entered at DOMContentLoaded: a frame from another host may have drawn its document only
    # while we waited for the load event, after the scroll's wait; let it draw again before the picture.
    await frames_painted(page)
    # Slides jump instead of gliding and stop where they are, so DOM, boxes and pixels agree.
    await page.add_style_tag(content=_NO_MOTION)
    await page.evaluate(_STOP_TIMERS)
    rendered = Rendered(html="" if already_read else await page.content(), problems=problems)
    for _ in range(3):
        boxes = await element_boxes(page, config)
        try:
            rendered.screenshot = await full_page_screenshot(guard.session, foreign_frames(page))
        except Exception as exc:  # noqa: BLE001 - evidence is best effort; the ads are still read
            rendered.problems.append(f"screenshot failed: {exc}")
            break
        rendered.boxes = boxes
        if await element_boxes(page, config) == boxes:  # nothing moved while we looked
            break
    rendered.problems += [f"refused to leave the site for {url}" for url in guard.refused]
    return rendered


async def still_loading(page: Any) -> list[str]:
    """The page is read without waiting for its load event (one tracker pixel on a silent host would
    hold it for ever); wait a bounded while for the network to go quiet, then say what never arrived."""
    missing = await page.evaluate(_LOAD_OR_QUIET, [NETWORK_QUIET_MS, SETTLE_MS])
    if missing is None:
        return ["the page's load event never came (a resource still loading)"]
    if not missing:
        return []
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    return [f"never arrived: {', '.join(missing[:5])}{more}"]


async def element_boxes(page: Any, config: PageConfig) -> dict[str, list[dict[str, float] | None]]:
    """Each slot's element boxes in page coordinates (one round trip for all slots)."""
    found = await page.evaluate(_ELEMENT_BOXES, [[slot.css, slot.xpath] for slot in config.slots])
    return {slot.name: boxes for slot, boxes in zip(config.slots, found, strict=True)}


def crop_elements(screenshot: bytes, boxes: list[dict[str, float] | None]) -> list[ElementShot | None]:
    """PNG cut-outs of the full-page screenshot, one per box (None where there is nothing to cut)."""
    with Image.open(io.BytesIO(screenshot)) as image:
        image.load()
        return [_crop(image, box) for box in boxes]


def _crop(image: Image.Image, box: dict[str, float] | None) -> ElementShot | None:
    if box is None:
        return None
    # The screenshot is taken at a device scale factor of 1: image pixels are CSS pixels.
    left, top = max(0, round(box["x"])), max(0, round(box["y"]))
    right = min(image.width, round(box["x"] + box["width"]))
    bottom = min(image.height, round(box["y"] + box["height"]))
    if right - left < 2 or bottom - top < 2:
        return None
    output = io.BytesIO()
    # Fast compression: hundreds of cut-outs a page, each small; the CPU matters more than the bytes.
    image.crop((left, top, right, bottom)).save(output, format="PNG", compress_level=1)
    return ElementShot(output.getvalue(), (left, top, right - left, bottom - top))
