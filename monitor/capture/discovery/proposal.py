"""What a discovered slot becomes in the suggested site config: its name, kind and company-id rules,
and the site-wide cleanup and house-ad rules the page's names call for."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from lxml import etree

from monitor.capture.discovery.anchors import image_size
from monitor.capture.discovery.names import (
    SLOGAN_PATTERN,
    URL_LIKE,
    URL_TEXT_PATTERN,
    clean_name,
    is_generic_name,
)
from monitor.capture.discovery.page import HOUSE_KEYWORD_PATTERN, PageContext, starts_with_brand
from monitor.capture.discovery.selectors import AD_BOARD
from monitor.core.siteconfig import CleanupConfig, CompanyIdRule, HouseAdRules
from spiders.extract import read_source

# A median image this tall (990×90, 322×173) or this wide (990×60) is a banner; logo walls stay below
# both (150×60, 655×53).
BANNER_MIN_HEIGHT = 90
BANNER_MIN_WIDTH = 800

_SLUG = re.compile(r"[^a-z0-9]+")
_GENERIC_CLASS = frozenset(
    {"clearfix", "clear", "cn", "in", "wrapper", "container", "hidden", "adsbox", "wordcut"}
)


def company_id_rules(anchors: list[etree._Element]) -> list[CompanyIdRule]:
    """Up to two rules reading a company id that at least half the links carry (`adid`, `/gongsi/ID.html`)."""
    rules: list[CompanyIdRule] = []
    for name in ("adid", "cid", "data-company-id", "data-companyid"):
        if sum(1 for a in anchors if re.fullmatch(r"\d+", read_source(a, f"attr:{name}") or "")) * 2 >= len(
            anchors
        ):
            rules.append(CompanyIdRule(source=f"attr:{name}", pattern=r"^(\d+)$"))
    for pattern in (r"/gongsi/(\d+)\.html", r"/co(\d+)\.html", r"/list/co,c,(\d+),"):
        if sum(1 for a in anchors if re.search(pattern, a.get("href") or "")) * 2 >= len(anchors):
            rules.append(CompanyIdRule(source="href", pattern=pattern))
    return rules[:2]


def slot_kind(anchors: list[etree._Element]) -> Literal["logo", "banner"]:
    """`banner` when the median image is tall or wide, else `logo` (also for text links)."""
    sizes = [s for s in (image_size(a) for a in anchors) if s is not None]
    if not sizes:
        return "logo"
    width = sorted(w for w, _ in sizes)[len(sizes) // 2]
    height = sorted(h for _, h in sizes)[len(sizes) // 2]
    return "banner" if height >= BANNER_MIN_HEIGHT or width >= BANNER_MIN_WIDTH else "logo"


def slot_name(css: str, kind: str, taken: set[str]) -> str:
    """A name from the selector's id or most telling class (`famous`, `ad16in1`), else from the ad board."""
    name = ""
    board = AD_BOARD.search(css.replace('"', ""))
    if board:
        name = f"{kind}_{board.group(1)}"
    for token in re.findall(r"[#.]([A-Za-z_][-A-Za-z0-9_]*)", css):
        slug = _SLUG.sub("_", token.lower()).strip("_")
        if not name and len(slug) >= 3 and slug not in _GENERIC_CLASS:
            name = slug
    name = name or kind
    unique, counter = name, 2
    while unique in taken:
        unique, counter = f"{name}_{counter}", counter + 1
    taken.add(unique)
    return unique


def house_rules(names: Iterable[str], context: PageContext) -> HouseAdRules:
    """One advertiser pattern per house name: the keyword, the host's name, or the brand it starts with."""
    patterns: list[str] = []
    for name in sorted(set(names)):
        if HOUSE_KEYWORD_PATTERN in name:
            pattern = HOUSE_KEYWORD_PATTERN
        elif context.domain_label and name.lower().startswith(context.domain_label):
            pattern = rf"^{re.escape(name)}$"
        else:
            brand = next((b for b in context.brands if starts_with_brand(name, b)), name)
            pattern = rf"^{re.escape(brand)}"
        if pattern not in patterns:
            patterns.append(pattern)
    return HouseAdRules(advertiser_patterns=patterns)


def cleanup_rules(raw_values: Iterable[str]) -> CleanupConfig:
    """The cleanup the page's raw names need: a slogan, a URL as text, each generic value seen."""
    strip: list[str] = []
    values = [v for v in raw_values if v]
    if any(re.search(SLOGAN_PATTERN, clean_name(v)) for v in values):
        strip.append(SLOGAN_PATTERN)
    if any(re.match(URL_TEXT_PATTERN, v) for v in values):
        strip.append(URL_TEXT_PATTERN)
    for value in sorted({clean_name(v) for v in values}):
        if value and is_generic_name(value) and not URL_LIKE.search(value):
            pattern = rf"^{re.escape(value)}$"
            if pattern not in strip:
                strip.append(pattern)
    return CleanupConfig(strip=strip)
