"""Sending mail through the SMTP settings. Messages are built by their owners; this only delivers."""

from __future__ import annotations

import email.policy
import smtplib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage

from monitor.core.settings import SmtpSettings


@dataclass(frozen=True)
class RawMail:
    """A mail as SMTP carries it (`smtp_bytes`) and the addresses it goes to: delivered as these bytes."""

    recipients: tuple[str, ...]
    data: bytes


def smtp_bytes(message: EmailMessage) -> bytes:
    """The message serialised once for SMTP (CRLF line ends, the last line ended too), so a queued mail
    is sent as it was stored: parsing it back and serialising it again cost as much as rendering it."""
    return message.as_bytes(policy=email.policy.SMTP)


def send_messages(smtp: SmtpSettings, messages: Iterable[EmailMessage], timeout: float = 30.0) -> int:
    """Deliver every message over one SMTP connection; returns how many were sent."""
    sent = 0
    with _connection(smtp, timeout) as client:
        for message in messages:
            if "From" not in message:
                message["From"] = smtp.sender
            client.send_message(message)
            sent += 1
    return sent


def send_raw(smtp: SmtpSettings, mails: Iterable[RawMail], timeout: float = 30.0) -> int:
    """Deliver every mail's bytes unchanged over one SMTP connection, from the settings' sender (the
    address its From header was made with); returns how many were sent."""
    sent = 0
    with _connection(smtp, timeout) as client:
        for mail in mails:
            # As `send_message` would: an address beyond ASCII needs the server's SMTPUTF8.
            international = not "".join((smtp.sender, *mail.recipients)).isascii()
            options = ["SMTPUTF8"] if international else []
            client.sendmail(smtp.sender, list(mail.recipients), mail.data, mail_options=options)
            sent += 1
    return sent


@contextmanager
def _connection(smtp: SmtpSettings, timeout: float) -> Iterator[smtplib.SMTP]:
    with smtplib.SMTP(smtp.host, smtp.port, timeout=timeout) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        yield client


def plain_message(sender: str, to: list[str], subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(body)
    return message
