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
    FAILED = "failed"  # ended early for a reason of its own (the database, a crash it could report)
    STOPPED = "stopped"  # stopped from outside: SIGTERM, SIGINT (Ctrl-C)
    ABANDONED = "abandoned"  # its process died without a word (killed, machine lost); found later


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


class TokenPurpose(enum.StrEnum):
    SIGN_IN = "sign_in"  # a report mail's sign-in link
    PASSWORD_RESET = "password_reset"  # a link to set a new password (new accounts and resets)


class SessionEnd(enum.StrEnum):
    """Why a server-side session ended before its expiry."""

    LOGOUT = "logout"
    PASSWORD = "password"  # the password was changed or reset
    DISABLED = "disabled"  # the account was disabled
    EVERYWHERE = "everywhere"  # an admin signed the account out everywhere


class AttemptOutcome(enum.StrEnum):
    FAILURE = "failure"
    SUCCESS = "success"
    UNLOCK = "unlock"  # an admin cleared the name's failures


class AuditAction(enum.StrEnum):
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    ACCOUNT_UNLOCKED = "account_unlocked"
    ROLE_CHANGED = "role_changed"
    TEAM_CHANGED = "team_changed"
    PASSWORD_RESET_SENT = "password_reset_sent"  # old password cleared, sessions ended, link mailed
    PASSWORD_SET = "password_set"  # by the account's owner, through a reset link
    PASSWORD_CHANGED = "password_changed"  # by the owner, signed in, knowing the old one
    PASSWORD_SET_BY_OPERATOR = "password_set_by_operator"  # `users reset-password --password-stdin`
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"


def enum_column(enum_class: type[enum.StrEnum], length: int = 20) -> Enum:
    """A VARCHAR + CHECK column holding the enum's values (not its names)."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=length,
        name=enum_class.__name__.lower(),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class PageTaskStatus(enum.StrEnum):
    """A page of a distributed day's crawl (models.crawl_tasks.CrawlPageTask)."""

    OPEN = "open"  # waiting for a worker
    CLAIMED = "claimed"  # a worker holds its lease and is crawling it
    DONE = "done"  # its capture for the day is stored (whatever the page's own status)
    FAILED = "failed"  # given up after crawl.max_attempts without a stored capture
