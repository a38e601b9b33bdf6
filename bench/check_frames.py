"""Check: is an ad in a frame from another host in the page's screenshot? Run on demand, on a busy machine.

    .venv/bin/python bench/check_frames.py [--pages 40] [--concurrency 4]

Serves a page on 127.0.0.1 whose banner is an image in a frame from `localhost` (another host, so
Chromium draws it in a renderer of its own, as it does an ad server's banner), renders it `--pages`
times through the crawl's own steps (`spiders.browser`: its page guard, `render()` with its waits and
full-page screenshot), several windows at once, and counts the screenshots in which the banner's middle
pixel is not the banner's colour. Then the same without the one-pixel capture that `full_page_screenshot`
takes first on such pages (docs/capture.md). Under load the second count is well above zero (14 of 122
when it was written); the first must be 0.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from PIL import Image

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from monitor.core.settings import CrawlSettings  # noqa: E402
from monitor.core.siteconfig import PageConfig  # noqa: E402
from spiders import browser  # noqa: E402
from spiders.settings import CHROMIUM_ARGS  # noqa: E402

BANNER = (107, 178, 186)
PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>专题</title></head><body style="margin:0">
<div id="framed" style="height:60px"></div>
<ul id="wall"><li><a href="/c/1"><img src="/img/logo.png" alt="顺丰速运有限公司"></a></li></ul>
<script>
  const frame = document.createElement("iframe");
  frame.src = location.origin.replace("127.0.0.1", "localhost") + "/img/banner.png";
  frame.style.cssText = "position:absolute; left:0; top:0; width:120px; height:60px; border:0";
  document.getElementById("framed").appendChild(frame);
</script></body></html>"""
CONFIG = PageConfig.model_validate(
    {"key": "framed", "url": "/page.html", "kind": "section", "browser": True,
     "slots": [{"name": "wall", "kind": "logo", "css": "#wall a"}]}
)  # fmt: skip


def png(colour: tuple[int, int, int]) -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (120, 60), colour).save(picture, "PNG")
    return picture.getvalue()


class Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if self.path == "/page.html":
            body, kind = PAGE.encode("utf-8"), "text/html; charset=utf-8"
        else:
            body, kind = png(BANNER if self.path == "/img/banner.png" else (200, 60, 160)), "image/png"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        pass


def banner_shown(screenshot: bytes) -> bool:
    with Image.open(io.BytesIO(screenshot)) as picture:
        seen = picture.convert("RGB").getpixel((60, 30))
    assert isinstance(seen, tuple)
    return all(abs(a - b) <= 8 for a, b in zip(seen, BANNER, strict=True))  # JPEG's error


async def count_blank(url: str, pages: int, concurrency: int) -> int:
    """Render the page `pages` times, `concurrency` windows at once: how many screenshots miss the banner."""
    from playwright.async_api import async_playwright

    blank = 0
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CrawlSettings().chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        gate = asyncio.Semaphore(concurrency)

        async def one() -> None:
            nonlocal blank
            async with gate:
                context = await chromium.new_context(**browser.context_options(None))
                page = await context.new_page()
                guard = browser.PageGuard(["127.0.0.1"])
                await guard(page)
                await page.goto(url, wait_until="domcontentloaded")
                rendered = await browser.render(page, CONFIG, guard)
                blank += rendered.screenshot is None or not banner_shown(rendered.screenshot)
                await context.close()

        await asyncio.gather(*(one() for _ in range(pages)))
        await chromium.close()
    return blank


def never(page: Any) -> bool:
    """`spiders.browser.foreign_frames` as if no page had a frame from another host."""
    return False


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=4)
    options = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/page.html"
    blank = asyncio.run(count_blank(url, options.pages, options.concurrency))
    print(f"as the crawl takes it: the framed banner missing from {blank} of {options.pages} screenshots")
    browser.foreign_frames = never  # type: ignore[assignment]
    blank = asyncio.run(count_blank(url, options.pages, options.concurrency))
    print(f"without the one-pixel capture first: missing from {blank} of {options.pages}")
    server.shutdown()


if __name__ == "__main__":
    main()
