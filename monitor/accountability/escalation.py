"""Escalate overdue explanation forms to the rep's manager, once per form."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AccountabilityItem, Explanation, Team, User
from models.enums import ExplanationStatus, Role
from monitor.accountability.items import overdue_items
from monitor.core.i18n import translator
from monitor.core.mail import send_messages
from monitor.core.settings import Settings

log = logging.getLogger(__name__)

Send = Callable[[EmailMessage], None]


def smtp_sender(settings: Settings, timeout: float = 30.0) -> Send:
    """A `send` that delivers one message through the configured SMTP server."""

    def send(message: EmailMessage) -> None:
        send_messages(settings.smtp, [message], timeout=timeout)

    return send


def manager_addresses(session: Session, team: Team | None) -> list[str]:
    """The managers of the rep's team, else the nearest team above that has any (users, then team email)."""
    while team is not None:
        users = session.scalars(
            select(User.email).where(
                User.role == Role.MANAGER, User.team_id == team.id, User.email.is_not(None)
            )
        )
        addresses = sorted({address for address in users if address})
        if addresses:
            return addresses
        if team.manager_email:
            return [team.manager_email]
        team = team.parent
    return []


def escalation_message(settings: Settings, item: AccountabilityItem, recipients: list[str]) -> EmailMessage:
    _ = translator(settings.language).gettext
    values = {
        "rep": item.rep.name,
        "customer": item.customer.name,
        "period": item.period.label,
        "deadline": item.period.form_deadline.isoformat(),
        "url": f"{settings.base_url.rstrip('/')}/items/{item.id}",
    }
    message = EmailMessage()
    message["From"] = settings.smtp.sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = _("[Rivalwatch] Overdue form: %(customer)s (%(rep)s)") % values
    body = _(
        "%(rep)s has not submitted the explanation form for %(customer)s (period %(period)s, "
        "deadline %(deadline)s).\nOpen the item: %(url)s\n"
    )
    message.set_content(body % values)
    return message


def escalate_overdue(
    session: Session, settings: Settings, now: dt.datetime, send: Send
) -> list[AccountabilityItem]:
    """Mail each overdue form's manager once (Explanation.escalated_at); returns the items escalated.

    The mails are built first; each is then sent with no transaction open and its escalation committed
    right after (a sent mail cannot be rolled back), so a slow mail server never holds SQLite's write
    lock. A form whose mail fails or that has no manager address is left for the next run.
    """
    planned = []
    for item in overdue_items(session, None, settings.today(now), unescalated=True):
        recipients = manager_addresses(session, item.rep.team)
        if not recipients:
            log.warning("no manager address for overdue item %s (rep %s)", item.id, item.rep.code)
            continue
        planned.append((item, escalation_message(settings, item, recipients)))
    session.commit()  # end the reading transaction: nothing is held while mails go out
    escalated = []
    for item, message in planned:
        try:
            send(message)
        except (OSError, smtplib.SMTPException):
            log.exception("escalation mail for item %s failed; will retry next run", item.id)
            continue
        _mark_escalated(item, now)
        session.commit()
        escalated.append(item)
    return escalated


def _mark_escalated(item: AccountabilityItem, now: dt.datetime) -> None:
    if item.explanation is None:
        item.explanation = Explanation(item_id=item.id, status=ExplanationStatus.DRAFT)
    item.explanation.escalated_at = now
