"""Which creative images a crawl downloads, and each one only once.

A captured page names its ads' images; those on an allowed host (the page's own, or one of the site's
`creative_hosts`) become Scrapy requests with a size cap and a timeout. The same banner on many pages is
requested once per crawl; the pipeline links it to every sighting that shows it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy

from monitor.core.siteconfig import SiteConfig
from spiders.images import CreativeError, ImageInfo, inspect_image, is_fetchable_creative_url
from spiders.items import PageCaptureItem

logger = logging.getLogger(__name__)

# Below the pages (priority 0): the day's pages are captured first, their creatives after.
CREATIVE_PRIORITY = -10
CREATIVE_ACCEPT = "image/avif,image/webp,image/apng,image/png,image/jpeg,image/gif,image/*;q=0.8"


def creative_hosts(site: SiteConfig, page_urls: list[str]) -> set[str]:
    """Hosts a page's creatives may come from: the page's own host(s) and the site's creative_hosts."""
    hosts = {(urlsplit(url).hostname or "").lower() for url in page_urls}
    return {host for host in hosts if host} | set(site.creative_hosts)


class CreativeRequests:
    """Per-crawl bookkeeping: which creative URLs were requested already."""

    def __init__(
        self,
        max_bytes: int,
        timeout_seconds: float,
        callback: Callable[..., Any],
        errback: Callable[..., Any],
    ) -> None:
        self.max_bytes = max_bytes
        self.timeout_seconds = timeout_seconds
        self.callback = callback
        self.errback = errback
        self.requested: set[str] = set()

    def for_page(self, item: PageCaptureItem, site: SiteConfig) -> Iterator[scrapy.Request]:
        """Requests for the page's creatives not yet requested in this crawl (none for a failed page)."""
        if item.status != "ok":
            return
        hosts = creative_hosts(site, [site.page_url(site.page(item.page_key)), item.url])
        for url in dict.fromkeys(ad.image for ad in item.ads if ad.image):
            if url in self.requested:
                continue
            if not is_fetchable_creative_url(url, hosts):
                logger.debug(
                    "creative %s: host not allowed for %s/%s; not fetched", url, item.site, item.page_key
                )
                continue
            self.requested.add(url)
            yield self.request(url, hosts)

    def request(self, url: str, hosts: set[str]) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.callback,
            errback=self.errback,
            priority=CREATIVE_PRIORITY,
            headers={"Accept": CREATIVE_ACCEPT},
            meta={
                "creative_url": url,
                "creative_hosts": sorted(hosts),
                "download_maxsize": self.max_bytes,
                "download_warnsize": 0,
                "download_timeout": self.timeout_seconds,
                # The host was checked above against the site's own list, not the page hosts.
                "allow_offsite": True,
            },
        )


def check_image(data: bytes, url: str) -> ImageInfo | None:
    """The image's type, size and perceptual hash, or None (logged) when it is not an acceptable image."""
    try:
        return inspect_image(data, source=url)
    except CreativeError as exc:
        # Routine (a badge in SVG, an oversized banner): the page's capture is not affected.
        logger.info("creative refused: %s", exc)
        return None
