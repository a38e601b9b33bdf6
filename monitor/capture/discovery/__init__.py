"""Find ad slots on a competitor page that has no site config yet: pure functions over HTML text.

An ad slot is a group of repeated links to employers inside one container: logo walls, banner rows,
sponsored text lists. Links are grouped by their path of tags, ids and classes; each group is scored on
ad-click markers (`AdsClick`, `adid`, `cid`, `data-ad*`), typical banner/logo sizes, links to company
pages, and names that look like companies. Page furniture (the site's own logo, QR codes, loading
images, navigation, articles and job cards) is skipped.

Every discovered slot is turned into a `SlotConfig` and read back with `spiders.extract`, so the ads
reported here are exactly what `extract_ads` returns for the suggested site config.

Public API (callers import from this package, not its modules):

    discover(html: str, url: str, name: str = "newsite", *, weights=DEFAULT_WEIGHTS) -> Discovery
        Discovery(slots: list[DiscoveredSlot], site: SiteConfig | None); site is None when nothing
        ad-like was found.
    discover_ads(html: str, url: str, *, weights=DEFAULT_WEIGHTS) -> list[DiscoveredSlot]
        DiscoveredSlot(name, kind, css, sources, confidence, ads, company_id, evidence);
        `.advertisers` the non-house names.
    suggest_site_config(html: str, url: str, name: str, *, weights=DEFAULT_WEIGHTS) -> str
        The site-config YAML, validated; ValueError when nothing ad-like was found.
    discovered_ads_as_json_lines(slots: list[DiscoveredSlot]) -> list[str]
        One JSON object per ad, the keys `rivalwatch extract --site` prints.
    score_discovery(found: Iterable[str], expected: Iterable[str]) -> DiscoveryScore
        DiscoveryScore(expected, found, junk); `.recall`. Names compared by same_advertiser(found,
        expected) after comparable_name(name).
    company_likeness(name: str, weights=DEFAULT_WEIGHTS.names) -> float
        weights.of(name_kind(name)); name_kind gives a NameKind ("company", "cjk_brand", "generic"…).
    is_generic_name(name: str) -> bool
    DiscoveryWeights(names=NameWeights(...), company_names=0.35, ..., min_confidence=0.45, ...)
        Every weight and bar of the scorer, named; DEFAULT_WEIGHTS are the values the rules were
        written with. discover, discover_ads and suggest_site_config take `weights=` (keyword only).

The modules, in the order a page goes through them: `page` (the page's address, the site's own names,
house names), `names` (cleaning and judging advertiser names), `anchors` (candidate links, furniture
skipped), `grouping` (links into would-be slots), `scoring` (hard rules and confidence, with the
numbers from `weights`), `selectors` (a CSS selector per slot), `proposal` (slot names, kinds,
company-id, cleanup and house-ad rules), `slots` (the whole run), `siteconfig_yaml` (the suggested
YAML), `evaluate` (against hand-made lists).
"""

from monitor.capture.discovery.evaluate import (
    DiscoveryScore,
    comparable_name,
    same_advertiser,
    score_discovery,
)
from monitor.capture.discovery.names import company_likeness, is_generic_name, name_kind
from monitor.capture.discovery.siteconfig_yaml import suggest_site_config
from monitor.capture.discovery.slots import (
    DiscoveredSlot,
    Discovery,
    discover,
    discover_ads,
    discovered_ads_as_json_lines,
)
from monitor.capture.discovery.weights import DEFAULT_WEIGHTS, DiscoveryWeights, NameKind, NameWeights

__all__ = [
    "DEFAULT_WEIGHTS",
    "DiscoveredSlot",
    "Discovery",
    "DiscoveryScore",
    "DiscoveryWeights",
    "NameKind",
    "NameWeights",
    "comparable_name",
    "company_likeness",
    "discover",
    "discover_ads",
    "discovered_ads_as_json_lines",
    "is_generic_name",
    "name_kind",
    "same_advertiser",
    "score_discovery",
    "suggest_site_config",
]
