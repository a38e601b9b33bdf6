"""Delivering mail through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

from monitor.core.mail import RawMail, send_raw
from monitor.core.settings import SmtpSettings
from tests.support.smtp import smtp_server

DATA = (
    b"Subject: =?utf-8?b?5rWL6K+V?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    + ".leading dot\r\n中文\r\n".encode()
)


def test_raw_mails_arrive_as_their_bytes_over_one_connection() -> None:
    with smtp_server() as box:
        smtp = SmtpSettings(host="127.0.0.1", port=box.port, sender="rivalwatch@example.com")
        sent = send_raw(
            smtp, [RawMail(("a@example.com",), DATA), RawMail(("b@example.com", "c@example.com"), DATA)]
        )
    assert sent == 2
    assert box.recipients == [["a@example.com"], ["b@example.com", "c@example.com"]]
    assert box.received == [DATA, DATA]


def test_an_address_beyond_ascii_goes_out_with_smtputf8() -> None:
    with smtp_server(smtputf8=True) as box:
        smtp = SmtpSettings(host="127.0.0.1", port=box.port, sender="rivalwatch@example.com")
        send_raw(smtp, [RawMail(("李娜@example.com",), DATA)])
    assert box.recipients == [["李娜@example.com"]] and box.received == [DATA]
