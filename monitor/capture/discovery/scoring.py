"""How much a group of links looks like an ad slot: hard rules first, then a confidence from 0 to 1."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

from monitor.capture.discovery.anchors import JOB_LINK, first_image, has_ad_marker, image_size
from monitor.capture.discovery.grouping import AnchorGroup, lowest_common_ancestor
from monitor.capture.discovery.names import SLOGAN_PATTERN, clean_name, company_likeness, is_generic_name
from monitor.capture.discovery.page import PageContext, is_house_name
from spiders.extract import first_value, read_source

MIN_CONFIDENCE = 0.45
ADVERTISER_SOURCES = ("alt", "title", "text")

TYPICAL_BANNER_SIZES = frozenset(
    {(990, 50), (990, 60), (990, 90), (990, 100), (322, 173), (840, 346), (1200, 100), (728, 90)}
)
TYPICAL_LOGO_SIZES = frozenset(
    {(150, 60), (120, 60), (180, 60), (226, 60), (322, 53), (655, 53), (100, 50), (160, 60), (88, 31)}
)

_AD_TOKEN = re.compile(
    r"(^|[-_\s\d])(ads?|banners?|logos?|logoad|bannerad|famous|slider|sponsors?|companys?|brands?)"
    r"($|[-_\s\d])|logoad|bannerad|companyads|ad\d+in\d|\d+in\d",
    re.IGNORECASE,
)
_JOB_TOKEN = re.compile(r"job|position|zhiwei|jobs?list|news|article|arts|zixun", re.IGNORECASE)
_NAV_TOKEN = re.compile(
    r"(^|[-_\s])(nav|menu|header|footer|breadcrumb|crumb|topbar|bar|tab|tabs)($|[-_\s])", re.IGNORECASE
)
_COMPANY_LINK = re.compile(
    r"/gongsi/\d+\.html|companyads?|/company/|co\d+\.html|//special\.|/list/co,|/zt/|/join/|career|campus",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Assessment:
    confidence: float
    evidence: list[str]
    sources: list[str]


def _container_hint(anchors: list[etree._Element], pattern: re.Pattern[str], levels: int = 6) -> bool:
    container = lowest_common_ancestor(anchors) if len(anchors) > 1 else anchors[0]
    nodes = [*anchors[:1], container, *list(container.iterancestors())[:levels]]
    for node in nodes:
        described = " ".join(
            value
            for name, value in node.attrib.items()
            if name in ("id", "class") or name.startswith("data-")
        )
        if pattern.search(described):
            return True
    return False


def _choose_sources(anchors: list[etree._Element]) -> list[str]:
    """Advertiser sources ordered by how many good names each gives; generic ones left out."""
    scores: list[tuple[float, int, str]] = []
    for index, source in enumerate(ADVERTISER_SOURCES):
        values = [read_source(a, source) or "" for a in anchors]
        good = sum(company_likeness(clean_name(v, [SLOGAN_PATTERN])) for v in values if v.strip())
        if good > 0:
            scores.append((-good, index, source))
    return [source for _, _, source in sorted(scores)] or ["alt", "title", "text"]


def assess(group: AnchorGroup, context: PageContext) -> Assessment | None:
    """The group's confidence, evidence and advertiser sources; None when a hard rule rules it out."""
    anchors = group.anchors
    count = len(anchors)
    with_image = sum(1 for a in anchors if first_image(a) is not None)
    is_image_group = with_image * 2 > count
    markers = sum(1 for a in anchors if has_ad_marker(a)) / count
    links = [urljoin(context.base, a.get("href") or "") for a in anchors]
    company_links = sum(1 for link in links if _COMPANY_LINK.search(link)) / count
    external = sum(1 for link in links if (urlsplit(link).hostname or "") != context.host) / count
    sizes = [image_size(a) for a in anchors]
    typical = sum(1 for s in sizes if s in TYPICAL_BANNER_SIZES or s in TYPICAL_LOGO_SIZES) / count
    sources = _choose_sources(anchors)
    names = [clean_name(first_value(a, sources) or "", [SLOGAN_PATTERN]) for a in anchors]
    named = [n for n in names if n and not is_generic_name(n) and not is_house_name(n, context)]
    if not named:
        return None
    likeness = sum(company_likeness(n) for n in named) / len(named)
    distinct_links = len(set(links)) / count
    job_like = _container_hint(anchors, _JOB_TOKEN, levels=3) or any(
        a.getparent() is not None
        and any(JOB_LINK.search(x.get("href") or "") for x in a.getparent().iter("a"))
        and not has_ad_marker(a)
        for a in anchors[:1]
    )
    ad_hint = _container_hint(anchors, _AD_TOKEN)
    nav_like = _container_hint(anchors, _NAV_TOKEN, levels=4)

    single_banner = count == 1 and markers == 1 and any(s in TYPICAL_BANNER_SIZES for s in sizes)
    if count < 2 and not single_banner:
        return None
    if not is_image_group and markers < 0.5 and company_links < 0.5:
        return None  # a text list without ad markers or company pages is navigation as far as we can tell
    if job_like and markers < 0.5 and not ad_hint:
        return None  # job cards: a company that posted a job is not an ad
    if distinct_links < 0.5 and markers < 0.5:
        return None

    evidence: list[str] = []
    score = 0.35 * likeness
    if markers:
        score += 0.3 * markers
        evidence.append(f"ad-click markers on {markers:.0%}")
    if company_links:
        score += 0.15 * company_links
        evidence.append(f"company-page links {company_links:.0%}")
    if typical:
        score += 0.15 * typical
        evidence.append(f"typical ad sizes {typical:.0%}")
    elif is_image_group:
        score += 0.05
    if ad_hint:
        score += 0.15
        evidence.append("ad-like container")
    if external > 0.5:
        score += 0.05
    if nav_like and not markers:
        score -= 0.2
    if job_like:
        score -= 0.1
    evidence.append(f"company-like names {likeness:.0%}")
    return Assessment(round(max(0.0, min(1.0, score)), 2), evidence, sources)
