"""Closed sets of values stored as short strings (portable across SQLite and PostgreSQL)."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


class PageKind(enum.StrEnum):
    HOMEPAGE = "homepage"
    SECTION = "section"


class SlotKind(enum.StrEnum):
    LOGO = "logo"
    BANNER = "banner"


class CaptureStatus(enum.StrEnum):
    OK = "ok"
    HTTP_ERROR = "http_error"
    TIMEOUT = "timeout"
    BLOCKED = "blocked"
    PARSE_ERROR = "parse_error"


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class MatchDecision(enum.StrEnum):
    AUTO = "auto"
    REVIEW = "review"
    NONE = "none"
    CONFIRMED = "confirmed"  # a person confirmed the proposed customer
    REJECTED = "rejected"  # a person rejected it; never auto-matched again


class ItemStatus(enum.StrEnum):
    OPEN = "open"
    WAIVED = "waived"
    WITHDRAWN = "withdrawn"


class ExplanationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    SENT_BACK = "sent_back"


class ReviewDecision(enum.StrEnum):
    ACCEPT = "accept"
    SEND_BACK = "send_back"


class Role(enum.StrEnum):
    REP = "rep"
    MANAGER = "manager"
    OFFICE = "office"
    ADMIN = "admin"


def enum_column(enum_class: type[enum.StrEnum]) -> Enum:
    """A VARCHAR + CHECK column holding the enum's values (not its names)."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=20,
        name=enum_class.__name__.lower(),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
