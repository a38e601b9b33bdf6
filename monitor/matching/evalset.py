"""Generate the labelled evaluation set from the real company lists in ../shared/data (never copied here).

    python -m monitor.matching.evalset OUTDIR [--data DIR]

writes OUTDIR/customers.csv (the roster) and OUTDIR/labelled.csv (`text,expected_customer_id,kind`).
The same data and seed always give the same files. Most listed companies and brand-file companies become
customers; the rest are held out as outsiders. The roster carries full and English names only, so short
names and brands must be recognised, not looked up.
"""

from __future__ import annotations

import argparse
import csv
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from monitor.matching.normalize import normalize, to_pinyin

DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"
SEED = 2027
BRANCH_PLACES = ("北京", "上海", "广州", "深圳", "江苏省", "浙江省", "福建省", "四川省", "武汉", "西安")
SWAP_TRADES = ("食品", "物流", "置业", "酒店", "服饰", "投资", "传媒", "教育", "建材", "矿业")
CUSTOMER_SHARE = 0.85
CASES_PER_KIND = 250
PINYIN_CASES = 150  # romanised texts are a minority of ads; brand-only ones go to review by design


@dataclass(frozen=True, slots=True)
class Company:
    """A real company from the data files."""

    full_name: str
    short_name: str = ""
    english_name: str = ""
    brand: str = ""


@dataclass(frozen=True, slots=True)
class EvalSet:
    """Customers (id, company) and labelled rows (text, expected id or "", kind)."""

    customers: list[tuple[str, Company]]
    labelled: list[tuple[str, str, str]]


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


def build_evalset(data_dir: Path = DATA_DIR, seed: int = SEED) -> EvalSet:
    """The roster and the labelled cases, deterministic for a given data folder and seed."""
    rng = random.Random(seed)
    listed, branded = read_companies(data_dir)
    rng.shuffle(listed)
    rng.shuffle(branded)
    kept_listed, out_listed = _split(listed)
    kept_branded, out_branded = _split(branded)
    customers = [(f"C{number:05d}", company) for number, company in enumerate(kept_listed + kept_branded, 1)]
    known = {normalize(company.full_name).base for _, company in customers}
    labelled: list[tuple[str, str, str]] = []
    for make in _KINDS.values():
        labelled.extend(make(rng, customers, known, out_listed + out_branded))
    return EvalSet(customers, labelled)


def _split(companies: list[Company]) -> tuple[list[Company], list[Company]]:
    cut = round(len(companies) * CUSTOMER_SHARE)
    return companies[:cut], companies[cut:]


Row = tuple[str, str, str]
Customers = list[tuple[str, Company]]


def _sample(rng: random.Random, items: list[tuple[str, Company]], count: int = CASES_PER_KIND) -> Customers:
    return rng.sample(items, min(count, len(items)))


def _full(rng: random.Random, customers: Customers, known: set[str], outsiders: list[Company]) -> list[Row]:
    return [(company.full_name, cid, "full") for cid, company in _sample(rng, customers)]


def _short(rng: random.Random, customers: Customers, known: set[str], outsiders: list[Company]) -> list[Row]:
    listed = [(cid, company) for cid, company in customers if company.short_name]
    return [(company.short_name, cid, "short") for cid, company in _sample(rng, listed)]


def _brand(rng: random.Random, customers: Customers, known: set[str], outsiders: list[Company]) -> list[Row]:
    branded = [(cid, company) for cid, company in customers if company.brand]
    return [(company.brand, cid, "brand") for cid, company in _sample(rng, branded)]


def _english(
    rng: random.Random, customers: Customers, known: set[str], outsiders: list[Company]
) -> list[Row]:
    named = [(cid, company) for cid, company in customers if company.english_name]
    variants: list[Callable[[str], str]] = [str, str.upper, _without_legal_form, _without_place_and_form]
    return [
        (rng.choice(variants)(company.english_name), cid, "english") for cid, company in _sample(rng, named)
    ]


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


def _pinyin(rng: random.Random, customers: Customers, known: set[str], outsiders: list[Company]) -> list[Row]:
    rows = []
    for cid, company in _sample(rng, [item for item in customers if not item[1].english_name], PINYIN_CASES):
        name = normalize(company.full_name)
        trade = next((english for word, english in _PINYIN_TRADES.items() if word in name.core), "")
        rows.append((f"{to_pinyin(name.brand).title()} {trade}".strip(), cid, "pinyin"))
    return rows


def _branch(rng: random.Random, customers: Customers, known: set[str], outsiders: list[Company]) -> list[Row]:
    rows = []
    for cid, company in _sample(rng, customers):
        unit = "分行" if company.full_name.endswith("银行股份有限公司") else rng.choice(("分公司", "办事处"))
        rows.append((f"{company.full_name}{rng.choice(BRANCH_PLACES)}{unit}", cid, "branch"))
    return rows


def _decorated(
    rng: random.Random, customers: Customers, known: set[str], outsiders: list[Company]
) -> list[Row]:
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
        (rng.choice(templates)(company.full_name), cid, "decorated")
        for cid, company in _sample(rng, customers)
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


def _near_miss(
    rng: random.Random, customers: Customers, known: set[str], outsiders: list[Company]
) -> list[Row]:
    rows: list[Row] = []
    pool = [char for _, company in customers for char in normalize(company.full_name).brand]
    for _, company in _sample(rng, customers, CASES_PER_KIND * 2):
        text = _mutate(rng, company.full_name, pool)
        if text and normalize(text).base not in known and len(rows) < CASES_PER_KIND:
            rows.append((text, "", "near_miss"))
    return rows


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


def _outsider(
    rng: random.Random, customers: Customers, known: set[str], outsiders: list[Company]
) -> list[Row]:
    picked = rng.sample(outsiders, min(CASES_PER_KIND, len(outsiders)))
    return [
        (rng.choice([company.full_name, company.short_name or company.full_name]), "", "outsider")
        for company in picked
        if normalize(company.full_name).base not in known
    ]


_KINDS: dict[str, Callable[[random.Random, Customers, set[str], list[Company]], list[Row]]] = {
    "full": _full,
    "short": _short,
    "brand": _brand,
    "english": _english,
    "pinyin": _pinyin,
    "branch": _branch,
    "decorated": _decorated,
    "near_miss": _near_miss,
    "outsider": _outsider,
}


def write_evalset(evalset: EvalSet, out_dir: Path) -> tuple[Path, Path]:
    """Write customers.csv and labelled.csv into `out_dir`; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    customers_path, labelled_path = out_dir / "customers.csv", out_dir / "labelled.csv"
    with customers_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "name", "english_name"])
        writer.writerows((cid, company.full_name, company.english_name) for cid, company in evalset.customers)
    with labelled_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "expected_customer_id", "kind"])
        writer.writerows(evalset.labelled)
    return customers_path, labelled_path


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: generate the evaluation set into OUTDIR."""
    parser = argparse.ArgumentParser(prog="python -m monitor.matching.evalset", description=__doc__)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="the shared data folder")
    args = parser.parse_args(argv)
    customers, labelled = write_evalset(build_evalset(args.data), args.outdir)
    print(f"wrote {customers} and {labelled}")


if __name__ == "__main__":
    main()
