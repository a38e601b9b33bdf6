"""Candidate ad links: every `<a href>` of a page minus its furniture, and what their images say."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

from monitor.capture.discovery.page import PageContext, is_site_root
from spiders.extract import visible_text

JOB_LINK = re.compile(r"/jobs?/\d+|//jobs\.|/job/|/position/\d+|/zhiwei/", re.IGNORECASE)
_AD_CLICK = re.compile(r"adsclick|adclick|ad_click|clickad", re.IGNORECASE)
_ARTICLE_LINK = re.compile(r"/(arts?|news|article|articles|zixun|blog|bbs)/", re.IGNORECASE)
_QR = re.compile(r"qr|erweima|二维码|weixin|wechat|扫码|code/", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"loading|blank\.gif|spacer|grey\.gif|pixel|1x1|transparent|info_new|new\.png", re.IGNORECASE
)


def _int_attribute(element: etree._Element, name: str) -> int | None:
    value = element.get(name) or ""
    match = re.match(r"\s*(\d+)", value)
    return int(match.group(1)) if match else None


def first_image(anchor: etree._Element) -> etree._Element | None:
    """The link's first `<img>`, if any."""
    for node in anchor.iter("img"):
        return node
    return None


def image_size(anchor: etree._Element) -> tuple[int, int] | None:
    """The width and height the link's image declares in its attributes."""
    image = first_image(anchor)
    if image is None:
        return None
    width, height = _int_attribute(image, "width"), _int_attribute(image, "height")
    if width is None or height is None:
        return None
    return (width, height)


def _image_url(anchor: etree._Element) -> str:
    image = first_image(anchor)
    if image is None:
        return ""
    for name in ("data-src", "data-original", "lazy_src", "lazy-src", "src"):
        value = image.get(name)
        if value and value.strip():
            return value
    return ""


def has_ad_marker(anchor: etree._Element) -> bool:
    """An ad-click handler, an ad id (`adid`, `cid`, `data-ad*`) or a nofollow image link."""
    nodes = [anchor, *anchor.iter("img")]
    for node in nodes:
        for name, value in node.attrib.items():
            lowered = name.lower()
            if lowered in ("adid", "cid", "bid", "lid") or lowered.startswith("data-ad"):
                return True
            if lowered.startswith("on") and _AD_CLICK.search(value):
                return True
    # `rel=nofollow` alone marks paid image links on some boards; on text links it is too common to count.
    nofollow = any("nofollow" in (anchor.get(name) or "").lower() for name in ("rel", "ref"))
    return nofollow and first_image(anchor) is not None


def is_furniture(anchor: etree._Element, context: PageContext) -> bool:
    """The site's own logo, QR codes, loading images, navigation, job and article links."""
    href = (anchor.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return True
    link = urljoin(context.base, href)
    if urlsplit(link).scheme not in ("http", "https"):
        return True
    if is_site_root(link, context) and not has_ad_marker(anchor):
        return True
    if JOB_LINK.search(link) or _ARTICLE_LINK.search(link):
        return True
    image = first_image(anchor)
    if image is not None:
        described = " ".join(image.get(n) or "" for n in ("src", "alt", "class", "id", "data-src"))
        if _QR.search(described) or _QR.search(anchor.get("class") or ""):
            return True
        size = image_size(anchor)
        if size is not None and (size[0] <= 2 or size[1] <= 2):
            return True
        if _PLACEHOLDER.search(_image_url(anchor)):
            return True
    elif not visible_text(anchor):
        return True
    return False


def candidate_anchors(root: etree._Element, context: PageContext) -> list[etree._Element]:
    """Every link of the page that is not furniture, in document order."""
    return [anchor for anchor in root.iter("a") if not is_furniture(anchor, context)]
