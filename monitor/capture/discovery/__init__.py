"""Find ad slots on a competitor page that has no site config yet: pure functions over HTML text.

An ad slot is a group of repeated links to employers inside one container: logo walls, banner rows,
sponsored text lists. Links are grouped by their path of tags, ids and classes; each group is scored on
ad-click markers (`AdsClick`, `adid`, `cid`, `data-ad*`), typical banner/logo sizes, links to company
pages, and names that look like companies. Page furniture (the site's own logo, QR codes, loading
images, navigation, articles and job cards) is skipped.

Every discovered slot is turned into a `SlotConfig` and read back with `spiders.extract`, so the ads
reported here are exactly what `extract_ads` returns for the suggested site config.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urljoin, urlsplit

import yaml
from lxml import etree
from lxml.cssselect import CSSSelector

from monitor.core.siteconfig import (
    DEFAULT_CLEANUP_PATTERNS,
    CleanupConfig,
    CompanyIdRule,
    HouseAdRules,
    PageConfig,
    SiteConfig,
    SlotConfig,
)
from spiders.extract import (
    ExtractedAd,
    document_base,
    extract_slot,
    first_value,
    fold_whitespace,
    parse_html,
    read_source,
    visible_text,
)

MIN_CONFIDENCE = 0.45
ADVERTISER_SOURCES = ("alt", "title", "text")

# Cleanup added to a suggested config only when it changed a name on the page.
SLOGAN_PATTERN = r"\s+(诚聘|急聘|热招|高薪诚聘)\s.*$"  # "华翔集团-宁波井上华翔 诚聘 技术 销售人才"
URL_TEXT_PATTERN = r"^\s*(https?://|www\.)\S*\s*$"
HOUSE_KEYWORD_PATTERN = "站内推广"

TYPICAL_BANNER_SIZES = frozenset(
    {(990, 50), (990, 60), (990, 90), (990, 100), (322, 173), (840, 346), (1200, 100), (728, 90)}
)
TYPICAL_LOGO_SIZES = frozenset(
    {(150, 60), (120, 60), (180, 60), (226, 60), (322, 53), (655, 53), (100, 50), (160, 60), (88, 31)}
)

_AD_CLICK = re.compile(r"adsclick|adclick|ad_click|clickad", re.IGNORECASE)
_AD_BOARD = re.compile(r"AdsClick\((\d+)\s*,")
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
_JOB_LINK = re.compile(r"/jobs?/\d+|//jobs\.|/job/|/position/\d+|/zhiwei/", re.IGNORECASE)
_ARTICLE_LINK = re.compile(r"/(arts?|news|article|articles|zixun|blog|bbs)/", re.IGNORECASE)
_QR = re.compile(r"qr|erweima|二维码|weixin|wechat|扫码|code/", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"loading|blank\.gif|spacer|grey\.gif|pixel|1x1|transparent|info_new|new\.png", re.IGNORECASE
)
_URL_LIKE = re.compile(r"^(https?:|//|www\.)|\.(com|cn|net|html?|png|jpe?g|gif)\b", re.IGNORECASE)
_GENERIC_NAME = re.compile(
    r"^(公司)?(logo|图片|图标|banner|广告|image|img|pic|picture|photo|icon|更多|more|查看|点击|详情|"
    r"app ?download|app下载|下载|官方微信|微信|微博|首页|登录|注册|返回顶部|回到顶部|意见反馈|"
    r"面试评价|在招职位|简历处理率|招聘|求职|找工作|企业服务)$",
    re.IGNORECASE,
)
_COMPANY_WORD = re.compile(
    r"公司|集团|银行|科技|股份|有限|控股|保险|证券|基金|信托|医药|制药|医疗|教育|实业|事务所|网络|信息|技术|"
    r"电子|汽车|地产|置业|置地|物流|速运|快递|航空|能源|食品|传媒|咨询|电器|通信|资本|研究院|学院|大学|"
    r"医院|酒店|商贸|贸易|工程|建设|设计|互娱|游戏|数据|智能|软件|金融|文化|娱乐|咖啡|中心|Inc\b|Ltd\b|"
    r"Co\.|Corp|Group|Bank|Tech|Biotech|Consulting",
    re.IGNORECASE,
)
_JOB_TITLE = re.compile(
    r"(工程师|经理|专员|助理|主管|总监|代表|开发|实习生|管培生|操作员|技术员|督导|顾问|文员|设计师|"
    r"分析师|会计|出纳|司机|普工|店长|客服|教师|老师)$"
)
_SENTENCE = re.compile(r"[，。！？!?；]")
_CLASS_ITEM_SUFFIX = re.compile(r"[-_]\d+$")
_STABLE_ID = re.compile(r"^[A-Za-z][-A-Za-z0-9_]*$")
_LONG_DIGITS = re.compile(r"\d{4,}")
_SLUG = re.compile(r"[^a-z0-9]+")


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
class _PageContext:
    url: str
    base: str
    host: str
    domain_label: str | None  # "zhaopin" for www.zhaopin.com; None for IP hosts and localhost
    brands: frozenset[str]  # the site's own names (site-logo text/alt, <title> segments)


@dataclass
class _Group:
    anchors: list[etree._Element]
    signature: tuple[str, ...]


# --- names -------------------------------------------------------------------------------------------


def default_cleanup() -> list[re.Pattern[str]]:
    """The cleanup every site config applies by default (monitor.core.siteconfig.DEFAULT_CLEANUP_PATTERNS)."""
    return [re.compile(pattern) for pattern in DEFAULT_CLEANUP_PATTERNS]


def _clean(text: str, strip: Iterable[str] = ()) -> str:
    cleaned = fold_whitespace(text)
    patterns = default_cleanup() + [re.compile(p) for p in strip]
    for _ in range(10):
        previous = cleaned
        for pattern in patterns:
            cleaned = fold_whitespace(pattern.sub("", cleaned))
        if cleaned == previous:
            break
    return cleaned


def is_generic_name(name: str) -> bool:
    """A value that names no one: `公司logo`, `图片`, `banner`, a URL used as alt text, digits only."""
    folded = fold_whitespace(name)
    if not folded:
        return True
    if _GENERIC_NAME.match(folded) or _URL_LIKE.search(folded):
        return True
    return sum(ch.isdigit() or ch in "%+-.,·/" for ch in folded) * 2 >= len(folded)


def company_likeness(name: str) -> float:
    """How much a cleaned name looks like an employer's: 1 for 某某有限公司, 0 for `logo` or a job title."""
    folded = fold_whitespace(name)
    if is_generic_name(folded):
        return 0.0
    if len(folded) > 40 or _SENTENCE.search(folded):
        return 0.1
    if _COMPANY_WORD.search(folded):
        return 1.0
    if _JOB_TITLE.search(folded):
        return 0.1
    has_cjk = any("\u4e00" <= ch <= "\u9fff" for ch in folded)
    if has_cjk and 2 <= len(folded) <= 14:
        return 0.6
    if not has_cjk and re.search(r"[A-Za-z]{2,}", folded) and len(folded) <= 40:
        return 0.6 if re.search(r"[A-Z0-9]", folded) else 0.3
    return 0.2


# --- the page ----------------------------------------------------------------------------------------


def _domain_label(host: str) -> str | None:
    if not host or host == "localhost" or re.fullmatch(r"[\d.]+|\[[0-9a-f:]+\]", host):
        return None
    parts = [p for p in host.split(".") if p not in ("www", "com", "cn", "net", "org", "example")]
    return parts[-1] if parts and len(parts[-1]) >= 3 else None


def _is_site_root(link: str | None, context: _PageContext) -> bool:
    if not link:
        return False
    parts = urlsplit(link)
    own = urlsplit(context.url)
    if (parts.hostname or "") != context.host:
        label = context.domain_label
        return bool(label) and (parts.hostname or "").endswith(f"{label}.com") and parts.path in ("", "/")
    return parts.path in ("", "/") or parts.path.rstrip("/") == own.path.rstrip("/")


def _brands(root: etree._Element, context_url: str, host: str) -> frozenset[str]:
    names: set[str] = set()
    for title in root.iter("title"):
        for segment in re.split(r"[-_|，,·—\s]+", visible_text(title)):
            if 2 <= len(segment) <= 8 and not _GENERIC_NAME.match(segment) and "招聘" not in segment:
                names.add(segment.removeprefix("上"))
    for element in root.iter("a", "span", "div", "img"):
        classes = (element.get("class") or "") + " " + (element.get("id") or "")
        if re.search(r"logo", classes, re.IGNORECASE) and not re.search(r"company|list", classes, re.I):
            text = element.get("alt") or visible_text(element)
            if 2 <= len(text) <= 12:
                names.add(text)
    context = _PageContext(context_url, context_url, host, _domain_label(host), frozenset())
    for anchor in root.iter("a"):
        link = urljoin(context_url, anchor.get("href") or "")
        if anchor.get("href") and _is_site_root(link, context):
            text = first_value(anchor, ["alt", "title", "text"]) or ""
            if 2 <= len(text) <= 12 and not _GENERIC_NAME.match(text):
                names.add(text)
    return frozenset(n for n in names if n.strip())


def _context(root: etree._Element, url: str) -> _PageContext:
    base = document_base(root, url)
    host = (urlsplit(url).hostname or "").lower()
    return _PageContext(url, base, host, _domain_label(host), _brands(root, url, host))


# --- candidate links ----------------------------------------------------------------------------------


def _int_attribute(element: etree._Element, name: str) -> int | None:
    value = element.get(name) or ""
    match = re.match(r"\s*(\d+)", value)
    return int(match.group(1)) if match else None


def _image(anchor: etree._Element) -> etree._Element | None:
    for node in anchor.iter("img"):
        return node
    return None


def _image_size(anchor: etree._Element) -> tuple[int, int] | None:
    image = _image(anchor)
    if image is None:
        return None
    width, height = _int_attribute(image, "width"), _int_attribute(image, "height")
    if width is None or height is None:
        return None
    return (width, height)


def _image_url(anchor: etree._Element) -> str:
    image = _image(anchor)
    if image is None:
        return ""
    for name in ("data-src", "data-original", "lazy_src", "lazy-src", "src"):
        value = image.get(name)
        if value and value.strip():
            return value
    return ""


def _has_ad_marker(anchor: etree._Element) -> bool:
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
    return nofollow and _image(anchor) is not None


def _is_furniture(anchor: etree._Element, context: _PageContext) -> bool:
    """The site's own logo, QR codes, loading images, navigation, job and article links."""
    href = (anchor.get("href") or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return True
    link = urljoin(context.base, href)
    if urlsplit(link).scheme not in ("http", "https"):
        return True
    if _is_site_root(link, context) and not _has_ad_marker(anchor):
        return True
    if _JOB_LINK.search(link) or _ARTICLE_LINK.search(link):
        return True
    image = _image(anchor)
    if image is not None:
        described = " ".join(image.get(n) or "" for n in ("src", "alt", "class", "id", "data-src"))
        if _QR.search(described) or _QR.search(anchor.get("class") or ""):
            return True
        size = _image_size(anchor)
        if size is not None and (size[0] <= 2 or size[1] <= 2):
            return True
        if _PLACEHOLDER.search(_image_url(anchor)):
            return True
    elif not visible_text(anchor):
        return True
    return False


# --- grouping -----------------------------------------------------------------------------------------


def _level(element: etree._Element) -> str:
    tag = element.tag.lower() if isinstance(element.tag, str) else "?"
    element_id = element.get("id") or ""
    id_part = f"#{element_id}" if element_id and not _LONG_DIGITS.search(element_id) else ""
    classes = sorted({_CLASS_ITEM_SUFFIX.sub("", c) for c in (element.get("class") or "").split()})
    return tag + id_part + "".join(f".{c}" for c in classes)


def _signature(anchor: etree._Element) -> tuple[str, ...]:
    chain = [_level(anchor)]
    for ancestor in anchor.iterancestors():
        if ancestor.tag in ("body", "html"):
            break
        chain.append(_level(ancestor))
    return tuple(chain)


def _lowest_common_ancestor(elements: list[etree._Element]) -> etree._Element:
    paths = [[*reversed(list(e.iterancestors())), e] for e in elements]
    common = paths[0][0]
    for level in zip(*paths, strict=False):
        if all(node is level[0] for node in level):
            common = level[0]
        else:
            break
    return common


def _depth(element: etree._Element) -> int:
    return sum(1 for _ in element.iterancestors())


def _mergeable(first: _Group, second: _Group) -> bool:
    """Sibling lists that differ only in a class (51job's ul.list_left / ul.list_center)."""
    a, b = first.signature, second.signature
    if len(a) != len(b) or a[0] != b[0]:
        return False
    if any(x.split(".")[0] != y.split(".")[0] for x, y in zip(a, b, strict=True)):
        return False
    own = max(_depth(_lowest_common_ancestor(first.anchors)), _depth(_lowest_common_ancestor(second.anchors)))
    union = _depth(_lowest_common_ancestor(first.anchors + second.anchors))
    return own - 3 <= union < own


def _groups(anchors: list[etree._Element]) -> list[_Group]:
    by_signature: dict[tuple[str, ...], list[etree._Element]] = {}
    for anchor in anchors:
        by_signature.setdefault(_signature(anchor), []).append(anchor)
    groups = [_Group(members, signature) for signature, members in by_signature.items()]
    merged: list[_Group] = []
    for group in groups:
        for target in merged:
            if _mergeable(target, group):
                target.anchors.extend(group.anchors)
                break
        else:
            merged.append(group)
    for group in merged:
        order = {id(node): index for index, node in enumerate(anchors)}
        group.anchors.sort(key=lambda node: order[id(node)])
    return merged


# --- selectors ----------------------------------------------------------------------------------------


def _common_classes(elements: list[etree._Element]) -> list[str]:
    sets = [set((e.get("class") or "").split()) for e in elements]
    common = set.intersection(*sets) if sets else set()
    return sorted(c for c in common if re.fullmatch(r"[A-Za-z_][-A-Za-z0-9_]*", c))


def _simple(elements: list[etree._Element]) -> str:
    tags = {e.tag for e in elements}
    tag = next(iter(tags)) if len(tags) == 1 else "*"
    return tag + "".join(f".{c}" for c in _common_classes(elements))


def _unique_in(root: etree._Element, selector: str) -> bool:
    try:
        return len(CSSSelector(selector, translator="html")(root)) == 1
    except Exception:  # noqa: BLE001 - a selector we cannot compile is simply not a candidate
        return False


def _container_selectors(root: etree._Element, container: etree._Element) -> list[tuple[str, etree._Element]]:
    """Ways to name the container: a stable id close by, else a class unique on the page, nearest first."""
    nodes = [node for node in [container, *container.iterancestors()] if node.tag not in ("body", "html")]
    found: list[tuple[str, etree._Element]] = []
    for index, node in enumerate(nodes):
        element_id = node.get("id") or ""
        stable = bool(element_id) and _STABLE_ID.match(element_id) and not _LONG_DIGITS.search(element_id)
        if stable and _unique_in(root, f"#{element_id}"):
            found.append((f"#{element_id}", node))
        for css_class in sorted((node.get("class") or "").split(), key=len, reverse=True):
            if not re.fullmatch(r"[A-Za-z_][-A-Za-z0-9_]*", css_class) or _CLASS_ITEM_SUFFIX.search(
                css_class
            ):
                continue
            if _unique_in(root, f"{node.tag}.{css_class}"):
                found.append((f"{node.tag}.{css_class}", node))
                break
        if len(found) >= 3 or (found and index >= 3):
            break
    # An id within three levels beats a nearer class; otherwise nearest first.
    return sorted(
        found, key=lambda item: not item[0].startswith("#") or _depth(container) - _depth(item[1]) > 2
    )


def _path_below(anchor: etree._Element, top: etree._Element) -> list[etree._Element]:
    path = [anchor]
    for ancestor in anchor.iterancestors():
        if ancestor is top:
            break
        path.append(ancestor)
    return list(reversed(path))


def _level_parts(anchors: list[etree._Element], top: etree._Element) -> list[str] | None:
    paths = [_path_below(a, top) for a in anchors]
    if len({len(p) for p in paths}) != 1:
        return None
    return [_simple([p[i] for p in paths]) for i in range(len(paths[0]))]


def _candidate_selectors(root: etree._Element, anchors: list[etree._Element]) -> list[str]:
    """Short, stable selectors first (`#famous li a.font_show`), child-combinator paths last."""
    anchor_part = _simple(anchors)
    container = _lowest_common_ancestor(anchors) if len(anchors) > 1 else anchors[0].getparent()
    options = _container_selectors(root, container) if container is not None else []
    short: list[str] = []
    long: list[str] = []
    for prefix, top in options:
        levels = _level_parts(anchors, top)
        if levels is not None and len(levels) >= 2:
            short.append(f"{prefix} {levels[-2]} {anchor_part}")
        short.append(f"{prefix} {anchor_part}")
        if levels is not None:
            long.append(" > ".join([prefix, *levels]))
    boards = {m.group(1) for a in anchors if (m := _AD_BOARD.search(a.get("onmousedown") or ""))}
    if len(boards) == 1 and all(_AD_BOARD.search(a.get("onmousedown") or "") for a in anchors):
        short.append(f'a[onmousedown*="AdsClick({boards.pop()},"]')
    body = next(iter(root.iter("body")), root)
    levels = _level_parts(anchors, body)
    if levels is not None:
        long.append(" > ".join(["body", *levels]))
    return short + long


def _best_selector(root: etree._Element, anchors: list[etree._Element]) -> str | None:
    """The first candidate selecting exactly the group, else the one selecting the fewest others."""
    wanted = {id(a) for a in anchors}
    best: tuple[int, str] | None = None
    for candidate in _candidate_selectors(root, anchors):
        try:
            selected = {id(node) for node in CSSSelector(candidate, translator="html")(root)}
        except Exception:  # noqa: BLE001 - skip a candidate that does not compile
            continue
        if not wanted <= selected:
            continue
        extra = len(selected - wanted)
        if extra == 0:
            return candidate
        if best is None or extra < best[0]:
            best = (extra, candidate)
    return best[1] if best is not None and best[0] <= len(anchors) // 2 else None


# --- scoring ------------------------------------------------------------------------------------------


def _container_hint(anchors: list[etree._Element], pattern: re.Pattern[str], levels: int = 6) -> bool:
    container = _lowest_common_ancestor(anchors) if len(anchors) > 1 else anchors[0]
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
        good = sum(company_likeness(_clean(v, [SLOGAN_PATTERN])) for v in values if v.strip())
        if good > 0:
            scores.append((-good, index, source))
    return [source for _, _, source in sorted(scores)] or ["alt", "title", "text"]


def _company_id_rules(anchors: list[etree._Element]) -> list[CompanyIdRule]:
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


def _kind(anchors: list[etree._Element]) -> Literal["logo", "banner"]:
    sizes = [s for s in (_image_size(a) for a in anchors) if s is not None]
    if not sizes:
        return "logo"
    width = sorted(w for w, _ in sizes)[len(sizes) // 2]
    height = sorted(h for _, h in sizes)[len(sizes) // 2]
    return "banner" if height >= 90 or width >= 800 else "logo"


_GENERIC_CLASS = frozenset(
    {"clearfix", "clear", "cn", "in", "wrapper", "container", "hidden", "adsbox", "wordcut"}
)


def _slot_name(css: str, kind: str, taken: set[str]) -> str:
    """A name from the selector's id or most telling class (`famous`, `ad16in1`), else from the ad board."""
    name = ""
    board = _AD_BOARD.search(css.replace('"', ""))
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


@dataclass(frozen=True)
class _Assessment:
    confidence: float
    evidence: list[str]
    sources: list[str]


def _assess(group: _Group, context: _PageContext) -> _Assessment | None:
    anchors = group.anchors
    count = len(anchors)
    with_image = sum(1 for a in anchors if _image(a) is not None)
    is_image_group = with_image * 2 > count
    markers = sum(1 for a in anchors if _has_ad_marker(a)) / count
    links = [urljoin(context.base, a.get("href") or "") for a in anchors]
    company_links = sum(1 for link in links if _COMPANY_LINK.search(link)) / count
    external = sum(1 for link in links if (urlsplit(link).hostname or "") != context.host) / count
    sizes = [_image_size(a) for a in anchors]
    typical = sum(1 for s in sizes if s in TYPICAL_BANNER_SIZES or s in TYPICAL_LOGO_SIZES) / count
    sources = _choose_sources(anchors)
    names = [_clean(first_value(a, sources) or "", [SLOGAN_PATTERN]) for a in anchors]
    named = [n for n in names if n and not is_generic_name(n) and not _is_house_name(n, context)]
    if not named:
        return None
    likeness = sum(company_likeness(n) for n in named) / len(named)
    distinct_links = len(set(links)) / count
    job_like = _container_hint(anchors, _JOB_TOKEN, levels=3) or any(
        a.getparent() is not None
        and any(_JOB_LINK.search(x.get("href") or "") for x in a.getparent().iter("a"))
        and not _has_ad_marker(a)
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
    return _Assessment(round(max(0.0, min(1.0, score)), 2), evidence, sources)


def _is_house_name(name: str, context: _PageContext) -> bool:
    if HOUSE_KEYWORD_PATTERN in name:
        return True
    lowered = name.lower()
    if context.domain_label and re.match(rf"^{re.escape(context.domain_label)}(\.com)?\b", lowered):
        return True
    return any(_starts_with_brand(name, brand) for brand in context.brands)


def _starts_with_brand(name: str, brand: str) -> bool:
    """`职汇网`, `职汇网IT频道`, `前程无界 校园招聘会`: the brand, then nothing that names a company."""
    if not name.startswith(brand):
        return False
    rest = name[len(brand) :].strip()
    return not rest or company_likeness(rest) < 1.0


# --- building the slots -------------------------------------------------------------------------------


def _house_rules(names: Iterable[str], context: _PageContext) -> HouseAdRules:
    patterns: list[str] = []
    for name in sorted(set(names)):
        if HOUSE_KEYWORD_PATTERN in name:
            pattern = HOUSE_KEYWORD_PATTERN
        elif context.domain_label and name.lower().startswith(context.domain_label):
            pattern = rf"^{re.escape(name)}$"
        else:
            brand = next((b for b in context.brands if _starts_with_brand(name, b)), name)
            pattern = rf"^{re.escape(brand)}"
        if pattern not in patterns:
            patterns.append(pattern)
    return HouseAdRules(advertiser_patterns=patterns)


def _cleanup(raw_values: Iterable[str]) -> CleanupConfig:
    strip: list[str] = []
    values = [v for v in raw_values if v]
    if any(re.search(SLOGAN_PATTERN, _clean(v)) for v in values):
        strip.append(SLOGAN_PATTERN)
    if any(re.match(URL_TEXT_PATTERN, v) for v in values):
        strip.append(URL_TEXT_PATTERN)
    for value in sorted({_clean(v) for v in values}):
        if value and is_generic_name(value) and not _URL_LIKE.search(value):
            pattern = rf"^{re.escape(value)}$"
            if pattern not in strip:
                strip.append(pattern)
    return CleanupConfig(strip=strip)


@dataclass(frozen=True)
class Discovery:
    """Everything discovered on one page: the slots and the site-wide rules they were read with."""

    slots: list[DiscoveredSlot]
    site: SiteConfig | None  # None when nothing was found


def _page_config(slots: list[tuple[SlotConfig, float, list[str]]], url: str) -> PageConfig:
    return PageConfig(key="home", url=url, kind="homepage", slots=[slot for slot, _, _ in slots])


def discover(html: str, url: str, name: str = "newsite") -> Discovery:
    """Discover the ad slots of a page and the site config that reads them."""
    root = parse_html(html)
    if root is None:
        return Discovery([], None)
    context = _context(root, url)
    anchors = [a for a in root.iter("a") if not _is_furniture(a, context)]
    proposals: list[tuple[_Group, _Assessment]] = []
    for group in _groups(anchors):
        assessment = _assess(group, context)
        if assessment is not None and assessment.confidence >= MIN_CONFIDENCE:
            proposals.append((group, assessment))
    proposals = _drop_duplicates(proposals, context)
    return _build(root, proposals, context, url, name)


def _drop_duplicates(
    proposals: list[tuple[_Group, _Assessment]], context: _PageContext
) -> list[tuple[_Group, _Assessment]]:
    """Of two groups linking to the same pages (a logo and its caption), keep the better-named one."""
    kept: list[tuple[_Group, _Assessment]] = []
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


def _build(
    root: etree._Element,
    proposals: list[tuple[_Group, _Assessment]],
    context: _PageContext,
    url: str,
    name: str,
) -> Discovery:
    taken: set[str] = set()
    slots: list[tuple[SlotConfig, float, list[str]]] = []
    raw_values: list[str] = []
    for group, assessment in proposals:
        css = _best_selector(root, group.anchors)
        if css is None:
            continue
        kind = _kind(group.anchors)
        slot = SlotConfig(
            name=_slot_name(css, kind, taken),
            kind=kind,
            css=css,
            advertiser=assessment.sources,
            company_id=_company_id_rules(group.anchors),
        )
        slots.append((slot, assessment.confidence, assessment.evidence))
        raw_values.extend(
            first_value(a, assessment.sources) or "" for a in CSSSelector(css, translator="html")(root)
        )
    if not slots:
        return Discovery([], None)
    cleanup = _cleanup(raw_values)
    house_names = [
        cleaned
        for value in raw_values
        if (cleaned := _clean(value, cleanup.strip)) and _is_house_name(cleaned, context)
    ]
    site = SiteConfig(
        name=name,
        display_name=name,
        base_url=url,
        cleanup=cleanup,
        house_ads=_house_rules(house_names, context),
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


def discover_ads(html: str, url: str) -> list[DiscoveredSlot]:
    """The ad-like slots found on a page without any site config, most confident first in page order."""
    return discover(html, url).slots


# --- output -------------------------------------------------------------------------------------------


def discovered_ads_as_json_lines(slots: list[DiscoveredSlot]) -> list[str]:
    """One JSON object per ad, with the keys `rivalwatch extract --site` prints."""
    import json

    return [json.dumps(ad.record(), ensure_ascii=False) for slot in slots for ad in slot.ads]


def suggest_site_config(html: str, url: str, name: str) -> str:
    """A site-config YAML for a new competitor, validated by `SiteConfig`, with each slot's confidence."""
    discovery = discover(html, url, name)
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


# --- evaluation ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiscoveryScore:
    """Discovered advertiser names against a hand-made list: recall, and the names nobody expected."""

    expected: int
    found: int  # expected names that were discovered
    junk: list[str]  # discovered names matching no expected name

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0


def comparable_name(name: str) -> str:
    """A name folded for comparison: NFKC (full-width brackets), case, spaces and punctuation removed."""
    import unicodedata

    folded = unicodedata.normalize("NFKC", name).lower()
    return re.sub(r"[\s()（）\[\]【】<>《》\"'“”‘’·.,，。:：;；!！?？&+_/\\-]", "", folded)


def same_advertiser(found: str, expected: str) -> bool:
    """Equal once folded, or one starts with the other (`厦门航空有限公司1`, a slogan left on)."""
    a, b = comparable_name(found), comparable_name(expected)
    if not a or not b:
        return False
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


def score_discovery(found: Iterable[str], expected: Iterable[str]) -> DiscoveryScore:
    """How many expected advertisers the discovered names cover, and which discovered names are junk."""
    found_names = sorted({name for name in found if name})
    expected_names = sorted(set(expected))
    hits = sum(1 for e in expected_names if any(same_advertiser(f, e) for f in found_names))
    junk = [f for f in found_names if not any(same_advertiser(f, e) for e in expected_names)]
    return DiscoveryScore(expected=len(expected_names), found=hits, junk=junk)
