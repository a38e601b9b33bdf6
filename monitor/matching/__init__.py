"""Matching advertiser texts to our customers: pure functions over plain values (no database, no clock).

Public API (other modules rely on these exact names and signatures):

    normalize(text: str) -> NormalizedName
        NormalizedName fields: text, full, base, core, brand, branch, places, latin, pinyin.
    rejection_key(text: str) -> str
        The key a rejection (text, customer_id) is remembered under: `normalize(text).full`.
    MatchIndex.build(records: Iterable[CustomerRecord], thresholds=None,
                     others: Iterable[str | KnownCompany] = ()) -> MatchIndex
        `others`: companies known not to be customers (a company list; rejected advertisers and leads).
    MatchIndex.match(text: str, link: str | None = None, site: str | None = None,
                     external_id: str | None = None,
                     rejections: Collection[tuple[str, str]] = (),      # (rejection_key, customer_id)
                     competitor_ids: Mapping[tuple[str, str], str] | None = None,  # (site, external_id) -> id
                     thresholds=None) -> MatchResult
    CustomerRecord(customer_id, name, short_name="", english_name="", aliases=(), website="")
    Thresholds(auto=92.0, review=75.0, ambiguity_margin=4.0); Thresholds.of(settings.matching)
    MatchResult(text, customer_id, customer_name, score, decision, candidates, reason, explanation)
        decision is "auto", "review" or "none"; candidates are Candidate(customer_id, customer_name,
        score, reason), best first; explanation is a MatchExplanation(rule, decision, checks, compared,
        other) with PartCheck(part, text, customer, verdict) per name part, in words through
        `monitor.matching.explain.describe(explanation, gettext)`.
    KnownCompany(name, source="list"); source "advertiser" never competes with its own text.

`thresholds` may be None (defaults), a Thresholds, or `monitor.core.settings.MatchingSettings`.
"""

from monitor.matching.index import MatchIndex, registered_domain, rejection_key
from monitor.matching.normalize import NormalizedName, normalize
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

__all__ = [
    "Candidate",
    "CustomerRecord",
    "Decision",
    "KnownCompany",
    "MatchExplanation",
    "MatchIndex",
    "MatchResult",
    "NormalizedName",
    "PartCheck",
    "Thresholds",
    "normalize",
    "registered_domain",
    "rejection_key",
]
