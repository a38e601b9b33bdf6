"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts, parsed."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Mailbox:
    """The server's handler: accepted messages in order (parsed, and as received); addresses in `refuse`
    are turned away."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    received: list[bytes] = field(default_factory=list)  # each message's DATA, dot-stuffing undone
    recipients: list[list[str]] = field(default_factory=list)  # the envelope's, per message
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd hook
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.received.append(envelope.original_content)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose envelope named `address`."""
        return [
            message for message, rcpt in zip(self.messages, self.recipients, strict=True) if address in rcpt
        ]


def _free_port() -> int:
    # aiosmtpd's Controller cannot bind port 0 itself (it probes the port it was given).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(smtputf8: bool = False) -> Iterator[Mailbox]:
    """A server on 127.0.0.1 for the block's duration (offering SMTPUTF8 if asked); its Mailbox says what
    it received."""
    mailbox = Mailbox(port=_free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port, enable_SMTPUTF8=smtputf8)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
