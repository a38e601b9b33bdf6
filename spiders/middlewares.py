"""Refuse redirects that leave the configured sites, loudly.

Scrapy's offsite middleware drops such a redirect silently, and the page would produce no capture at
all. Raising IgnoreRequest here instead sends the request to the spider's errback, which records the
page as failed with the target in the error. A creative image may only be redirected within the hosts
its page allows for creatives (`creative_hosts` in the request's meta).
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.utils.response import get_meta_refresh

from spiders.images import is_fetchable_creative_url
from spiders.settings import allowed_hosts


class OffsiteRedirectMiddleware:
    """Sits before Scrapy's redirect middlewares (it sees responses first) and checks where they lead."""

    def __init__(self, hosts: list[str]) -> None:
        self.hosts = hosts

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffsiteRedirectMiddleware:
        return cls(allowed_hosts(crawler.settings["RIVALWATCH_SITES"]))

    def process_response(self, request: Request, response: Response) -> Response:
        target = redirect_target(response)
        if target is None:
            return response
        creative_hosts = request.meta.get("creative_hosts")
        if creative_hosts is not None:
            if not is_fetchable_creative_url(target, set(creative_hosts)):
                raise IgnoreRequest(f"creative redirected to {target}, not an allowed creative host")
        elif not self.allowed(target):
            raise IgnoreRequest(f"redirected outside the configured sites to {target}")
        return response

    def allowed(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == allowed or host.endswith("." + allowed) for allowed in self.hosts)


def redirect_target(response: Response) -> str | None:
    """Where a 3xx Location or a <meta http-equiv="refresh"> would send the crawler, if anywhere."""
    location = response.headers.get(b"Location") if 300 <= response.status < 400 else None
    if location:
        return urljoin(response.url, location.decode("latin-1"))
    if isinstance(response, TextResponse) and response.status == 200:
        _, url = get_meta_refresh(response)
        return url
    return None
