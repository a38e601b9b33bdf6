"""Sending mail through the SMTP settings. Messages are built by their owners; this only delivers."""

from __future__ import annotations

import smtplib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage

from monitor.core.settings import SmtpSettings


@dataclass(frozen=True)
class RawMail:
    """A mail as SMTP carries it (CRLF line ends, the last line ended too) and the addresses it goes to:
    delivered as these bytes, never parsed back and serialised again (that cost as much as rendering it)."""

    recipients: tuple[str, ...]
    data: bytes


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
