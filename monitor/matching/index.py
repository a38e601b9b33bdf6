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
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from monitor.matching import lexicon, pinyin_parts
from monitor.matching.explain import part_checks
from monitor.matching.normalize import NormalizedName, normalize, split_segments, to_pinyin, trade_words
from monitor.matching.records import (
    Candidate,
    CustomerRecord,
    Decision,
    KnownCompany,
    MatchExplanation,
    MatchResult,
    PartCheck,
    Thresholds,
)
from monitor.matching.scoring import (
    LIMIT_LEGAL_NAME_DIFFERS,
    LIMIT_NO_LEGAL_NAME,
    NOTHING,
    Evidence,
    han_score,
    latin_score,
    same_entity,
)

CANDIDATE_LIMIT = 12
OTHER_PREFIX = "other:"  # ids of known non-customers inside the index; never a result
ADVERTISER_SOURCE = "advertiser"
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
    is_other: bool = False  # a known non-customer: it competes for the text, it is never the answer

    @property
    def legal_names(self) -> tuple[NormalizedName, ...]:
        return tuple(name for name in self.names if name.legal_entity)


@dataclass(frozen=True, slots=True)
class _Query:
    names: tuple[NormalizedName, ...]
    latin: str
    english: pinyin_parts.EnglishParts | None


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


def _entry(record: CustomerRecord, is_other: bool = False) -> _Entry:
    texts = [record.name, record.short_name, *record.aliases]
    names = tuple(normalize(text) for text in texts if text.strip())
    latin_keys = [(name.latin, "english") for name in names if name.latin]
    if record.english_name.strip():
        latin_keys.append((normalize(record.english_name).latin, "english"))
    for name in names:
        latin_keys.extend(_pinyin_keys(name))
    owner_text = "|".join(name.full for name in names)
    keys = tuple(dict.fromkeys(key for key in latin_keys if key[0]))
    return _Entry(record, names, keys, owner_text, is_other)


def _query(text: str) -> _Query:
    whole = normalize(text)
    segments = [normalize(segment) for segment in split_segments(text)]
    names = tuple(name for name in (whole, *segments) if name.base)
    latin = whole.latin if not whole.base or len(whole.latin) > len(whole.base) else ""
    english = pinyin_parts.english_parts(whole.full) if latin and not whole.base else None
    return _Query(names, latin, english)


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
        self._pinyin: dict[str, list[tuple[int, pinyin_parts.PinyinKey]]] | None = None
        for number, entry in enumerate(entries):
            self._add(number, entry)
        # Grams in more entries than this say little and cost much; skip them when voting.
        self._han_cap = max(200, min(800, len(entries) // 20))
        self._latin_cap = max(400, len(entries) // 10)

    @classmethod
    def build(
        cls,
        records: Iterable[CustomerRecord],
        thresholds: Any = None,
        others: Iterable[str | KnownCompany] = (),
    ) -> MatchIndex:
        """Index `records` (customer ids must be unique); `thresholds` are the defaults for `match`.

        `others` are names of companies known not to be customers (an imported company list, advertisers
        a person rejected, leads): a text that matches one of them as well as a customer is not applied
        automatically, and one that matches it better is none of ours. Plain names are a company list."""
        entries = [_entry(record) for record in records]
        ids = [entry.record.customer_id for entry in entries]
        if len(set(ids)) != len(ids):
            raise ValueError("customer ids must be unique")
        known = {name for entry in entries for name in (entry.record.name, *entry.record.aliases)}
        companies = [other if isinstance(other, KnownCompany) else KnownCompany(other) for other in others]
        unique = {company.name.strip(): company for company in companies if company.name.strip() not in known}
        # The source rides in `website`, which others never use for links.
        entries += [
            _entry(CustomerRecord(f"{OTHER_PREFIX}{number}", name, website=company.source), is_other=True)
            for number, (name, company) in enumerate(unique.items(), 1)
            if name
        ]
        return cls(entries, Thresholds.of(thresholds))

    def __len__(self) -> int:
        return sum(not entry.is_other for entry in self._entries)

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
        domain = "" if entry.is_other else registered_domain(entry.record.website)
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
        ranked = self._ranked(scored, rejected)
        other = self._best_other(scored, query)
        limits = Thresholds.of(thresholds) if thresholds else self._thresholds
        return _decide(text, ranked, other, limits, bool(rejected))

    def _text_scores(self, query: _Query) -> dict[int, Evidence]:
        scored: dict[int, Evidence] = {}
        for number in self._candidates(query):
            evidence = self._score(query, self._entries[number])
            if evidence.score > 0:
                scored[number] = evidence
        if query.english is not None:
            self._add_pinyin_evidence(scored, query.english)
        return scored

    def _pinyin_readings(self) -> dict[str, list[tuple[int, pinyin_parts.PinyinKey]]]:
        """Customers without an English name under the pinyin of their possible trade names; built on the
        first English text, since only English texts need it (about a second for 20,000 customers)."""
        if self._pinyin is None:
            self._pinyin = defaultdict(list)
            for number, entry in enumerate(self._entries):
                if entry.is_other or entry.record.english_name.strip():
                    continue
                for name in entry.names:
                    for key, reading in pinyin_parts.customer_keys(name):
                        self._pinyin[key].append((number, reading))
        return self._pinyin

    def _add_pinyin_evidence(self, scored: dict[int, Evidence], english: pinyin_parts.EnglishParts) -> None:
        """English text vs customers without an English name, part by part (`pinyin_parts`)."""
        for number, reading in self._pinyin_readings().get(english.trade_name, ()):
            score, checks, limit = pinyin_parts.compare(english, reading)
            if score > scored.get(number, NOTHING).score:
                reason = f"pinyin of trade name {reading.trade_name}, place and industry compared"
                scored[number] = Evidence(score, reason, "pinyin_parts", limit=limit, checks=checks)

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
                if _better(evidence, best):
                    best = evidence
        for key, source in entry.latin_keys if query.latin else ():
            evidence = latin_score(query.latin, key, source)
            if evidence.score > best.score:
                best = evidence
        return _entity_limited(best, entry)

    def _add_link_evidence(self, scored: dict[int, Evidence], link: str | None) -> None:
        domain = registered_domain(link or "")
        for number in self._domains.get(domain, ()) if domain else ():
            text = scored.get(number, NOTHING)
            score = DOMAIN_AND_NAME_SCORE if text.score >= self._thresholds.review else DOMAIN_SCORE
            reason = f"link domain {domain} is the customer's website" + (
                f"; {text.reason}" if text.reason else ""
            )
            scored[number] = Evidence(
                max(score, text.score), reason, "link_domain", text.query, text.name, checks=text.checks
            )

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
        scored[number] = Evidence(
            max(COMPETITOR_ID_SCORE, text.score),
            reason,
            "competitor_id",
            text.query,
            text.name,
            checks=text.checks,
        )

    def _ranked(self, scored: dict[int, Evidence], rejected: set[str]) -> list[_Ranked]:
        ranked = [
            _Ranked(
                Candidate(
                    entry.record.customer_id, entry.record.name, round(evidence.score, 1), evidence.reason
                ),
                evidence,
            )
            for number, evidence in scored.items()
            if not (entry := self._entries[number]).is_other and entry.record.customer_id not in rejected
        ]
        ranked.sort(key=lambda item: (-item.candidate.score, item.candidate.customer_id))
        return ranked[:5]

    def _best_other(self, scored: dict[int, Evidence], query: _Query) -> _Ranked | None:
        """The known non-customer the text matches best. An advertiser remembered as a non-customer does
        not compete with its own text: a roster change may make it a customer."""
        asked = {name.full for name in query.names}
        others = [
            _Ranked(_candidate(entry, evidence), evidence)
            for number, evidence in scored.items()
            if (entry := self._entries[number]).is_other
            and not (
                entry.record.website == ADVERTISER_SOURCE and entry.names and entry.names[0].full in asked
            )
        ]
        return max(others, key=lambda item: item.candidate.score, default=None)


def _candidate(entry: _Entry, evidence: Evidence) -> Candidate:
    return Candidate(entry.record.customer_id, entry.record.name, round(evidence.score, 1), evidence.reason)


@dataclass(frozen=True, slots=True)
class _Ranked:
    candidate: Candidate
    evidence: Evidence


def _better(evidence: Evidence, best: Evidence) -> bool:
    """Higher score wins; on a tie, an agreement that may apply itself beats one that may not."""
    return (evidence.score, not evidence.limit) > (best.score, not best.limit)


def _entity_limited(evidence: Evidence, entry: _Entry) -> Evidence:
    """A text carrying a full legal form names one legal entity: it applies itself only when one of the
    customer's own legal names is that entity, never through a short form, prefix or alias."""
    query = evidence.query
    if query is None or not query.legal_entity or evidence.limit:
        return evidence
    legal = entry.legal_names
    if not legal:
        return replace(evidence, limit=LIMIT_NO_LEGAL_NAME)
    same = next((name for name in legal if same_entity(query, name)), None)
    if same is not None:
        return (
            evidence
            if evidence.name is not None and evidence.name.legal_entity
            else replace(evidence, name=same)
        )
    closest = evidence.name if evidence.name is not None and evidence.name.legal_entity else legal[0]
    return replace(evidence, name=closest, limit=LIMIT_LEGAL_NAME_DIFFERS)


def _checks(evidence: Evidence) -> tuple[PartCheck, ...]:
    if evidence.checks:
        return evidence.checks
    if evidence.query is not None and evidence.name is not None:
        return part_checks(evidence.query, evidence.name)
    return ()


def _explain(rule: str, decision: Decision, top: _Ranked | None, other: str = "") -> MatchExplanation:
    if top is None:
        return MatchExplanation(rule, decision, other=other)
    evidence = top.evidence
    compared = evidence.name.full if evidence.name is not None else top.candidate.customer_name
    return MatchExplanation(rule, decision, _checks(evidence), compared, other)


def _decide(
    text: str, ranked: list[_Ranked], other: _Ranked | None, limits: Thresholds, had_rejection: bool
) -> MatchResult:
    candidates = tuple(item.candidate for item in ranked)
    if not ranked or ranked[0].candidate.score < limits.review:
        reason = "no customer scored high enough" + ("; rejected pair skipped" if had_rejection else "")
        best = candidates[0].score if candidates else 0.0
        rule = "rejected" if had_rejection and not ranked else "below_review"
        known = other is not None and other.candidate.score >= limits.review and other.candidate.score > best
        if known and other is not None:
            rule = "known_other_better"
        explanation = _explain(
            rule,
            "none",
            ranked[0] if ranked else None,
            other.candidate.customer_name if known and other else "",
        )
        return MatchResult(text, None, None, best, "none", candidates, reason, explanation)
    top = ranked[0]
    score = top.candidate.score
    # A known non-customer as good as the customer, or within the margin that makes two customers too
    # close to call, keeps the text from applying itself; clearly better, the text is that company.
    if other is not None and other.candidate.score >= score - limits.ambiguity_margin:
        name = other.candidate.customer_name
        if other.candidate.score > score + limits.ambiguity_margin:
            reason = f"matches the known non-customer {name} better"
            explanation = _explain("known_other_better", "none", top, name)
            return MatchResult(text, None, None, score, "none", candidates, reason, explanation)
        reason = f"{top.candidate.reason}; matches the known non-customer {name} as well"
        return _result(text, top, candidates, "review", reason, _explain("known_other", "review", top, name))
    close = len(ranked) > 1 and (
        ranked[1].candidate.score >= score - limits.ambiguity_margin
        or _shared_short_name(top, ranked[1], limits)
    )
    if close:
        runner_up = ranked[1].candidate.customer_name
        reason = f"{top.candidate.reason}; too close to {runner_up}"
        return _result(
            text, top, candidates, "review", reason, _explain("too_close", "review", top, runner_up)
        )
    if score >= limits.auto and not top.evidence.limit:
        return _result(
            text, top, candidates, "auto", top.candidate.reason, _explain(top.evidence.rule, "auto", top)
        )
    rule = top.evidence.limit or top.evidence.rule
    return _result(text, top, candidates, "review", top.candidate.reason, _explain(rule, "review", top))


def _shared_short_name(top: _Ranked, runner_up: _Ranked, limits: Thresholds) -> bool:
    """A two-character text ("金地") that another customer's name also starts with is ambiguous even
    when it equals one customer's name exactly."""
    query = top.evidence.query
    return query is not None and len(query.core) <= 2 and runner_up.candidate.score >= limits.auto


def _result(
    text: str,
    top: _Ranked,
    candidates: tuple[Candidate, ...],
    decision: Decision,
    reason: str,
    explanation: MatchExplanation,
) -> MatchResult:
    candidate = top.candidate
    return MatchResult(
        text,
        candidate.customer_id,
        candidate.customer_name,
        candidate.score,
        decision,
        candidates,
        reason,
        explanation,
    )
