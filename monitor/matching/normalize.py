"""Normalisation of advertiser texts and customer names into comparable keys.

`normalize("1/3上海浦东发展银行股份有限公司福建省分行招聘信息")` gives
`full` "上海浦东发展银行股份有限公司福建省分行", `base` "上海浦东发展银行", `core` "浦东发展银行",
`brand` "浦东", `branch` "福建省分行", and pinyin/latin keys.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from monitor.matching import lexicon


@dataclass(frozen=True, slots=True)
class NormalizedName:
    """The keys one name is compared by; every field is already normalised."""

    text: str  # the input, unchanged
    full: str  # NFKC, simplified, lower-case, decorations removed, brackets as ()
    base: str  # Han name without legal form, bracketed qualifiers and branch; keeps a leading place
    core: str  # base without leading place qualifiers, unless only trade words would remain
    brand: str  # core without trailing trade words ("浦东发展银行" -> "浦东")
    branch: str | None  # the branch or unit that was cut off ("福建省分行"), if any
    places: tuple[str, ...]  # place qualifiers removed from the front or from brackets
    latin: str  # English key: lower-case tokens without legal forms and places, space-separated
    form: str = ""  # the organisation form cut from the end ("控股股份有限公司"), "(集团)" included
    # Derived once by `normalize` (the matcher reads them for every candidate):
    legal_entity: bool = False  # the text carries a full legal form ("…有限公司"): it names one entity
    group_words: tuple[str, ...] = ()  # "集团", "控股" in the form: a holding is another entity
    place_keys: frozenset[str] = frozenset()  # explicit places without suffixes; country words say nothing

    @property
    def industry(self) -> str:
        """The trade words after the trade name (字号): "发展银行" of "浦东发展银行"."""
        return self.core[len(self.brand) :]

    @property
    def pinyin(self) -> str:
        """Toneless pinyin of `core`, no spaces."""
        return to_pinyin(self.core)

    @property
    def has_han(self) -> bool:
        """True when the name has Chinese characters to compare."""
        return bool(self.base)


def _alternation(words: tuple[str, ...] | list[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


_PLACE_NAMES = lexicon.PROVINCES + lexicon.CITIES
_PLACE_RE = f"(?:{_alternation(list(_PLACE_NAMES))})(?:{_alternation(list(lexicon.PLACE_SUFFIXES))})?"
_LEADING_PLACE = re.compile(
    f"^(?:{_PLACE_RE}|{_alternation(list(lexicon.COUNTRY_WORDS))}|{_alternation(list(lexicon.ZONE_WORDS))})"
)
_LEADING_BARE_PLACE = re.compile(f"^(?:{_alternation(list(_PLACE_NAMES + lexicon.COUNTRY_WORDS))})")
_TRAILING_PLACE = re.compile(f"(?:{_PLACE_RE})$")
_ANY_PLACE = re.compile(_PLACE_RE)
_ADMIN_UNIT = re.compile(f"^[\u4e00-\u9fff]{{1,4}}?(?:{_alternation(list(lexicon.ADMIN_SUFFIXES))})")
_BRACKETED = re.compile(r"\(([^()]*)\)")
_LEGAL_SUFFIX = re.compile(f"(?:{_alternation(list(lexicon.LEGAL_FORMS))})$")
_LEGAL_ANY = re.compile(_alternation(list(lexicon.LEGAL_FORMS)))
_UNIT_SUFFIX = re.compile(f"(?:{_alternation(list(lexicon.UNIT_WORDS))})$")
_GENERIC_SUFFIX = re.compile(f"(?:{_alternation(list(lexicon.INDUSTRY_WORDS))})$")
_ALL_GENERIC = re.compile(f"^(?:{_alternation(list(lexicon.INDUSTRY_WORDS))})+$")
_ROTATION_PREFIX = re.compile(r"^\s*\d{1,2}\s*/\s*\d{1,2}\s*")
_YEAR = re.compile(r"(?:19|20)\d{2}\s*(?:届|年度|年|级)")
_DECORATION_SUFFIX = re.compile(f"(?:{'|'.join(lexicon.DECORATION_SUFFIXES)})$")
_LEAD_BRACKET = re.compile(r"^【([^】]*)】")
_STOCK_MARKS = re.compile(r"^(?:\*?s?\*?st|xd|dr)(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])[ab]$")
_TRIM = " \t-_|·•,，.。:：;；!！~、/"
_HAN = re.compile(r"[\u3400-\u9fff]")
_NOT_HAN_OR_LATIN = re.compile(r"[^\u3400-\u9fffa-z0-9]")
_LATIN_TOKEN = re.compile(r"[a-z0-9]+")
_SEGMENT_SPLIT = re.compile(r"\s*[-–—|｜/·]\s*|\s{1,}(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])\s+")
_PINYIN_WORDS = re.compile(
    f"{_alternation(list(lexicon.INDUSTRY_WORDS + _PLACE_NAMES + lexicon.COUNTRY_WORDS))}|[\u3400-\u9fff]"
)
_BRACKET_MAP = str.maketrans(
    {
        "【": "(",
        "】": ")",
        "[": "(",
        "]": ")",
        "〔": "(",
        "〕": ")",
        "{": "(",
        "}": ")",
        "《": "",
        "》": "",
        "「": "",
        "」": "",
        "“": "",
        "”": "",
        '"': "",
        "'": "",
    }
)


@functools.cache
def _opencc() -> object:
    from opencc import OpenCC

    return OpenCC("t2s")


@functools.cache
def _traditional_chars() -> frozenset[str]:
    import opencc

    dictionary = __import__("pathlib").Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    return frozenset(line.split("\t", 1)[0] for line in dictionary.read_text("utf-8").splitlines() if line)


def to_simplified(text: str) -> str:
    """Traditional -> simplified Chinese; text without traditional characters is returned as is."""
    if _traditional_chars().isdisjoint(text):
        return text
    return str(_opencc().convert(text))  # type: ignore[attr-defined]


def to_pinyin(han: str) -> str:
    """Toneless pinyin of the Chinese characters in `han`, without spaces ("平安银行" -> "pinganyinhang")."""
    return "".join(_word_pinyin(word) for word in _PINYIN_WORDS.findall(han))


def char_pinyin(char: str) -> str:
    """Toneless pinyin of one character (cached)."""
    return _word_pinyin(char)


@functools.lru_cache(maxsize=65536)
def _word_pinyin(word: str) -> str:
    # Known words (trade words, places) are read as phrases, so "银行" is "yinhang", not "yinxing";
    # other characters one by one, cached: pypinyin is slow per call.
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(word))


def clean(text: str) -> str:
    """NFKC, simplified, lower-case, decorations removed: the advertiser's name as it was meant."""
    text = to_simplified(unicodedata.normalize("NFKC", text)).lower().strip()
    text = _ROTATION_PREFIX.sub("", text)
    text = _strip_lead_bracket(text)
    text = _strip_decorations(text)
    text = text.translate(_BRACKET_MAP)
    return re.sub(r"\s+", " ", text).strip(_TRIM)


def _strip_lead_bracket(text: str) -> str:
    match = _LEAD_BRACKET.match(text)
    if match is None:
        return text
    rest = _strip_decorations(text[match.end() :])
    return text[match.end() :] if rest.strip(_TRIM) else match.group(1)


def _strip_decorations(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _DECORATION_SUFFIX.sub("", _YEAR.sub(" ", text).strip(_TRIM))
        text = re.sub(r"(?:19|20)\d{2}$", "", text)
    return text


def split_segments(text: str) -> list[str]:
    """The parts of a compound ad text ("华翔集团-宁波井上华翔": two names), cleaned; [] if not compound."""
    parts = [part for part in _SEGMENT_SPLIT.split(clean(text)) if part.strip(_TRIM)]
    return parts if len(parts) > 1 else []


def is_generic(word: str) -> bool:
    """True when `word` is nothing but trade words ("软件服务"), so it names no one."""
    return bool(word) and _ALL_GENERIC.match(word) is not None


def place_key(place: str) -> str:
    """A place without its administrative suffix, so "苏州市" and "苏州" compare equal."""
    for suffix in lexicon.PLACE_SUFFIXES:
        if place.endswith(suffix) and len(place) - len(suffix) >= 2:
            return place[: -len(suffix)]
    return place


def is_place(word: str) -> bool:
    """True when `word` is a province, city or country qualifier ("江苏省", "中国")."""
    return bool(word) and (_LEADING_PLACE.sub("", word) == "")


def normalize(text: str) -> NormalizedName:
    """All comparison keys of one advertiser text or customer name."""
    full = _STOCK_MARKS.sub("", clean(text))
    han_text, places, qualifiers, unit_places = _drop_brackets(full)
    han_text = _NOT_HAN_OR_LATIN.sub("", han_text) if _HAN.search(han_text) else ""
    base, branch = _split_branch(han_text)
    base, trailing_place, form = _strip_legal(base)
    branch = (
        "".join(part for part in (trailing_place, branch, *(f"({p})" for p in unit_places)) if part) or None
    )
    core, leading = _strip_leading_places(base)
    places = tuple(leading) + places
    full_form = "".join(f"({word})" for word in qualifiers) + form
    return NormalizedName(
        text=text,
        full=full,
        base=base,
        core=core,
        brand=_brand(core),
        branch=branch,
        places=places,
        latin=latin_key(full),
        form=full_form,
        legal_entity=any(word in full_form for word in lexicon.ENTITY_FORMS),
        group_words=tuple(word for word in lexicon.GROUP_WORDS if word in full_form),
        place_keys=frozenset(place_key(place) for place in places if place not in lexicon.COUNTRY_WORDS),
    )


def _drop_brackets(text: str) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The text without bracketed parts; the places among them (those after the legal form are a
    unit's, "市场部(北京)", and come last), and the group words among them ("(集团)")."""
    entity_end = max(text.rfind(word) for word in lexicon.ENTITY_FORMS)
    places: list[str] = []
    unit_places: list[str] = []
    qualifiers: list[str] = []
    for match in _BRACKETED.finditer(text):
        inner = match.group(1)
        if is_place(inner):
            (unit_places if 0 <= entity_end < match.start() else places).append(inner)
        elif inner in lexicon.GROUP_WORDS:
            qualifiers.append(inner)
    cleaned = _BRACKETED.sub("", text).replace("(", "").replace(")", "")
    return cleaned, tuple(places), tuple(qualifiers), tuple(unit_places)


def _split_branch(name: str) -> tuple[str, str | None]:
    unit = _UNIT_SUFFIX.search(name)
    if unit is None or unit.start() < 2:
        return name, None
    legal_ends = [match.end() for match in _LEGAL_ANY.finditer(name, 0, unit.start())]
    if legal_ends and legal_ends[-1] >= 2:
        return name[: legal_ends[-1]], name[legal_ends[-1] :]
    place = next((m for m in _ANY_PLACE.finditer(name, 2, unit.start())), None)
    cut = place.start() if place is not None else unit.start()
    return name[:cut], name[cut:]


def _strip_legal(name: str) -> tuple[str, str | None, str]:
    """The name without legal forms at its end, a place found between them, and the forms cut."""
    place: str | None = None
    form = ""
    previous = None
    while previous != name:
        previous = name
        stripped = _LEGAL_SUFFIX.sub("", name)
        if len(stripped) >= 2:
            form = name[len(stripped) :] + form
            name = stripped
        trailing = _TRAILING_PLACE.search(name)
        if trailing is not None and trailing.start() >= 2 and name != previous:
            place, name = trailing.group(0), name[: trailing.start()]
    return name, place, form


def _strip_leading_places(base: str) -> tuple[str, list[str]]:
    places: list[str] = []
    core = base
    while (place := _leading_place(core)) is not None:
        rest = core[len(place) :]
        if len(rest) < 2 or is_generic(rest) or is_place(rest):
            break
        places.append(place)
        core = rest
    return core, places


def _leading_place(name: str) -> str | None:
    """A known place at the start of `name`, else a generic administrative unit ("易县", "越城区")."""
    known = _LEADING_PLACE.match(name)
    if known is not None:
        if name[known.end() - 1 : known.end() + 1] not in lexicon.NOT_ADMIN_FOLLOW:
            return known.group(0)
        bare = _LEADING_BARE_PLACE.match(name)
        return bare.group(0) if bare is not None and bare.end() < known.end() else None
    unit = _ADMIN_UNIT.match(name)
    if unit is None or unit.group(0).endswith(lexicon.NOT_ADMIN):
        return None
    return None if name[unit.end() - 1 : unit.end() + 1] in lexicon.NOT_ADMIN_FOLLOW else unit.group(0)


def _brand(core: str) -> str:
    brand = core
    while (match := _GENERIC_SUFFIX.search(brand)) is not None and match.start() >= 2:
        brand = brand[: match.start()]
    return brand


def english_places() -> frozenset[str]:
    """Lower-case pinyin and English spellings of the known places ("zhejiang", "china", "hk")."""
    return _english_places()


@functools.cache
def _english_places() -> frozenset[str]:
    names = _PLACE_NAMES + lexicon.COUNTRY_WORDS
    return frozenset(to_pinyin(name) for name in names) | {"china", "prc", "hongkong", "hk", "macau"}


def latin_key(full: str) -> str:
    """English key of a cleaned name: tokens without legal forms and places ("baosight software")."""
    tokens = [token for token in _LATIN_TOKEN.findall(full) if token not in lexicon.ENGLISH_LEGAL]
    if not any(token.isalpha() and len(token) >= 2 for token in tokens):
        return ""
    places = _english_places()
    named = [token for token in tokens if token not in places]
    if named and not all(token in lexicon.ENGLISH_GENERIC for token in named):
        tokens = named
    return " ".join(tokens)


_GENERIC_ANY = re.compile(_alternation([word for word in lexicon.INDUSTRY_WORDS if len(word) >= 2]))


def trade_words(han: str) -> set[str]:
    """The trade words (of two characters or more) inside a Chinese name ("宝信软件" -> {"软件"})."""
    return set(_GENERIC_ANY.findall(han))
