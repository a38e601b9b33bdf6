"""The page discovery reads: its address, the site's own names, and which advertiser names are its own."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

from monitor.capture.discovery.names import GENERIC_NAME, name_kind, names_a_company
from spiders.extract import document_base, first_value, visible_text

HOUSE_KEYWORD_PATTERN = "站内推广"


@dataclass(frozen=True)
class PageContext:
    url: str
    base: str
    host: str
    domain_label: str | None  # "zhaopin" for www.zhaopin.com; None for IP hosts and localhost
    brands: frozenset[str]  # the site's own names (site-logo text/alt, <title> segments)


def _domain_label(host: str) -> str | None:
    if not host or host == "localhost" or re.fullmatch(r"[\d.]+|\[[0-9a-f:]+\]", host):
        return None
    parts = [p for p in host.split(".") if p not in ("www", "com", "cn", "net", "org", "example")]
    return parts[-1] if parts and len(parts[-1]) >= 3 else None


def is_site_root(link: str | None, context: PageContext) -> bool:
    """A link to the site's home page (or this page itself): the site's own logo, 首页."""
    if not link:
        return False
    parts = urlsplit(link)
    own = urlsplit(context.url)
    if (parts.hostname or "") != context.host:
        label = context.domain_label
        return bool(label) and (parts.hostname or "").endswith(f"{label}.com") and parts.path in ("", "/")
    return parts.path in ("", "/") or parts.path.rstrip("/") == own.path.rstrip("/")


def _brands(root: etree._Element, context_url: str, host: str) -> frozenset[str]:
    names: set[str] = set()
    for title in root.iter("title"):
        for segment in re.split(r"[-_|，,·—\s]+", visible_text(title)):
            if 2 <= len(segment) <= 8 and not GENERIC_NAME.match(segment) and "招聘" not in segment:
                names.add(segment.removeprefix("上"))
    for element in root.iter("a", "span", "div", "img"):
        classes = (element.get("class") or "") + " " + (element.get("id") or "")
        if re.search(r"logo", classes, re.IGNORECASE) and not re.search(r"company|list", classes, re.I):
            text = element.get("alt") or visible_text(element)
            if 2 <= len(text) <= 12:
                names.add(text)
    context = PageContext(context_url, context_url, host, _domain_label(host), frozenset())
    for anchor in root.iter("a"):
        link = urljoin(context_url, anchor.get("href") or "")
        if anchor.get("href") and is_site_root(link, context):
            text = first_value(anchor, ["alt", "title", "text"]) or ""
            if 2 <= len(text) <= 12 and not GENERIC_NAME.match(text):
                names.add(text)
    return frozenset(n for n in names if n.strip())


def page_context(root: etree._Element, url: str) -> PageContext:
    """The page's base URL, host and the site's own brand names."""
    base = document_base(root, url)
    host = (urlsplit(url).hostname or "").lower()
    return PageContext(url, base, host, _domain_label(host), _brands(root, url, host))


def is_house_name(name: str, context: PageContext) -> bool:
    """The competitor's own promotion: `站内推广`, the host's name, the site's brand first, or its own
    content (an article, a report, a guide, its WeChat account) in an ad slot."""
    if HOUSE_KEYWORD_PATTERN in name or name_kind(name) == "editorial":
        return True
    lowered = name.lower()
    if context.domain_label and re.match(rf"^{re.escape(context.domain_label)}(\.com)?\b", lowered):
        return True
    return any(starts_with_brand(name, brand) for brand in context.brands)


def starts_with_brand(name: str, brand: str) -> bool:
    """`职汇网`, `职汇网IT频道`, `前程无界 校园招聘会`: the brand, then nothing that names a company."""
    if not name.startswith(brand):
        return False
    rest = name[len(brand) :].strip()
    return not rest or not names_a_company(rest)
