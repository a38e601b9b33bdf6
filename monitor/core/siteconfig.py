"""Competitor site configs: one YAML file per competitor, validated strictly.

A config says which pages of a competitor to capture, which slots on each page hold ads, and how to
read an ad (advertiser text, link, image, the competitor's own company id). Unknown keys are refused
with an error that names the file and the key, so a typo never silently disables a slot.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from monitor.core.labels import SLOT_KIND

# Where an ad's value may come from, tried in order; the first non-empty value wins.
#   alt / title   the attribute on the ad element or its first descendant that has it
#   text          the element's visible text, whitespace folded
#   href / src    as attributes, also looked up on descendants (the <a> around or the <img> inside)
#   attr:NAME     any other attribute, e.g. attr:data-src, attr:lazy_src, attr:cid
#   css:SELECTOR@NAME   attribute NAME (or `text`) of the first element matching SELECTOR inside the ad's
#                 item (the slot's `item` ancestor, default the ad element's parent) that has it: for a
#                 logo that sits beside the name link rather than inside it
SOURCE_PATTERN = re.compile(
    r"^(alt|title|text|href|src|attr:[A-Za-z_:][-A-Za-z0-9_:.]*|css:\S.*@[A-Za-z_:][-A-Za-z0-9_:.]*)$"
)

# A host name or IP address, optionally with a leading `*.` wildcard label.
CREATIVE_HOST_PATTERN = re.compile(
    r"^(\*\.)?([A-Za-z0-9\u0080-\uffff]([-A-Za-z0-9\u0080-\uffff]{0,61}[A-Za-z0-9\u0080-\uffff])?\.)*"
    r"[A-Za-z0-9\u0080-\uffff]([-A-Za-z0-9\u0080-\uffff]{0,61}[A-Za-z0-9\u0080-\uffff])?\.?$"
)

DEFAULT_ADVERTISER_SOURCES = ["alt", "title", "text"]
DEFAULT_LINK_SOURCES = ["href"]
DEFAULT_IMAGE_SOURCES = ["attr:data-src", "attr:data-original", "attr:lazy_src", "attr:lazy-src", "src"]

# Decorations stripped from every advertiser text unless a site sets `cleanup.defaults: false`.
DEFAULT_CLEANUP_PATTERNS = [
    r"^\s*\d+\s*/\s*\d+\s*",  # carousel rotation prefix: "1/3上海浦东发展银行…"
    r"(招聘信息|诚聘英才|诚聘|热招职位|热招|招聘)\s*$",
    r"^\s*【[^】]*】\s*",
]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _compile(pattern: str) -> re.Pattern[str]:
    """A regular expression from a config; one that does not compile is a ValueError naming it.

    (re.error is no ValueError, so pydantic would let it escape as a traceback naming no file.)
    """
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None


def _check_sources(values: list[str]) -> list[str]:
    for value in values:
        if not SOURCE_PATTERN.match(value):
            raise ValueError(
                f"unknown source {value!r}; use alt, title, text, href, src, attr:NAME or css:SELECTOR@NAME"
            )
    return values


class CompanyIdRule(StrictModel):
    """How to read the competitor's own id for the advertiser (`cid=…`, `/gongsi/ID.html`)."""

    source: str
    pattern: str = r"(.+)"

    @field_validator("source")
    @classmethod
    def _source_known(cls, value: str) -> str:
        return _check_sources([value])[0]

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str) -> str:
        compiled = _compile(value)
        if compiled.groups != 1:
            raise ValueError("pattern must have exactly one capturing group")
        return value


class RateBand(StrictModel):
    """A price for the positions `first`..`last` (1 = the first ad in the slot)."""

    first: int = Field(ge=1)
    last: int = Field(ge=1)
    per_day: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> RateBand:
        if self.last < self.first:
            raise ValueError(f"band {self.first}-{self.last}: last before first")
        return self


class RateCard(StrictModel):
    """What the competitor charges for a day in the slot: one price, or a price per position band.

    Read from the competitor's published price list (`source`) on `read_on`; spend estimates built on it
    say so. A position outside every band is priced at `per_day` when given, else not estimated.
    """

    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    per_day: float | None = Field(default=None, ge=0)
    bands: list[RateBand] = Field(default_factory=list)
    read_on: dt.date
    source: str = Field(default="", max_length=500)

    @model_validator(mode="after")
    def _some_price(self) -> RateCard:
        if self.per_day is None and not self.bands:
            raise ValueError("rate_card: give per_day or bands")
        return self

    def price(self, position: int) -> float | None:
        for band in self.bands:
            if band.first <= position <= band.last:
                return band.per_day
        return self.per_day


class SlotConfig(StrictModel):
    """One ad slot on a page: a selector matching each ad element, and how to read it."""

    name: str = Field(min_length=1)
    # What people read for the slot (`name` is its key in data and commands): `首页Logo墙`.
    label: str | None = Field(default=None, min_length=1)
    kind: Literal["logo", "banner"]
    css: str | None = None
    xpath: str | None = None
    advertiser: list[str] = Field(default_factory=lambda: list(DEFAULT_ADVERTISER_SOURCES))
    link: list[str] = Field(default_factory=lambda: list(DEFAULT_LINK_SOURCES))
    image: list[str] = Field(default_factory=lambda: list(DEFAULT_IMAGE_SOURCES))
    company_id: list[CompanyIdRule] = Field(default_factory=list)
    # What the competitor charges for the slot (optional): spend estimates are made only where given.
    rate_card: RateCard | None = None
    # CSS selector of the ad's item: its closest ancestor (or itself) matching this is where
    # `css:SELECTOR@NAME` sources look. Default: the ad element's parent.
    item: str | None = Field(default=None, min_length=1)
    # Browser pages: how long to wait for the selector before the slot counts as not rendered.
    wait_seconds: float = Field(default=10.0, gt=0, le=120)

    @field_validator("advertiser", "link", "image")
    @classmethod
    def _sources_known(cls, values: list[str]) -> list[str]:
        return _check_sources(values)

    @model_validator(mode="after")
    def _one_selector(self) -> SlotConfig:
        if (self.css is None) == (self.xpath is None):
            raise ValueError(f"slot {self.name!r}: give exactly one of css or xpath")
        return self


class PageConfig(StrictModel):
    key: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    # What people read for the page (`key` is its key in data and commands): `首页`, `校园招聘`.
    label: str | None = Field(default=None, min_length=1)
    url: str = Field(min_length=1)
    kind: Literal["homepage", "section"]
    # What a section covers: share of voice is told per homepage, city section, industry section.
    section: Literal["city", "industry", "campus"] | None = None
    browser: bool = False
    encoding: str | None = None
    slots: list[SlotConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_slot_names(self) -> PageConfig:
        _refuse_duplicates((slot.name for slot in self.slots), f"page {self.key!r}: slot")
        return self


class CleanupConfig(StrictModel):
    defaults: bool = True
    strip: list[str] = Field(default_factory=list)

    @field_validator("strip")
    @classmethod
    def _patterns_compile(cls, values: list[str]) -> list[str]:
        for value in values:
            _compile(value)
        return values

    def patterns(self) -> list[re.Pattern[str]]:
        sources = (DEFAULT_CLEANUP_PATTERNS if self.defaults else []) + self.strip
        return [re.compile(p) for p in sources]


class HouseAdRules(StrictModel):
    """The competitor's own promotions, which never count as a customer's ad."""

    advertiser_patterns: list[str] = Field(default_factory=list)
    link_hosts: list[str] = Field(default_factory=list)
    link_patterns: list[str] = Field(default_factory=list)
    # An ad with no advertiser text at all is a house ad unless this is false.
    empty_text_is_house: bool = True

    @field_validator("advertiser_patterns", "link_patterns")
    @classmethod
    def _patterns_compile(cls, values: list[str]) -> list[str]:
        for value in values:
            _compile(value)
        return values


class SiteConfig(StrictModel):
    name: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    display_name: str = Field(min_length=1)
    base_url: str = Field(min_length=1)
    encoding: str | None = None
    cleanup: CleanupConfig = Field(default_factory=CleanupConfig)
    house_ads: HouseAdRules = Field(default_factory=HouseAdRules)
    # Hosts creative images may be downloaded from besides the page's own host (CDNs); `*.example.cn`
    # allows every subdomain of example.cn (not example.cn itself).
    creative_hosts: list[str] = Field(default_factory=list)
    pages: list[PageConfig] = Field(min_length=1)

    @field_validator("creative_hosts")
    @classmethod
    def _hosts_are_host_names(cls, values: list[str]) -> list[str]:
        for value in values:
            if not CREATIVE_HOST_PATTERN.match(value):
                raise ValueError(
                    f"{value!r} is not a host name; write img.example.cn or *.example.cn "
                    "(no scheme, port, path or other wildcards)"
                )
        return [value.lower().rstrip(".") for value in values]

    @model_validator(mode="after")
    def _unique_page_keys(self) -> SiteConfig:
        _refuse_duplicates((page.key for page in self.pages), "page key")
        return self

    def page(self, key: str) -> PageConfig:
        for page in self.pages:
            if page.key == key:
                return page
        raise KeyError(f"site {self.name!r} has no page {key!r}")

    def page_url(self, page: PageConfig) -> str:
        """The page's absolute URL: `url` resolved against `base_url`, `${VAR}` from the environment."""
        from urllib.parse import urljoin

        return urljoin(expand_env(self.base_url), expand_env(page.url))


class SiteConfigError(ValueError):
    """A site config that cannot be used; the message names the file and the offending key."""


def _refuse_duplicates(names: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"duplicate {what} {name!r}")
        seen.add(name)


_ENV_REFERENCE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


def expand_env(text: str) -> str:
    """Replace `${NAME}` with the environment variable; an unset variable is an error, not ''."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise SiteConfigError(f"environment variable {name} is not set (used in {text!r})")
        return os.environ[name]

    return _ENV_REFERENCE.sub(value, text)


def _location(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts) or "(top level)"


def load_site_config(path: Path) -> SiteConfig:
    """Read and validate one site config file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SiteConfigError(f"{path}: cannot read YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SiteConfigError(f"{path}: expected a mapping at the top level")
    try:
        return SiteConfig.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            where = _location(error["loc"])
            if error["type"] == "extra_forbidden":
                lines.append(f"{path}: unknown key {where!r}")
            else:
                lines.append(f"{path}: {where}: {error['msg']}")
        raise SiteConfigError("\n".join(lines)) from None


def load_site_configs_with_paths(directory: Path) -> list[tuple[Path, SiteConfig]]:
    """Every `*.yaml`/`*.yml` in a folder with its path, sorted by name; duplicate site names are refused."""
    if not directory.is_dir():
        raise SiteConfigError(f"{directory}: site config folder does not exist")
    paths = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    loaded = [(path, load_site_config(path)) for path in paths]
    seen: dict[str, Path] = {}
    for path, config in loaded:
        if config.name in seen:
            raise SiteConfigError(f"{path}: site name {config.name!r} already used by {seen[config.name]}")
        seen[config.name] = path
    return loaded


def load_site_configs(directory: Path) -> list[SiteConfig]:
    """Every `*.yaml`/`*.yml` in a folder, sorted by name; duplicate site names are refused."""
    return [config for _, config in load_site_configs_with_paths(directory)]


@dataclass(frozen=True)
class PlaceNames:
    """What people read for each site, page and slot, from the site configs' `display_name` and `label`s,
    looked up by the keys the data keeps. Pages and slots without a label fall back on something a person
    recognises (the path of the page's address; the slot's kind in the reader's language), never the key."""

    sites: Mapping[str, str] = field(default_factory=dict)
    pages: Mapping[tuple[str, str], str] = field(default_factory=dict)
    slots: Mapping[tuple[str, str, str], str] = field(default_factory=dict)
    slot_kinds: Mapping[str, str] = field(default_factory=lambda: dict(SLOT_KIND))

    def translated(self, gettext: Callable[[str], str]) -> PlaceNames:
        """The same names, with the slot-kind fallbacks in the language of `gettext`."""
        kinds = {kind: gettext(label) for kind, label in SLOT_KIND.items()}
        return dataclasses.replace(self, slot_kinds=kinds)

    def site(self, site: str, stored: str | None = None) -> str:
        """The site's display name: its config's, else the one stored with the data."""
        return self.sites.get(site) or stored or site

    def page(self, site: str, page: str, url: str | None = None) -> str:
        """The page's label, else the path of its address (`/campus/`)."""
        label = self.pages.get((site, page))
        if label:
            return label
        return (urlsplit(url).path or "/") if url else page

    def page_and_slot(self, site: str, page: str, slot: str, kind: str, url: str | None = None) -> str:
        """`首页 · 顶部横幅`: the page and the slot on it, as alerts and the gallery show them."""
        return f"{self.page(site, page, url)} · {self.slot(site, page, slot, kind)}"

    def slot(self, site: str, page: str, slot: str, kind: str | None = None) -> str:
        """The slot's label, else its kind (`logo`, `banner`) in the reader's language."""
        label = self.slots.get((site, page, slot))
        if label:
            return label
        return self.slot_kinds.get(kind or "", kind or slot)


def place_names(configs: Iterable[SiteConfig]) -> PlaceNames:
    """The display names the configs give."""
    sites, pages, slots = {}, {}, {}
    for config in configs:
        sites[config.name] = config.display_name
        for page in config.pages:
            if page.label:
                pages[(config.name, page.key)] = page.label
            for slot in page.slots:
                if slot.label:
                    slots[(config.name, page.key, slot.name)] = slot.label
    return PlaceNames(sites, pages, slots)


def load_place_names(directory: Path) -> PlaceNames:
    """The display names of the configs in `directory`; a folder that cannot be read gives none (pages then
    show their fallbacks: a broken config is for the crawl and `health` to report, not for every page)."""
    try:
        return place_names(load_site_configs(directory))
    except SiteConfigError:
        return PlaceNames()
