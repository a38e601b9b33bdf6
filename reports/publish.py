"""Publish a period: mail each rep their own items and each manager their teams' summary, exactly once.

Mails are rendered and queued first, then sent one by one with no database transaction open, so a
slow mail server never holds SQLite's write lock (a crawl or a rep's draft saved meanwhile goes through):

1. queue: each planned mail not sent yet is rendered (a rep's single-use sign-in link is written with it)
   and inserted as a `PublishedMail` row with status `queued` and the message's bytes, or, queued or
   failed before, its row gets the new rendering; the unique key (period, kind, recipient) keeps two
   publishers from queueing the same mail twice;
2. claim: a conditional UPDATE turns one `queued` row into `sending` and commits; of two publishers
   only one gets it;
3. send the stored bytes as they are (never parsed back), outside any transaction; then record `sent`
   (the bytes are dropped) or, for a mail the server refused, `failed` with the reason, and commit. The
   next run renders a failed mail again and sends it.

A crash between 2 and 3 leaves the row `sending`; once its claim is older than `CLAIM_LEASE` the next
run sends it again: delivery is at least once, never lost, and a duplicate is possible only for the one
mail in flight. Each mail keeps the same Message-ID when re-sent, which lets mail clients fold such a
duplicate. `published_at` is set the first time every planned mail has gone out.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import AccountabilityPeriod, PublishedMail, User
from monitor.core.evidence import open_evidence_store
from monitor.core.mail import RawMail, send_raw
from monitor.core.settings import Settings
from reports.context import ItemView, ReportContext, TeamSection, load_report_context, report_names
from reports.mails import manager_message, rep_message
from reports.queries import ManagerRow, rep_recipients, team_managers

REP, MANAGER = "rep", "manager"
QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
CLAIM_LEASE = dt.timedelta(minutes=15)  # a claim older than this belongs to a publisher that died
QUEUE_BATCH = 20  # mails rendered and queued per transaction
# Refusals that concern one mail only; anything else (no connection, bad login) stops the run.
_ONE_MAIL_FAILURES = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)

Send = Callable[[list[RawMail]], Any]  # publish_period's default: send_raw to the settings' SMTP
Progress = Callable[[int, int, str], None]  # (mails done, mails to send, "kind:recipient")


@dataclass(frozen=True)
class PlannedMail:
    kind: str  # rep or manager
    recipient: str  # lower-case address
    build: Callable[[Session], bytes]  # the mail as SMTP carries it


@dataclass(frozen=True)
class PublishResult:
    period_label: str
    sent: tuple[str, ...]  # "kind:recipient"
    already_sent: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]  # ("kind:recipient", error)
    reps_without_address: tuple[str, ...]  # rep codes with open items but no usable email
    published_at: dt.datetime | None


def publish_period(
    session: Session,
    settings: Settings,
    start: dt.date,
    now: dt.datetime,
    send: Send | None = None,
    progress: Progress | None = None,
    context: ReportContext | None = None,
) -> PublishResult:
    """Mail the period starting on `start` to its reps and managers; mails sent before are skipped.

    `context` is the period's report as just built (`reports.build.BuiltReport.context`), so the mails show
    what the archived pages show without reading the period again; None loads it. Commits per step (see
    the module docstring); no transaction is open while a mail is sent. `send` delivers the mails: the
    settings' SMTP server when None.
    """
    if send is None:
        send = partial(send_raw, settings.smtp)
    if context is None:
        context = load_report_context(session, start, settings.tz, report_names(settings))
    planned, without_address = plan_mails(session, settings, context, now)
    session.rollback()  # end the reading transaction before anything is written
    queue_mails(session, context.period_id, planned, now)
    labels = {(mail.kind, mail.recipient) for mail in planned}
    sent, skipped, failed = send_queued(session, context.period_id, labels, now, send, progress)
    published_at = _mark_published(session, context.period_id, now) if not failed else None
    return PublishResult(
        context.label, tuple(sent), tuple(skipped), tuple(failed), tuple(without_address), published_at
    )


def queue_mails(session: Session, period_id: int, planned: Sequence[PlannedMail], now: dt.datetime) -> int:
    """Render and queue the planned mails not sent yet; how many were (re)queued.

    A mail queued or failed before and not sent is rendered again from the current plan (the items, and a
    fresh sign-in link, may have changed since), then queued; one being sent or sent is left alone.
    """
    states = {
        (kind, recipient): (row_id, status)
        for row_id, kind, recipient, status in session.execute(
            select(PublishedMail.id, PublishedMail.kind, PublishedMail.recipient, PublishedMail.status).where(
                PublishedMail.period_id == period_id
            )
        )
    }
    session.rollback()
    todo = [
        (mail, states.get((mail.kind, mail.recipient)))
        for mail in planned
        if states.get((mail.kind, mail.recipient), (None, QUEUED))[1] in (QUEUED, FAILED)
    ]
    queued = 0
    for start in range(0, len(todo), QUEUE_BATCH):
        queued += _queue_batch(session, period_id, todo[start : start + QUEUE_BATCH], now)
    return queued


def _queue_batch(
    session: Session,
    period_id: int,
    batch: Sequence[tuple[PlannedMail, tuple[int, str] | None]],
    now: dt.datetime,
) -> int:
    """Render and queue a few mails in one short transaction (no network I/O in it); each in a savepoint,
    so a mail another publisher queued (or started sending) first is skipped, not the batch."""
    queued = 0
    for mail, state in batch:
        message = mail.build(session)
        values = {"status": QUEUED, "message": message, "size_bytes": len(message), "queued_at": now}
        try:
            with session.begin_nested():
                if state is None:
                    session.add(
                        PublishedMail(period_id=period_id, kind=mail.kind, recipient=mail.recipient, **values)
                    )
                    queued += 1
                else:
                    requeued = session.execute(
                        update(PublishedMail)
                        .where(PublishedMail.id == state[0], PublishedMail.status.in_((QUEUED, FAILED)))
                        .values(**values)
                        .execution_options(synchronize_session=False)
                    )
                    queued += int(requeued.rowcount)  # type: ignore[attr-defined]
        except IntegrityError:
            pass  # another publisher queued it first; the sign-in link made for it is never mailed
    session.commit()
    return queued


def send_queued(
    session: Session,
    period_id: int,
    labels: set[tuple[str, str]],
    now: dt.datetime,
    send: Send,
    progress: Progress | None = None,
) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Send the period's queued mails of `labels`: (sent, sent before, failed with the error)."""
    rows = session.execute(
        select(PublishedMail.id, PublishedMail.kind, PublishedMail.recipient, PublishedMail.status)
        .where(PublishedMail.period_id == period_id)
        .order_by(PublishedMail.id)
    ).all()
    session.rollback()
    sent: list[str] = []
    skipped = [f"{kind}:{to}" for _, kind, to, status in rows if status == SENT and (kind, to) in labels]
    failed: list[tuple[str, str]] = []
    todo = [
        (row_id, to, f"{kind}:{to}")
        for row_id, kind, to, status in rows
        if status != SENT and (kind, to) in labels
    ]
    for done, (row_id, to, label) in enumerate(todo, start=1):
        data = _claim(session, row_id, now)
        if data is None:
            skipped.append(label)  # sent, or being sent, by another publisher
        else:
            error = _send_one(session, row_id, RawMail((to,), data), send, now)
            (failed.append((label, error)) if error else sent.append(label))
        if progress is not None:
            progress(done, len(todo), label)
    return sent, skipped, failed


def _claim(session: Session, row_id: int, now: dt.datetime) -> bytes | None:
    """Take the mail for sending (queued, or claimed by a publisher gone for longer than the lease): its
    stored bytes."""
    stale = now - CLAIM_LEASE
    claimed = session.execute(
        update(PublishedMail)
        .where(
            PublishedMail.id == row_id,
            (PublishedMail.status == QUEUED)
            | ((PublishedMail.status == SENDING) & (PublishedMail.claimed_at < stale)),
        )
        .values(status=SENDING, claimed_at=now, attempts=PublishedMail.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return None
    data = session.scalar(select(PublishedMail.message).where(PublishedMail.id == row_id))
    session.commit()
    return data


def _send_one(session: Session, row_id: int, mail: RawMail, send: Send, now: dt.datetime) -> str | None:
    """Send one claimed mail (no transaction open), then record the outcome; the error of a refusal."""
    try:
        send([mail])
    except _ONE_MAIL_FAILURES as exc:
        error = f"{exc.__class__.__name__}: {exc}"
        _record(session, row_id, status=FAILED, error=error)
        return error
    except BaseException:
        _record(session, row_id, status=QUEUED, claimed_at=None)  # not sent: the next run sends it
        raise
    _record(session, row_id, status=SENT, sent_at=now, message=None, error=None)
    return None


def _record(session: Session, row_id: int, **values: Any) -> None:
    session.execute(
        update(PublishedMail)
        .where(PublishedMail.id == row_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _mark_published(session: Session, period_id: int, now: dt.datetime) -> dt.datetime | None:
    period = session.get(AccountabilityPeriod, period_id)
    assert period is not None
    if period.published_at is None:
        period.published_at = now
        session.commit()
    return period.published_at


@dataclass(frozen=True)
class MailRow:
    """One mail of a period as the office sees it."""

    kind: str
    recipient: str
    status: str
    size_bytes: int | None
    attempts: int
    queued_at: dt.datetime | None
    sent_at: dt.datetime | None
    error: str | None


def period_mails(session: Session, period_id: int) -> list[MailRow]:
    """Every mail of the period: who was mailed, what waits, what failed and why."""
    rows = session.execute(
        select(
            PublishedMail.kind,
            PublishedMail.recipient,
            PublishedMail.status,
            PublishedMail.size_bytes,
            PublishedMail.attempts,
            PublishedMail.queued_at,
            PublishedMail.sent_at,
            PublishedMail.error,
        )
        .where(PublishedMail.period_id == period_id)
        .order_by(PublishedMail.kind.desc(), PublishedMail.recipient)
    )
    return [MailRow(*row) for row in rows]


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
) -> Callable[[Session], bytes]:
    def build(session: Session) -> bytes:
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
            store=open_evidence_store(settings),
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
) -> Callable[[Session], bytes]:
    def build(session: Session) -> bytes:
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
