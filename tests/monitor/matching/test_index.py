"""Matching advertiser texts to customers (monitor.matching.MatchIndex), and the evaluation targets."""

from __future__ import annotations

import pytest

from monitor.core.settings import MatchingSettings
from monitor.matching import CustomerRecord, MatchIndex, Thresholds, registered_domain, rejection_key
from monitor.matching.evalset import build_evalset, write_evalset
from monitor.matching.evaluate import evaluate, read_labelled_csv, read_others_csv
from monitor.matching.roster import read_customers_csv
from tests.support.paths import SHARED_DATA

ROSTER = [
    CustomerRecord("spdb", "上海浦东发展银行股份有限公司"),
    CustomerRecord("bmw", "华晨宝马汽车有限公司"),
    CustomerRecord(
        "aftership", "纵腾网络有限公司", english_name="AfterShip Ltd", website="https://www.aftership.com"
    ),
    CustomerRecord("gamesci", "深圳游科互动科技有限公司", short_name="游戏科学"),
    CustomerRecord("unicom", "中国联合网络通信集团有限公司"),
    CustomerRecord("aosmith", "艾欧史密斯（中国）热水器有限公司"),
    CustomerRecord("inoac", "宁波井上华翔汽车零部件有限公司"),
    CustomerRecord("pingan", "平安银行股份有限公司"),
    CustomerRecord("picc-life", "中国人民人寿保险股份有限公司"),
    CustomerRecord("vanke", "万科企业股份有限公司", short_name="万科"),
    CustomerRecord(
        "baosight", "上海宝信软件股份有限公司", english_name="Shanghai Baosight Software Co.,Ltd."
    ),
    CustomerRecord("changhai", "江苏长海复合材料股份有限公司"),
    CustomerRecord("jindan", "河南金丹乳酸科技股份有限公司"),
    CustomerRecord("tianlong-a", "宁波天龙电子股份有限公司"),
    CustomerRecord("tianlong-b", "广东天龙科技集团股份有限公司"),
    CustomerRecord("bocd", "成都银行股份有限公司", aliases=("成都银行",), website="bocd.com.cn"),
]


@pytest.fixture(scope="module")
def index() -> MatchIndex:
    return MatchIndex.build(ROSTER)


@pytest.mark.parametrize(
    ("text", "customer_id", "decision"),
    [
        ("1/3上海浦东发展银行股份有限公司招聘信息", "spdb", "auto"),
        ("上海浦东发展银行股份有限公司福建省分行", "spdb", "auto"),
        ("浦发银行", "spdb", "auto"),
        ("华晨宝马汽车有限公司市场部(北京)", "bmw", "auto"),
        ("AfterShip", "aftership", "auto"),
        ("游戏科学", "gamesci", "auto"),
        # The operating company, not the group (集团) on the roster: another legal entity, a person decides.
        ("中国联合网络通信有限公司江苏省分公司招聘信息", "unicom", "review"),
        ("中国联合网络通信集团有限公司江苏省分公司招聘信息", "unicom", "auto"),
        ("艾欧史密斯（中国）热水器有限公司", "aosmith", "auto"),
        ("艾欧史密斯(中国)热水器有限公司诚聘英才", "aosmith", "auto"),
        ("华翔集团-宁波井上华翔 诚聘 技术 销售人才", "inoac", "auto"),
        ("Ping An Bank", "pingan", "auto"),
        ("Baosight Software", "baosight", "auto"),
        ("宝信软件", "baosight", "auto"),
        ("長海股份", "changhai", "review"),  # a two-character prefix never applies itself
        ("金丹科技", "jindan", "auto"),
        ("南通万科房地产有限公司", "vanke", "review"),  # a subsidiary: a person decides
    ],
)
def test_match_finds_the_customer(index: MatchIndex, text: str, customer_id: str, decision: str) -> None:
    result = index.match(text)
    assert (result.customer_id, result.decision) == (customer_id, decision), result.reason


@pytest.mark.parametrize(
    "text",
    [
        "中国人民财产保险股份有限公司",  # sibling of 中国人民人寿保险: never that customer
        "上海宝新软件股份有限公司",  # one character off in the brand
        "中国银行",  # place and trade only
        "北京银行",
        "宝马",
        "Zhaopin.com招聘信息",
        "",
    ],
)
def test_near_misses_and_outsiders_never_auto_match(index: MatchIndex, text: str) -> None:
    result = index.match(text)
    assert result.decision != "auto", result.reason
    assert result.decision == "none" or result.score < 92


def test_two_customers_too_close_to_call_go_to_review(index: MatchIndex) -> None:
    result = index.match("天龙股份")
    assert result.decision == "review"
    assert {candidate.customer_id for candidate in result.candidates[:2]} == {"tianlong-a", "tianlong-b"}
    assert "too close" in result.reason


def test_rejected_pair_is_never_matched_again(index: MatchIndex) -> None:
    text = "3/3上海浦东发展银行股份有限公司招聘信息"
    rejections = {(rejection_key(text), "spdb")}
    result = index.match(text, rejections=rejections)
    assert result.customer_id != "spdb"
    assert result.decision == "none"
    # The key is the cleaned text: the same name decorated differently stays rejected; other texts do not.
    assert index.match("上海浦东发展银行股份有限公司", rejections=rejections).decision == "none"
    assert index.match("浦发银行", rejections=rejections).decision == "auto"


def test_link_domain_confirms_a_weak_name(index: MatchIndex) -> None:
    assert index.match("蓉城银行").decision == "none"
    result = index.match("蓉城银行", link="https://campus.bocd.com.cn/jobs?id=1")
    assert (result.customer_id, result.decision) == ("bocd", "auto")
    assert "bocd.com.cn" in result.reason


def test_link_domain_of_another_site_adds_nothing(index: MatchIndex) -> None:
    result = index.match("蓉城银行", link="https://jobs.zhaopin.com/bocd.htm")
    assert result.decision == "none"


def test_confirmed_competitor_company_id_matches(index: MatchIndex) -> None:
    ids = {("zhaopin", "CC123"): "gamesci"}
    result = index.match("黑神话团队热招", site="zhaopin", external_id="CC123", competitor_ids=ids)
    assert (result.customer_id, result.decision) == ("gamesci", "auto")
    assert (
        index.match("黑神话团队热招", site="51job", external_id="CC123", competitor_ids=ids).decision
        == "none"
    )


def test_competitor_id_against_a_clear_name_is_too_close_to_call(index: MatchIndex) -> None:
    ids = {("zhaopin", "CC9"): "bmw"}
    result = index.match(
        "上海浦东发展银行股份有限公司", site="zhaopin", external_id="CC9", competitor_ids=ids
    )
    assert result.decision == "review"


@pytest.mark.parametrize(
    ("thresholds", "decision"),
    [
        (Thresholds(auto=92, review=75, ambiguity_margin=4), "auto"),
        (Thresholds(auto=99, review=75, ambiguity_margin=4), "review"),
        (MatchingSettings(auto_threshold=99.5, review_threshold=99.0, ambiguity_margin=1), "none"),
    ],
)
def test_thresholds_come_from_parameters_or_settings(
    index: MatchIndex, thresholds: object, decision: str
) -> None:
    assert index.match("浦发银行", thresholds=thresholds).decision == decision


def test_duplicate_customer_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        MatchIndex.build([CustomerRecord("a", "甲公司"), CustomerRecord("a", "乙公司")])


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://www.aftership.com/careers", "aftership.com"),
        ("campus.bocd.com.cn", "bocd.com.cn"),
        ("http://localhost/x", ""),
        ("", ""),
    ],
)
def test_registered_domain(url: str, domain: str) -> None:
    assert registered_domain(url) == domain


@pytest.fixture(scope="module")
def eval_figures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Figures of the test half only: the rules were tuned on the other half (docs/matching.md)."""
    if not (SHARED_DATA / "companies").is_dir():
        pytest.skip(f"real company lists absent at {SHARED_DATA} (read from ../shared/data, never the repo)")
    customers, labelled = write_evalset(build_evalset(SHARED_DATA), tmp_path_factory.mktemp("evalset"))
    index = MatchIndex.build(
        read_customers_csv(customers), others=read_others_csv(labelled.with_name("others.csv"))
    )
    test_half = [case for case in read_labelled_csv(labelled) if case.half == "test"]
    rows = evaluate(index, test_half, Thresholds())
    return {row.kind: row for row in rows}


def test_eval_auto_precision_is_at_least_995_per_mille(eval_figures: dict) -> None:
    assert eval_figures["overall"].auto_precision >= 0.995


@pytest.mark.parametrize(
    "kind", ["near_miss", "nm_place", "nm_group", "nm_prefix2", "nm_holding", "outsider", "outsider_known"]
)
def test_eval_no_wrong_auto_on_near_misses_and_outsiders(eval_figures: dict, kind: str) -> None:
    assert eval_figures[kind].false_auto == 0


@pytest.mark.parametrize(
    ("kind", "target"),
    [("full", 0.97), ("branch", 0.97), ("short", 0.90), ("english", 0.90), ("english_noname", 0.35)],
)
def test_eval_recall_meets_target(eval_figures: dict, kind: str, target: float) -> None:
    assert eval_figures[kind].recall >= target


def test_eval_review_rate_of_traffic_is_at_most_20_percent(eval_figures: dict) -> None:
    # The 8 % is out of reach once two-character names never apply themselves (docs/matching.md).
    assert eval_figures["traffic"].review_rate <= 0.20
