"""Posting a text to a chat robot: WeCom group robots, DingTalk and Feishu/Lark bots, anything apprise knows.

The three robots Chinese sales teams use are posted here directly, with the URLs apprise uses for them
(`wecombot://KEY`, `dingtalk://SECRET@TOKEN`, `feishu://SECRET@TOKEN`, `lark://SECRET@TOKEN`; the secret
may also be given as `?secret=`), for three reasons: apprise's plugins post to the vendors' hosts only,
so tests and the demo could not reach a loopback endpoint; apprise's Feishu plugin does not sign; and a
vendor's rate-limit answer must be told apart from other refusals, to wait and try again. Every other URL
goes to apprise unchanged. Messages are built by their owners; this only delivers, one text at a time,
and never holds a database transaction (it has none).
"""

from __future__ import annotations

import base64
import collections
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

WECOM, DINGTALK, FEISHU, LARK, APPRISE = "wecom", "dingtalk", "feishu", "lark", "apprise"

_HOSTS = {
    WECOM: "https://qyapi.weixin.qq.com",
    DINGTALK: "https://oapi.dingtalk.com",
    FEISHU: "https://open.feishu.cn",
    LARK: "https://open.larksuite.com",
}
_SCHEMES = {"wecombot": WECOM, "dingtalk": DINGTALK, "feishu": FEISHU, "lark": LARK}
# Text limits in UTF-8 bytes (WeCom's documented 2,048; DingTalk's and Feishu's are 20,000 per request,
# kept well below for the JSON around the text) and messages a minute per robot.
LIMIT_BYTES = {WECOM: 2048, DINGTALK: 18000, FEISHU: 18000, LARK: 18000, APPRISE: 4000}
PER_MINUTE = {WECOM: 20, DINGTALK: 20, FEISHU: 100, LARK: 100, APPRISE: 30}
# The vendors' answers that mean "too many messages, slow down".
_RATE_LIMIT_CODES = {WECOM: {45009}, DINGTALK: {410100, 130101}, FEISHU: {9499, 11232}, LARK: {9499, 11232}}


class ChatError(Exception):
    """The robot refused the message or could not be reached; `retry` when waiting may help."""

    def __init__(self, message: str, *, retry: bool = False) -> None:
        super().__init__(message)
        self.retry = retry


class ChatUrlError(ValueError):
    """A robot URL that cannot be used; the message names the (redacted) URL."""


@dataclass(frozen=True)
class Robot:
    vendor: str
    url: str  # the full URL as configured (holds the token and secret: never log or store it)
    token: str = ""
    secret: str | None = None

    @property
    def limit_bytes(self) -> int:
        return LIMIT_BYTES[self.vendor]

    @property
    def per_minute(self) -> int:
        return PER_MINUTE[self.vendor]

    @property
    def key(self) -> str:
        """A stable key for this URL that reveals nothing of it (stored with queued messages)."""
        return hashlib.sha256(self.url.encode()).hexdigest()[:32]

    @property
    def label(self) -> str:
        return redact(self.url)


def redact(url: str) -> str:
    """`scheme://…abcd`: enough to tell robots apart on the office page, nothing to post with."""
    scheme, _, rest = url.partition("://")
    tail = rest.rstrip("/").split("?")[0][-4:]
    return f"{scheme}://…{tail}"


def parse_robot(url: str) -> Robot:
    """The robot behind an apprise-style URL; raises ChatUrlError naming the redacted URL."""
    parts = urllib.parse.urlsplit(url.strip())
    vendor = _SCHEMES.get(parts.scheme.lower())
    if vendor is None:
        if "://" not in url:
            raise ChatUrlError(f"{redact(url)}: not a chat URL (scheme://…)")
        return Robot(APPRISE, url.strip())
    query = urllib.parse.parse_qs(parts.query)
    userinfo, _, host = parts.netloc.rpartition("@")
    token = urllib.parse.unquote(host) or parts.path.strip("/").split("/")[0]
    secret: str | None = (query.get("secret") or [urllib.parse.unquote(userinfo)])[0] or None
    if vendor == WECOM:
        token = (query.get("key") or [token])[0]
    if not token:
        raise ChatUrlError(f"{redact(url)}: no robot token")
    return Robot(vendor, url.strip(), token=token, secret=secret)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))."""
    message = f"{timestamp_ms}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu/Lark's signature: base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=empty))."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def request_for(robot: Robot, text: str, base_url: str = "", now: float | None = None) -> tuple[str, bytes]:
    """The URL and JSON body that post `text` to one of the three robots."""
    base = (base_url or _HOSTS[robot.vendor]).rstrip("/")
    moment = time.time() if now is None else now
    if robot.vendor == WECOM:
        query = urllib.parse.urlencode({"key": robot.token})
        body: dict[str, Any] = {"msgtype": "text", "text": {"content": text}}
        return f"{base}/cgi-bin/webhook/send?{query}", _json(body)
    if robot.vendor == DINGTALK:
        params: dict[str, Any] = {"access_token": robot.token}
        if robot.secret:
            stamp = int(moment * 1000)
            params.update(timestamp=stamp, sign=dingtalk_sign(robot.secret, stamp))
        body = {"msgtype": "text", "text": {"content": text}}
        return f"{base}/robot/send?{urllib.parse.urlencode(params)}", _json(body)
    body = {"msg_type": "text", "content": {"text": text}}
    if robot.secret:
        stamp = int(moment)
        body = {"timestamp": str(stamp), "sign": feishu_sign(robot.secret, stamp), **body}
    return f"{base}/open-apis/bot/v2/hook/{urllib.parse.quote(robot.token)}", _json(body)


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def post_text(robot: Robot, title: str, text: str, base_url: str = "", timeout: float = 15.0) -> None:
    """Deliver `text` (its first line is the title for apprise); raises ChatError."""
    if robot.vendor == APPRISE:
        _post_apprise(robot, title, text)
        return
    url, body = request_for(robot, text, base_url)
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
            answer = response.read()
    except urllib.error.HTTPError as exc:
        raise ChatError(f"{robot.label}: HTTP {exc.code}", retry=exc.code == 429 or exc.code >= 500) from None
    except (urllib.error.URLError, OSError) as exc:
        raise ChatError(f"{robot.label}: {exc}", retry=True) from None
    _check_answer(robot, answer)


def _check_answer(robot: Robot, answer: bytes) -> None:
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        raise ChatError(f"{robot.label}: answer is not JSON: {answer[:200]!r}", retry=True) from None
    code = data.get("errcode", data.get("code", data.get("StatusCode", 0))) if isinstance(data, dict) else 0
    if code in (0, None):
        return
    message = data.get("errmsg") or data.get("msg") or ""
    retry = int(code) in _RATE_LIMIT_CODES.get(robot.vendor, set())
    raise ChatError(f"{robot.label}: error {code} {message}".strip(), retry=retry)


def _post_apprise(robot: Robot, title: str, text: str) -> None:
    # apprise 2.x loads its plugins on first use, and one still imports the deprecated `imghdr`.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'imghdr' is deprecated", DeprecationWarning)
        import apprise

        notifier = apprise.Apprise()
        if not notifier.add(robot.url):
            raise ChatError(f"{robot.label}: apprise does not know this URL")
        delivered = notifier.notify(body=text, title=title)
    if not delivered:
        raise ChatError(f"{robot.label}: apprise could not deliver", retry=True)


def split_text(header: str, lines: Iterable[str], limit_bytes: int) -> list[str]:
    """`lines` in as few texts as fit `limit_bytes` each, every one starting with `header` (and, when
    there are several, its part number `(n/m)`); a line longer than the limit is cut at a character."""
    room = limit_bytes - len(header.encode()) - len(b" (99/99)\n")
    if room < 16:
        raise ValueError("header too long for the limit")
    chunks: list[list[str]] = [[]]
    used = 0
    for line in lines:
        line = _cut(line, room - 1)
        size = len(line.encode()) + 1
        if used + size > room and chunks[-1]:
            chunks.append([])
            used = 0
        chunks[-1].append(line)
        used += size
    if len(chunks) == 1:
        return [header + "\n" + "\n".join(chunks[0])]
    return [f"{header} ({n}/{len(chunks)})\n" + "\n".join(chunk) for n, chunk in enumerate(chunks, start=1)]


def _cut(line: str, limit: int) -> str:
    data = line.encode()
    if len(data) <= limit:
        return line
    return data[: limit - 3].decode(errors="ignore") + "…"


@dataclass
class Pacer:
    """Keeps each robot under its messages a minute: `wait(robot)` sleeps until one more may go."""

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _sent: dict[str, collections.deque[float]] = field(default_factory=dict)

    def wait(self, key: str, per_minute: int) -> None:
        sent = self._sent.setdefault(key, collections.deque())
        now = self.clock()
        while sent and now - sent[0] >= 60.0:
            sent.popleft()
        if len(sent) >= per_minute:
            self.sleep(60.0 - (now - sent[0]))
            sent.popleft()
        sent.append(self.clock())
