"""Every decision in words: which parts of the names agreed, which differed, and the rule that decided.

`part_checks` compares two parsed names part by part (place, trade name 字号, industry, organisation form,
branch); `describe` turns an `MatchExplanation` into one line in the reader's language, for example
"字号 明业 ≠ 明泰; 行业 – ≠ 乳业 → 完整法定名称不同：最多复核 → 复核". The texts are marked with `N_` and
translated by the caller's `gettext`, so the command line, the web pages and the stored match agree.
"""

from __future__ import annotations

from collections.abc import Callable

from monitor.core.i18n import N_
from monitor.matching import scoring
from monitor.matching.normalize import NormalizedName
from monitor.matching.records import MatchExplanation, PartCheck
from monitor.matching.scoring import is_subsequence

PART_PLACE = "place"
PART_TRADE_NAME = "trade_name"
PART_INDUSTRY = "industry"
PART_FORM = "form"
PART_BRANCH = "branch"
PART_ENGLISH = scoring.PART_ENGLISH

PARTS: dict[str, str] = {
    PART_PLACE: N_("place"),
    PART_TRADE_NAME: N_("trade name"),
    PART_INDUSTRY: N_("industry"),
    PART_FORM: N_("organisation form"),
    PART_BRANCH: N_("branch"),
    PART_ENGLISH: N_("English name"),
}

# Every rule that can decide, scoring rules first, then the limits and the decision rules.
RULES: dict[str, str] = {
    "same_name": N_("same name"),
    "same_core": N_("same name, place left out"),
    "brand_own_trade": N_("trade name with the customer's own industry words"),
    "short_form": N_("short form of the customer's name"),
    "abbreviation": N_("abbreviation of the customer's name"),
    "place_trade_prefix": N_("place and industry only"),
    "same_brand": N_("same trade name, other industry or place"),
    "contains": N_("contains the customer's name and says more"),
    "similar": N_("similar name"),
    "same_english": N_("same English name"),
    "same_pinyin": N_("same name in pinyin"),
    "english_prefix": N_("English name abbreviated"),
    "pinyin_word": N_("one pinyin word only"),
    "similar_english": N_("similar English name"),
    "pinyin_brand": N_("pinyin of the trade name"),
    "pinyin_parts": N_("pinyin of the trade name, place and industry compared"),
    "link_domain": N_("the ad links to the customer's website"),
    "competitor_id": N_("the competitor's company id was confirmed before"),
    "other_place": N_("different places on both sides: never automatic"),
    "two_characters": N_("a two-character name only starts the customer's: never automatic"),
    "legal_name_differs": N_("the text is another legal entity's full name: at most review"),
    "no_legal_name": N_("the text is a full legal name and the customer has none to compare: at most review"),
    "pinyin_only": N_("pinyin sounds alike across companies: a person decides"),
    "too_close": N_("two customers too close to call"),
    "known_other": N_("a known non-customer matches as well"),
    "known_other_better": N_("a known non-customer matches better"),
    "below_review": N_("no customer scored high enough"),
    "rejected": N_("a person rejected this customer for this text"),
}

DECISIONS: dict[str, str] = {"auto": N_("automatic"), "review": N_("review"), "none": N_("no match")}

_SIGNS = {"same": "=", "differs": "≠", "short": "⊂", "alike": "≈", "only_text": "≠", "only_customer": "≠"}


def part_checks(query: NormalizedName, name: NormalizedName) -> tuple[PartCheck, ...]:
    """The parts of two parsed Chinese names side by side, with a verdict for each."""
    checks = []
    if query.place_keys or name.place_keys:
        text, customer = "/".join(sorted(query.place_keys)), "/".join(sorted(name.place_keys))
        checks.append(PartCheck(PART_PLACE, text, customer, _set_verdict(query.place_keys, name.place_keys)))
    checks.append(PartCheck(PART_TRADE_NAME, query.brand, name.brand, _verdict(query.brand, name.brand)))
    if query.industry or name.industry:
        checks.append(
            PartCheck(PART_INDUSTRY, query.industry, name.industry, _verdict(query.industry, name.industry))
        )
    if query.form or name.form:
        checks.append(PartCheck(PART_FORM, query.form, name.form, _form_verdict(query, name)))
    if query.branch:
        checks.append(PartCheck(PART_BRANCH, query.branch, "", "only_text"))
    return tuple(checks)


def _verdict(text: str, customer: str) -> str:
    if text == customer:
        return "same"
    if not customer:
        return "only_text"
    if not text:
        return "only_customer"
    return "short" if len(text) < len(customer) and is_subsequence(text, customer) else "differs"


def _set_verdict(text: frozenset[str], customer: frozenset[str]) -> str:
    if text and customer:
        return "same" if text & customer else "differs"
    return "only_text" if text else "only_customer"


def _form_verdict(query: NormalizedName, name: NormalizedName) -> str:
    if query.form == name.form:
        return "same"
    if query.group_words != name.group_words or query.legal_entity != name.legal_entity:
        return _verdict(query.form, name.form)
    return "alike"  # 有限公司 and 股份有限公司: the company type changed, the entity did not


def describe(explanation: MatchExplanation, gettext: Callable[[str], str] = str) -> str:
    """One line: the parts compared, the deciding rule and the decision, in the language of `gettext`."""
    parts = [_describe_check(check, gettext) for check in explanation.checks]
    rule = gettext(RULES.get(explanation.rule, explanation.rule))
    if explanation.other:
        rule = f"{rule} ({explanation.other})"
    decision = gettext(DECISIONS.get(explanation.decision, explanation.decision))
    head = "; ".join(parts)
    return f"{head} → {rule} → {decision}" if head else f"{rule} → {decision}"


def _describe_check(check: PartCheck, gettext: Callable[[str], str]) -> str:
    label = gettext(PARTS.get(check.part, check.part))
    sign = _SIGNS.get(check.verdict, "?")
    return f"{label} {check.text or '–'} {sign} {check.customer or '–'}"
