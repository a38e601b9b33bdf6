"""Slot discovery (monitor.capture.discovery): inline pages, the real saved pages, the demo sites."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import fields, replace
from pathlib import Path
from typing import get_args

import pytest
import yaml
from click.testing import CliRunner

from monitor.capture.discovery import (
    DEFAULT_WEIGHTS,
    NameKind,
    NameWeights,
    company_likeness,
    discover_ads,
    discovered_ads_as_json_lines,
    name_kind,
    same_advertiser,
    score_discovery,
    suggest_site_config,
)
from monitor.capture.discovery.evaluate import page_halves
from monitor.cli import main
from monitor.core.siteconfig import SiteConfig
from monitor.demo.fixture_server import FixtureServer
from monitor.demo.pages import PAGES
from spiders.extract import decode_page, extract_ads
from tests.support.paths import FIXTURES, REPO_ROOT, shared_data

TRUTH = yaml.safe_load((FIXTURES / "discovery_truth.yaml").read_text("utf-8"))["pages"]
URL = "https://www.rival.example/"
# What docs/discovery.md promises on each real page (the targets are for the pages held back).
MIN_RECALL = 0.95
MIN_PRECISION = 0.9

LOGO_WALL = """
<div id="brandWall"><ul>
 <li><a href="https://special.rival.example/2026/hl/"><img src="/a.gif" width=150 height=60
      alt="华澜银行股份有限公司招聘信息"></a></li>
 <li><a href="https://special.rival.example/2026/jr/"><img src="/b.gif" width=150 height=60
      alt="璟瑞医药科技有限公司"></a></li>
 <li><a href="https://special.rival.example/2026/xh/"><img src="/c.gif" width=150 height=60
      alt="2/3星河智造科技有限公司招聘"></a></li>
</ul></div>"""

BANNERS = """
<div id="topAds">
 <a href="https://www.hualan.example/" onmousedown="return AdsClick(9518,1)"><img src="/t1.jpg"
    width=990 height=60 alt="华澜银行股份有限公司"></a>
 <a href="https://www.cangwu.example/" onmousedown="return AdsClick(9518,2)"><img src="/t2.jpg"
    width=990 height=60 alt="苍梧能源科技有限公司"></a>
</div>"""

FURNITURE = """
<div class="header"><a href="/"><img class="logo" src="/logo.png" width="90" height="40" alt="对手网"></a>
 <div class="nav"><a href="/jobs/">职位搜索</a> <a href="/campus/">校园招聘</a>
  <a href="/city/">地区频道</a></div></div>
<div class="codes"><ul>
 <li><a href="https://app.rival.example/">
  <img src="/i/qr_app.png" width=80 height=80 alt="APP下载二维码"></a></li>
 <li><a href="https://weixin.rival.example/">
  <img src="/i/erweima.png" width=80 height=80 alt="扫码关注"></a></li>
</ul></div>
<div class="spinner"><ul>
 <li><a href="https://x.example/1">
  <img src="/i/loading.gif" width=150 height=60 alt="甲科技有限公司"></a></li>
 <li><a href="https://x.example/2">
  <img src="/i/blank.gif" width="1" height="1" alt="乙科技有限公司"></a></li>
</ul></div>
<div class="news"><ul>
 <li><a href="https://www.rival.example/arts/05/1.html">中年大叔面临选择，鹅厂还是券商？</a></li>
 <li><a href="https://www.rival.example/arts/05/2.html">这类公司骗方案骗资源，千万不要去！</a></li>
</ul></div>
<div class="hotjobs"><ul>
 <li><a href="https://jobs.rival.example/all/1.html">Java开发工程师</a></li>
 <li><a href="https://jobs.rival.example/all/2.html">大客户销售经理</a></li>
</ul></div>"""

GENERIC_ALTS = """
<div id="logos"><ul>
 <li><a href="https://x.example/a"><img src="/a.png" width=150 height=60 alt="公司logo"></a></li>
 <li><a href="https://x.example/b"><img src="/b.png" width=150 height=60 alt="logo"></a></li>
 <li><a href="https://x.example/c"><img src="/c.png" width=150 height=60 alt="图片"></a></li>
 <li><a href="https://x.example/d"><img src="/d.png" width=150 height=60 alt="banner"></a></li>
 <li><a href="https://x.example/e"><img src="/e.png" width=150 height=60 alt=""></a></li>
</ul></div>"""

URL_ALTS = """
<div id="logos"><ul>
 <li><a href="https://x.example/a"><img src="/a.png" width=150 height=60 alt="http://www.a.example/"></a></li>
 <li><a href="https://x.example/b"><img src="/b.png" width=150 height=60 alt="www.b.example"></a></li>
 <li><a href="https://x.example/c"><img src="/c.png" width=150 height=60 alt="c.png"></a></li>
</ul></div>"""

TEXT_LIST = """
<div id="famous"><strong>知名企业</strong>
 <ul class="list_left">
  <li>·<a adid="101" onmousedown="return AdsClick(101)" href="https://companyads.rival.example/2026/101/"
        class="font_show">东泰建设工程有限公司</a>&nbsp;<a adid="101" onmousedown="return AdsClick(101)"
        href="https://jobs.rival.example/all/1.html" class="position">财务分析师</a></li>
  <li>·<a adid="102" onmousedown="return AdsClick(102)" href="https://companyads.rival.example/2026/102/"
        class="font_show">华澜银行 诚聘 技术 销售人才</a></li>
 </ul>
 <ul class="list_right">
  <li>·<a adid="103" onmousedown="return AdsClick(103)" href="https://companyads.rival.example/2026/103/"
        class="font_show">恒岳重工</a>&nbsp;<a adid="103" onmousedown="return AdsClick(103)"
        href="https://jobs.rival.example/all/2.html" class="position">管培生</a></li>
 </ul>
</div>
<div class="partners"><p>
 <a href="https://www.lumi.example/" class="font_show">Lumi胶原蛋白</a>
 <a href="https://www.hudong.example/" class="font_show">互动百科</a>
 <a href="https://www.rival.example/jianli/" class="font_show">简历模板</a>
</p></div>"""

HOUSE_ADS = """
<title>对手网-招聘求职找工作</title>
<div id="wall"><ul>
 <li><a href="https://special.rival.example/a/">
  <img src="/a.gif" width=150 height=60 alt="华澜银行股份有限公司"></a></li>
 <li><a href="https://www.rival.example/vip/">
  <img src="/b.gif" width=150 height=60 alt="对手网招聘信息"></a></li>
 <li><a href="https://www.rival.example/app/">
  <img src="/c.gif" width=150 height=60 alt="Rival.com招聘信息"></a></li>
 <li><a href="https://www.rival.example/edu/"><img src="/d.gif" width=150 height=60></a></li>
</ul></div>"""


def page(body: str) -> str:
    return f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>"


def non_house(html: str, url: str = URL) -> list[str]:
    return [name for slot in discover_ads(html, url) for name in slot.advertisers]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (LOGO_WALL, ["华澜银行股份有限公司", "璟瑞医药科技有限公司", "星河智造科技有限公司"]),
        (BANNERS, ["华澜银行股份有限公司", "苍梧能源科技有限公司"]),
        (TEXT_LIST, ["东泰建设工程有限公司", "华澜银行", "恒岳重工"]),
        (LOGO_WALL + FURNITURE, ["华澜银行股份有限公司", "璟瑞医药科技有限公司", "星河智造科技有限公司"]),
        (FURNITURE, []),
        (GENERIC_ALTS, []),
        (URL_ALTS, []),
        (HOUSE_ADS, ["华澜银行股份有限公司"]),
    ],
    ids=[
        "logo-wall",
        "banners",
        "text-list",
        "wall-among-furniture",
        "furniture-only",
        "generic-alts",
        "url-alts",
        "house-ads",
    ],
)
def test_discovery_finds_advertisers_and_skips_furniture(body: str, expected: list[str]) -> None:
    assert non_house(page(body)) == expected


@pytest.mark.parametrize(
    ("body", "kind", "css"),
    [
        (LOGO_WALL, "logo", "#brandWall li a"),
        (BANNERS, "banner", "#topAds a"),
        (TEXT_LIST, "logo", "#famous li a.font_show"),
    ],
)
def test_slot_kind_follows_size_and_selector_is_short(body: str, kind: str, css: str) -> None:
    (slot,) = discover_ads(page(body), URL)
    assert (slot.kind, slot.css) == (kind, css)
    assert 0.45 <= slot.confidence <= 1.0


def test_weights_passed_in_decide_which_slots_are_proposed() -> None:
    (slot,) = discover_ads(page(LOGO_WALL), URL)
    stricter = replace(DEFAULT_WEIGHTS, min_confidence=slot.confidence + 0.01)
    assert discover_ads(page(LOGO_WALL), URL, weights=stricter) == []
    with pytest.raises(ValueError, match="no ad-like slots"):
        suggest_site_config(page(LOGO_WALL), URL, "rival", weights=stricter)


@pytest.mark.parametrize(
    ("name", "kind", "likeness"),
    [
        ("公司logo", "generic", 0.0),
        ("招聘会火热进行中，欢迎参加", "sentence", 0.1),
        ("华澜银行股份有限公司", "company", 1.0),
        ("应届生求职指南", "editorial", 0.0),
        ("销售经理", "job_title", 0.1),
        ("希悦", "cjk_brand", 0.6),
        ("IBM", "latin_brand", 0.6),
        ("acme", "latin_word", 0.3),
        ("康", "other", 0.2),
    ],
)
def test_company_likeness_is_the_weight_of_the_names_kind(name: str, kind: str, likeness: float) -> None:
    assert (name_kind(name), company_likeness(name)) == (kind, likeness)
    assert company_likeness(name, replace(NameWeights(), **{kind: 0.77})) == 0.77


def test_every_kind_of_name_has_a_weight() -> None:
    assert set(get_args(NameKind)) == {field.name for field in fields(NameWeights)}


def test_house_ads_are_kept_in_the_slot_but_flagged() -> None:
    (slot,) = discover_ads(page(HOUSE_ADS), URL)
    assert [(ad.advertiser, ad.is_house_ad) for ad in slot.ads] == [
        ("华澜银行股份有限公司", False),
        ("对手网", True),
        ("Rival.com", True),
        ("", True),
    ]


def test_text_list_reads_company_ids_and_links_not_job_links() -> None:
    (slot,) = discover_ads(page(TEXT_LIST), URL)
    assert [ad.company_id for ad in slot.ads] == ["101", "102", "103"]
    assert all("companyads" in (ad.link or "") for ad in slot.ads)


def test_json_lines_have_the_keys_of_extract_site_output() -> None:
    slots = discover_ads(page(LOGO_WALL), URL)
    lines = [json.loads(line) for line in discovered_ads_as_json_lines(slots)]
    assert [line["advertiser"] for line in lines] == [
        "华澜银行股份有限公司",
        "璟瑞医药科技有限公司",
        "星河智造科技有限公司",
    ]
    assert list(lines[0]) == list(slots[0].ads[0].record())
    assert lines[0]["image"] == "https://www.rival.example/a.gif"


def extracted_with_suggestion(html: str, url: str) -> list[str]:
    """Non-house advertisers that extract_ads reads with the suggested config."""
    site = SiteConfig.model_validate(yaml.safe_load(suggest_site_config(html, url, "rival")))
    return [ad.advertiser for ad in extract_ads(html, site, site.pages[0], url).ads if not ad.is_house_ad]


@pytest.mark.parametrize("body", [LOGO_WALL, BANNERS, TEXT_LIST, HOUSE_ADS, LOGO_WALL + FURNITURE])
def test_suggested_config_validates_and_extracts_the_same_advertisers(body: str) -> None:
    html = page(body)
    assert extracted_with_suggestion(html, URL) == non_house(html)


def test_suggestion_comments_each_slot_confidence() -> None:
    text = suggest_site_config(page(LOGO_WALL + BANNERS), URL, "rival")
    assert text.count("# confidence ") == 2
    assert "kind: banner" in text and "kind: logo" in text


def test_suggestion_refuses_a_page_without_ads() -> None:
    with pytest.raises(ValueError, match="no ad-like slots"):
        suggest_site_config(page(FURNITURE), URL, "rival")


def test_cli_prints_a_valid_config_for_a_saved_page(tmp_path: Path) -> None:
    saved = tmp_path / "home.html"
    saved.write_bytes(page(LOGO_WALL).encode("gb18030").replace(b"utf-8", b"gbk"))
    result = CliRunner().invoke(main, ["discover", URL, "--file", str(saved), "--name", "rival"])
    assert result.exit_code == 0, result.output
    config = SiteConfig.model_validate(yaml.safe_load(result.output))
    assert (config.name, config.pages[0].slots[0].css) == ("rival", "#brandWall li a")


def test_cli_fetches_the_url_when_no_file_is_given() -> None:
    with FixtureServer() as server:
        result = CliRunner().invoke(main, ["discover", f"{server.base_url}/jobhub/", "--name", "jobhub"])
    assert result.exit_code == 0, result.output
    assert "#ad16in1 li a" in result.output


def test_same_advertiser_folds_width_and_tolerates_a_trailing_remnant() -> None:
    assert same_advertiser("艾欧史密斯(中国)热水器有限公司", "艾欧史密斯（中国）热水器有限公司")
    assert same_advertiser("厦门航空有限公司1", "厦门航空有限公司")
    assert not same_advertiser("中国联通", "中国联合网络通信集团有限公司")
    score = score_discovery(["希悦", "康之元"], ["希悦", "七乐康"])
    assert (score.recall, score.junk) == (0.5, ["康之元"])


# --- real pages -------------------------------------------------------------------------------------


def real_page(name: str) -> str:
    return decode_page(shared_data("pages", name).read_bytes(), None, None)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_real_pages_meet_the_documented_recall_and_precision(name: str) -> None:
    entry = TRUTH[name]
    slots = discover_ads(real_page(name), entry["url"])
    score = score_discovery([n for slot in slots for n in slot.advertisers], entry["advertisers"])
    assert score.recall >= MIN_RECALL, (score, [slot.css for slot in slots])
    assert score.precision >= MIN_PRECISION, score.junk


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_real_page_suggestion_extracts_what_discovery_found(name: str) -> None:
    html, url = real_page(name), TRUTH[name]["url"]
    assert extracted_with_suggestion(html, url) == [n for s in discover_ads(html, url) for n in s.advertisers]


def test_lagou_job_cards_are_not_ads() -> None:
    names = non_house(real_page("lagou-home-2018.saved.jsp.html"), "https://www.lagou.com/")
    assert "康之元" not in names  # a company that posted a job in 热门职位
    assert "教育课程站内推广" not in names


# --- the fictional demo sites ------------------------------------------------------------------------


def demo_config(site: str) -> SiteConfig:
    from monitor.core.siteconfig import load_site_config

    return load_site_config(REPO_ROOT / "config" / "demo-sites" / f"{site}.yaml")


@pytest.mark.parametrize("spec", [p for p in PAGES if not p.browser], ids=lambda p: f"{p.site}-{p.key}")
def test_demo_sites_discovery_matches_their_shipped_configs(spec, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    with FixtureServer() as server:
        monkeypatch.setenv("RIVALWATCH_DEMO_URL", server.base_url)
        url = server.base_url + spec.path
        with urllib.request.urlopen(url, timeout=10) as response:
            html = decode_page(response.read(), None, response.headers.get_content_charset())
    config = demo_config(spec.site)
    expected = [
        ad.advertiser
        for ad in extract_ads(html, config, config.page(spec.key), url).ads
        if not ad.is_house_ad and ad.advertiser  # a logo with no name (C046) is named by OCR, not found
    ]
    score = score_discovery(non_house(html, url), expected)
    assert score.recall >= MIN_RECALL, score
    assert len(score.junk) <= 1, score.junk


# A homepage of the shape the issue describes (written by hand, so it was seen while the rules were
# written): a logo grid and a carousel of employers, beside the site's own content laid out like ads.
EDITORIAL_HOME = """
<div id="slider"><ul>
 <li><a href="https://www.hualan.example/" data-adid="1"><img src="/s1.jpg" width=840 height=346
    alt="华澜银行股份有限公司"></a></li>
 <li><a href="https://www.rival.example/report/2026" data-adid="2"><img src="/s2.jpg" width=840 height=346
    alt="2026年互联网行业薪酬报告"></a></li>
 <li><a href="https://www.cangwu.example/" data-adid="3"><img src="/s3.jpg" width=840 height=346
    alt="苍梧能源科技有限公司"></a></li>
 <li><a href="https://mp.rival.example/follow" data-adid="4"><img src="/s4.jpg" width=840 height=346
    alt="关注职汇网官方公众号"></a></li>
</ul></div>
<div class="logo-wall"><ul>
 <li><a href="https://special.rival.example/2026/jr/"><img src="/a.gif" width=150 height=60
    alt="璟瑞医药科技有限公司"></a></li>
 <li><a href="https://special.rival.example/2026/xh/"><img src="/b.gif" width=150 height=60
    alt="星河智造科技有限公司"></a></li>
 <li><a href="https://special.rival.example/2026/yl/"><img src="/c.gif" width=150 height=60
    alt="远岚物流集团"></a></li>
</ul></div>
<div class="banner-guides">
 <a href="https://www.rival.example/p/1.html" onmousedown="return AdsClick(77,1)">应届生求职指南</a>
 <a href="https://www.rival.example/p/2.html" onmousedown="return AdsClick(77,2)">2026秋招面试技巧盘点</a>
 <a href="https://www.rival.example/p/3.html" onmousedown="return AdsClick(77,3)">白领薪资调查报告</a>
</div>
<div class="banner-hot">
 <a href="https://www.rival.example/s/java" onmousedown="return AdsClick(78,1)">Java开发工程师</a>
 <a href="https://www.rival.example/s/arch" onmousedown="return AdsClick(78,2)">系统架构工程师</a>
 <a href="https://www.rival.example/s/test" onmousedown="return AdsClick(78,3)">测试开发工程师</a>
</div>"""
EDITORIAL_HOME_ADVERTISERS = [
    "华澜银行股份有限公司",
    "苍梧能源科技有限公司",
    "璟瑞医药科技有限公司",
    "星河智造科技有限公司",
    "远岚物流集团",
]


def test_editorial_links_and_job_titles_laid_out_like_ads_are_not_advertisers() -> None:
    slots = discover_ads(page(EDITORIAL_HOME), URL)
    score = score_discovery([n for slot in slots for n in slot.advertisers], EDITORIAL_HOME_ADVERTISERS)
    assert score.recall >= 0.95, [slot.css for slot in slots]
    assert score.precision >= 0.9, score.junk


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Java开发工程师", "job_title"),  # 工程 is a company word, but the name ends in a job title
        ("北京远岚工程有限公司", "company"),
        ("2026年互联网行业薪酬报告", "editorial"),
        ("IT技术求职指南", "editorial"),
        ("关注职汇网官方公众号", "editorial"),
        ("市场调研有限公司", "company"),  # a legal form outweighs a content word
    ],
)
def test_job_titles_and_editorial_titles_are_told_from_employers(name: str, kind: str) -> None:
    assert name_kind(name) == kind


def test_pages_split_into_even_halves_whatever_their_order() -> None:
    pages = [f"page-{n}.html" for n in range(7)]
    halves = page_halves(pages)
    assert halves == page_halves(reversed(pages))
    assert sorted(halves.values()).count("tune") == 4
