"""extract_ads and decode_page over small inline pages: one behaviour per row."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from monitor.core.siteconfig import SiteConfig
from spiders.extract import PageExtraction, SelectorError, check_selectors, decode_page, extract_ads
from tests.support.paths import REPO_ROOT

PAGE_URL = "https://jobs.example.cn/zone/it/"


def make_site(slot: dict[str, Any], **site: Any) -> SiteConfig:
    raw = {
        "name": "example",
        "display_name": "Example",
        "base_url": "https://jobs.example.cn/",
        "pages": [
            {
                "key": "zone",
                "url": "/zone/it/",
                "kind": "section",
                "slots": [{"name": "wall", "kind": "logo", **slot}],
            }
        ],
        **site,
    }
    return SiteConfig.model_validate(raw)


def extract(html: str, slot: dict[str, Any], **site: Any) -> PageExtraction:
    config = make_site(slot, **site)
    return extract_ads(html, config, config.pages[0], PAGE_URL)


def only_ad_field(html: str, slot: dict[str, Any], name: str, **site: Any) -> Any:
    (ad,) = extract(html, slot, **site).ads
    return getattr(ad, name)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<a class="ad"><img alt="1/3上海浦东发展银行股份有限公司招聘信息"></a>',
            "上海浦东发展银行股份有限公司",
        ),
        ('<a class="ad" title="  华晨宝马\n 汽车有限公司 诚聘英才 "></a>', "华晨宝马 汽车有限公司"),
        ('<a class="ad">【急聘】 AfterShip </a>', "AfterShip"),
        ('<a class="ad">【名企】2/5 游戏科学 热招</a>', "游戏科学"),
        ('<a class="ad">ACME<script>document.write("junk")</script><style>.x{}</style> Ltd</a>', "ACME Ltd"),
        ('<a class="ad"><!-- comment -->腾讯\u200b科技</a>', "腾讯科技"),
        ('<a class="ad"><img alt="" title="From title"></a>', "From title"),
    ],
)
def test_advertiser_text_is_cleaned_with_default_patterns(html: str, expected: str) -> None:
    assert only_ad_field(html, {"css": "a.ad"}, "advertiser") == expected


def test_hostile_alt_is_kept_as_plain_text() -> None:
    hostile = '<a class="ad"><img alt="&lt;script&gt;alert(1)&lt;/script&gt;ACME&quot;&gt;"></a>'
    (ad,) = extract(hostile, {"css": "a.ad"}).ads
    assert ad.advertiser == '<script>alert(1)</script>ACME">'
    assert ad.text == ad.advertiser


def test_raw_text_is_kept_as_found() -> None:
    (ad,) = extract('<a class="ad"><img alt="3/3 浦发银行招聘信息 "></a>', {"css": "a.ad"}).ads
    assert (ad.text, ad.advertiser) == ("3/3 浦发银行招聘信息 ", "浦发银行")


@pytest.mark.parametrize(
    ("cleanup", "expected"),
    [
        ({"defaults": False}, "1/3上海浦东发展银行股份有限公司招聘信息"),
        ({"defaults": False, "strip": ["招聘信息$"]}, "1/3上海浦东发展银行股份有限公司"),
        ({"strip": [r"股份有限公司$"]}, "上海浦东发展银行"),
    ],
)
def test_cleanup_rules_can_be_turned_off_or_extended(cleanup: dict[str, Any], expected: str) -> None:
    html = '<a class="ad"><img alt="1/3上海浦东发展银行股份有限公司招聘信息"></a>'
    assert only_ad_field(html, {"css": "a.ad"}, "advertiser", cleanup=cleanup) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<a class="ad"><img src="/grey.gif" data-src="/logos/a.png"></a>',
            "https://jobs.example.cn/logos/a.png",
        ),
        (
            '<a class="ad"><img src="data:image/gif;base64,R0lG" lazy_src="b.png"></a>',
            "https://jobs.example.cn/zone/it/b.png",
        ),
        ('<a class="ad"><img src="//img.example.cn/c.gif"></a>', "https://img.example.cn/c.gif"),
        ('<a class="ad"><img src="data:image/gif;base64,R0lG"></a>', None),
        ('<a class="ad"><img src=""></a>', None),
        ('<a class="ad">no image</a>', None),
    ],
)
def test_image_prefers_lazy_attributes_and_is_absolute(html: str, expected: str | None) -> None:
    assert only_ad_field(html, {"css": "a.ad"}, "image") == expected


@pytest.mark.parametrize(
    ("html", "css", "expected"),
    [
        ('<a class="ad" href="/co/1">x</a>', "a.ad", "https://jobs.example.cn/co/1"),
        (
            '<div class="ad"><a href="co/2"><img alt="x"></a></div>',
            "div.ad",
            "https://jobs.example.cn/zone/it/co/2",
        ),
        ('<a href="https://acme.cn/jobs"><img class="ad" alt="x"></a>', "img.ad", "https://acme.cn/jobs"),
        ('<a class="ad" href="javascript:void(0)">x</a>', "a.ad", None),
        ('<a class="ad" href="mailto:hr@acme.cn">x</a>', "a.ad", None),
        (
            '<base href="https://cdn.example.cn/"><a class="ad" href="p">x</a>',
            "a.ad",
            "https://cdn.example.cn/p",
        ),
    ],
)
def test_link_is_found_on_element_descendant_or_ancestor_anchor(
    html: str, css: str, expected: str | None
) -> None:
    assert only_ad_field(html, {"css": css}, "link") == expected


def test_xpath_slots_select_elements_in_document_order() -> None:
    html = '<ul id="w"><li><a href="/1">甲公司</a></li><li><a href="/2">乙公司</a></li></ul><p><a>丙</a></p>'
    result = extract(html, {"xpath": "//ul[@id='w']/li/a"})
    assert [(ad.position, ad.advertiser) for ad in result.ads] == [(1, "甲公司"), (2, "乙公司")]


def test_xpath_results_that_are_not_elements_are_ignored() -> None:
    result = extract('<a class="ad" href="/x">x</a>', {"xpath": "//a/@href"})
    assert result.slots[0].found is False
    assert result.ads == []


@pytest.mark.parametrize(
    ("html", "rules", "expected"),
    [
        ('<a class="ad"><img cid="38138191" alt="x"></a>', [{"source": "attr:cid"}], "38138191"),
        (
            '<a class="ad" href="https://www.lagou.com/gongsi/1952.html">x</a>',
            [{"source": "href", "pattern": r"/gongsi/(\d+)\.html"}],
            "1952",
        ),
        ('<a class="ad" href="/co?cid=77&x=1">x</a>', [{"source": "href", "pattern": r"cid=(\d+)"}], "77"),
        ('<a class="ad" href="/about">x</a>', [{"source": "href", "pattern": r"/gongsi/(\d+)"}], None),
        (
            '<a class="ad" href="/about" adid="9">x</a>',
            [{"source": "href", "pattern": r"cid=(\d+)"}, {"source": "attr:adid"}],
            "9",
        ),
    ],
)
def test_company_id_rules(html: str, rules: list[dict[str, str]], expected: str | None) -> None:
    assert only_ad_field(html, {"css": "a.ad", "company_id": rules}, "company_id") == expected


@pytest.mark.parametrize(
    ("html", "house_ads", "expected"),
    [
        (
            '<a class="ad"><img alt="Zhaopin.com招聘信息"></a>',
            {"advertiser_patterns": [r"^Zhaopin\.com$"]},
            True,
        ),
        ('<a class="ad"><img alt="教育课程站内推广"></a>', {"advertiser_patterns": ["站内推广"]}, True),
        ('<a class="ad" href="https://edu.51job.com/x">课程</a>', {"link_hosts": ["51job.com"]}, True),
        ('<a class="ad" href="https://my51job.com/x">课程</a>', {"link_hosts": ["51job.com"]}, False),
        ('<a class="ad" href="https://x.cn/?from=self">甲</a>', {"link_patterns": ["from=self"]}, True),
        ('<a class="ad"><img src="a.png"></a>', {}, True),
        ('<a class="ad"><img src="a.png"></a>', {"empty_text_is_house": False}, False),
        ('<a class="ad"><img alt="招聘信息"></a>', {}, True),
        ('<a class="ad"><img alt="上汽通用五菱招聘信息"></a>', {"advertiser_patterns": [r"^Zhaopin"]}, False),
    ],
)
def test_house_ad_rules(html: str, house_ads: dict[str, Any], expected: bool) -> None:
    assert only_ad_field(html, {"css": "a.ad"}, "is_house_ad", house_ads=house_ads) is expected


def test_slot_that_matches_nothing_is_not_found_rather_than_empty() -> None:
    result = extract("<p>redesigned page</p>", {"css": "a.ad"})
    assert (result.slots[0].found, result.ads) == (False, [])


@pytest.mark.parametrize(
    "html", ["", "   ", "\x00", '<?xml version="1.0" encoding="gbk"?><a class="ad">甲</a>']
)
def test_empty_or_odd_documents_do_not_crash(html: str) -> None:
    extract(html, {"css": "a.ad"})


def test_values_too_long_for_the_database_are_capped_or_dropped() -> None:
    html = f'<a class="ad" href="/{"x" * 3000}" data-id="{"9" * 300}">{"甲" * 900}</a>'
    (ad,) = extract(html, {"css": "a.ad", "company_id": [{"source": "attr:data-id"}]}).ads
    assert (len(ad.advertiser), ad.link, ad.company_id) == (500, None, None)


@pytest.mark.parametrize(
    "selector",
    [
        {"css": "a[[["},
        {"xpath": "//a[@"},
        {"css": "a", "item": "li[[["},
        {"css": "a", "image": ["css:img[[[@src"]},
        {"css": "a", "company_id": [{"source": "css:span::nope@text"}]},
    ],
)
def test_invalid_selectors_are_reported_with_the_slot(selector: dict[str, Any]) -> None:
    site = make_site(selector)
    with pytest.raises(SelectorError, match="'wall'"):
        check_selectors(site)


# --- images (and other values) beside the ad element ------------------------------------------------

LAGOU_GRID = """
<ul>
  <li class="company-item"><div class="top">
    <p><a href="/gongsi/1.html"><img src="" data-delay-src="/logos/1.png" alt="公司logo"></a></p>
    <p class="company-name"><a href="/gongsi/1.html">希悦</a></p>
    <p class="stage">不需要融资</p></div></li>
  <li class="company-item"><div class="top">
    <p><a href="/gongsi/2.html"><img src="/logos/2.png" alt="公司logo"></a></p>
    <p class="company-name"><a href="/gongsi/2.html">七乐康</a></p></div></li>
  <li class="company-item"><div class="top">
    <p class="company-name"><a href="/gongsi/3.html">没有标志</a></p></div></li>
</ul>
"""
NAME_LINK = "li.company-item .company-name a"


@pytest.mark.parametrize(
    ("slot", "expected"),
    [
        # The item is the closest ancestor matching `item`: the logo in the other <p> is found.
        (
            {"item": "li.company-item", "image": ["css:.top img@data-delay-src", "css:.top img@src"]},
            ["https://jobs.example.cn/logos/1.png", "https://jobs.example.cn/logos/2.png", None],
        ),
        # Without `item`, css: sources look in the ad element's parent only (<p class="company-name">).
        ({"image": ["css:img@src"]}, [None, None, None]),
        # Default image sources never look outside the ad element.
        ({"item": "li.company-item"}, [None, None, None]),
    ],
)
def test_css_sources_read_images_beside_the_ad_element(
    slot: dict[str, Any], expected: list[str | None]
) -> None:
    result = extract(LAGOU_GRID, {"css": NAME_LINK, "advertiser": ["text"], **slot})
    assert [ad.image for ad in result.ads] == expected
    assert [ad.advertiser for ad in result.ads] == ["希悦", "七乐康", "没有标志"]


def test_css_sources_work_for_text_and_company_ids_too() -> None:
    slot = {
        "css": NAME_LINK,
        "item": "li.company-item",
        "advertiser": ["css:.stage@text", "text"],
        "company_id": [{"source": "css:p:first-child a@href", "pattern": r"/gongsi/(\d+)\.html"}],
    }
    result = extract(LAGOU_GRID, slot)
    assert [(ad.advertiser, ad.company_id) for ad in result.ads] == [
        ("不需要融资", "1"),
        ("七乐康", "2"),
        ("没有标志", "3"),
    ]


def test_css_source_skips_a_neighbour_excluded_by_the_selector() -> None:
    html = (
        '<ul id="famous"><li><a class="font_show">康泰伦特</a><img src="/im/index/info_new.gif"></li>'
        '<li><img src="/logo/2.gif"><a class="font_show">博为峰</a>'
        '<img src="/im/index/info_new.gif"></li></ul>'
    )
    slot = {"css": "#famous a.font_show", "image": ['css:img:not([src*="/index/info_new"])@src']}
    assert [ad.image for ad in extract(html, slot).ads] == [None, "https://jobs.example.cn/logo/2.gif"]


@pytest.mark.parametrize(
    ("slot", "site", "message"),
    [
        ({"image": ["css:img"]}, {}, "unknown source 'css:img'"),
        ({"image": ["css:@src"]}, {}, "unknown source"),
        ({"item": ""}, {}, "item"),
        ({}, {"creative_hosts": ["https://img.example.cn/"]}, "is not a host name"),
        ({}, {"creative_hosts": ["img.example.cn:8080"]}, "is not a host name"),
        ({}, {"creative_hosts": ["img.*.example.cn"]}, "is not a host name"),
    ],
)
def test_config_refuses_malformed_sources_items_and_creative_hosts(
    slot: dict[str, Any], site: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_site({"css": "a", **slot}, **site)


def test_creative_hosts_are_kept_lowercase_with_wildcards() -> None:
    site = make_site({"css": "a"}, creative_hosts=["IMG01.Example.CN", "*.51jobcdn.com", "127.0.0.1"])
    assert site.creative_hosts == ["img01.example.cn", "*.51jobcdn.com", "127.0.0.1"]


GBK_PAGE = '<meta charset="gbk"><title>前程无忧</title>'.encode("gbk")
GBK_NO_META = "<title>施坦威钢琴亚太有限公司</title>".encode("gbk")


@pytest.mark.parametrize(
    ("body", "declared", "http_charset", "expected"),
    [
        ("前程无忧".encode(), None, None, "前程无忧"),
        (GBK_PAGE, None, None, '<meta charset="gbk"><title>前程无忧</title>'),
        (GBK_NO_META, None, None, "<title>施坦威钢琴亚太有限公司</title>"),
        (GBK_NO_META, "gb2312", "utf-8", "<title>施坦威钢琴亚太有限公司</title>"),
        (GBK_NO_META, None, "GBK", "<title>施坦威钢琴亚太有限公司</title>"),
        ("喆".encode("gb18030"), "gbk", None, "喆"),
        ("€".encode("cp1252"), None, "iso-8859-1", "€"),
        (GBK_NO_META, "no-such-encoding", "x-gbk", "<title>施坦威钢琴亚太有限公司</title>"),
        ("<title>甲</title>".encode(), "no-such-encoding", "also-unknown", "<title>甲</title>"),
        (b"\xef\xbb\xbf" + "甲".encode(), None, "gbk", "甲"),
        ('<meta charset="utf-16">甲'.encode(), None, None, '<meta charset="utf-16">甲'),
    ],
)
def test_decode_page(body: bytes, declared: str | None, http_charset: str | None, expected: str) -> None:
    assert decode_page(body, declared, http_charset) == expected


def test_extract_command_prints_one_json_line_per_ad(tmp_path: Path) -> None:
    site = tmp_path / "example.yaml"
    site.write_text(
        "name: example\ndisplay_name: Example\nbase_url: https://jobs.example.cn/\n"
        "pages:\n  - key: zone\n    url: /zone/it/\n    kind: section\n    encoding: gbk\n"
        "    slots:\n      - {name: wall, kind: logo, css: 'a.ad', company_id: [{source: 'attr:cid'}]}\n"
        "      - {name: gone, kind: banner, css: '#gone a'}\n",
        encoding="utf-8",
    )
    page = tmp_path / "page.html"
    page.write_bytes(
        '<a class="ad" cid="7" href="/c/7"><img alt="1/2甲公司招聘信息" src="a.gif"></a>'.encode("gbk")
    )
    result = run_cli("extract", str(page), "--site", str(site), "--url", "https://jobs.example.cn/zone/it")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {
            "slot": "wall",
            "kind": "logo",
            "position": 1,
            "advertiser": "甲公司",
            "text": "1/2甲公司招聘信息",
            "link": "https://jobs.example.cn/c/7",
            "image": "https://jobs.example.cn/zone/a.gif",  # resolved against --url as given
            "company_id": "7",
            "house_ad": False,
        }
    ]
    assert "'gone'" in result.stderr


def test_extract_command_errors_name_the_file(tmp_path: Path) -> None:
    site = tmp_path / "broken.yaml"
    site.write_text(
        "name: x\ndisplay_name: X\nbase_url: https://x/\npages: []\nsurprise: 1\n", encoding="utf-8"
    )
    page = tmp_path / "page.html"
    page.write_text("<p>", encoding="utf-8")
    result = run_cli("extract", str(page), "--site", str(site), "--url", "https://x/")
    assert result.returncode != 0
    assert str(site) in result.stderr and "surprise" in result.stderr


def test_extract_command_refuses_an_unknown_url(tmp_path: Path) -> None:
    site = tmp_path / "example.yaml"
    site.write_text(
        "name: example\ndisplay_name: Example\nbase_url: https://jobs.example.cn/\n"
        "pages: [{key: home, url: /, kind: homepage, slots: [{name: wall, kind: logo, css: a}]}]\n",
        encoding="utf-8",
    )
    page = tmp_path / "page.html"
    page.write_text("<a>x</a>", encoding="utf-8")
    result = run_cli("extract", str(page), "--site", str(site), "--url", "https://elsewhere.cn/")
    assert result.returncode != 0
    assert str(site) in result.stderr and "home=https://jobs.example.cn/" in result.stderr


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
