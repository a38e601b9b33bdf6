"""Evaluate slot discovery (monitor.capture.discovery) on the real saved pages in ../shared/data/pages.

    .venv/bin/python bench/eval_discovery.py [--data ../shared/data] [--truth FILE] [--slots]

For each page listed in the hand-made truth file: the share of its real advertisers that discovery
finds (recall, names compared after folding width, case and punctuation), the discovered non-house
names that are not advertisers (junk) and the share that are (precision). The pages are split into a
tuning half and a test half (`page_halves`, fixed seed); each half prints its own table, and only the
test half's figures say how discovery does on a page it was not tuned on.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from monitor.capture.discovery import DiscoveredSlot, DiscoveryScore, discover_ads, score_discovery
from monitor.capture.discovery.evaluate import page_halves
from spiders.extract import decode_page

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_TRUTH = REPO_ROOT / "tests" / "fixtures" / "discovery_truth.yaml"


@dataclass(frozen=True)
class PageResult:
    page: str
    slots: list[DiscoveredSlot]
    score: DiscoveryScore


def load_truth(path: Path) -> dict[str, dict[str, object]]:
    """The truth file's pages: file name -> {url, advertisers}."""
    pages = yaml.safe_load(path.read_text(encoding="utf-8"))["pages"]
    assert isinstance(pages, dict)
    return pages


def advertiser_names(slots: list[DiscoveredSlot]) -> list[str]:
    """Every non-house advertiser name discovered on a page."""
    return [name for slot in slots for name in slot.advertisers]


def evaluate_page(page_path: Path, url: str, expected: list[str]) -> PageResult:
    html = decode_page(page_path.read_bytes(), None, None)
    slots = discover_ads(html, url)
    return PageResult(page_path.name, slots, score_discovery(advertiser_names(slots), expected))


def evaluate(data_dir: Path, truth_file: Path) -> list[PageResult]:
    """One result per truth page present under data_dir/pages (absent pages are skipped)."""
    results = []
    for name, entry in load_truth(truth_file).items():
        path = data_dir / "pages" / name
        if path.exists():
            results.append(evaluate_page(path, str(entry["url"]), list(entry["advertisers"])))  # type: ignore[call-overload]
    return results


def format_table(results: list[PageResult]) -> str:
    head = f"{'page':<46} {'slots':>5} {'expected':>8} {'found':>5} {'recall':>7} {'prec':>6} {'junk':>4}"
    rows = [f"{head}  junk names"]
    for r in results:
        rows.append(
            f"{r.page:<46} {len(r.slots):>5} {r.score.expected:>8} {r.score.found:>5} "
            f"{r.score.recall:>7.1%} {r.score.precision:>6.1%} {len(r.score.junk):>4}  "
            f"{', '.join(r.score.junk)[:80]}"
        )
    expected = sum(r.score.expected for r in results)
    found = sum(r.score.found for r in results)
    junk = sum(len(r.score.junk) for r in results)
    discovered = sum(r.score.discovered for r in results)
    total = found / expected if expected else 1.0
    precision = 1 - junk / discovered if discovered else 1.0
    slots = sum(len(r.slots) for r in results)
    rows.append(
        f"{'total':<46} {slots:>5} {expected:>8} {found:>5} {total:>7.1%} {precision:>6.1%} {junk:>4}"
    )
    return "\n".join(rows)


def format_halves(results: list[PageResult]) -> str:
    """One table per half of the pages, tuning half first."""
    halves = page_halves(r.page for r in results)
    tables = []
    for half in ("tune", "test"):
        chosen = [r for r in results if halves[r.page] == half]
        if chosen:
            tables.append(f"{half} half: {len(chosen)} pages\n{format_table(chosen)}")
    return "\n\n".join(tables)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--truth", type=Path, default=DEFAULT_TRUTH, help="the hand-made truth YAML")
    parser.add_argument("--slots", action="store_true", help="also list each page's slots")
    args = parser.parse_args(argv)
    if not (args.data / "pages").is_dir():
        print(f"{args.data / 'pages'} is absent: nothing to evaluate", file=sys.stderr)
        return 1
    results = evaluate(args.data, args.truth)
    print(format_halves(results))
    if args.slots:
        for r in results:
            for slot in r.slots:
                summary = f"{slot.name} ({slot.kind}, {slot.confidence:.2f}) {slot.css}"
                print(f"{r.page}: {summary} -> {len(slot.ads)} ads")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
