"""A loopback endpoint that stands in for the WeCom, DingTalk and Feishu/Lark robots (the demo and tests).

It answers the three vendors' paths as they would, records what each robot received, checks DingTalk's and
Feishu's signatures against the secrets it was given, and can answer a robot's first post with the
vendor's rate-limit error (to prove the sender waits and tries again).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The vendors' rate-limit answers.
RATE_LIMITED = {
    "wecom": {"errcode": 45009, "errmsg": "api freq out of limit"},
    "dingtalk": {"errcode": 410100, "errmsg": "send too fast, exceed 20 times per minute"},
    "feishu": {"code": 11232, "msg": "frequency limited"},
}


@dataclass
class Received:
    vendor: str
    token: str
    text: str
    signed: bool  # a signature was sent and it was right
    body: dict[str, Any]


@dataclass
class RobotEndpoint:
    """What the robots received; `secrets` maps a token to its signing secret (DingTalk, Feishu)."""

    secrets: dict[str, str] = field(default_factory=dict)
    rate_limit_once: set[str] = field(default_factory=set)  # tokens whose first post is refused
    received: list[Received] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (token, why)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def texts(self, token: str) -> list[str]:
        return [entry.text for entry in self.received if entry.token == token]


def _dingtalk_ok(secret: str, query: dict[str, list[str]]) -> bool:
    stamp = (query.get("timestamp") or [""])[0]
    sign = (query.get("sign") or [""])[0]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    return bool(stamp) and hmac.compare_digest(sign, expected)


def _feishu_ok(secret: str, body: dict[str, Any]) -> bool:
    stamp = str(body.get("timestamp", ""))
    expected = base64.b64encode(
        hmac.new(f"{stamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    return bool(stamp) and hmac.compare_digest(str(body.get("sign", "")), expected)


@contextmanager
def robot_endpoint(
    secrets: dict[str, str] | None = None, rate_limit_once: set[str] | None = None
) -> Iterator[RobotEndpoint]:
    """Serve the robots on 127.0.0.1 until the block ends; `endpoint.url` is the base URL to post to."""
    endpoint = RobotEndpoint(secrets=dict(secrets or {}), rate_limit_once=set(rate_limit_once or ()))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
            pass

        def reply(self, body: bytes, content_type: str, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            parts = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(parts.query)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if parts.path == "/cgi-bin/webhook/send":
                vendor, token = "wecom", (query.get("key") or [""])[0]
                text = body.get("text", {}).get("content", "")
            elif parts.path == "/robot/send":
                vendor, token = "dingtalk", (query.get("access_token") or [""])[0]
                text = body.get("text", {}).get("content", "")
            elif parts.path.startswith("/open-apis/bot/v2/hook/"):
                vendor, token = "feishu", parts.path.rsplit("/", 1)[1]
                text = body.get("content", {}).get("text", "")
            else:
                self.reply(b"{}", "application/json", status=404)
                return
            with endpoint.lock:
                answer = self._answer(vendor, token, query, body, text)
            self.reply(json.dumps(answer).encode(), "application/json")

        def _answer(
            self, vendor: str, token: str, query: dict[str, list[str]], body: dict[str, Any], text: str
        ) -> dict[str, Any]:
            if token in endpoint.rate_limit_once:
                endpoint.rate_limit_once.discard(token)
                endpoint.refused.append((token, "rate limited"))
                return RATE_LIMITED[vendor]
            secret = endpoint.secrets.get(token)
            signed = False
            if secret is not None:
                signed = _dingtalk_ok(secret, query) if vendor == "dingtalk" else _feishu_ok(secret, body)
                if vendor != "wecom" and not signed:
                    endpoint.refused.append((token, "bad signature"))
                    return (
                        {"errcode": 310000, "errmsg": "sign not match"}
                        if vendor == "dingtalk"
                        else {
                            "code": 19021,
                            "msg": "sign match fail or timestamp is not within one hour from current time",
                        }
                    )
            if vendor == "wecom" and len(text.encode()) > 2048:
                endpoint.refused.append((token, "too long"))
                return {"errcode": 40058, "errmsg": "content exceed max length 2048"}
            endpoint.received.append(Received(vendor, token, text, signed, body))
            return {"code": 0, "msg": "success"} if vendor == "feishu" else {"errcode": 0, "errmsg": "ok"}

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
