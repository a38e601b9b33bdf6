"""The report mail's bytes, written without the email package's generator, read as the package made them."""

from __future__ import annotations

import email
import email.policy
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart

import pytest

from reports.mime import related_mail

HEADERS: dict[str, str | Address] = {
    "From": "rivalwatch@example.com",
    "To": Address(display_name="李娜", username="r002", domain="example.com"),
    "Subject": "【问责客户报表】2026-11-09~2026-11-22 您有 1 个客户需填写说明表",
    "Date": "Tue, 24 Nov 2026 01:00:00 -0000",
    "Message-ID": "<rivalwatch.20261109.rep.0123456789abcdef@example.com>",
    "Auto-Submitted": "auto-generated",
}
CHINESE = "上海浦东发展银行股份有限公司招聘信息 · 华晨宝马汽车有限公司市场部(北京)"
TEXTS = {
    "short ascii lines": "Dear rep,\n\nplease explain.\n",
    "short chinese lines": "李娜，您好：\n请填写说明表。\n",
    "long chinese lines": "\n".join(f"{n}. {CHINESE * 3}" for n in range(40)),
    "markup with long lines": '<table style="border-collapse: collapse;width: 100%">'
    + "".join(f'<tr><td class="x" style="padding: 4px">{n} 招聘</td></tr>' for n in range(50))
    + "</table>\n",
    "dots, dashes, trailing blanks and CRLF": ".\r\n..leading dots \r\n--=_boundary-like\r\n\tend\t\r\n" * 30
    + "x" * 200,
    "nothing": "",
}


def stdlib_mail(text: str, html: str, images: list[tuple[str, bytes]]) -> EmailMessage:
    """The same mail as `reports.mails` built it with `EmailMessage`, serialised and parsed back."""
    alternative = MIMEPart()
    alternative.set_content(text, subtype="plain", charset="utf-8")
    alternative.add_alternative(html, subtype="html", charset="utf-8")
    message = EmailMessage()
    for key, value in HEADERS.items():
        message[key] = value
    parts = [alternative]
    for cid, data in images:
        part = MIMEPart()
        part.set_content(
            data,
            maintype="image",
            subtype="png",
            cid=f"<{cid}>",
            disposition="inline",
            filename=f"{cid[:16]}.png",
        )
        parts.append(part)
    message["MIME-Version"] = "1.0"
    message["Content-Type"] = 'multipart/related; type="multipart/alternative"'
    message.set_payload(parts)  # type: ignore[arg-type]
    return parsed(message.as_bytes(policy=email.policy.SMTP))


def parsed(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def described(message: EmailMessage) -> list[tuple[str, str | None, object]]:
    """Each part's type, transfer encoding and decoded content; the headers of the message."""
    parts: list[tuple[str, str | None, object]] = [
        ("headers", None, [(k, str(v)) for k, v in message.items()][:6])
    ]
    for part in message.walk():
        content = None if part.is_multipart() else part.get_content()
        parts.append((part.get_content_type(), part["Content-Transfer-Encoding"], content))
    return parts


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_a_mail_reads_as_the_email_package_made_it(text: str) -> None:
    images = [("0123456789abcdef0123456789abcdef@rivalwatch", bytes(range(256)) * 40)]
    data = related_mail(HEADERS, text, f"<p>{text}</p>", images)

    assert described(parsed(data)) == described(stdlib_mail(text, f"<p>{text}</p>", images))
    assert data.count(b"\n") == data.count(b"\r\n")  # SMTP line ends only
    assert max(len(line) for line in data.split(b"\r\n")) <= 998


def test_the_text_parts_are_alternatives_and_the_images_are_related() -> None:
    message = parsed(
        related_mail(HEADERS, "text", "<p>html</p>", [("a@rivalwatch", b"png1"), ("b@x", b"png2")])
    )

    assert message.get_content_type() == "multipart/related"
    assert message.get_param("type") == "multipart/alternative"
    assert [part.get_content_type() for part in message.walk()] == [
        "multipart/related",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "image/png",
        "image/png",
    ]
    images = [part for part in message.walk() if part.get_content_maintype() == "image"]
    assert [(str(part["Content-ID"]), part.get_content()) for part in images] == [
        ("<a@rivalwatch>", b"png1"),
        ("<b@x>", b"png2"),
    ]
