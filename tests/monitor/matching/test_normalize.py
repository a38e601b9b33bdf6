"""Normalisation of advertiser texts and customer names (monitor.matching.normalize)."""

from __future__ import annotations

import pytest

from monitor.matching import normalize
from monitor.matching.normalize import clean, split_segments, to_pinyin


@pytest.mark.parametrize(
    ("text", "full", "base", "core", "branch"),
    [
        (
            "1/3上海浦东发展银行股份有限公司招聘信息",
            "上海浦东发展银行股份有限公司",
            "上海浦东发展银行",
            "浦东发展银行",
            None,
        ),
        (
            "华晨宝马汽车有限公司市场部(北京)",
            "华晨宝马汽车有限公司市场部(北京)",
            "华晨宝马汽车",
            "华晨宝马汽车",
            "市场部(北京)",  # a place after the legal form is the unit's, not the company's
        ),
        (
            "中国联合网络通信有限公司江苏省分公司招聘信息",
            "中国联合网络通信有限公司江苏省分公司",
            "中国联合网络通信",
            "联合网络通信",
            "江苏省分公司",
        ),
        (
            "艾欧史密斯（中国）热水器有限公司",
            "艾欧史密斯(中国)热水器有限公司",
            "艾欧史密斯热水器",
            "艾欧史密斯热水器",
            None,
        ),
        (
            "江苏银行股份有限公司北京分行招聘信息",
            "江苏银行股份有限公司北京分行",
            "江苏银行",
            "江苏银行",
            "北京分行",
        ),
        (
            "招商银行股份有限公司北京朝阳支行",
            "招商银行股份有限公司北京朝阳支行",
            "招商银行",
            "招商银行",
            "北京朝阳支行",
        ),
        ("中国移动通信集团安徽有限公司", "中国移动通信集团安徽有限公司", "中国移动通信", "移动通信", "安徽"),
        (
            "北京新东方教育科技（集团）有限公司",
            "北京新东方教育科技(集团)有限公司",
            "北京新东方教育科技",
            "新东方教育科技",
            None,
        ),
        ("深圳市乐有家控股集团有限公司", "深圳市乐有家控股集团有限公司", "深圳市乐有家", "乐有家", None),
        (
            "【急聘】上海浦東發展銀行福建省分行",
            "上海浦东发展银行福建省分行",
            "上海浦东发展银行",
            "浦东发展银行",
            "福建省分行",
        ),
        ("【腾讯】2027届校园招聘", "腾讯", "腾讯", "腾讯", None),
        ("ＡＢＣ科技有限公司诚聘英才", "abc科技有限公司", "abc科技", "abc科技", None),
        ("华为技术有限公司热招职位", "华为技术有限公司", "华为技术", "华为技术", None),
        (
            "苏州工业园区和顺电气股份有限公司",
            "苏州工业园区和顺电气股份有限公司",
            "苏州工业园区和顺电气",
            "和顺电气",
            None,
        ),
        ("易县山村小龙调味品坊", "易县山村小龙调味品坊", "易县山村小龙调味品坊", "山村小龙调味品坊", None),
        ("*ST瑞德", "瑞德", "瑞德", "瑞德", None),
    ],
)
def test_normalize_strips_decorations_legal_forms_places_and_branches(
    text: str, full: str, base: str, core: str, branch: str | None
) -> None:
    name = normalize(text)
    assert (name.full, name.base, name.core, name.branch) == (full, base, core, branch)


@pytest.mark.parametrize(
    ("text", "core"),
    [
        ("北京银行", "北京银行"),  # the place is the name: only a trade word would remain
        ("中国银行", "中国银行"),
        ("上海市场调研有限公司", "市场调研"),  # 上海, not 上海市, before 市场
        ("都市丽人(中国)控股有限公司", "都市丽人"),
        ("物美超市有限公司", "物美超市"),
    ],
)
def test_place_is_kept_when_it_is_part_of_the_name(text: str, core: str) -> None:
    assert normalize(text).core == core


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("上海浦东发展银行", "浦东"),
        ("南通万科房地产有限公司", "万科"),
        ("游戏科学", "游戏科学"),
        ("宝信软件", "宝信"),
    ],
)
def test_brand_is_the_core_without_trade_words(text: str, brand: str) -> None:
    assert normalize(text).brand == brand


@pytest.mark.parametrize(
    ("text", "latin"),
    [
        ("Shanghai Baosight Software Co.,Ltd.", "baosight software"),
        ("AfterShip", "aftership"),
        ("Ping An Bank", "ping an bank"),
        ("Bank of Qingdao Co.,Ltd.", "bank qingdao"),
        ("KEESON TECHNOLOGY CORPORATION LIMITED", "keeson technology"),
        ("平安银行", ""),
    ],
)
def test_latin_key_drops_case_punctuation_legal_forms_and_places(text: str, latin: str) -> None:
    assert normalize(text).latin == latin


def test_pinyin_reads_trade_words_as_phrases() -> None:
    assert to_pinyin("平安银行") == "pinganyinhang"
    assert normalize("平安银行股份有限公司").pinyin == "pinganyinhang"


def test_compound_ad_text_splits_into_names() -> None:
    assert split_segments("华翔集团-宁波井上华翔 诚聘 技术 销售人才") == ["华翔集团", "宁波井上华翔"]
    assert split_segments("上海浦东发展银行") == []


def test_clean_is_idempotent() -> None:
    once = clean("1/3【热招】北京新东方教育科技（集团）有限公司2027届校园招聘")
    assert once == "北京新东方教育科技(集团)有限公司"
    assert clean(once) == once
