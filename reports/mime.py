"""A report mail written straight to the bytes SMTP carries (CRLF line ends):

    multipart/related [ multipart/alternative [ text/plain, text/html ], image/png … ]

The standard library's `EmailMessage` and its generator were half the CPU of rendering a publish's mails:
every header given to a part is parsed into a header object and folded again on output, quoted-printable
is encoded in Python, and each body is written a line at a time. Here only the headers that need it go
through the email package (encoded words for names and subjects, folding); the parts' headers are fixed
ASCII and their bodies are encoded by `binascii`. What a mail client decodes is what the email package
made before: same headers, same transfer encodings, same text.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import secrets
from collections.abc import Mapping, Sequence
from email import quoprimime
from email.headerregistry import Address

_CRLF = b"\r\n"
_MAX_LINE = 78  # the email policies' max_line_length, which the content manager measured lines by


def related_mail(
    headers: Mapping[str, str | Address], text: str, html: str, images: Sequence[tuple[str, bytes]]
) -> bytes:
    """The mail's bytes: `text` and `html` as alternatives, then each (Content-ID, PNG bytes) image,
    which the HTML shows as `cid:` (the Content-ID without angle brackets)."""
    inner, outer = _boundary(), _boundary()
    alternative = _part(
        f'Content-Type: multipart/alternative;\r\n boundary="{inner}"',
        _multipart_body(inner, [_text_part("plain", text), _text_part("html", html)]),
    )
    body = _multipart_body(outer, [alternative, *(_image_part(cid, data) for cid, data in images)])
    head = b"".join(_header(name, value) for name, value in headers.items())
    content_type = f'multipart/related; type="multipart/alternative";\r\n boundary="{outer}"'
    return head + _part(f"MIME-Version: 1.0\r\nContent-Type: {content_type}", body)


def _header(name: str, value: str | Address) -> bytes:
    """A header line: a short printable ASCII value as it is, any other (a name or a subject in Chinese, a
    long one) encoded and folded by the email package, as its generator did; parsing and folding every
    header there was a fifth of a publish's mail building."""
    line = f"{name}: {value}"
    if isinstance(value, str) and line.isascii() and line.isprintable() and len(line) <= _MAX_LINE:
        return line.encode("ascii") + _CRLF
    return email.policy.SMTP.fold_binary(*email.policy.SMTP.header_store_parse(name, value))


def _boundary() -> str:
    # "=_" begins no line of base64 (which has no "-") or of quoted-printable (where "=" is followed by
    # two hex digits or ends the line); a line of unencoded text would have to guess 128 random bits.
    return f"=_{secrets.token_hex(16)}"


def _multipart_body(boundary: str, parts: Sequence[bytes]) -> bytes:
    """The parts between boundary lines (RFC 2046: the CRLF before a boundary line belongs to it)."""
    return (
        f"--{boundary}\r\n".encode()
        + f"\r\n--{boundary}\r\n".encode().join(parts)
        + f"\r\n--{boundary}--\r\n".encode()
    )


def _part(headers: str, body: bytes) -> bytes:
    return headers.encode("ascii") + _CRLF + _CRLF + body


def _text_part(subtype: str, text: str) -> bytes:
    """`text` in UTF-8, its lines ended by CRLF on the wire (by LF inside base64, as the email package
    encoded them)."""
    lines = text.encode("utf-8").splitlines()
    encoding = _text_encoding(lines)
    if encoding == "base64":
        body = _base64(b"\n".join(lines) + b"\n")
    elif encoding == "quoted-printable":
        body = binascii.b2a_qp(_CRLF.join(lines) + _CRLF, istext=True)
    else:
        body = _CRLF.join(lines) + _CRLF
    return _part(
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: {encoding}', body
    )


def _text_encoding(lines: Sequence[bytes]) -> str:
    """The transfer encoding the email package's content manager chose, so a mail's parts decode byte for
    byte as before: none when every line fits in 78 bytes, else base64 or quoted-printable, whichever is
    shorter for the first ten lines (measured with the package's own quoted-printable)."""
    if max(map(len, lines), default=0) <= _MAX_LINE:
        return "7bit" if all(line.isascii() for line in lines) else "8bit"
    sniff = b"\n".join(lines[:10]) + b"\n"
    as_qp = quoprimime.body_encode(sniff.decode("latin-1"), _MAX_LINE)
    return "base64" if len(as_qp) > len(binascii.b2a_base64(sniff)) else "quoted-printable"


def _image_part(cid: str, data: bytes) -> bytes:
    return _part(
        "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
        f'Content-Disposition: inline; filename="{cid[:16]}.png"\r\nContent-ID: <{cid}>',
        _base64(data),
    )


def _base64(data: bytes) -> bytes:
    """Lines of 76 characters, as the email package writes them."""
    return base64.encodebytes(data).replace(b"\n", _CRLF)
