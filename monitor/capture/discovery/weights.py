"""The numbers behind discovery's decisions, named: what each kind of name is worth, what each piece of
evidence adds to a group's confidence, and the bars a group must clear to become a slot.

The defaults are the values the rules were written with on the real pages and the demo sites
(docs/discovery.md). To try others, pass them in: `discover(html, url, weights=replace(DEFAULT_WEIGHTS,
min_confidence=0.5))`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# Each kind of name, by the first rule that fits (monitor.capture.discovery.names.name_kind).
NameKind = Literal[
    "generic",
    "sentence",
    "company",
    "editorial",
    "job_title",
    "cjk_brand",
    "latin_brand",
    "latin_word",
    "other",
]


@dataclass(frozen=True)
class NameWeights:
    """How much each kind of name looks like an employer's (`company_likeness`), from 0 to 1."""

    generic: float = 0.0  # 公司logo, 图片, a URL, mostly digits: names no one
    sentence: float = 0.1  # sentence punctuation or over 40 characters: a slogan or headline, not a name
    company: float = 1.0  # 有限公司, 集团, 银行, Ltd…: the surest sign of an employer
    editorial: float = 0.0  # 薪酬报告, 求职指南, 公众号: the site's own content, never an advertiser
    job_title: float = 0.1  # ends in 工程师, 经理…: a job card's title, not who paid for the ad
    cjk_brand: float = 0.6  # 2 to 14 characters with CJK, no company word: a brand (希悦) as often as not
    latin_brand: float = 0.6  # Latin, no CJK, with a capital or a digit (IBM, 3M): a brand as often as not
    latin_word: float = 0.3  # all-lowercase Latin words are as often UI text (more, download) as brands
    other: float = 0.2  # the rest (one character, 15 to 40 with CJK, no two Latin letters in a row)

    def of(self, kind: NameKind) -> float:
        """The weight of one kind of name."""
        value: float = getattr(self, kind)
        return value


@dataclass(frozen=True)
class DiscoveryWeights:
    """What makes a group of links an ad slot: the confidence's weights, then the hard rules' bars."""

    names: NameWeights = field(default_factory=NameWeights)

    # The confidence is the sum of these (shares are 0..1), clamped to 0..1.
    company_names: float = 0.35  # × mean company-likeness: an ad slot names employers; the strongest sign
    ad_markers: float = 0.3  # × share with ad-click markers: boards mark the links they bill for
    company_links: float = 0.15  # × share linking to company pages or mini-sites (/gongsi/ID.html, special.)
    typical_sizes: float = 0.15  # × share of images in a standard banner or logo size (990×60, 150×60)
    untypical_images: float = 0.05  # an image group without standard sizes: images are likelier ads than text
    ad_container: float = 0.15  # the container's id/class says ad, banner, logo, famous, 8in1…
    offsite_links: float = 0.05  # most links leave the site: ads lead to employers, navigation stays home
    navigation_penalty: float = 0.2  # minus, for a nav/menu/header/tab container without ad markers
    job_penalty: float = 0.1  # minus, for a job-like container: job cards name employers too

    # The bars.
    min_confidence: float = 0.45  # a group below this is not proposed (lagou's unmarked 热门公司 is 0.56)
    min_links: int = 2  # a slot repeats; a single link passes only as a marked banner of a banner size
    marked_share: float = 0.5  # at least this share with ad markers lifts the text, job and repeat rules
    company_link_share: float = 0.5  # an unmarked text list needs this share of company links, else it is nav
    distinct_link_share: float = 0.5  # an unmarked group repeating one link (fewer distinct) is not a slot
    image_group_share: float = 0.5  # more than this share of links with an image: judged as an image group
    offsite_share: float = 0.5  # more than this share of off-site links earns `offsite_links`
    editorial_share: float = 0.5  # a group whose names are more than this share editorial is content

    # How many ancestors above the links' container may name it (id, class, data-*) as what it is. None of
    # the three changes a result on the five real pages; they follow from how such pages are built.
    ad_container_levels: int = 6  # the block naming an ad wall (`#hot8in1`) may sit a few wrappers up
    job_container_levels: int = 3  # fewer: the further up, the likelier a `job` wrapper holds ads as well
    nav_container_levels: int = 4  # a menu's `nav`/`header` is close to its links; far up it covers the page


DEFAULT_WEIGHTS = DiscoveryWeights()
