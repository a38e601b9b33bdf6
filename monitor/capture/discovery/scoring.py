"""How much a group of links looks like an ad slot: hard rules first, then a confidence from 0 to 1."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree

from monitor.capture.discovery.anchors import JOB_LINK, first_image, has_ad_marker, image_size
from monitor.capture.discovery.grouping import AnchorGroup, lowest_common_ancestor
from monitor.capture.discovery.names import (
    SLOGAN_PATTERN,
    clean_name,
    company_likeness,
    is_generic_name,
    name_kind,
)
from monitor.capture.discovery.page import PageContext, is_house_name
from monitor.capture.discovery.weights import DiscoveryWeights, NameWeights
from spiders.extract import first_value, read_source

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
_JOB_TOKEN = re.compile(
    r"job|position|zhiwei|jobs?list|news|article|arts|zixun|report|guide|salary|xinzi|xinchou|zhichang|"
    r"wenzhang|gonglue|baike|weixin|wechat|gongzhonghao",
    re.IGNORECASE,
)
_NAV_TOKEN = re.compile(
    r"(^|[-_\s])(nav|menu|header|footer|breadcrumb|crumb|topbar|bar|tab|tabs)($|[-_\s])", re.IGNORECASE
)
_COMPANY_LINK = re.compile(
    r"/gongsi/\d+\.html|companyads?|/company/|co\d+\.html|//special\.|//zt\.|//xiaoyuan\.|/list/co,|/zt/|"
    r"/join/|career|campus",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Assessment:
    confidence: float
    evidence: list[str]
    sources: list[str]


@dataclass(frozen=True)
class GroupSignals:
    """What a group of links shows, measured once; shares are of the group's links, from 0 to 1."""

    count: int
    images: float  # share with an image
    markers: float  # share with ad-click markers
    company_links: float  # share linking to company pages or mini-sites
    offsite: float  # share linking to another host
    typical_sizes: float  # share with an image in a standard banner or logo size
    distinct_links: float  # distinct targets per link
    likeness: float  # mean company-likeness of the names that are neither generic nor the site's own
    editorial: float  # share of the named links whose name is editorial (a report, a guide, 公众号)
    single_banner: bool  # one marked link with an image of a banner size
    ad_container: bool
    job_like: bool
    nav_like: bool


def _container_hint(anchors: list[etree._Element], pattern: re.Pattern[str], levels: int) -> bool:
    """The first link, the links' container or one of `levels` ancestors above it matches `pattern`."""
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


def _choose_sources(anchors: list[etree._Element], weights: NameWeights) -> list[str]:
    """Advertiser sources ordered by how many good names each gives; generic ones left out."""
    scores: list[tuple[float, int, str]] = []
    for index, source in enumerate(ADVERTISER_SOURCES):
        values = [read_source(a, source) or "" for a in anchors]
        good = sum(company_likeness(clean_name(v, [SLOGAN_PATTERN]), weights) for v in values if v.strip())
        if good > 0:
            scores.append((-good, index, source))
    return [source for _, _, source in sorted(scores)] or ["alt", "title", "text"]


def assess(group: AnchorGroup, context: PageContext, weights: DiscoveryWeights) -> Assessment | None:
    """The group's confidence, evidence and advertiser sources; None when a hard rule rules it out."""
    sources = _choose_sources(group.anchors, weights.names)
    signals = measure(group, context, sources, weights)
    if signals is None or _ruled_out(signals, weights):
        return None
    confidence, evidence = _confidence(signals, weights)
    return Assessment(confidence, evidence, sources)


def measure(
    group: AnchorGroup, context: PageContext, sources: list[str], weights: DiscoveryWeights
) -> GroupSignals | None:
    """The group's signals, its names read from `sources`; None when no link names anyone."""
    anchors = group.anchors
    count = len(anchors)
    names = [clean_name(first_value(a, sources) or "", [SLOGAN_PATTERN]) for a in anchors]
    readable = [n for n in names if n and not is_generic_name(n)]
    named = [n for n in readable if not is_house_name(n, context)]
    if not named:
        return None
    editorial = sum(1 for n in readable if name_kind(n) == "editorial") / len(readable)
    markers = sum(1 for a in anchors if has_ad_marker(a)) / count
    links = [urljoin(context.base, a.get("href") or "") for a in anchors]
    sizes = [image_size(a) for a in anchors]
    return GroupSignals(
        count=count,
        images=sum(1 for a in anchors if first_image(a) is not None) / count,
        markers=markers,
        company_links=sum(1 for link in links if _COMPANY_LINK.search(link)) / count,
        offsite=sum(1 for link in links if (urlsplit(link).hostname or "") != context.host) / count,
        typical_sizes=sum(1 for s in sizes if s in TYPICAL_BANNER_SIZES or s in TYPICAL_LOGO_SIZES) / count,
        distinct_links=len(set(links)) / count,
        likeness=sum(company_likeness(n, weights.names) for n in named) / len(named),
        editorial=editorial,
        single_banner=count == 1 and markers == 1 and any(s in TYPICAL_BANNER_SIZES for s in sizes),
        ad_container=_container_hint(anchors, _AD_TOKEN, weights.ad_container_levels),
        job_like=_looks_like_jobs(anchors, weights),
        nav_like=_container_hint(anchors, _NAV_TOKEN, weights.nav_container_levels),
    )


def _looks_like_jobs(anchors: list[etree._Element], weights: DiscoveryWeights) -> bool:
    """A container about jobs, or an unmarked first link whose neighbours link to a job."""
    first = anchors[0]
    parent = first.getparent()
    beside_a_job = (
        parent is not None
        and any(JOB_LINK.search(x.get("href") or "") for x in parent.iter("a"))
        and not has_ad_marker(first)
    )
    return _container_hint(anchors, _JOB_TOKEN, weights.job_container_levels) or beside_a_job


def _ruled_out(signals: GroupSignals, weights: DiscoveryWeights) -> bool:
    """The hard rules, before any score: too few links, navigation, job cards, one link repeated."""
    s, w = signals, weights
    marked = s.markers >= w.marked_share
    image_group = s.images > w.image_group_share
    if s.count < w.min_links and not s.single_banner:
        return True
    if s.editorial > w.editorial_share:
        return True  # article titles, reports, guides: the site's content, however it is laid out
    if not image_group and not marked and s.company_links < w.company_link_share:
        return True  # a text list without ad markers or company pages is navigation as far as we can tell
    if s.job_like and not marked and not s.ad_container:
        return True  # job cards: a company that posted a job is not an ad
    return s.distinct_links < w.distinct_link_share and not marked


def _confidence(signals: GroupSignals, weights: DiscoveryWeights) -> tuple[float, list[str]]:
    """The weighted evidence, clamped to 0..1 and rounded to two places, with the reasons worth showing."""
    s, w = signals, weights
    evidence: list[str] = []
    score = w.company_names * s.likeness
    if s.markers:
        score += w.ad_markers * s.markers
        evidence.append(f"ad-click markers on {s.markers:.0%}")
    if s.company_links:
        score += w.company_links * s.company_links
        evidence.append(f"company-page links {s.company_links:.0%}")
    if s.typical_sizes:
        score += w.typical_sizes * s.typical_sizes
        evidence.append(f"typical ad sizes {s.typical_sizes:.0%}")
    elif s.images > w.image_group_share:
        score += w.untypical_images
    if s.ad_container:
        score += w.ad_container
        evidence.append("ad-like container")
    if s.offsite > w.offsite_share:
        score += w.offsite_links
    if s.nav_like and not s.markers:
        score -= w.navigation_penalty
    if s.job_like:
        score -= w.job_penalty
    evidence.append(f"company-like names {s.likeness:.0%}")
    return round(max(0.0, min(1.0, score)), 2), evidence
