"""The fictional competitors' sites: which pages they have and which ad slots each page holds.

Every slot names the one container (an element id or class) its CSS selector in
`config/demo-sites/<site>.yaml` relies on. The fixture server renames that container to simulate a
competitor's layout change (`FixtureServer.fail(path, "empty-slot")`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

LOGO = (150, 60)
TOP_BANNER = (990, 60)
FOCUS_BANNER = (322, 173)


@dataclass(frozen=True)
class Site:
    name: str
    display_name: str
    own_host: str  # the competitor's own production host, used by its house ads


@dataclass(frozen=True)
class SlotSpec:
    name: str
    kind: Literal["logo", "banner"]
    container: str
    size: tuple[int, int]


@dataclass(frozen=True)
class PageSpec:
    site: str
    key: str
    path: str
    template: str
    title: str
    slots: tuple[SlotSpec, ...]
    kind: Literal["homepage", "section"] = "section"
    encoding: str = "utf-8"
    browser: bool = False

    def slot(self, name: str) -> SlotSpec:
        """The slot called `name`; KeyError when the page has none."""
        for slot in self.slots:
            if slot.name == name:
                return slot
        raise KeyError(f"page {self.site}/{self.key} has no slot {name!r}")


SITES: dict[str, Site] = {
    "jobhub": Site("jobhub", "职汇网", "www.jobhub.example"),
    "qiancheng": Site("qiancheng", "前程无界", "www.qiancheng.example"),
    "gouzhi": Site("gouzhi", "勾职网", "www.gouzhi.example"),
    "feizhi": Site("feizhi", "飞职网", "www.feizhi.example"),
}

PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "jobhub",
        "home",
        "/jobhub/",
        "jobhub/home.html",
        "职汇网-招聘求职找工作，上职汇网",
        (
            SlotSpec("top_banner", "banner", "topBanner", TOP_BANNER),
            SlotSpec("slider", "banner", "slider1", FOCUS_BANNER),
            SlotSpec("logo8in1", "logo", "ad8in1", LOGO),
            SlotSpec("logo16in1", "logo", "ad16in1", LOGO),
        ),
        kind="homepage",
    ),
    PageSpec(
        "jobhub",
        "campus",
        "/jobhub/campus/",
        "jobhub/campus.html",
        "校园招聘专区-职汇网",
        (
            SlotSpec("campus_focus", "banner", "campusFocus", FOCUS_BANNER),
            SlotSpec("campus_logos", "logo", "campusLogos", LOGO),
        ),
    ),
    PageSpec(
        "jobhub",
        "it",
        "/jobhub/industry/it/",
        "jobhub/it.html",
        "IT·互联网行业专区-职汇网",
        (SlotSpec("it_logos", "logo", "itZoneLogos", LOGO),),
    ),
    PageSpec(
        "qiancheng",
        "home",
        "/qiancheng/",
        "qiancheng/home.html",
        "前程无界-招聘网_人才网_找工作_求职",
        (
            SlotSpec("famous", "logo", "famous", LOGO),
            SlotSpec("banner_row", "banner", "bannerb", FOCUS_BANNER),
        ),
        kind="homepage",
    ),
    PageSpec(
        "qiancheng",
        "finance",
        "/qiancheng/zone/finance.html",
        "qiancheng/finance.html",
        "【金融行业招聘，求职】-前程无界",
        (SlotSpec("companyads", "logo", "banner_ads", LOGO),),
        encoding="gbk",
    ),
    PageSpec(
        "gouzhi",
        "home",
        "/gouzhi/",
        "gouzhi/home.html",
        "勾职网-互联网人的招聘平台",
        (
            SlotSpec("home_banner", "banner", "home_banner", FOCUS_BANNER),
            SlotSpec("company_logos", "logo", "company_list", LOGO),
        ),
        kind="homepage",
    ),
    PageSpec(
        "gouzhi",
        "shanghai",
        "/gouzhi/shanghai/",
        "gouzhi/city.html",
        "上海站-勾职网",
        (
            SlotSpec("city_banner", "banner", "city_banner", FOCUS_BANNER),
            SlotSpec("city_logos", "logo", "city_companies", LOGO),
        ),
    ),
    PageSpec(
        "feizhi",
        "home",
        "/feizhi/",
        "feizhi/page.html",
        "飞职网-好工作，飞一般找到",
        (
            SlotSpec("carousel", "banner", "fz_carousel", FOCUS_BANNER),
            SlotSpec("logo_wall", "logo", "fz_logos", LOGO),
        ),
        kind="homepage",
        browser=True,
    ),
    PageSpec(
        "feizhi",
        "campus",
        "/feizhi/campus/",
        "feizhi/page.html",
        "校园招聘专区-飞职网",
        (
            SlotSpec("carousel", "banner", "fz_carousel", FOCUS_BANNER),
            SlotSpec("logo_wall", "logo", "fz_logos", LOGO),
        ),
        browser=True,
    ),
)

PAGES_BY_PATH: dict[str, PageSpec] = {page.path: page for page in PAGES}


def page_spec(site: str, key: str) -> PageSpec:
    """The page `key` of `site`; KeyError when there is none."""
    for page in PAGES:
        if page.site == site and page.key == key:
            return page
    raise KeyError(f"no demo page {site}/{key}")
