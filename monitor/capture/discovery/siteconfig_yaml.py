"""The suggested site-config YAML: what discovery found, with each slot's confidence as a comment."""

from __future__ import annotations

from urllib.parse import urlsplit

import yaml

from monitor.capture.discovery.slots import Discovery, discover
from monitor.capture.discovery.weights import DEFAULT_WEIGHTS, DiscoveryWeights
from monitor.core.siteconfig import SiteConfig


def suggest_site_config(
    html: str, url: str, name: str, *, weights: DiscoveryWeights = DEFAULT_WEIGHTS
) -> str:
    """A site-config YAML for a new competitor, validated by `SiteConfig`, with each slot's confidence."""
    discovery = discover(html, url, name, weights=weights)
    if discovery.site is None:
        raise ValueError(f"no ad-like slots found on {url}")
    text = _render_yaml(discovery, url)
    SiteConfig.model_validate(yaml.safe_load(text))
    return text


def _dump(value: object) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=False, sort_keys=False, width=100)


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "".join(pad + line if line.strip() else line for line in text.splitlines(keepends=True))


def _render_yaml(discovery: Discovery, url: str) -> str:
    site = discovery.site
    assert site is not None
    host = urlsplit(url)
    header = {
        "name": site.name,
        "display_name": site.display_name,
        "base_url": f"{host.scheme}://{host.netloc}/",
    }
    lines = [
        f"# Suggested by `rivalwatch discover` from {url}. Check every slot against the page before use:",
        "# Each slot's confidence is a heuristic score (0..1), not a promise.",
        _dump(header).rstrip(),
    ]
    if site.cleanup.strip:
        lines.append(_dump({"cleanup": {"strip": site.cleanup.strip}}).rstrip())
    if site.house_ads.advertiser_patterns:
        lines.append("# The competitor's own promotions seen on the page.")
        lines.append(
            _dump({"house_ads": {"advertiser_patterns": site.house_ads.advertiser_patterns}}).rstrip()
        )
    lines += [
        "pages:",
        "  - key: home",
        f"    url: {_dump(url).strip().removesuffix('...').strip()}",
        "    kind: homepage",
        "    slots:",
    ]
    for slot in discovery.slots:
        lines.append(
            f"      # confidence {slot.confidence:.2f}: {', '.join(slot.evidence)}; "
            f"{len(slot.ads)} ads, e.g. {', '.join(slot.advertisers[:3]) or '(house ads only)'}"
        )
        body: dict[str, object] = {
            "name": slot.name,
            "kind": slot.kind,
            "css": slot.css,
            "advertiser": slot.sources,
        }
        if slot.company_id:
            body["company_id"] = [{"source": r.source, "pattern": r.pattern} for r in slot.company_id]
        dumped = _dump([body])
        lines.append(_indent(dumped, 6).rstrip())
    return "\n".join(lines) + "\n"
