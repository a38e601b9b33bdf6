"""Read the ads out of a page: pure functions over HTML text and a site config (no Scrapy, no database).

Everything read here comes from a competitor's page and is untrusted: values are kept as plain text,
never parsed again as markup, and capped to the sizes the database stores.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import cssselect
import lxml.html
from cssselect import HTMLTranslator
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.etree import XPath, XPathError

from monitor.core.siteconfig import CompanyIdRule, HouseAdRules, PageConfig, SiteConfig, SlotConfig

# Column sizes of models.capture.Sighting / models.matching.Advertiser.
MAX_URL_LENGTH = 2000
MAX_ADVERTISER_LENGTH = 500
MAX_COMPANY_ID_LENGTH = 200

_INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template"})
_WHITESPACE = re.compile(r"\s+")
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Browsers read these labels as a superset encoding; so do we (GBK pages often contain GB18030 bytes).
_ENCODING_ALIASES = {
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class SelectorError(ValueError):
    """A slot selector that does not compile; the message names the slot."""


@dataclass(frozen=True)
class ExtractedAd:
    """One ad as read from the page, before any matching."""

    slot: str
    kind: str
    position: int  # 1-based within the slot, in document order
    advertiser: str  # cleaned by the site's rules, whitespace folded
    text: str  # the advertiser text exactly as found
    link: str | None
    image: str | None
    company_id: str | None
    is_house_ad: bool

    def record(self) -> dict[str, object]:
        """The ad as `rivalwatch extract` prints it (one JSON object per line)."""
        return {
            "slot": self.slot,
            "kind": self.kind,
            "position": self.position,
            "advertiser": self.advertiser,
            "text": self.text,
            "link": self.link,
            "image": self.image,
            "company_id": self.company_id,
            "house_ad": self.is_house_ad,
        }


@dataclass(frozen=True)
class SlotExtraction:
    slot: str
    kind: str
    found: bool  # the selector matched at least one element
    ads: list[ExtractedAd] = field(default_factory=list)


@dataclass(frozen=True)
class PageExtraction:
    slots: list[SlotExtraction]

    @property
    def ads(self) -> list[ExtractedAd]:
        return [ad for slot in self.slots for ad in slot.ads]

    def slot(self, name: str) -> SlotExtraction:
        for result in self.slots:
            if result.slot == name:
                return result
        raise KeyError(name)


# --- decoding --------------------------------------------------------------------------------------


def normalize_encoding(label: str | None) -> str | None:
    """The Python codec for an encoding label, widened the way browsers do; None if unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        name = label.strip().lower()
        if name not in _ENCODING_ALIASES:
            return None
    return _ENCODING_ALIASES.get(name, name)


def meta_charset(body: bytes) -> str | None:
    """The charset a page declares in a <meta> tag within its first 4 KiB, if any."""
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii") if match else None


def decode_page(body: bytes, declared: str | None, http_charset: str | None) -> str:
    """Page bytes as text: config encoding > BOM > HTTP header > <meta> > UTF-8, else GB18030."""
    bom_encoding = next((name for bom, name in _BOMS if body.startswith(bom)), None)
    meta = normalize_encoding(meta_charset(body))
    if meta == "utf-16":  # a <meta> read as ASCII cannot truthfully say UTF-16
        meta = "utf-8"
    for encoding in (normalize_encoding(declared), bom_encoding, normalize_encoding(http_charset), meta):
        if encoding:
            return body.decode(encoding, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030", errors="replace")


# --- selecting -------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _compile(css: str | None, xpath: str | None) -> XPath:
    if css is not None:
        return CSSSelector(css, translator="html")
    assert xpath is not None
    return XPath(xpath)


def compile_slot(slot: SlotConfig) -> XPath:
    """The slot's selector, compiled; a bad one raises SelectorError naming the slot."""
    try:
        return _compile(slot.css, slot.xpath)
    except (XPathError, cssselect.SelectorError, SyntaxError, ValueError) as exc:
        which = f"css {slot.css!r}" if slot.css is not None else f"xpath {slot.xpath!r}"
        raise SelectorError(f"slot {slot.name!r}: invalid {which}: {exc}") from exc


def compile_css(css: str, what: str) -> XPath:
    """A CSS selector used inside an ad's item; a bad one raises SelectorError naming `what`."""
    try:
        return _compile(css, None)
    except (cssselect.SelectorError, SyntaxError, ValueError) as exc:
        raise SelectorError(f"{what}: invalid css {css!r}: {exc}") from exc


def _slot_sources(slot: SlotConfig) -> list[str]:
    return [*slot.advertiser, *slot.link, *slot.image, *(rule.source for rule in slot.company_id)]


def check_slot(slot: SlotConfig) -> None:
    """Compile the slot's selector, its `item` selector and every `css:` source."""
    compile_slot(slot)
    if slot.item is not None:
        try:
            _compile_self_test(slot.item)
        except SelectorError as exc:
            raise SelectorError(f"slot {slot.name!r}: {exc}") from None
    for source in _slot_sources(slot):
        if source.startswith("css:"):
            compile_css(split_css_source(source)[0], f"slot {slot.name!r}: source {source!r}")


def check_selectors(site: SiteConfig) -> None:
    """Compile every selector of a site, so a typo fails at start and not on the day's page."""
    for page in site.pages:
        for slot in page.slots:
            try:
                check_slot(slot)
            except SelectorError as exc:
                raise SelectorError(f"site {site.name!r}, page {page.key!r}: {exc}") from None


def parse_html(html: str) -> etree._Element | None:
    """The document tree, or None when there is nothing to parse."""
    cleaned = _XML_DECLARATION.sub("", html.replace("\x00", ""), count=1)
    if not cleaned.strip():
        return None
    try:
        return lxml.html.document_fromstring(cleaned)
    except (etree.ParserError, ValueError):
        return None


def select_elements(root: etree._Element, slot: SlotConfig) -> list[etree._Element]:
    """The slot's ad elements in document order (xpath results that are not elements are ignored)."""
    try:
        matches = compile_slot(slot)(root)
    except XPathError as exc:
        raise SelectorError(f"slot {slot.name!r}: {exc}") from exc
    if not isinstance(matches, list):
        return []
    return [node for node in matches if isinstance(node, etree._Element) and isinstance(node.tag, str)]


# --- reading values --------------------------------------------------------------------------------


def fold_whitespace(text: str) -> str:
    return _WHITESPACE.sub(" ", _ZERO_WIDTH.sub("", text)).strip()


def visible_text(element: etree._Element) -> str:
    """The element's text without scripts, styles or comments, whitespace folded."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if isinstance(node.tag, str) and node.tag.lower() not in _INVISIBLE_TAGS:
            parts.append(node.text or "")
            for child in node:
                walk(child)
                parts.append(child.tail or "")

    walk(element)
    return fold_whitespace(" ".join(parts))


def _attribute(element: etree._Element, name: str) -> str | None:
    """`name` on the element, else on its first descendant that has it non-empty."""
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        value = node.get(name)
        if value is not None and value.strip():
            return value
    return None


def _nearest_anchor_href(element: etree._Element) -> str | None:
    for ancestor in element.iterancestors("a", "A"):
        value = ancestor.get("href")
        if value and value.strip():
            return value
    return None


def split_css_source(source: str) -> tuple[str, str]:
    """`css:SELECTOR@NAME` as (SELECTOR, NAME); the last `@` separates them."""
    selector, _, name = source.removeprefix("css:").rpartition("@")
    return selector, name


def ad_item(element: etree._Element, item_css: str | None) -> etree._Element:
    """The element `css:` sources look in: the closest ancestor-or-self matching `item_css`; without
    `item_css`, the parent. Falls back to the element itself."""
    if item_css is None:
        parent = element.getparent()
        return parent if parent is not None else element
    is_item = _compile_self_test(item_css)
    for candidate in (element, *element.iterancestors()):
        if is_item(candidate):
            return candidate
    return element


@lru_cache(maxsize=128)
def _compile_self_test(css: str) -> XPath:
    """An XPath that, evaluated on an element, yields it when it matches `css` (nothing otherwise)."""
    try:
        return XPath(HTMLTranslator().css_to_xpath(css, prefix="self::"))
    except (XPathError, cssselect.SelectorError, SyntaxError, ValueError) as exc:
        raise SelectorError(f"item: invalid css {css!r}: {exc}") from exc


def _neighbour_value(element: etree._Element, source: str, item_css: str | None) -> str | None:
    selector, name = split_css_source(source)
    compiled = compile_css(selector, f"source {source!r}")
    for node in compiled(ad_item(element, item_css)):
        if not isinstance(node, etree._Element) or not isinstance(node.tag, str):
            continue
        value = visible_text(node) if name == "text" else node.get(name)
        if value is not None and value.strip():
            return value
    return None


def read_source(element: etree._Element, source: str, item_css: str | None = None) -> str | None:
    """One source's value for an ad element, as found on the page (None if absent or empty).

    `item_css` is the slot's `item` selector, used by `css:SELECTOR@NAME` sources only.
    """
    if source == "text":
        return visible_text(element) or None
    if source == "href":
        return _attribute(element, "href") or _nearest_anchor_href(element)
    if source.startswith("css:"):
        return _neighbour_value(element, source, item_css)
    name = source.removeprefix("attr:")
    return _attribute(element, name)


def absolute_url(value: str | None, base: str) -> str | None:
    """An http(s) URL resolved against the page; anything else (javascript:, data:, junk) is None."""
    if value is None:
        return None
    candidate = value.strip()
    if not candidate:
        return None
    try:
        resolved = urljoin(base, candidate)
        scheme = urlsplit(resolved).scheme
    except ValueError:
        return None
    if scheme not in ("http", "https") or len(resolved) > MAX_URL_LENGTH:
        return None
    return resolved


def first_value(element: etree._Element, sources: list[str], item_css: str | None = None) -> str | None:
    for source in sources:
        value = read_source(element, source, item_css)
        if value is not None and value.strip():
            return value
    return None


def first_url(
    element: etree._Element, sources: list[str], base: str, item_css: str | None = None
) -> str | None:
    for source in sources:
        url = absolute_url(read_source(element, source, item_css), base)
        if url:
            return url
    return None


def strip_until_stable(text: str, patterns: list[re.Pattern[str]]) -> str:
    """`text` with whitespace folded and the patterns removed, again and again until nothing changes."""
    cleaned = fold_whitespace(text)
    for _ in range(10):
        previous = cleaned
        for pattern in patterns:
            cleaned = fold_whitespace(pattern.sub("", cleaned))
        if cleaned == previous:
            break
    return cleaned


def clean_advertiser(text: str, patterns: list[re.Pattern[str]]) -> str:
    """Strip the site's decorations (rotation prefixes, 招聘信息 suffixes…) until nothing changes."""
    return strip_until_stable(text, patterns)[:MAX_ADVERTISER_LENGTH]


def company_id(
    element: etree._Element, rules: list[CompanyIdRule], item_css: str | None = None
) -> str | None:
    """The competitor's own id for the advertiser: the first rule whose pattern matches its source."""
    for rule in rules:
        value = read_source(element, rule.source, item_css)
        if value is None:
            continue
        match = re.search(rule.pattern, value)
        if match and match.group(1) and len(match.group(1)) <= MAX_COMPANY_ID_LENGTH:
            return match.group(1)
    return None


def _host_matches(host: str, listed: str) -> bool:
    listed = listed.lower().lstrip(".")
    return host == listed or host.endswith("." + listed)


def is_house_ad(rules: HouseAdRules, advertiser: str, raw_text: str, link: str | None) -> bool:
    """The competitor's own promotion: matched on the text (raw or cleaned), the link host or the link."""
    if not advertiser and rules.empty_text_is_house:
        return True
    if any(re.search(p, advertiser) or re.search(p, raw_text) for p in rules.advertiser_patterns):
        return True
    if link:
        host = (urlsplit(link).hostname or "").lower()
        if any(_host_matches(host, listed) for listed in rules.link_hosts):
            return True
        if any(re.search(p, link) for p in rules.link_patterns):
            return True
    return False


# --- the page --------------------------------------------------------------------------------------


def document_base(root: etree._Element, url: str) -> str:
    """The URL relative links resolve against: <base href> if the page has one, else the page URL."""
    for base in root.iter("base"):
        href = base.get("href")
        if href and href.strip():
            return urljoin(url, href.strip())
    return url


def read_ad(
    element: etree._Element, slot: SlotConfig, position: int, site: SiteConfig, base: str
) -> ExtractedAd:
    raw_text = first_value(element, slot.advertiser, slot.item) or ""
    advertiser = clean_advertiser(raw_text, site.cleanup.patterns())
    link = first_url(element, slot.link, base, slot.item)
    return ExtractedAd(
        slot=slot.name,
        kind=slot.kind,
        position=position,
        advertiser=advertiser,
        text=raw_text,
        link=link,
        image=first_url(element, slot.image, base, slot.item),
        company_id=company_id(element, slot.company_id, slot.item),
        is_house_ad=is_house_ad(site.house_ads, advertiser, raw_text, link),
    )


def extract_slot(
    root: etree._Element | None, slot: SlotConfig, site: SiteConfig, base: str
) -> SlotExtraction:
    elements = select_elements(root, slot) if root is not None else []
    ads = [read_ad(element, slot, index, site, base) for index, element in enumerate(elements, start=1)]
    return SlotExtraction(slot=slot.name, kind=slot.kind, found=bool(elements), ads=ads)


def extract_ads(html: str, site: SiteConfig, page: PageConfig, url: str) -> PageExtraction:
    """Every configured slot of `page` read from `html` (fetched from `url`)."""
    root = parse_html(html)
    base = document_base(root, url) if root is not None else url
    return PageExtraction(slots=[extract_slot(root, slot, site, base) for slot in page.slots])
