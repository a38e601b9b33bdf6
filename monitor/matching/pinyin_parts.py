"""English texts of customers whose roster has no English name: place, trade name and industry in pinyin.

`Zhejiang Hengda Valve Co.,Ltd` is 浙江恒达阀门股份有限公司 read part by part: `Zhejiang` is the pinyin of
the place, `Hengda` of the trade name (字号) 恒达, and `Valve` the English of the industry word 阀门
(`lexicon.INDUSTRY_ENGLISH`). Each customer name is indexed under the pinyin of every trade name its core
can be split into (the rest of the core being industry words); an English text is split into places,
industry words and the trade name left between them, and compared part by part. Homophones are common
(恒达, 恒大 and 亨达 are all `hengda`), so this evidence proposes a customer for review and never applies
itself: the explanation says which parts agreed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from monitor.matching import lexicon
from monitor.matching.explain import PART_INDUSTRY, PART_PLACE, PART_TRADE_NAME
from monitor.matching.normalize import NormalizedName, char_pinyin, english_places, place_key, to_pinyin
from monitor.matching.records import PartCheck
from monitor.matching.scoring import looks_like_pinyin

LIMIT_PINYIN = "pinyin_only"
_LATIN_TOKEN = re.compile(r"[a-z0-9]+")
_MIN_TRADE_NAME = 4  # letters: "an", "da" alone say nothing
_MAX_TRADE_NAME = 4  # characters: trade names (字号) are two to four characters
# English spellings of places that are not their pinyin; the country says nothing about which company.
_PLACE_SPELLINGS = {
    "hongkong": "xianggang",
    "hk": "xianggang",
    "macau": "aomen",
    "macao": "aomen",
    "harbin": "haerbin",
    "tibet": "xizang",
    "innermongolia": "neimenggu",
    "peking": "beijing",
    "canton": "guangzhou",
    "amoy": "xiamen",
    "tsingtao": "qingdao",
    "hangzhou": "hangzhou",
}
_COUNTRY = frozenset({"china", "prc", "zhongguo", "zhonghua"})


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


@functools.cache
def _industry_words() -> re.Pattern[str]:
    words = list(lexicon.INDUSTRY_ENGLISH) + [word for word in lexicon.GENERIC_WORDS if len(word) >= 2]
    return re.compile(_alternation(words))


@dataclass(frozen=True, slots=True)
class PinyinKey:
    """One way to read a customer's name: trade name, industry words, their English, the places."""

    trade_name: str
    industry: str
    industry_english: frozenset[str]
    places: frozenset[str]  # pinyin of the explicit places
    place_names: str  # the places in Chinese, for the explanation


@dataclass(frozen=True, slots=True)
class EnglishParts:
    """An English text split into parts: pinyin places, industry words, and the trade name between."""

    trade_name: str  # compact lower-case letters ("hengda")
    industry: frozenset[str]
    places: frozenset[str]
    industry_text: str  # as written, for the explanation
    place_text: str


def industry_split(rest: str) -> list[str] | None:
    """`rest` as a sequence of industry words ("阀门" -> ["阀门"]), or None when it is not only those."""
    words: list[str] = []
    position = 0
    pattern = _industry_words()
    while position < len(rest):
        match = pattern.match(rest, position)
        if match is None:
            return None
        words.append(match.group(0))
        position = match.end()
    return words


def customer_keys(name: NormalizedName) -> list[tuple[str, PinyinKey]]:
    """(pinyin of a possible trade name, the reading) for the first two to four characters of the core,
    each with the English of the industry words recognised after the first two ("恒达" + "阀门": valve)."""
    core = name.core
    if len(core) < 2:
        return []
    places = frozenset(
        to_pinyin(place_key(place)) for place in name.places if place not in lexicon.COUNTRY_WORDS
    )
    place_names = "/".join(sorted(name.place_keys))
    english = frozenset(
        token
        for word in _industry_words().findall(core, 2)
        for term in lexicon.INDUSTRY_ENGLISH.get(word, ())
        for token in term.split()
    )
    syllables = [char_pinyin(char) for char in core[:_MAX_TRADE_NAME]]
    keys = []
    for cut in range(2, len(syllables) + 1):
        pinyin = "".join(syllables[:cut])
        if len(pinyin) >= _MIN_TRADE_NAME:
            keys.append((pinyin, PinyinKey(core[:cut], core[cut:], english, places, place_names)))
    return keys


def english_parts(full: str) -> EnglishParts | None:
    """The parts of a cleaned English text, or None when no pinyin-like trade name is left."""
    tokens = _join_places(
        [token for token in _LATIN_TOKEN.findall(full) if token not in lexicon.ENGLISH_LEGAL]
    )
    places = english_places() | _PLACE_SPELLINGS.keys()
    place_tokens = [
        _PLACE_SPELLINGS.get(token, token) for token in tokens if token in places and token not in _COUNTRY
    ]
    industry = [token for token in tokens if token in lexicon.INDUSTRY_TOKENS and token not in places]
    trade = _trade_name([token for token in tokens if token not in places])
    if not trade and place_tokens and all(token in places or token in industry for token in tokens):
        # "Heilongjiang Transport Development": the place is the name (黑龙江交通发展).
        trade, place_tokens = place_tokens[-1], place_tokens[:-1]
    if len(trade) < _MIN_TRADE_NAME:
        return None
    return EnglishParts(
        trade, frozenset(industry), frozenset(place_tokens), " ".join(industry), " ".join(place_tokens)
    )


def _trade_name(tokens: list[str]) -> str:
    """The first run of pinyin-like words that are not industry words ("changbao" of "changbao steeltube")."""
    run: list[str] = []
    for token in tokens:
        if token in lexicon.INDUSTRY_TOKENS or not (token.isalpha() and looks_like_pinyin(token)):
            if run:
                break
            continue
        run.append(token)
    return "".join(run)


def _join_places(tokens: list[str]) -> list[str]:
    """Places written in two words ("Hong Kong", "Inner Mongolia", "Xi An") as one token."""
    places = english_places() | _PLACE_SPELLINGS.keys()
    joined: list[str] = []
    for token in tokens:
        if joined and joined[-1] not in places and joined[-1] + token in places:
            joined[-1] += token
        else:
            joined.append(token)
    return joined


def compare(query: EnglishParts, key: PinyinKey) -> tuple[float, tuple[PartCheck, ...], str]:
    """Score (review range only), the part checks and the limit for an English text against a reading."""
    checks = [PartCheck(PART_TRADE_NAME, query.trade_name, key.trade_name, "same")]
    score = 82.0
    limit = LIMIT_PINYIN
    if query.places or key.places:
        verdict = _verdict(query.places, key.places)
        checks.insert(0, PartCheck(PART_PLACE, query.place_text, key.place_names, verdict))
        score += {"same": 3.0, "differs": -6.0}.get(verdict, 0.0)
        if verdict == "differs":
            limit = "other_place"
    if query.industry or key.industry_english:
        verdict = _verdict(query.industry, key.industry_english)
        checks.append(PartCheck(PART_INDUSTRY, query.industry_text, key.industry, verdict))
        score += {"same": 6.0, "differs": -6.0}.get(verdict, 0.0)
    return score, tuple(checks), limit


def _verdict(text: frozenset[str], customer: frozenset[str]) -> str:
    if text and customer:
        return "same" if text & customer else "differs"
    return "only_text" if text else "only_customer"
