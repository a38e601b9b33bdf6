"""Scores for one query name against one customer name, 0..100, with the reason in words.

Only structural agreement can score above 90: the same name, a faithful abbreviation, or a branch of the
same name. Plain string likeness is capped below that, so it can reach the review queue but never the
automatic match: a false match blames a rep wrongly and is worse than a miss.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from monitor.matching import lexicon
from monitor.matching.normalize import NormalizedName, is_generic, is_place, trade_words
from monitor.matching.records import PartCheck

PART_ENGLISH = "english"  # monitor.matching.explain.PART_ENGLISH (explain imports this module)
LIMIT_OTHER_PLACE = "other_place"
LIMIT_TWO_CHARACTERS = "two_characters"
LIMIT_LEGAL_NAME_DIFFERS = "legal_name_differs"
LIMIT_NO_LEGAL_NAME = "no_legal_name"
FUZZY_CAP = 88.0
SAME_BRAND = 86.0
CONTAINS_CUSTOMER = 84.0
OTHER_PLACE = 86.0
WEAK_BRAND = 70.0
GENERIC_PREFIX = 90.0
PINYIN_BRAND_ONLY = 90.0
_PINYIN_WORD = re.compile(
    r"^(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ue|ui|"
    r"er|a|o|e|i|u|v))+$"
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """How well one name agrees with one customer name, and why: `rule` is the scoring rule's code
    (`monitor.matching.explain.RULES`), `query` and `name` the two names compared (None for English)."""

    score: float
    reason: str
    rule: str = ""
    query: NormalizedName | None = None
    name: NormalizedName | None = None
    limit: str = ""  # a rule code that keeps this agreement from applying itself; "" when it may
    checks: tuple[PartCheck, ...] = ()  # part checks made while scoring (English texts); else computed


NOTHING = Evidence(0.0, "")


def distinctive(name: NormalizedName) -> bool:
    """True when the name's brand says who it is, not just where or in what trade."""
    return len(name.brand) >= 2 and not is_generic(name.brand) and not is_place(name.brand)


def is_subsequence(short: str, long: str) -> bool:
    """True when the characters of `short` appear in `long` in the same order."""
    position = 0
    for char in short:
        position = long.find(char, position) + 1
        if position == 0:
            return False
    return True


def han_score(query: NormalizedName, name: NormalizedName, owner_text: str) -> Evidence:
    """Chinese query vs one Chinese customer name; `owner_text` is all the customer's names joined."""
    if not query.base or not name.base:
        return NOTHING
    found = _han_evidence(query, name, owner_text)
    return Evidence(found.score, found.reason, found.rule, query, name, pair_limit(query, name, found.rule))


def _han_evidence(query: NormalizedName, name: NormalizedName, owner_text: str) -> Evidence:
    unit = f", unit {query.branch}" if query.branch else ""
    if query.base == name.base:
        return Evidence(100.0, f"same name{unit}", "same_name")
    if query.core == name.core and distinctive(query):
        if other_place(query, name):
            return Evidence(OTHER_PLACE, f"same name, other place {'/'.join(query.places)}", "same_core")
        return Evidence(98.0, f"same name without place{unit}", "same_core")
    return _abbreviation(query, name, owner_text, unit) or _loose(query, name)


def pair_limit(query: NormalizedName, name: NormalizedName, rule: str) -> str:
    """Why an agreement between these two names may not apply itself ("" when it may).

    Different explicit places on both sides name two companies (苏州市太和实业 is not 重庆太和实业); a
    two-character name that only starts or abbreviates the customer's (福安 of 福安东方装备) is too short
    to tell companies apart."""
    if other_place(query, name):
        return LIMIT_OTHER_PLACE
    if len(query.core) <= 2 and rule not in ("same_name", "same_core"):
        return LIMIT_TWO_CHARACTERS
    return ""


def same_entity(query: NormalizedName, name: NormalizedName) -> bool:
    """True when two full legal names name the same entity: the same name (a place may be left out by
    the text, the legal form may have changed on listing), the same group words, no place of its own."""
    return (
        (query.base == name.base or query.core == name.core)
        and query.group_words == name.group_words
        and query.place_keys <= name.place_keys
    )


def _abbreviation(query: NormalizedName, name: NormalizedName, owner_text: str, unit: str) -> Evidence | None:
    """The query is a short form of the customer's name ("浦发银行" of "浦东发展银行")."""
    if other_place(query, name) or any(word not in owner_text for word in trade_words(query.core)):
        return None
    if not distinctive(query):
        return _generic_prefix(query, name, unit)
    if query.brand == name.brand and len(query.brand) < len(query.core):
        # "紫江企业" for "上海紫江企业集团": the brand, and only trade words the customer's own name has.
        return Evidence(
            92.5 if len(query.brand) == 2 else 94.0,
            f"brand {query.brand} with its own trade{unit}",
            "brand_own_trade",
        )
    pairs = ((query.core, name.core), (query.base, name.base))
    found = [evidence for short, long in pairs if (evidence := _short_form(short, long, unit)) is not None]
    return max(found, key=lambda evidence: evidence.score, default=None)


def _generic_prefix(query: NormalizedName, name: NormalizedName, unit: str) -> Evidence | None:
    """ "辽宁能源" for "辽宁能源煤电产业": a place and a trade start the name; a person should look."""
    if len(query.base) >= 4 and len(name.base) > len(query.base) and name.base.startswith(query.base):
        return Evidence(
            GENERIC_PREFIX,
            f"place-and-trade name {query.base} starts {name.base}{unit}",
            "place_trade_prefix",
        )
    return None


def _short_form(short: str, long: str, unit: str) -> Evidence | None:
    if len(short) >= len(long) or short[:1] != long[:1]:
        return None
    coverage = len(short) / len(long)
    if long.startswith(short):
        # A two-character prefix ("长海" of "长海复合材料") is the weakest form that may still apply itself.
        score = 92.0 + 2.0 * coverage if len(short) == 2 else 93.0 + 4.0 * coverage
        return Evidence(score, f"short form {short} of {long}{unit}", "short_form")
    if len(long) > 2.5 * len(short) or not is_subsequence(short, long):
        return None
    if len(short) == 2:
        return Evidence(
            GENERIC_PREFIX - 10.0, f"two-character abbreviation {short} of {long}{unit}", "abbreviation"
        )
    return Evidence(91.0 + 4.0 * coverage, f"abbreviation {short} of {long}{unit}", "abbreviation")


def _loose(query: NormalizedName, name: NormalizedName) -> Evidence:
    if distinctive(query) and query.brand == name.brand:
        if other_place(query, name) or (query.places and not name.places) or len(query.brand) >= 3:
            return Evidence(
                SAME_BRAND, f"same brand {query.brand}, other trade or place: subsidiary?", "same_brand"
            )
        return Evidence(WEAK_BRAND, f"same two-character brand {query.brand}, other trade", "same_brand")
    if distinctive(name) and len(name.core) >= 2 and name.core in query.core:
        strong = len(name.core) >= 3
        return Evidence(
            CONTAINS_CUSTOMER if strong else WEAK_BRAND, f"contains {name.core}, says more", "contains"
        )
    similarity = max(fuzz.ratio(query.core, name.core), fuzz.ratio(query.base, name.base))
    if query.brand != name.brand:
        similarity *= fuzz.ratio(query.brand, name.brand) / 100.0
    return Evidence(min(similarity, FUZZY_CAP), "similar name", "similar")


def other_place(query: NormalizedName, name: NormalizedName) -> bool:
    """True when both names state a place the other lacks (苏州市 vs 重庆; 湖北越城区 vs 绍兴市越城区)."""
    return bool(query.place_keys - name.place_keys and name.place_keys - query.place_keys)


def latin_score(query: str, key: str, source: str) -> Evidence:
    """English query key vs one customer key: its "english" name, the "pinyin" of its name, or the
    "pinyin brand" key (pinyin of the brand, then the English of its trade words)."""
    if not query or not key:
        return NOTHING
    evidence = _latin_evidence(query, key, source)
    verdict = "same" if evidence.rule in ("same_english", "same_pinyin") else "differs"
    return replace(evidence, checks=(PartCheck(PART_ENGLISH, query, key, verdict),))


def _latin_evidence(query: str, key: str, source: str) -> Evidence:
    if source == "pinyin brand":
        return _pinyin_brand_score(query.split(), key.split())
    compact_query, compact_key = query.replace(" ", ""), key.replace(" ", "")
    top = 100.0 if source == "english" else 95.0
    if compact_query == compact_key:
        return Evidence(top, f"same {source} name", "same_english" if source == "english" else "same_pinyin")
    prefix = _token_prefix(query.split(), key.split())
    if prefix is not None and looks_like_pinyin(min(compact_query, compact_key, key=len)):
        return Evidence(
            PINYIN_BRAND_ONLY - 1.0,
            f"{source} name starts with the pinyin word {compact_query}",
            "pinyin_word",
        )
    if prefix is not None and len(compact_query) > len(compact_key):
        # "Dongfang Electric Heating Technology" starts with "Dongfang Electric" and says more: another
        # company of that name, perhaps; a person looks.
        return Evidence(SAME_BRAND, f"{source} name inside a longer text", "contains")
    if prefix is not None:
        return Evidence(top - 7.0 + 4.0 * prefix, f"{source} name abbreviated", "english_prefix")
    similarity = fuzz.ratio(compact_query, compact_key) * 0.95
    return Evidence(min(similarity, FUZZY_CAP), f"similar {source} name", "similar_english")


def _pinyin_brand_score(query: list[str], key: list[str]) -> Evidence:
    """ "Ping An Bank" vs ["pingan", "bank"]: the brand in pinyin, and trade words the customer has."""
    trades = {token for token in query if token in lexicon.ENGLISH_GENERIC}
    brand = "".join(token for token in query if token not in trades)
    if len(brand) < 4 or brand != key[0]:
        return NOTHING
    if not trades:
        return Evidence(PINYIN_BRAND_ONLY, f"pinyin of brand {brand}", "pinyin_brand")
    if trades <= set(key[1:]):
        return Evidence(95.0, f"pinyin of brand {brand} and its trade", "pinyin_brand")
    return Evidence(SAME_BRAND - 6.0, f"pinyin of brand {brand}, other trade", "pinyin_brand")


def _token_prefix(query: list[str], key: list[str]) -> float | None:
    """Coverage when one token list starts with the other, joined compactly; None otherwise."""
    short, long = sorted((query, key), key=lambda tokens: len("".join(tokens)))
    short_text = "".join(short)
    if len(short_text) < 4 or not _distinctive_latin(short):
        return None
    for cut in range(1, len(long)):
        if "".join(long[:cut]) == short_text:
            return len(short_text) / len("".join(long))
    return None


def _distinctive_latin(tokens: list[str]) -> bool:
    return any(token not in lexicon.ENGLISH_GENERIC and token.isalpha() for token in tokens)


def looks_like_pinyin(word: str) -> bool:
    """True when `word` spells Chinese syllables ("hongsheng"): such words collide across many companies."""
    return _PINYIN_WORD.match(word) is not None
