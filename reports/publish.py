"""Publish a period: mail each rep their own items and each manager their teams' summary, exactly once.

Delivery protocol, one mail at a time (this is the one report function that commits, because a sent
mail cannot be rolled back):

1. insert the `PublishedMail` row (period, kind, recipient) and flush: the unique key reserves the mail,
   so a second publisher running at the same moment waits, then sees it as already sent;
2. build the message (a rep's single-use sign-in link is written in the same transaction) and send it;
3. commit. If sending fails, roll back: the row and the sign-in token disappear and a later run retries.

A crash between 2 and 3 leaves the mail unrecorded, so the next run sends it again: delivery is at
least once, never lost, and a duplicate is possible only for the one mail in flight. Each mail keeps the
same Message-ID when re-sent, which lets mail clients fold such a duplicate.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import AccountabilityPeriod, PublishedMail, User
from monitor.core.evidence import EvidenceStore
from monitor.core.settings import Settings
from reports.context import ItemView, ReportContext, TeamSection, load_report_context
from reports.mails import manager_message, rep_message
from reports.queries import ManagerRow, rep_recipients, team_managers

REP, MANAGER = "rep", "manager"
# Refusals that concern one mail only; anything else (no connection, bad login) stops the run.
_ONE_MAIL_FAILURES = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)

Send = Callable[[list[EmailMessage]], Any]


@dataclass(frozen=True)
class PlannedMail:
    kind: str  # rep or manager
    recipient: str  # lower-case address
    build: Callable[[Session], EmailMessage]


@dataclass(frozen=True)
class PublishResult:
    period_label: str
    sent: tuple[str, ...]  # "kind:recipient"
    already_sent: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]  # ("kind:recipient", error)
    reps_without_address: tuple[str, ...]  # rep codes with open items but no usable email
    published_at: dt.datetime | None


def publish_period(
    session: Session, settings: Settings, start: dt.date, now: dt.datetime, send: Send
) -> PublishResult:
    """Mail the period starting on `start` to its reps and managers; mails sent before are skipped.

    Commits once per mail (see the module docstring). Sets the period's `published_at` the first time
    every planned mail has gone out.
    """
    context = load_report_context(session, start, settings.tz)
    planned, without_address = plan_mails(session, settings, context, now)
    done = _already_published(session, context.period_id)
    session.rollback()  # end the reading transaction: each mail gets its own
    sent: list[str] = []
    skipped: list[str] = []
    failed: list[tuple[str, str]] = []
    for mail in planned:
        label = f"{mail.kind}:{mail.recipient}"
        if (mail.kind, mail.recipient) in done:
            skipped.append(label)
            continue
        outcome = _deliver(session, context.period_id, mail, now, send)
        if outcome == "sent":
            sent.append(label)
        elif outcome == "already":
            skipped.append(label)
        else:
            failed.append((label, outcome))
    published_at = _mark_published(session, context.period_id, now) if not failed else None
    return PublishResult(
        context.label, tuple(sent), tuple(skipped), tuple(failed), tuple(without_address), published_at
    )


def _deliver(session: Session, period_id: int, mail: PlannedMail, now: dt.datetime, send: Send) -> str:
    """Record, send, commit one mail; returns sent, already, or the error of a refused mail."""
    try:
        session.add(PublishedMail(period_id=period_id, kind=mail.kind, recipient=mail.recipient, sent_at=now))
        session.flush()
    except IntegrityError:
        session.rollback()  # another publisher recorded it first
        return "already"
    try:
        send([mail.build(session)])
    except _ONE_MAIL_FAILURES as exc:
        session.rollback()
        return f"{exc.__class__.__name__}: {exc}"
    except BaseException:
        session.rollback()
        raise
    session.commit()
    return "sent"


def _already_published(session: Session, period_id: int) -> set[tuple[str, str]]:
    rows = session.execute(
        select(PublishedMail.kind, PublishedMail.recipient).where(PublishedMail.period_id == period_id)
    )
    return {(kind, recipient) for kind, recipient in rows}


def _mark_published(session: Session, period_id: int, now: dt.datetime) -> dt.datetime | None:
    period = session.get(AccountabilityPeriod, period_id)
    assert period is not None
    if period.published_at is None:
        period.published_at = now
        session.commit()
    return period.published_at


# --- planning -------------------------------------------------------------------------------------------


def plan_mails(
    session: Session, settings: Settings, context: ReportContext, now: dt.datetime
) -> tuple[list[PlannedMail], list[str]]:
    """The mails of the period (reps first, then managers) and the reps who have items but no address."""
    rep_mails, without_address = _rep_mails(session, settings, context, now)
    return [*rep_mails, *_manager_mails(settings, context, team_managers(session), now)], without_address


def forms_path(context: ReportContext) -> str:
    return f"/items?period={context.start:%Y-%m-%d}"


def _rep_mails(
    session: Session, settings: Settings, context: ReportContext, now: dt.datetime
) -> tuple[list[PlannedMail], list[str]]:
    items_by_rep = {rep.code: rep.items for rep in context.reps}
    by_address: dict[str, list[tuple[str, str, int | None]]] = defaultdict(list)
    without_address = []
    for row in rep_recipients(session, items_by_rep):
        address = normal_address(row.email)
        if address is None:
            without_address.append(row.rep_code)
        else:
            by_address[address].append((row.rep_code, row.rep_name, row.user_id))
    mails = []
    for address, reps in sorted(by_address.items()):
        # Reps sharing one address (bad roster data) get one mail with all their items.
        items = [item for code, _, _ in reps for item in items_by_rep[code]]
        user_id = next((user for _, _, user in reps if user is not None), None)
        name = "、".join(name for _, name, _ in reps)
        mails.append(
            PlannedMail(REP, address, _rep_builder(settings, context, address, name, items, user_id, now))
        )
    return mails, without_address


def _rep_builder(
    settings: Settings,
    context: ReportContext,
    address: str,
    name: str,
    items: Sequence[ItemView],
    user_id: int | None,
    now: dt.datetime,
) -> Callable[[Session], EmailMessage]:
    def build(session: Session) -> EmailMessage:
        url, signed = forms_link(session, settings, user_id, forms_path(context))
        return rep_message(
            context=context,
            language=settings.language,
            sender=settings.smtp.sender,
            recipient=address,
            name=name,
            items=items,
            forms_url=url,
            signed_link=signed,
            store=EvidenceStore(settings.evidence_path),
            now=now,
        )

    return build


def forms_link(session: Session, settings: Settings, user_id: int | None, path: str) -> tuple[str, bool]:
    """A signed single-use sign-in link to `path` for the rep's account, else (no account) the plain URL."""
    from monitor.accounts.login_links import make_login_link

    user = session.get(User, user_id) if user_id is not None else None
    if user is None:
        return settings.base_url.rstrip("/") + path, False
    return str(make_login_link(settings, session, user, path)), True


def _manager_mails(
    settings: Settings, context: ReportContext, managers: Sequence[ManagerRow], now: dt.datetime
) -> list[PlannedMail]:
    scopes: dict[str, list[ManagerRow]] = defaultdict(list)
    for manager in managers:
        address = normal_address(manager.manager_email)
        if address is not None:
            scopes[address].append(manager)
    mails = []
    for address, rows in sorted(scopes.items()):
        teams = teams_in_scope(context, {row.team_code for row in rows})
        if not any(team.totals.items for team in teams):
            continue  # nothing to report to this manager
        scope = "、".join(row.team_name for row in rows)
        build = _manager_builder(settings, context, address, scope, teams, now)
        mails.append(PlannedMail(MANAGER, address, build))
    return mails


def _manager_builder(
    settings: Settings,
    context: ReportContext,
    address: str,
    scope: str,
    teams: Sequence[TeamSection],
    now: dt.datetime,
) -> Callable[[Session], EmailMessage]:
    def build(session: Session) -> EmailMessage:
        return manager_message(
            context=context,
            language=settings.language,
            sender=settings.smtp.sender,
            recipient=address,
            scope=scope,
            teams=teams,
            overview_url=settings.base_url.rstrip("/") + forms_path(context),
            now=now,
        )

    return build


def teams_in_scope(context: ReportContext, codes: set[str]) -> list[TeamSection]:
    """The report's teams managed through `codes`: a team itself, or every team of a branch."""
    return [
        team
        for branch in context.branches
        for team in branch.teams
        if team.code in codes or branch.code in codes
    ]


def normal_address(value: str | None) -> str | None:
    """The address lower-cased and stripped, or None when it is not a plain `local@domain`."""
    address = (value or "").strip().lower()
    local, at, domain = address.partition("@")
    if not (local and at and domain) or "@" in domain or any(c.isspace() or c in '<>,;"' for c in address):
        return None
    return address
