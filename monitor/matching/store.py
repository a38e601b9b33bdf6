"""Matching against the database: re-match advertisers, and record what a person confirms or rejects.

The matcher itself (`monitor.matching`) is pure; this module gathers its inputs (customers with their
aliases, rejections, competitor company ids learned from confirmations) and stores its decisions. A
person's decision is never overwritten by a re-match: a confirmation stays, and a rejected pair is never
proposed again. The caller owns the transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import (
    Advertiser,
    AdvertiserMatch,
    CompetitorCompanyId,
    Customer,
    CustomerAlias,
    ListedCompany,
    MatchRejection,
    Page,
    PageCapture,
    Sighting,
    Site,
)
from models.enums import MatchDecision
from models.lookup import UnknownCode, by_code
from monitor.core.settings import Settings
from monitor.matching import CustomerRecord, MatchIndex, MatchResult, Thresholds, rejection_key
from monitor.matching.explain import describe
from monitor.matching.index import ADVERTISER_SOURCE
from monitor.matching.records import KnownCompany, MatchExplanation

HUMAN_DECISIONS = (MatchDecision.CONFIRMED, MatchDecision.REJECTED)


@dataclass(frozen=True)
class RematchSummary:
    advertisers: int
    decisions: dict[str, int]
    changed: int
    kept_human: int

    def __str__(self) -> str:
        counts = ", ".join(f"{name} {count}" for name, count in sorted(self.decisions.items()))
        return (
            f"{self.advertisers} advertisers ({counts}); {self.changed} changed; "
            f"{self.kept_human} kept as decided"
        )


@dataclass(frozen=True)
class AdContext:
    """What the matcher may use beside the text: the latest sighting's link and the competitor's id."""

    link: str | None
    site: str | None
    external_id: str | None


class MatchReviewError(ValueError):
    """A confirmation or rejection that cannot be applied (unknown advertiser or customer)."""


def customer_records(session: Session) -> list[CustomerRecord]:
    """Every customer as the matcher sees it, with roster and confirmed aliases."""
    customers = session.scalars(
        select(Customer).options(selectinload(Customer.aliases)).order_by(Customer.id)
    )
    return [
        CustomerRecord(
            customer_id=customer.code,
            name=customer.name,
            short_name=customer.short_name or "",
            english_name=customer.english_name or "",
            aliases=tuple(alias.alias for alias in customer.aliases),
            website=customer.website or "",
        )
        for customer in customers
    ]


def _rejections(session: Session) -> set[tuple[str, str]]:
    rows = session.execute(
        select(Advertiser.text, Customer.code)
        .join(MatchRejection, MatchRejection.advertiser_id == Advertiser.id)
        .join(Customer, MatchRejection.customer_id == Customer.id)
    ).all()
    return {(rejection_key(text), code) for text, code in rows}


def known_non_customers(session: Session) -> list[KnownCompany]:
    """Companies known not to be our customers: advertisers rejected by a person or matched to none (leads),
    and the office's company lists (`companies` in the roster).

    A text that matches one of them as well as a customer is not applied automatically (the open world:
    the roster is a closed list, the advertisers are not). An advertiser never competes with its own text.
    """
    texts = session.scalars(
        select(Advertiser.text)
        .join(AdvertiserMatch, AdvertiserMatch.advertiser_id == Advertiser.id)
        .where(AdvertiserMatch.decision.in_((MatchDecision.NONE, MatchDecision.REJECTED)))
        .order_by(Advertiser.id)
    )
    listed = session.scalars(select(ListedCompany.name).order_by(ListedCompany.id))
    return [KnownCompany(text, ADVERTISER_SOURCE) for text in texts] + [KnownCompany(name) for name in listed]


def _competitor_ids(session: Session) -> dict[tuple[str, str], str]:
    rows = session.execute(
        select(Site.name, CompetitorCompanyId.external_id, Customer.code)
        .join(Site, CompetitorCompanyId.site_id == Site.id)
        .join(Customer, CompetitorCompanyId.customer_id == Customer.id)
    ).all()
    return {(site, external_id): code for site, external_id, code in rows}


def _latest_contexts(session: Session) -> dict[int, AdContext]:
    """Per advertiser, the link and competitor id of its most recent sighting."""
    latest = (
        select(Sighting.advertiser_id, func.max(Sighting.id).label("sighting_id"))
        .where(Sighting.advertiser_id.is_not(None))
        .group_by(Sighting.advertiser_id)
        .subquery()
    )
    rows = session.execute(
        select(Sighting.advertiser_id, Sighting.link, Site.name, Sighting.competitor_company_id)
        .join(latest, latest.c.sighting_id == Sighting.id)
        .join(PageCapture, Sighting.capture_id == PageCapture.id)
        .join(Page, PageCapture.page_id == Page.id)
        .join(Site, Page.site_id == Site.id)
    ).all()
    return {
        advertiser_id: AdContext(link, site, external)
        for advertiser_id, link, site, external in rows
        if advertiser_id is not None
    }


def _store(
    session: Session,
    advertiser: Advertiser,
    result: MatchResult,
    customers_by_code: dict[str, int],
    now: dt.datetime,
) -> bool:
    """Write the matcher's result for one advertiser; returns whether anything changed."""
    customer_id = customers_by_code.get(result.customer_id) if result.customer_id else None
    decision = MatchDecision(result.decision)
    explanation = result.explanation.as_dict() if result.explanation else None
    current = advertiser.match
    if current is None:
        advertiser.match = AdvertiserMatch(
            customer_id=customer_id,
            score=result.score,
            decision=decision,
            reason=result.reason,
            explanation=explanation,
            decided_at=now,
        )
        return True
    if (current.customer_id, current.decision, round(current.score, 3), current.explanation) == (
        customer_id,
        decision,
        round(result.score, 3),
        explanation,
    ):
        return False
    current.customer_id = customer_id
    current.decision = decision
    current.score = result.score
    current.reason = result.reason
    current.explanation = explanation
    current.decided_by = None
    current.decided_at = now
    return True


def rematch_advertisers(
    session: Session, settings: Settings, now: dt.datetime, only: Iterable[int] | None = None
) -> RematchSummary:
    """Match every advertiser (or those in `only`) again against the current roster.

    Confirmed matches are kept. A rejected match is kept unless the roster now offers another customer.
    """
    index = MatchIndex.build(
        customer_records(session), Thresholds.of(settings.matching), others=known_non_customers(session)
    )
    rejections = _rejections(session)
    competitor_ids = _competitor_ids(session)
    contexts = _latest_contexts(session)
    customers_by_code = {code: id_ for code, id_ in session.execute(select(Customer.code, Customer.id))}
    query = select(Advertiser).options(selectinload(Advertiser.match)).order_by(Advertiser.id)
    if only is not None:
        query = query.where(Advertiser.id.in_(list(only)))
    decisions: Counter[str] = Counter()
    changed = kept = 0
    for advertiser in session.scalars(query):
        current = advertiser.match
        if current is not None and current.decision == MatchDecision.CONFIRMED:
            decisions[current.decision.value] += 1
            kept += 1
            continue
        context = contexts.get(advertiser.id, AdContext(None, None, None))
        result = index.match(
            advertiser.text,
            link=context.link,
            site=context.site,
            external_id=context.external_id,
            rejections=rejections,
            competitor_ids=competitor_ids,
        )
        if advertiser.ocr_confidence is not None:
            result = ocr_trust(result, advertiser.ocr_confidence, settings.matching.ocr_auto_confidence)
        if current is not None and current.decision == MatchDecision.REJECTED and result.customer_id is None:
            decisions[current.decision.value] += 1
            kept += 1
            continue
        changed += _store(session, advertiser, result, customers_by_code, now)
        decisions[result.decision] += 1
    session.flush()
    return RematchSummary(sum(decisions.values()), dict(decisions), changed, kept)


def ocr_trust(result: MatchResult, confidence: float, auto_confidence: float) -> MatchResult:
    """A name only OCR has read is trusted less: an automatic match below `auto_confidence` is reviewed."""
    if result.decision != MatchDecision.AUTO.value or confidence >= auto_confidence:
        return result
    why = f"read from a logo by OCR at confidence {confidence:.2f} (< {auto_confidence:.2f}): review"
    return dataclasses.replace(result, decision="review", reason=f"{result.reason}; {why}")


def _advertiser(session: Session, advertiser_id: int) -> Advertiser:
    advertiser = session.get(Advertiser, advertiser_id)
    if advertiser is None:
        raise MatchReviewError(f"no advertiser with id {advertiser_id}")
    return advertiser


def _customer(session: Session, code: str) -> Customer:
    try:
        return by_code(session, Customer, code)
    except UnknownCode:
        raise MatchReviewError(f"no customer with customer_id {code!r}") from None


def _learn_competitor_ids(
    session: Session, advertiser: Advertiser, customer: Customer, now: dt.datetime
) -> None:
    seen = session.execute(
        select(Page.site_id, Sighting.competitor_company_id)
        .join(PageCapture, Sighting.capture_id == PageCapture.id)
        .join(Page, PageCapture.page_id == Page.id)
        .where(Sighting.advertiser_id == advertiser.id, Sighting.competitor_company_id.is_not(None))
        .distinct()
    ).all()
    for site_id, external_id in seen:
        known = session.scalars(
            select(CompetitorCompanyId).where(
                CompetitorCompanyId.site_id == site_id, CompetitorCompanyId.external_id == external_id
            )
        ).one_or_none()
        if known is None:
            session.add(
                CompetitorCompanyId(
                    site_id=site_id, external_id=external_id, customer_id=customer.id, learned_at=now
                )
            )
        else:
            known.customer_id = customer.id


def confirm_match(
    session: Session, advertiser_id: int, customer_code: str | None, decided_by: str, now: dt.datetime
) -> AdvertiserMatch:
    """A person confirms the advertiser is `customer_code` (default: the proposed customer).

    The advertiser text becomes an alias of the customer and the competitor's company ids seen with it are
    remembered, so the same advertiser is matched from then on.
    """
    advertiser = _advertiser(session, advertiser_id)
    if customer_code is None:
        if advertiser.match is None or advertiser.match.customer_id is None:
            raise MatchReviewError(f"advertiser {advertiser_id} has no proposed customer; name one")
        customer = session.get_one(Customer, advertiser.match.customer_id)
    else:
        customer = _customer(session, customer_code)
    match = advertiser.match or AdvertiserMatch(decision=MatchDecision.CONFIRMED)
    advertiser.match = match
    if match.customer_id != customer.id:
        match.explanation = None  # the matcher's words were about another customer
    match.customer_id = customer.id
    match.decision = MatchDecision.CONFIRMED
    match.score = 100.0
    match.reason = "confirmed by a person"
    match.decided_by = decided_by
    match.decided_at = now
    aliases = {alias.alias for alias in customer.aliases}
    if advertiser.text not in aliases:
        customer.aliases.append(CustomerAlias(alias=advertiser.text, source="confirmed"))
    _learn_competitor_ids(session, advertiser, customer, now)
    session.flush()
    return match


def reject_match(session: Session, advertiser_id: int, decided_by: str, now: dt.datetime) -> AdvertiserMatch:
    """A person says the proposed customer is wrong: remember the pair and never auto-match it again."""
    advertiser = _advertiser(session, advertiser_id)
    match = advertiser.match
    if match is None or match.customer_id is None:
        raise MatchReviewError(f"advertiser {advertiser_id} has no proposed customer to reject")
    exists = session.scalars(
        select(MatchRejection).where(
            MatchRejection.advertiser_id == advertiser.id, MatchRejection.customer_id == match.customer_id
        )
    ).one_or_none()
    if exists is None:
        session.add(
            MatchRejection(
                advertiser_id=advertiser.id,
                customer_id=match.customer_id,
                rejected_by=decided_by,
                rejected_at=now,
            )
        )
    match.decision = MatchDecision.REJECTED
    match.reason = "rejected by a person"
    match.decided_by = decided_by
    match.decided_at = now
    session.flush()
    return match


@dataclass(frozen=True)
class ReviewRow:
    advertiser_id: int
    text: str
    customer_code: str | None
    customer_name: str | None
    score: float
    reason: str | None
    sightings: int
    explanation: MatchExplanation | None = None


def pending_reviews(
    session: Session, limit: int | None = None, *, since: dt.date | None = None, offset: int = 0
) -> list[tuple[AdvertiserMatch, int]]:
    """Matches waiting for a person, each with how often its advertiser was seen (on or after `since`,
    if given), most often first; `limit` and `offset` page through them.

    Each count is a range of the advertiser/day index, for the waiting advertisers only: the cost
    follows the queue and the window, not the whole sighting history. Advertiser and proposed customer
    are loaded with them (the CLI and the web list both show them)."""
    counted = select(func.count(Sighting.id)).where(Sighting.advertiser_id == AdvertiserMatch.advertiser_id)
    if since is not None:
        counted = counted.where(Sighting.seen_date >= since)
    seen = counted.scalar_subquery()
    rows = session.execute(
        select(AdvertiserMatch, seen)
        .where(AdvertiserMatch.decision == MatchDecision.REVIEW)
        .options(selectinload(AdvertiserMatch.advertiser), selectinload(AdvertiserMatch.customer))
        .order_by(seen.desc(), AdvertiserMatch.advertiser_id)
        .limit(limit)
        .offset(offset)
    )
    return [(match, count) for match, count in rows]


def pending_review_count(session: Session) -> int:
    """How many matches wait for a person."""
    return int(
        session.scalar(
            select(func.count(AdvertiserMatch.id)).where(AdvertiserMatch.decision == MatchDecision.REVIEW)
        )
        or 0
    )


def review_queue(session: Session) -> list[ReviewRow]:
    """Advertisers waiting for a person, most-seen first."""
    return [
        ReviewRow(
            match.advertiser_id,
            match.advertiser.text,
            match.customer.code if match.customer else None,
            match.customer.name if match.customer else None,
            match.score,
            match.reason,
            count,
            MatchExplanation.from_dict(match.explanation),
        )
        for match, count in pending_reviews(session)
    ]


def matches_of_sightings(session: Session, sighting_ids: Iterable[int]) -> list[AdvertiserMatch]:
    """The current match of each advertiser seen in these sightings (an item's evidence), by text."""
    ids = list(sighting_ids)
    if not ids:
        return []
    return list(
        session.scalars(
            select(AdvertiserMatch)
            .where(
                AdvertiserMatch.advertiser_id.in_(select(Sighting.advertiser_id).where(Sighting.id.in_(ids)))
            )
            .options(selectinload(AdvertiserMatch.advertiser))
            .order_by(AdvertiserMatch.advertiser_id)
        ).all()
    )


def match_reason(match: AdvertiserMatch, gettext: Callable[[str], str] = str) -> str:
    """Why the advertiser is (or is not) the customer, in the reader's language: the stored explanation,
    else the stored reason (rows matched before explanations were kept)."""
    explanation = MatchExplanation.from_dict(match.explanation)
    return describe(explanation, gettext) if explanation is not None else (match.reason or "")
