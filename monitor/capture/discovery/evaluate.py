"""Discovery measured against advertiser names typed by hand (bench/eval_discovery.py, the tests)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class DiscoveryScore:
    """Discovered advertiser names against a hand-made list: recall, and the names nobody expected."""

    expected: int
    found: int  # expected names that were discovered
    junk: list[str]  # discovered names matching no expected name
    discovered: int = 0  # distinct discovered names

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        """Share of the discovered names that are real advertisers (1 when nothing was discovered)."""
        return 1 - len(self.junk) / self.discovered if self.discovered else 1.0


def page_halves(pages: Iterable[str], seed: int = 2027) -> dict[str, str]:
    """Each saved page's half, "tune" or "test": pages ordered by a hash of their file name and the seed,
    then alternated, so the halves are even and a page's half does not depend on the order of the list.
    Rules are tuned on the tuning pages; the test pages say how they do on pages they were not tuned on."""
    ordered = sorted(pages, key=lambda page: hashlib.sha256(f"{seed}:{page}".encode()).hexdigest())
    return {page: ("tune", "test")[number % 2] for number, page in enumerate(ordered)}


def comparable_name(name: str) -> str:
    """A name folded for comparison: NFKC (full-width brackets), case, spaces and punctuation removed."""
    folded = unicodedata.normalize("NFKC", name).lower()
    return re.sub(r"[\s()（）\[\]【】<>《》\"'“”‘’·.,，。:：;；!！?？&+_/\\-]", "", folded)


def same_advertiser(found: str, expected: str) -> bool:
    """Equal once folded, or one starts with the other (`厦门航空有限公司1`, a slogan left on)."""
    a, b = comparable_name(found), comparable_name(expected)
    if not a or not b:
        return False
    return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))


def score_discovery(found: Iterable[str], expected: Iterable[str]) -> DiscoveryScore:
    """How many expected advertisers the discovered names cover, and which discovered names are junk."""
    found_names = sorted({name for name in found if name})
    expected_names = sorted(set(expected))
    hits = sum(1 for e in expected_names if any(same_advertiser(f, e) for f in found_names))
    junk = [f for f in found_names if not any(same_advertiser(f, e) for e in expected_names)]
    return DiscoveryScore(expected=len(expected_names), found=hits, junk=junk, discovered=len(found_names))
