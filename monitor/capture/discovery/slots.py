"""From a page to its discovered slots: candidates, groups, assessment, overlaps, then each slot read back
through `spiders.extract` with the site config discovery proposes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import urljoin

from lxml import etree
from lxml.cssselect import CSSSelector

from monitor.capture.discovery.anchors import candidate_anchors
from monitor.capture.discovery.grouping import AnchorGroup, group_anchors
from monitor.capture.discovery.names import clean_name
from monitor.capture.discovery.page import PageContext, is_house_name, page_context
from monitor.capture.discovery.proposal import (
    cleanup_rules,
    company_id_rules,
    house_rules,
    slot_kind,
    slot_name,
)
from monitor.capture.discovery.scoring import Assessment, assess
from monitor.capture.discovery.selectors import best_selector
from monitor.capture.discovery.weights import DEFAULT_WEIGHTS, DiscoveryWeights
from monitor.core.siteconfig import CompanyIdRule, PageConfig, SiteConfig, SlotConfig
from spiders.extract import ExtractedAd, extract_slot, first_value, parse_html


@dataclass(frozen=True)
class DiscoveredSlot:
    """A proposed ad slot: where it is (css), how to read it, how sure we are, and what it holds."""

    name: str
    kind: str  # "logo" or "banner"
    css: str
    sources: list[str]  # advertiser sources, in the order the extractor tries them
    confidence: float  # 0..1
    ads: list[ExtractedAd] = field(default_factory=list)
    company_id: list[CompanyIdRule] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)  # why this looks like an ad slot

    @property
    def advertisers(self) -> list[str]:
        """The non-house advertiser names, in slot order."""
        return [ad.advertiser for ad in self.ads if ad.advertiser and not ad.is_house_ad]


@dataclass(frozen=True)
class Discovery:
    """Everything discovered on one page: the slots and the site-wide rules they were read with."""

    slots: list[DiscoveredSlot]
    site: SiteConfig | None  # None when nothing was found


def discover(
    html: str, url: str, name: str = "newsite", *, weights: DiscoveryWeights = DEFAULT_WEIGHTS
) -> Discovery:
    """Discover the ad slots of a page and the site config that reads them, judged with `weights`."""
    root = parse_html(html)
    if root is None:
        return Discovery([], None)
    context = page_context(root, url)
    proposals: list[tuple[AnchorGroup, Assessment]] = []
    for group in group_anchors(candidate_anchors(root, context)):
        assessment = assess(group, context, weights)
        if assessment is not None and assessment.confidence >= weights.min_confidence:
            proposals.append((group, assessment))
    proposals = _drop_duplicates(proposals, context)
    return _build(root, proposals, context, url, name)


def discover_ads(html: str, url: str, *, weights: DiscoveryWeights = DEFAULT_WEIGHTS) -> list[DiscoveredSlot]:
    """The ad-like slots found on a page without any site config, most confident first in page order."""
    return discover(html, url, weights=weights).slots


def discovered_ads_as_json_lines(slots: list[DiscoveredSlot]) -> list[str]:
    """One JSON object per ad, with the keys `rivalwatch extract --site` prints."""
    return [json.dumps(ad.record(), ensure_ascii=False) for slot in slots for ad in slot.ads]


def _drop_duplicates(
    proposals: list[tuple[AnchorGroup, Assessment]], context: PageContext
) -> list[tuple[AnchorGroup, Assessment]]:
    """Of two groups linking to the same pages (a logo and its caption), keep the better-named one."""
    kept: list[tuple[AnchorGroup, Assessment]] = []
    ranked = sorted(proposals, key=lambda p: -p[1].confidence)
    for group, assessment in ranked:
        links = {urljoin(context.base, a.get("href") or "") for a in group.anchors}
        elements = {id(a) for a in group.anchors}
        duplicate = False
        for other, _ in kept:
            other_links = {urljoin(context.base, a.get("href") or "") for a in other.anchors}
            if len(links & other_links) * 2 > len(links) or elements & {id(a) for a in other.anchors}:
                duplicate = True
                break
        if not duplicate:
            kept.append((group, assessment))
    order = {id(group.anchors[0]): index for index, (group, _) in enumerate(proposals)}
    return sorted(kept, key=lambda p: order[id(p[0].anchors[0])])


def _page_config(slots: list[tuple[SlotConfig, float, list[str]]], url: str) -> PageConfig:
    return PageConfig(key="home", url=url, kind="homepage", slots=[slot for slot, _, _ in slots])


def _build(
    root: etree._Element,
    proposals: list[tuple[AnchorGroup, Assessment]],
    context: PageContext,
    url: str,
    name: str,
) -> Discovery:
    taken: set[str] = set()
    slots: list[tuple[SlotConfig, float, list[str]]] = []
    raw_values: list[str] = []
    for group, assessment in proposals:
        css = best_selector(root, group.anchors)
        if css is None:
            continue
        kind = slot_kind(group.anchors)
        slot = SlotConfig(
            name=slot_name(css, kind, taken),
            kind=kind,
            css=css,
            advertiser=assessment.sources,
            company_id=company_id_rules(group.anchors),
        )
        slots.append((slot, assessment.confidence, assessment.evidence))
        raw_values.extend(
            first_value(a, assessment.sources) or "" for a in CSSSelector(css, translator="html")(root)
        )
    if not slots:
        return Discovery([], None)
    cleanup = cleanup_rules(raw_values)
    house_names = [
        cleaned
        for value in raw_values
        if (cleaned := clean_name(value, cleanup.strip)) and is_house_name(cleaned, context)
    ]
    site = SiteConfig(
        name=name,
        display_name=name,
        base_url=url,
        cleanup=cleanup,
        house_ads=house_rules(house_names, context),
        pages=[_page_config(slots, url)],
    )
    discovered = []
    for slot, confidence, evidence in slots:
        result = extract_slot(root, slot, site, context.base)
        discovered.append(
            DiscoveredSlot(
                name=slot.name,
                kind=slot.kind,
                css=slot.css or "",
                sources=list(slot.advertiser),
                confidence=confidence,
                ads=result.ads,
                company_id=list(slot.company_id),
                evidence=evidence,
            )
        )
    return Discovery(discovered, site)
