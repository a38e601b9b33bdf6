"""Generate the labelled evaluation set from the real company lists in ../shared/data (never copied here).

    python -m monitor.matching.evalset OUTDIR [--data DIR]

writes OUTDIR/customers.csv (the roster), OUTDIR/labelled.csv (`text,expected_customer_id,kind,half`) and
OUTDIR/others.csv (known non-customers: an imported company list). The same data and seed always give the
same files.

Every company falls in one half, `tune` or `test`, by a hash of its full name and the seed, and every row
made from a company (its full name, short name, English name, the near misses built from it) is in that
company's half: rules are tuned on the tuning half and the test half says how they do on names never
looked at. Most companies become customers; the rest are outsiders, half of them known as non-customers
(in others.csv). The roster carries full names and, for half of the listed customers, their English name:
short names and brands must be recognised, not looked up, and English texts of customers without an
English name must be found through pinyin.
"""

from __future__ import annotations

import argparse
import csv
import functools
import hashlib
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from monitor.matching.normalize import normalize, to_pinyin

DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"
SEED = 2027
HALVES = ("tune", "test")
BRANCH_PLACES = ("北京", "上海", "广州", "深圳", "江苏省", "浙江省", "福建省", "四川省", "武汉", "西安")
OTHER_PLACES = ("苏州市", "重庆", "福建", "河南省", "成都", "青岛", "湖北", "大连市", "江西", "长沙")
SWAP_TRADES = ("食品", "物流", "置业", "酒店", "服饰", "投资", "传媒", "教育", "建材", "矿业")
# Words that name another entity of the same group ("华远航运控股" is not "华远航运科技").
ENTITY_WORDS = ("控股", "实业", "科技", "发展", "投资", "产业")
CUSTOMER_SHARE = 0.85
ENGLISH_SHARE = 0.5  # half of real rosters have no English names
CASES_PER_KIND = 250  # per kind over both halves
PINYIN_CASES = 150  # romanised texts are a minority of ads; brand-only ones go to review by design
KNOWN_OUTSIDER_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Company:
    """A real company from the data files."""

    full_name: str
    short_name: str = ""
    english_name: str = ""
    brand: str = ""


@dataclass(frozen=True, slots=True)
class Customer:
    """A company on the roster: its id, its half, and whether the roster has its English name."""

    customer_id: str
    company: Company
    half: str
    roster_english: bool


@dataclass(frozen=True, slots=True)
class EvalSet:
    """Customers, labelled rows (text, expected id or "", kind, half) and known non-customers."""

    customers: list[Customer]
    labelled: list[tuple[str, str, str, str]]
    others: list[str]


def half_of(full_name: str, seed: int = SEED) -> str:
    """The half a company belongs to: a hash of its full name and the seed, independent of file order."""
    digest = hashlib.sha256(f"{seed}:{full_name}".encode()).digest()
    return HALVES[digest[0] & 1]


def read_companies(data_dir: Path = DATA_DIR) -> tuple[list[Company], list[Company]]:
    """Listed companies and brand-file companies, deduplicated by full name."""
    folder = data_dir / "companies"
    with (folder / "listed-companies.dev.csv").open(encoding="utf-8-sig", newline="") as handle:
        listed = [
            Company(row["full_name"].strip(), row["short_name"].strip(), row["english_name"].strip())
            for row in csv.DictReader(handle)
        ]
    branded = []
    for line in (folder / "fullname-brand.dev.txt").read_text("utf-8").splitlines():
        parts = line.split()
        if parts:
            branded.append(Company(parts[0], brand=parts[1] if len(parts) > 1 else ""))
    return _unique(listed), _unique(branded)


def _unique(companies: list[Company]) -> list[Company]:
    return list({company.full_name: company for company in companies}.values())


Row = tuple[str, str, str]  # text, expected customer id or "", kind


@dataclass(frozen=True)
class _Pool:
    """What the row makers of one half draw from."""

    customers: list[Customer]
    outsiders: list[Company]
    known: frozenset[str]  # bases of every customer (both halves): generated near misses avoid them
    known_full: frozenset[str]  # cleaned full names of every customer
    others: frozenset[str]  # full names of known non-customers


def build_evalset(data_dir: Path = DATA_DIR, seed: int = SEED) -> EvalSet:
    """The roster, the labelled cases of both halves and the known non-customers, deterministic."""
    rng = random.Random(seed)
    listed, branded = read_companies(data_dir)
    rng.shuffle(listed)
    rng.shuffle(branded)
    kept_listed, out_listed = _split(listed)
    kept_branded, out_branded = _split(branded)
    customers = [
        Customer(
            f"C{number:05d}",
            company,
            half_of(company.full_name, seed),
            bool(company.english_name) and rng.random() < ENGLISH_SHARE,
        )
        for number, company in enumerate(kept_listed + kept_branded, 1)
    ]
    known = frozenset(normalize(customer.company.full_name).base for customer in customers)
    outsiders = [
        company for company in out_listed + out_branded if normalize(company.full_name).base not in known
    ]
    others = [company.full_name for company in outsiders if rng.random() < KNOWN_OUTSIDER_SHARE]
    labelled: list[tuple[str, str, str, str]] = []
    for half in HALVES:
        pool = _Pool(
            [customer for customer in customers if customer.half == half],
            [company for company in outsiders if half_of(company.full_name, seed) == half],
            known,
            frozenset(normalize(customer.company.full_name).full for customer in customers),
            frozenset(others),
        )
        for make in _KINDS.values():
            labelled.extend(
                (*row, half) for row in make(random.Random(f"{seed}:{half}:{make.__name__}"), pool)
            )
    return EvalSet(customers, labelled, others)


def _split(companies: list[Company]) -> tuple[list[Company], list[Company]]:
    cut = round(len(companies) * CUSTOMER_SHARE)
    return companies[:cut], companies[cut:]


def _per_half(count: int) -> int:
    return count // len(HALVES)


def _sample(rng: random.Random, items: list[Customer], count: int = CASES_PER_KIND) -> list[Customer]:
    return rng.sample(items, min(_per_half(count), len(items)))


def _full(rng: random.Random, pool: _Pool) -> list[Row]:
    return [(c.company.full_name, c.customer_id, "full") for c in _sample(rng, pool.customers)]


def _short(rng: random.Random, pool: _Pool) -> list[Row]:
    listed = [c for c in pool.customers if c.company.short_name]
    return [(c.company.short_name, c.customer_id, "short") for c in _sample(rng, listed)]


def _brand(rng: random.Random, pool: _Pool) -> list[Row]:
    branded = [c for c in pool.customers if c.company.brand]
    return [(c.company.brand, c.customer_id, "brand") for c in _sample(rng, branded)]


def _english(rng: random.Random, pool: _Pool) -> list[Row]:
    named = [c for c in pool.customers if c.roster_english]
    return [
        (_english_variant(rng, c.company.english_name), c.customer_id, "english") for c in _sample(rng, named)
    ]


def _english_noname(rng: random.Random, pool: _Pool) -> list[Row]:
    """English texts of customers whose roster entry has no English name: found through pinyin, or not."""
    unnamed = [c for c in pool.customers if c.company.english_name and not c.roster_english]
    return [
        (_english_variant(rng, c.company.english_name), c.customer_id, "english_noname")
        for c in _sample(rng, unnamed)
    ]


def _english_variant(rng: random.Random, name: str) -> str:
    variants: list[Callable[[str], str]] = [str, str.upper, _without_legal_form, _without_place_and_form]
    return rng.choice(variants)(name)


def _without_legal_form(name: str) -> str:
    words = name.replace(",", " ").replace(".", " ").split()
    while words and words[-1].lower() in {"co", "ltd", "limited", "inc", "corporation", "corp"}:
        words.pop()
    return " ".join(words) or name


def _without_place_and_form(name: str) -> str:
    words = _without_legal_form(name).split()
    places = {to_pinyin(place) for place in BRANCH_PLACES} | {
        "china",
        "zhejiang",
        "guangdong",
        "shandong",
        "hunan",
        "hubei",
        "henan",
        "anhui",
        "jiangsu",
    }
    return " ".join(words[1:]) if len(words) > 2 and words[0].lower() in places else " ".join(words)


_PINYIN_TRADES = {
    "银行": "Bank",
    "科技": "Technology",
    "软件": "Software",
    "医药": "Pharmaceutical",
    "食品": "Food",
    "物流": "Logistics",
    "电子": "Electronics",
    "汽车": "Auto",
    "化工": "Chemical",
    "投资": "Investment",
    "教育": "Education",
    "保险": "Insurance",
}


def _pinyin(rng: random.Random, pool: _Pool) -> list[Row]:
    rows = []
    for customer in _sample(rng, [c for c in pool.customers if not c.company.english_name], PINYIN_CASES):
        name = normalize(customer.company.full_name)
        trade = next((english for word, english in _PINYIN_TRADES.items() if word in name.core), "")
        rows.append((f"{to_pinyin(name.brand).title()} {trade}".strip(), customer.customer_id, "pinyin"))
    return rows


def _branch(rng: random.Random, pool: _Pool) -> list[Row]:
    rows = []
    for customer in _sample(rng, pool.customers):
        full_name = customer.company.full_name
        unit = "分行" if full_name.endswith("银行股份有限公司") else rng.choice(("分公司", "办事处"))
        rows.append((f"{full_name}{rng.choice(BRANCH_PLACES)}{unit}", customer.customer_id, "branch"))
    return rows


def _decorated(rng: random.Random, pool: _Pool) -> list[Row]:
    templates: list[Callable[[str], str]] = [
        lambda name: f"{rng.randint(1, 3)}/3{name}招聘信息",
        lambda name: f"{name}诚聘英才",
        lambda name: f"【热招】{name}2027届校园招聘",
        lambda name: f"{name} 诚聘 技术 销售人才",
        lambda name: f"{name}热招职位",
        _full_width,
        _traditional,
    ]
    return [
        (rng.choice(templates)(c.company.full_name), c.customer_id, "decorated")
        for c in _sample(rng, pool.customers)
    ]


def _full_width(name: str) -> str:
    if "(" in name:
        return name.replace("(", "（").replace(")", "）")
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in name) + "招聘信息"


def _traditional(name: str) -> str:
    return str(_s2t().convert(name))  # type: ignore[attr-defined]


@functools.cache
def _s2t() -> object:
    from opencc import OpenCC

    return OpenCC("s2t")


def _near_misses(
    rng: random.Random,
    pool: _Pool,
    kind: str,
    mutate: Callable[[random.Random, Company], str],
    same_base: bool = False,
) -> list[Row]:
    """Up to CASES_PER_KIND/2 texts made from customers by `mutate` that name no customer: another name
    (base), or with `same_base` another legal entity of the same name (a holding, a subsidiary)."""
    rows: list[Row] = []
    seen: set[str] = set()
    for customer in rng.sample(pool.customers, len(pool.customers)):
        text = mutate(rng, customer.company)
        name = normalize(text) if text else None
        if name is None or not name.base or name.full in pool.known_full:
            continue
        if (same_base or name.base not in pool.known) and text not in seen:
            seen.add(text)
            rows.append((text, "", kind))
        if len(rows) >= _per_half(CASES_PER_KIND):
            break
    return rows


def _near_miss(rng: random.Random, pool: _Pool) -> list[Row]:
    brand_chars = [char for c in pool.customers for char in normalize(c.company.full_name).brand]
    return _near_misses(rng, pool, "near_miss", lambda r, company: _mutate(r, company.full_name, brand_chars))


def _mutate(rng: random.Random, full_name: str, pool: list[str]) -> str:
    name = normalize(full_name)
    if len(name.brand) < 2:
        return ""
    if rng.random() < 0.5:  # one character of the brand changed: another company
        position = rng.randrange(len(name.brand))
        brand = name.brand[:position] + rng.choice(pool) + name.brand[position + 1 :]
        return full_name.replace(name.brand, brand, 1) if brand != name.brand else ""
    trade = rng.choice([word for word in SWAP_TRADES if word not in name.core])  # same brand, other trade
    return f"{name.brand}{trade}有限公司"


def _legal_form(full_name: str) -> str:
    for form in ("股份有限公司", "有限责任公司", "有限公司"):
        if full_name.endswith(form):
            return form
    return ""


def _other_place(rng: random.Random, company: Company) -> str:
    """Same trade name, another explicit place: "苏州市太和实业股份有限公司" for "重庆太和实业…"."""
    name = normalize(company.full_name)
    if not name.places or not company.full_name.startswith(name.places[0]) or len(name.core) < 2:
        return ""
    mine = {place.rstrip("省市") for place in name.places}
    place = rng.choice([p for p in OTHER_PLACES if p.rstrip("省市") not in mine])
    return place + company.full_name[len(name.places[0]) :]


def _same_group(rng: random.Random, company: Company) -> str:
    """Another entity of the same group: "华远航运控股股份有限公司" for "华远航运科技股份有限公司", or the
    gapped "江南明业股份有限公司" for "江南明泰乳业股份有限公司"."""
    name = normalize(company.full_name)
    form = _legal_form(company.full_name)
    if not form or len(name.brand) < 2:
        return ""
    lead = "".join(place for place in name.places if company.full_name.startswith(place))[:4]
    if rng.random() < 0.3 and len(name.core) >= 4:
        keep = sorted(rng.sample(range(1, len(name.core) - 1), len(name.core) - 3))
        return f"{lead}{name.core[0]}{''.join(name.core[i] for i in keep)}{name.core[-1]}{form}"
    word = rng.choice([w for w in ENTITY_WORDS if w not in name.core])
    return f"{lead}{name.brand}{word}{form}"


def _prefix2(rng: random.Random, company: Company) -> str:
    """A two-character prefix with its own place or legal form: "福建福安股份有限公司", "长海股份"."""
    name = normalize(company.full_name)
    if len(name.core) < 4:
        return ""
    if rng.random() < 0.5:
        return f"{rng.choice(OTHER_PLACES)}{name.core[:2]}股份有限公司"
    return f"{name.core[:2]}{rng.choice(('股份', '集团'))}"


def _holding(rng: random.Random, company: Company) -> str:
    """The group's holding ("…控股集团有限公司") or a subsidiary in a place ("…(武汉)有限公司")."""
    name = normalize(company.full_name)
    if len(name.brand) < 2 or "集团" in company.full_name or "控股" in company.full_name:
        return ""
    if rng.random() < 0.5:
        return f"{name.base}{rng.choice(('控股集团有限公司', '集团有限公司', '控股有限公司'))}"
    mine = {place.rstrip("省市") for place in name.places}
    place = rng.choice([p for p in BRANCH_PLACES if p.rstrip("省市") not in mine]).rstrip("省")
    return f"{name.base}({place})有限公司"


def _nm_place(rng: random.Random, pool: _Pool) -> list[Row]:
    return _near_misses(rng, pool, "nm_place", _other_place)


def _nm_group(rng: random.Random, pool: _Pool) -> list[Row]:
    return _near_misses(rng, pool, "nm_group", _same_group)


def _nm_prefix2(rng: random.Random, pool: _Pool) -> list[Row]:
    return _near_misses(rng, pool, "nm_prefix2", _prefix2)


def _nm_holding(rng: random.Random, pool: _Pool) -> list[Row]:
    return _near_misses(rng, pool, "nm_holding", _holding, same_base=True)


def _outsider(rng: random.Random, pool: _Pool) -> list[Row]:
    """Companies that are not customers: unknown ones, and ones the office knows (others.csv)."""
    picked = rng.sample(pool.outsiders, min(_per_half(CASES_PER_KIND), len(pool.outsiders)))
    return [
        (
            rng.choice([company.full_name, company.short_name or company.full_name]),
            "",
            "outsider_known" if company.full_name in pool.others else "outsider",
        )
        for company in picked
    ]


_KINDS: dict[str, Callable[[random.Random, _Pool], list[Row]]] = {
    "full": _full,
    "short": _short,
    "brand": _brand,
    "english": _english,
    "english_noname": _english_noname,
    "pinyin": _pinyin,
    "branch": _branch,
    "decorated": _decorated,
    "near_miss": _near_miss,
    "nm_place": _nm_place,
    "nm_group": _nm_group,
    "nm_prefix2": _nm_prefix2,
    "nm_holding": _nm_holding,
    "outsider": _outsider,
}


def write_evalset(evalset: EvalSet, out_dir: Path) -> tuple[Path, Path]:
    """Write customers.csv, labelled.csv and others.csv into `out_dir`; returns the first two paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    customers_path, labelled_path = out_dir / "customers.csv", out_dir / "labelled.csv"
    _write(
        customers_path,
        ["customer_id", "name", "english_name"],
        (
            (c.customer_id, c.company.full_name, c.company.english_name if c.roster_english else "")
            for c in evalset.customers
        ),
    )
    _write(labelled_path, ["text", "expected_customer_id", "kind", "half"], evalset.labelled)
    _write(out_dir / "others.csv", ["name"], ((name,) for name in evalset.others))
    return customers_path, labelled_path


def _write(path: Path, header: list[str], rows: Iterable[Iterable[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: generate the evaluation set into OUTDIR."""
    parser = argparse.ArgumentParser(prog="python -m monitor.matching.evalset", description=__doc__)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="the shared data folder")
    args = parser.parse_args(argv)
    customers, labelled = write_evalset(build_evalset(args.data), args.outdir)
    print(f"wrote {customers}, {labelled} and {labelled.with_name('others.csv')}")


if __name__ == "__main__":
    main()
