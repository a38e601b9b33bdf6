"""SQLAlchemy models for the whole domain; importing this package registers every table on `Base`."""

from models.accountability import (
    AccountabilityItem,
    AccountabilityPeriod,
    Explanation,
    ItemEvidence,
    ItemWaiver,
    PublishedMail,
    Review,
)
from models.accounts import AuditEvent, LoginAttempt, WebSession
from models.base import Base, UTCDateTime, utcnow
from models.capture import CrawlRun, Creative, PageCapture, Sighting, SlotCapture
from models.crawl_tasks import CrawlPageTask
from models.evidence_log import EvidenceManifest
from models.intel import AdAlert, AlertMessage
from models.matching import (
    Advertiser,
    AdvertiserDay,
    AdvertiserDaySource,
    AdvertiserMatch,
    CompetitorCompanyId,
    MatchRejection,
)
from models.roster import Assignment, Customer, CustomerAlias, ListedCompany, Order, Rep, Team
from models.sites import Page, Site, Slot
from models.users import User
from models.web_tokens import LoginToken

__all__ = [
    "AdAlert",
    "AlertMessage",
    "AccountabilityItem",
    "AccountabilityPeriod",
    "Advertiser",
    "AdvertiserDay",
    "AdvertiserDaySource",
    "AdvertiserMatch",
    "Assignment",
    "AuditEvent",
    "Base",
    "CompetitorCompanyId",
    "CrawlPageTask",
    "CrawlRun",
    "Creative",
    "Customer",
    "CustomerAlias",
    "EvidenceManifest",
    "Explanation",
    "ItemEvidence",
    "ItemWaiver",
    "ListedCompany",
    "LoginAttempt",
    "LoginToken",
    "MatchRejection",
    "Order",
    "Page",
    "PageCapture",
    "PublishedMail",
    "Rep",
    "Review",
    "Sighting",
    "Site",
    "Slot",
    "SlotCapture",
    "Team",
    "UTCDateTime",
    "User",
    "WebSession",
    "utcnow",
]
