"""Sending mail through the SMTP settings. Messages are built by their owners; this only delivers."""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from email.message import EmailMessage

from monitor.core.settings import SmtpSettings


def send_messages(smtp: SmtpSettings, messages: Iterable[EmailMessage], timeout: float = 30.0) -> int:
    """Deliver every message over one SMTP connection; returns how many were sent."""
    sent = 0
    with smtplib.SMTP(smtp.host, smtp.port, timeout=timeout) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        for message in messages:
            if "From" not in message:
                message["From"] = smtp.sender
            client.send_message(message)
            sent += 1
    return sent


def plain_message(sender: str, to: list[str], subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(body)
    return message
