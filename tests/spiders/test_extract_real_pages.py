"""The shipped site configs (config/sites/*.yaml) against real saved pages from ../shared/data/pages."""

from __future__ import annotations

import re

import pytest

from monitor.core.siteconfig import SiteConfig, load_site_config
from spiders.extract import PageExtraction, check_selectors, decode_page, extract_ads
from spiders.images import is_fetchable_creative_url
from tests.support.paths import REPO_ROOT, shared_data

SITES_DIR = REPO_ROOT / "config" / "sites"
# What an advertiser name must never look like: markup, decorations the cleanup should have removed.
JUNK = re.compile(r"[<>{}]|招聘信息$|^\d+\s*/\s*\d+|^\s|\s$|公司logo")


def site(name: str) -> SiteConfig:
    return load_site_config(SITES_DIR / f"{name}.yaml")


def saved_text(site_name: str, page_key: str, file_name: str) -> str:
    config = site(site_name)
    page = config.page(page_key)
    return decode_page(shared_data("pages", file_name).read_bytes(), page.encoding or config.encoding, None)


def extract_text(site_name: str, page_key: str, text: str) -> PageExtraction:
    config = site(site_name)
    page = config.page(page_key)
    return extract_ads(text, config, page, config.page_url(page))


def extract_saved(site_name: str, page_key: str, file_name: str) -> PageExtraction:
    return extract_text(site_name, page_key, saved_text(site_name, page_key, file_name))


def numbered(text: str, old: str, new: str) -> str:
    """`text` with each `old` replaced by `new` formatted with its 1-based occurrence number."""
    parts = text.split(old)
    return parts[0] + "".join(new.format(index) + part for index, part in enumerate(parts[1:], start=1))


def advertisers(result: PageExtraction, slot: str) -> list[str]:
    return [ad.advertiser for ad in result.slot(slot).ads if not ad.is_house_ad]


def assert_no_junk(result: PageExtraction) -> None:
    for ad in result.ads:
        assert not JUNK.search(ad.advertiser), ad
        assert ad.link is None or ad.link.startswith(("http://", "https://")), ad
        assert ad.image is None or ad.image.startswith(("http://", "https://")), ad


@pytest.mark.parametrize("name", ["zhaopin", "51job", "lagou"])
def test_shipped_site_configs_load_and_compile(name: str) -> None:
    check_selectors(site(name))


@pytest.mark.parametrize(
    ("name", "image_host"),
    [("zhaopin", "img02.zhaopin.cn"), ("51job", "img05.51jobcdn.com"), ("lagou", "www.lgstatic.com")],
)
def test_shipped_site_configs_allow_their_image_cdns(name: str, image_host: str) -> None:
    url = f"https://{image_host}/logo.png"
    assert is_fetchable_creative_url(url, set(site(name).creative_hosts))
    assert not is_fetchable_creative_url("https://evil.example/logo.png", set(site(name).creative_hosts))


def test_zhaopin_top_banners_drop_rotation_prefix_and_suffix() -> None:
    result = extract_saved("zhaopin", "home", "zhaopin-home-2018-03-top-banners.excerpt.html")
    assert advertisers(result, "top_banner") == [
        "北京新东方教育科技（集团）有限公司",
        "上海浦东发展银行股份有限公司",
        "华润置地(成都)发展有限公司",
    ]
    pudong = result.slot("top_banner").ads[1]
    assert pudong.text == "3/3上海浦东发展银行股份有限公司招聘信息"
    assert pudong.link == "http://spdb.zhaopin.com/"
    assert pudong.image == "https://img01.zhaopin.cn/img_button/201803/06/pufa_173400710368.gif"
    assert not result.slot("carousel").found
    assert_no_junk(result)


def test_zhaopin_logo_walls_read_every_ad_with_company_ids() -> None:
    result = extract_saved("zhaopin", "home", "zhaopin-home-2018-03-logo-wall.excerpt.html")
    counts = {slot.slot: len(slot.ads) for slot in result.slots}
    # 63 AdsClick links in the excerpt: 4 slides, 7 + 10 + 42 logos; the top banners are in the other excerpt.
    assert counts == {
        "top_banner": 0,
        "carousel": 4,
        "logo_wall_a8": 7,
        "logo_wall_16": 10,
        "logo_wall_hot8": 42,
    }
    by_name = {ad.advertiser: ad for ad in result.ads}
    assert by_name["深圳市乐有家控股集团有限公司"].company_id == "38138191"
    assert by_name["艾欧史密斯（中国）热水器有限公司"].company_id == "12092049"
    assert by_name["特斯拉(Tesla)"].company_id == "53243202"
    assert by_name["中国邮政储蓄银行股份有限公司江西省分行"].slot == "logo_wall_hot8"
    assert by_name["浙江祥生房地产开发有限公司"].company_id is None  # this <img> has no cid
    assert [ad.position for ad in result.slot("logo_wall_16").ads] == list(range(1, 11))
    assert_no_junk(result)


def test_zhaopin_house_ads_are_flagged_and_only_they() -> None:
    result = extract_saved("zhaopin", "home", "zhaopin-home-2018-03-logo-wall.excerpt.html")
    house = [ad for ad in result.ads if ad.is_house_ad]
    assert len(house) == 3 + 7
    assert {ad.text for ad in house} == {"Zhaopin.com招聘信息"}
    assert not any(ad.advertiser == "Zhaopin.com" for ad in result.ads if not ad.is_house_ad)


def test_51job_famous_list_reads_company_links_not_job_links() -> None:
    result = extract_saved("51job", "home", "51job-home-2017-07.saved.jsp.html")
    names = advertisers(result, "famous")
    assert len(names) == 18
    assert names[:3] == ["康泰伦特医药咨询", "浙江九州量子信息技术股份有限公司", "博为峰"]
    assert "华翔集团-宁波井上华翔" in names  # the slogan after 诚聘 is stripped
    assert {"SK海力士半导体", "51Testing", "内蒙古伊利实业集团股份有限公司", "杭州银行股份有限公司"} <= set(
        names
    )
    assert not {"包装操作员", "设备技术员", "采购"} & set(names)
    first = result.slot("famous").ads[0]
    # The only picture beside these links is the shared "new" badge: never taken for a creative.
    assert [ad.image for ad in result.slot("famous").ads] == [None] * 18
    assert first.company_id == "25333844"
    assert first.link == "http://companyadc.51job.com/companyads/2017/sh/kangtai0707a_7180wh/index.htm"
    assert_no_junk(result)


def test_51job_gbk_search_page_reads_the_dom_grid_once() -> None:
    result = extract_saved("51job", "search", "51job-search-2021-03.gbk.html")
    ads = result.slot("bottom_logos").ads
    # The grid is also inside a JSON string in a <script>: only the 7 real DOM links count.
    assert len(ads) == 7
    assert advertisers(result, "bottom_logos") == [
        "施坦威钢琴亚太有限公司",
        "上海绿光教育培训有限公司",
        "深圳市喆声电子商务有限公司",
        "武汉自如生活信息科技有限公司",
        "浙江天下网商网络传媒有限公司",
        "深圳奥斯蓝星科技有限公司",
    ]
    assert ads[0].company_id == "34801982"
    assert ads[0].image == "https://img05.51jobcdn.com/im/images/ads/35/34802/34801982/st3.gif"
    education = ads[6]
    assert (education.advertiser, education.is_house_ad, education.link) == (
        "",
        True,
        "https://edu.51job.com",
    )
    assert_no_junk(result)


def test_51job_gbk_page_decodes_from_its_meta_charset_alone() -> None:
    body = shared_data("pages", "51job-search-2021-03.gbk.html").read_bytes()
    assert "施坦威钢琴亚太有限公司" in decode_page(body, None, None)
    assert "<title>【后端开发" in decode_page(body, None, None)


def test_lagou_banner_is_a_house_ad_and_company_grid_has_gongsi_ids() -> None:
    result = extract_saved("lagou", "home", "lagou-home-2018.saved.jsp.html")
    (banner,) = result.slot("home_banner").ads
    assert (banner.advertiser, banner.is_house_ad) == ("教育课程站内推广", True)
    assert banner.image == "https://www.lagou.com/static/images/index.jpg"
    grid = result.slot("hot_companies").ads
    assert [(ad.advertiser, ad.company_id) for ad in grid] == [
        ("希悦", "1952"),
        ("七乐康", "57590"),
        ("小基科技", "153900"),
        ("拓道金服", "143587"),
        ("钓鱼之家", "86292"),
        ("神策数据", "102685"),
        ("明源云", "5580"),
        ("斗象科技", "33219"),
    ]
    assert grid[0].link == "https://www.lagou.com/gongsi/1952.html"
    assert not any(ad.is_house_ad for ad in grid)
    # The logo sits beside the name link; the saved page has no address for it yet (src="").
    assert [ad.image for ad in grid] == [None] * 8
    assert_no_junk(result)


def test_lagou_grid_reads_each_company_its_own_neighbouring_logo() -> None:
    # As the page's script leaves it: each grid logo gets its address (numbered here, in page order).
    text = numbered(
        saved_text("lagou", "home", "lagou-home-2018.saved.jsp.html"),
        '<img src=""\n                                         alt="公司logo"',
        '<img src="" data-delay-src="https://www.lgstatic.com/logo/{}.png" alt="公司logo"',
    )
    grid = extract_text("lagou", "home", text).slot("hot_companies").ads
    assert [ad.image for ad in grid] == [f"https://www.lgstatic.com/logo/{n}.png" for n in range(1, 9)]
    assert grid[0].advertiser == "希悦"  # the name still comes from the link, not the logo's alt


def test_51job_famous_list_reads_a_logo_beside_the_link_but_not_the_new_badge() -> None:
    # A logo in front of each company link, inside its <li> (the 18 <li>·<a adid… are the list's).
    text = numbered(
        saved_text("51job", "home", "51job-home-2017-07.saved.jsp.html"),
        "<li>·<a adid",
        "<li><img src='http://img01.51jobcdn.com/logo/{}.gif'>·<a adid",
    )
    ads = extract_text("51job", "home", text).slot("famous").ads
    assert [ad.image for ad in ads] == [f"http://img01.51jobcdn.com/logo/{n}.gif" for n in range(1, 19)]
