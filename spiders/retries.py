"""Browser pages answering a retryable status (500, 503, ...) are retried in a fresh window.

scrapy-playwright hands the browser page over in the request's meta (`playwright_include_page`), and
Scrapy's RetryMiddleware retries with a copy of that meta: the retry would reuse the first attempt's
window, where it waited for a load that never came and was recorded as `timeout` (no status, no real
retry). This middleware sits after RetryMiddleware (it sees responses first), closes the window of a
response Scrapy may retry and takes it out of the meta, so a retry opens a new one and the last
attempt is recorded as `http_error` with its status (the spider reads no window for an error page).
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from spiders.ads_spider import close_browser_page


class BrowserRetryMiddleware:
    def __init__(self, retry_codes: set[int]) -> None:
        self.retry_codes = retry_codes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserRetryMiddleware:
        return cls({int(code) for code in crawler.settings.getlist("RETRY_HTTP_CODES")})

    async def process_response(self, request: Request, response: Response) -> Response:
        if response.status in self.retry_codes and "playwright_page" in request.meta:
            await close_browser_page(request.meta.pop("playwright_page"))
        return response
