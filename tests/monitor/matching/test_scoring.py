"""The decision rules on name parts: each failure class is a rule, and each decision explains itself."""

from __future__ import annotations

import pytest

from monitor.matching import CustomerRecord, MatchIndex, Thresholds
from monitor.matching.evaluate import LabelledCase, failures
from monitor.matching.explain import describe
from monitor.matching.records import KnownCompany, MatchExplanation

ROSTER = [
    CustomerRecord("huayuan", "华远航运科技股份有限公司"),
    CustomerRecord("mingtai", "江南明泰乳业股份有限公司"),
    CustomerRecord("taihe", "重庆太和实业(集团)股份有限公司"),
    CustomerRecord("fuan", "福安东方装备科技股份有限公司"),
    CustomerRecord("hengda", "浙江恒达阀门股份有限公司"),
    CustomerRecord("shennan", "深南电路股份有限公司"),
    CustomerRecord("baosight", "上海宝信软件股份有限公司"),
]


@pytest.fixture(scope="module")
def index() -> MatchIndex:
    return MatchIndex.build(ROSTER, others=["深南电子股份有限公司", KnownCompany("金山股份", "advertiser")])


@pytest.mark.parametrize(
    ("text", "customer_id", "rule"),
    [
        # 1. A full legal name is a whole identity: no short form or gapped abbreviation promotes it.
        ("华远航运控股股份有限公司", "huayuan", "legal_name_differs"),
        ("江南明业股份有限公司", "mingtai", "legal_name_differs"),
        # 2. Same trade name, different explicit places on both sides.
        ("苏州市太和实业股份有限公司", "taihe", "other_place"),
        # 3. A two-character name that only starts the customer's, its place stripped.
        ("福建福安股份有限公司", "fuan", "two_characters"),
        ("福安股份", "fuan", "two_characters"),
    ],
)
def test_failure_classes_reach_review_at_most(
    index: MatchIndex, text: str, customer_id: str, rule: str
) -> None:
    result = index.match(text)
    assert result.decision == "review", result.reason
    assert result.customer_id == customer_id
    assert result.explanation is not None and result.explanation.rule == rule


def test_the_same_legal_name_still_applies_itself(index: MatchIndex) -> None:
    result = index.match("1/3上海宝信软件股份有限公司北京分公司招聘信息")
    assert (result.customer_id, result.decision) == ("baosight", "auto")
    assert result.explanation is not None and result.explanation.rule == "same_name"


def test_english_without_a_roster_english_name_is_found_through_pinyin(index: MatchIndex) -> None:
    result = index.match("Zhejiang Hengda Valve Co.,Ltd")
    assert (result.customer_id, result.decision) == ("hengda", "review")
    line = describe(result.explanation)  # type: ignore[arg-type]
    assert "place zhejiang = 浙江" in line
    assert "trade name hengda = 恒达" in line
    assert "industry valve = 阀门" in line


@pytest.mark.parametrize("text", ["深南电子股份有限公司", "深南电子"])
def test_a_text_matching_a_known_non_customer_better_is_none_of_ours(index: MatchIndex, text: str) -> None:
    result = index.match(text)
    assert result.decision == "none"
    assert result.explanation is not None
    assert (result.explanation.rule, result.explanation.other) == (
        "known_other_better",
        "深南电子股份有限公司",
    )


def test_a_stock_short_name_of_a_known_company_is_not_the_customer_it_starts() -> None:
    index = MatchIndex.build([CustomerRecord("a", "金山办公软件股份有限公司")], others=["金山股份有限公司"])
    result = index.match("金山股份")
    assert result.decision == "none", result.reason
    assert result.explanation is not None and result.explanation.rule == "known_other_better"


def test_a_text_matching_a_known_non_customer_as_well_waits_for_review() -> None:
    index = MatchIndex.build(
        [CustomerRecord("a", "金山办公软件股份有限公司")], others=["金山办公软件有限公司"]
    )
    result = index.match("金山办公软件")
    assert result.decision == "review"
    assert result.explanation is not None and result.explanation.rule == "known_other"


def test_an_advertiser_remembered_as_a_non_customer_never_competes_with_its_own_text() -> None:
    roster = [CustomerRecord("kingsoft", "金山股份有限公司")]
    index = MatchIndex.build(roster, others=[KnownCompany("金山股份", "advertiser")])
    assert index.match("金山股份").decision == "auto"
    assert MatchIndex.build(roster, others=["金山股份"]).match("金山股份").decision != "auto"


def test_the_explanation_names_the_parts_that_differ(index: MatchIndex) -> None:
    result = index.match("江南明业股份有限公司")
    line = describe(result.explanation)  # type: ignore[arg-type]
    assert "trade name 江南明业 ≠ 江南明泰; industry – ≠ 乳业" in line
    assert line.endswith("the text is another legal entity's full name: at most review → review")


def test_the_explanation_survives_storage_as_plain_json(index: MatchIndex) -> None:
    explanation = index.match("苏州市太和实业股份有限公司").explanation
    assert explanation is not None
    assert MatchExplanation.from_dict(explanation.as_dict()) == explanation
    assert MatchExplanation.from_dict({"something": "else"}) is None


def test_the_failures_of_the_test_half_are_never_listed(index: MatchIndex) -> None:
    tuning = [LabelledCase("福安股份", "hengda", "short", "tune")]  # proposes fuan: a failure
    assert [case.text for case, _ in failures(index, tuning, Thresholds())] == ["福安股份"]
    with pytest.raises(ValueError, match="test half"):
        failures(index, [*tuning, LabelledCase("福安股份", "fuan", "short", "test")], Thresholds())


def test_a_known_non_customer_about_as_good_as_the_customer_leaves_it_to_a_person() -> None:
    index = MatchIndex.build(
        [CustomerRecord("cecep", "中节能环保装备股份有限公司")], others=["中节能太阳能股份有限公司"]
    )
    result = index.match("中节能")  # the group's name: either company
    assert (result.customer_id, result.decision) == ("cecep", "review")
    assert result.explanation is not None and result.explanation.rule == "known_other"
