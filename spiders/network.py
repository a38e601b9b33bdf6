"""The page's HTTP response as received from the network, for the evidence's WARC `response` record.

Scrapy hands a static page's body over as received (after undoing its content encoding). For a page
rendered in a browser, scrapy-playwright hands over the rendered DOM (`page.content()`) instead: the
bytes the server sent are only seen by the browser. `NetworkRecorder` listens to the page's `response`
events and keeps the main frame's last navigation response (status, headers, body), so that both kinds
of page keep what was received (see docs/capture.md for which stored file is which).
"""

from __future__ import annotations

import asyncio
import http
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

# The body is stored decoded (Scrapy and Playwright both undo gzip/br and chunking), so these headers
# would describe bytes that are not there; they are kept under an X-Rivalwatch-Original- prefix instead.
_TRANSPORT_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class Received:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def http_message(received: Received) -> bytes:
    """The response as an HTTP/1.1 message (status line, headers, blank line, body).

    Transport headers that no longer fit the decoded body are renamed, and Content-Length is set to the
    body's length, so that a WARC reader replays exactly these bytes.
    """
    reason = received.reason or _reason(received.status)
    lines = [f"HTTP/1.1 {received.status} {reason}".rstrip()]
    for name, value in received.headers:
        clean = value.replace("\r", " ").replace("\n", " ")
        if name.lower() in _TRANSPORT_HEADERS:
            lines.append(f"X-Rivalwatch-Original-{name}: {clean}")
        else:
            lines.append(f"{name}: {clean}")
    lines.append(f"Content-Length: {len(received.body)}")
    head = "\r\n".join(lines) + "\r\n\r\n"
    return head.encode("latin-1", errors="replace") + received.body


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def scrapy_received(status: int, headers: Any, body: bytes) -> Received:
    """What Scrapy received: `headers` is Scrapy's Headers (bytes names, lists of bytes values)."""
    pairs = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]
    return Received(status, _reason(status), tuple(pairs), body)


class NetworkRecorder:
    """Keeps the main frame's navigation response of one browser page (register `on_response`)."""

    def __init__(self) -> None:
        self._tasks: list[asyncio.Future[Received | None]] = []

    def on_response(self, response: Any) -> None:
        """Playwright's `response` event: read the body of main-frame navigations (redirects have none)."""
        try:
            if response.frame.parent_frame is not None or not response.request.is_navigation_request():
                return
        except Exception:  # noqa: BLE001 - a detached frame: not the page's document
            return
        self._tasks.append(asyncio.ensure_future(_read(response)))

    async def received(self) -> Received | None:
        """The last main-frame navigation response with a body, once its reading is done."""
        if not self._tasks:
            return None
        done, pending = await asyncio.wait(self._tasks, timeout=_WAIT_SECONDS)
        for task in pending:
            task.cancel()
        found = [task.result() for task in self._tasks if task in done and not task.cancelled()]
        return next((item for item in reversed(found) if item is not None), None)


async def _read(response: Any) -> Received | None:
    try:
        body = await response.body()
        headers: Iterable[dict[str, str]] = await response.headers_array()
    except Exception as exc:  # noqa: BLE001 - a redirect, or a page closed meanwhile: nothing to keep
        logger.debug("no body for %s: %s", getattr(response, "url", "?"), exc)
        return None
    pairs = tuple((header["name"], header["value"]) for header in headers)
    return Received(int(response.status), str(response.status_text or ""), pairs, bytes(body))


_META_KEY = "rivalwatch_network"


def network_meta() -> dict[str, Any]:
    """Request meta for a browser page: a recorder listening to its responses."""
    recorder = NetworkRecorder()
    return {"playwright_page_event_handlers": {"response": recorder.on_response}, _META_KEY: recorder}


async def received_message(response: Any) -> bytes | None:
    """The HTTP message of what the page's request received: from the browser's recorder, else Scrapy's."""
    recorder = response.meta.get(_META_KEY)
    if recorder is None:
        received: Received | None = scrapy_received(response.status, response.headers, response.body)
    else:
        received = await recorder.received()
    return http_message(received) if received is not None else None
