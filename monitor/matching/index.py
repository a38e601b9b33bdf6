"""`MatchIndex`: customers indexed once, then any number of advertiser texts matched against them.

Candidates come from small inverted indexes (exact keys, character bigrams and first-character pairs of
Chinese names, trigrams of English and pinyin keys, website domains), never from a scan of all customers;
only those few candidates are scored (`monitor.matching.scoring`).
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from monitor.matching import lexicon
from monitor.matching.normalize import NormalizedName, normalize, split_segments, to_pinyin, trade_words
from monitor.matching.records import Candidate, CustomerRecord, Decision, MatchResult, Thresholds
from monitor.matching.scoring import NOTHING, Evidence, han_score, latin_score

CANDIDATE_LIMIT = 12
DOMAIN_SCORE = 95.0
DOMAIN_AND_NAME_SCORE = 98.0
COMPETITOR_ID_SCORE = 99.0
_SECOND_LEVEL = frozenset({"com", "net", "org", "gov", "edu", "co", "ac"})


@dataclass(frozen=True, slots=True)
class _Entry:
    record: CustomerRecord
    names: tuple[NormalizedName, ...]
    latin_keys: tuple[tuple[str, str], ...]  # (key, source)
    owner_text: str


@dataclass(frozen=True, slots=True)
class _Query:
    names: tuple[NormalizedName, ...]
    latin: str


def registered_domain(url: str) -> str:
    """The registrable domain of a URL or host ("https://www.abc.com.cn/x" -> "abc.com.cn"); "" if none."""
    text = url.strip().lower()
    if not text:
        return ""
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    labels = [label for label in host.split(".") if label]
    if len(labels) < 2:
        return ""
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def rejection_key(text: str) -> str:
    """The key under which a manager's rejection of (text, customer) is remembered: the cleaned full text."""
    return normalize(text).full


def _han_grams(name: NormalizedName) -> set[str]:
    grams: set[str] = set()
    for text in {name.core, name.base}:
        grams.update(text[i : i + 2] for i in range(len(text) - 1))
        grams.update(f"^{text[0]}{char}" for char in text[1:])
        if len(text) == 1:
            grams.add(text)
    return grams


def _latin_grams(key: str) -> set[str]:
    compact = key.replace(" ", "")
    return {compact[i : i + 3] for i in range(max(1, len(compact) - 2))}


def _pinyin_keys(name: NormalizedName) -> list[tuple[str, str]]:
    if not name.core:
        return []
    trades = sorted(trade_words(name.core[len(name.brand) :]))
    english = sorted({term for word in trades for term in lexicon.GENERIC_ENGLISH.get(word, ())})
    return [(name.pinyin, "pinyin"), (" ".join([to_pinyin(name.brand), *english]), "pinyin brand")]


def _entry(record: CustomerRecord) -> _Entry:
    texts = [record.name, record.short_name, *record.aliases]
    names = tuple(normalize(text) for text in texts if text.strip())
    latin_keys = [(name.latin, "english") for name in names if name.latin]
    if record.english_name.strip():
        latin_keys.append((normalize(record.english_name).latin, "english"))
    for name in names:
        latin_keys.extend(_pinyin_keys(name))
    owner_text = "|".join(name.full for name in names)
    return _Entry(record, names, tuple(dict.fromkeys(key for key in latin_keys if key[0])), owner_text)


def _query(text: str) -> _Query:
    whole = normalize(text)
    segments = [normalize(segment) for segment in split_segments(text)]
    names = tuple(name for name in (whole, *segments) if name.base)
    latin = whole.latin if not whole.base or len(whole.latin) > len(whole.base) else ""
    return _Query(names, latin)


class MatchIndex:
    """Customers indexed for matching; build once with `MatchIndex.build(records)`, then call `match`."""

    def __init__(self, entries: list[_Entry], thresholds: Thresholds) -> None:
        self._entries = entries
        self._thresholds = thresholds
        self._by_id = {entry.record.customer_id: number for number, entry in enumerate(entries)}
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._han: dict[str, list[int]] = defaultdict(list)
        self._latin: dict[str, list[int]] = defaultdict(list)
        self._domains: dict[str, list[int]] = defaultdict(list)
        for number, entry in enumerate(entries):
            self._add(number, entry)
        # Grams in more entries than this say little and cost much; skip them when voting.
        self._han_cap = max(200, min(800, len(entries) // 20))
        self._latin_cap = max(400, len(entries) // 10)

    @classmethod
    def build(cls, records: Iterable[CustomerRecord], thresholds: Any = None) -> MatchIndex:
        """Index `records` (customer ids must be unique); `thresholds` are the defaults for `match`."""
        entries = [_entry(record) for record in records]
        ids = [entry.record.customer_id for entry in entries]
        if len(set(ids)) != len(ids):
            raise ValueError("customer ids must be unique")
        return cls(entries, Thresholds.of(thresholds))

    def __len__(self) -> int:
        return len(self._entries)

    def _add(self, number: int, entry: _Entry) -> None:
        for name in entry.names:
            for key in {name.base, name.core}:
                if key:
                    self._exact[key].append(number)
        grams = set().union(*(_han_grams(name) for name in entry.names if name.base))
        for gram in grams:
            self._han[gram].append(number)
        for gram in set().union(*(_latin_grams(key) for key, _ in entry.latin_keys)):
            self._latin[gram].append(number)
        domain = registered_domain(entry.record.website)
        if domain:
            self._domains[domain].append(number)

    def match(
        self,
        text: str,
        link: str | None = None,
        site: str | None = None,
        external_id: str | None = None,
        rejections: Collection[tuple[str, str]] = (),
        competitor_ids: Mapping[tuple[str, str], str] | None = None,
        thresholds: Any = None,
    ) -> MatchResult:
        """Match one advertiser text (plus optional link and competitor company id) to a customer or none."""
        query = _query(text)
        scored = self._text_scores(query)
        self._add_link_evidence(scored, link)
        self._add_competitor_evidence(scored, site, external_id, competitor_ids or {})
        rejected = {customer for key, customer in rejections if key in {rejection_key(text), text.strip()}}
        candidates = self._ranked(scored, rejected)
        return _decide(
            text, candidates, Thresholds.of(thresholds) if thresholds else self._thresholds, bool(rejected)
        )

    def _text_scores(self, query: _Query) -> dict[int, Evidence]:
        scored: dict[int, Evidence] = {}
        for number in self._candidates(query):
            evidence = self._score(query, self._entries[number])
            if evidence.score > 0:
                scored[number] = evidence
        return scored

    def _candidates(self, query: _Query) -> set[int]:
        found: set[int] = set()
        weights: dict[int, float] = defaultdict(float)
        for name in query.names:
            for key in (name.base, name.core):
                found.update(self._exact.get(key, ()))
            self._vote(weights, _han_grams(name), self._han, self._han_cap)
        if query.latin:
            self._vote(weights, _latin_grams(query.latin), self._latin, self._latin_cap)
        found.update(heapq.nlargest(CANDIDATE_LIMIT, weights, key=weights.__getitem__))
        return found

    def _vote(
        self, weights: dict[int, float], grams: set[str], postings: dict[str, list[int]], cap: int
    ) -> None:
        total = len(self._entries) + 1
        for gram in grams:
            numbers = postings.get(gram)
            if not numbers or len(numbers) > cap:
                continue
            weight = math.log(total / len(numbers))
            for number in numbers:
                weights[number] += weight

    def _score(self, query: _Query, entry: _Entry) -> Evidence:
        best = NOTHING
        for asked in query.names:
            for name in entry.names:
                evidence = han_score(asked, name, entry.owner_text)
                if evidence.score > best.score:
                    best = evidence
        for key, source in entry.latin_keys if query.latin else ():
            evidence = latin_score(query.latin, key, source)
            if evidence.score > best.score:
                best = evidence
        return best

    def _add_link_evidence(self, scored: dict[int, Evidence], link: str | None) -> None:
        domain = registered_domain(link or "")
        for number in self._domains.get(domain, ()) if domain else ():
            text = scored.get(number, NOTHING)
            score = DOMAIN_AND_NAME_SCORE if text.score >= self._thresholds.review else DOMAIN_SCORE
            reason = f"link domain {domain} is the customer's website" + (
                f"; {text.reason}" if text.reason else ""
            )
            scored[number] = Evidence(max(score, text.score), reason)

    def _add_competitor_evidence(
        self,
        scored: dict[int, Evidence],
        site: str | None,
        external_id: str | None,
        competitor_ids: Mapping[tuple[str, str], str],
    ) -> None:
        customer_id = competitor_ids.get((site or "", external_id or "")) if site and external_id else None
        number = self._by_id.get(customer_id) if customer_id else None
        if number is None:
            return
        text = scored.get(number, NOTHING)
        reason = f"competitor company id {site}:{external_id} confirmed before"
        scored[number] = Evidence(max(COMPETITOR_ID_SCORE, text.score), reason)

    def _ranked(self, scored: dict[int, Evidence], rejected: set[str]) -> list[Candidate]:
        candidates = [
            Candidate(entry.record.customer_id, entry.record.name, round(evidence.score, 1), evidence.reason)
            for number, evidence in scored.items()
            if (entry := self._entries[number]).record.customer_id not in rejected
        ]
        candidates.sort(key=lambda candidate: (-candidate.score, candidate.customer_id))
        return candidates[:5]


def _decide(text: str, candidates: list[Candidate], limits: Thresholds, had_rejection: bool) -> MatchResult:
    if not candidates or candidates[0].score < limits.review:
        reason = "no customer scored high enough" + ("; rejected pair skipped" if had_rejection else "")
        best = candidates[0].score if candidates else 0.0
        return MatchResult(text, None, None, best, "none", tuple(candidates), reason)
    top = candidates[0]
    close = len(candidates) > 1 and candidates[1].score >= top.score - limits.ambiguity_margin
    decision: Decision = "auto" if top.score >= limits.auto and not close else "review"
    reason = top.reason + (f"; too close to {candidates[1].customer_name}" if close else "")
    return MatchResult(
        text, top.customer_id, top.customer_name, top.score, decision, tuple(candidates), reason
    )
