"""Evaluation: how well OCR reads company names off logos, and what matching makes of the reads.

    .venv/bin/python bench/eval_ocr_logos.py [--names 120] [--seed 18] [--data ../shared/data]

Renders logos (monitor.demo.images.logo_png) from real company names in the shared lists
(`companies/listed-companies.dev.csv` short and full names, `companies/fullname-brand.dev.txt` brands;
never copied into the repository), each with a random variant: font (Noto Sans/Serif CJK, regular or
bold), colours (dark on white, white on a colour, a low-contrast pair), size (120x40 to 300x100) and,
for half of them, a symbol beside the name. Each logo is read with the crawl's reader
(monitor.capture.logos.LogoReader) and the read matched with the crawl's matcher against a roster of every
sampled company (full and short names), at the default thresholds.

Prints the share read exactly, the confidence of exact and wrong reads, and per confidence threshold
what an automatic match would do: how many reads would auto-match, how many of those to the wrong
customer. `matching.ocr_auto_confidence` is the lowest threshold with no wrong automatic match.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from monitor.capture.logos import LogoReader
from monitor.demo.images import logo_png
from monitor.matching import CustomerRecord, MatchIndex, Thresholds

FONTS = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "sans"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "sans bold"),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "serif"),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", "serif bold"),
]
COLOURS = [
    ((20, 40, 120), (255, 255, 255), "dark on white"),
    ((255, 255, 255), (200, 30, 40), "white on red"),
    ((255, 255, 255), (30, 110, 190), "white on blue"),
    ((120, 120, 120), (235, 235, 235), "grey on light grey"),
]
SIZES = [(120, 40), (150, 60), (240, 80), (300, 100)]
_MARKS = re.compile(r"^\*?ST|[AB]$")


@dataclass(frozen=True)
class Company:
    code: str
    full_name: str
    short_name: str


def companies(data: Path) -> list[Company]:
    found = []
    with (data / "companies" / "listed-companies.dev.csv").open(encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle)):
            short = _MARKS.sub("", row["short_name"]).strip()
            if short and row["full_name"]:
                found.append(Company(f"L{number:04d}", row["full_name"], short))
    for number, line in enumerate(
        (data / "companies" / "fullname-brand.dev.txt").read_text("utf-8").splitlines()
    ):
        parts = line.split()
        if len(parts) == 2:
            found.append(Company(f"B{number:04d}", parts[0], parts[1]))
    return found


@dataclass
class Read:
    company: Company
    shown: str
    variant: str
    text: str
    confidence: float
    decision: str
    customer: str | None


def evaluate(sample: list[Company], roster: list[Company], seed: int) -> list[Read]:
    rng = random.Random(seed)
    reader = LogoReader()
    index = MatchIndex.build(
        [CustomerRecord(c.code, c.full_name, c.short_name) for c in roster], Thresholds.of(None)
    )
    reads = []
    for company in sample:
        shown = company.short_name if rng.random() < 0.8 else company.full_name
        font_path, font = rng.choice(FONTS)
        ink, paper, colours = rng.choice(COLOURS)
        width, height = rng.choice(SIZES)
        if len(shown) > 8:  # a full name on a small logo is unreadable by anyone: a wide banner
            width, height = 300, 60
        symbol = rng.random() < 0.5
        image = logo_png(
            shown, width, height, symbol=symbol, ink=ink, paper=paper, font_path=font_path, font_index=2
        )
        read = reader.read(image)
        text, confidence = (read.text, read.confidence) if read else ("", 0.0)
        result = index.match(text) if text else None
        variant = f"{font}, {colours}, {width}x{height}{', symbol' if symbol else ''}"
        reads.append(
            Read(
                company,
                shown,
                variant,
                text,
                confidence,
                result.decision if result else "none",
                result.customer_id if result else None,
            )
        )
    return reads


def report(reads: list[Read]) -> None:
    total = len(reads)
    exact = [r for r in reads if r.text == r.shown]
    wrong = [r for r in reads if r.text != r.shown]
    print(f"logos: {total}; read exactly: {len(exact)} ({len(exact) / total:.1%})")
    if exact:
        print(
            f"  confidence of exact reads: median {statistics.median(r.confidence for r in exact):.3f}, "
            f"min {min(r.confidence for r in exact):.3f}"
        )
    if wrong:
        print(
            f"  confidence of wrong reads: median {statistics.median(r.confidence for r in wrong):.3f}, "
            f"max {max(r.confidence for r in wrong):.3f}"
        )
    for key in ("symbol", "grey on light grey", "120x40", "serif"):
        part = [r for r in reads if key in r.variant]
        if part:
            share = sum(r.text == r.shown for r in part) / len(part)
            print(f"  {key}: {len(part)} logos, read exactly {share:.1%}")
    right = sum(r.customer == r.company.code for r in reads if r.decision == "auto")
    auto = sum(r.decision == "auto" for r in reads)
    review = sum(r.decision == "review" for r in reads)
    print(
        f"matching (no OCR rule): auto {auto} (right customer {right}), review {review}, "
        f"none {total - auto - review}"
    )
    print("threshold  auto  auto-wrong  review-instead")
    for threshold in (0.0, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.99):
        kept = [r for r in reads if r.decision == "auto" and r.confidence >= threshold]
        bad = sum(r.customer != r.company.code for r in kept)
        print(f"{threshold:9.2f}  {len(kept):4d}  {bad:10d}  {auto - len(kept):14d}")
    print("wrong reads (shown -> read, confidence, decision):")
    for r in wrong[:25]:
        print(f"  {r.shown} -> {r.text!r} {r.confidence:.3f} {r.decision} {r.customer or ''} [{r.variant}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=120)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    args = parser.parse_args()
    roster = companies(args.data)
    sample = random.Random(args.seed).sample(roster, args.names)
    started = time.perf_counter()
    reads = evaluate(sample, roster, args.seed)
    seconds = time.perf_counter() - started
    report(reads)
    print(f"{len(reads)} logos in {seconds:.0f} s")


if __name__ == "__main__":
    main()
