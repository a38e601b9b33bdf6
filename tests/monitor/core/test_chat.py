"""Posting to the chat robots on a loopback endpoint: URLs, signatures, rate-limit answers, splitting."""

from __future__ import annotations

import pytest

from monitor.core.chat import (
    ChatError,
    ChatUrlError,
    Pacer,
    parse_robot,
    post_text,
    redact,
    split_text,
)
from tests.support.robots import robot_endpoint


def test_the_urls_apprise_uses_name_token_and_secret() -> None:
    assert parse_robot("wecombot://KEY-1").token == "KEY-1"
    ding = parse_robot("dingtalk://SEC123@tok456/")
    assert (ding.vendor, ding.token, ding.secret) == ("dingtalk", "tok456", "SEC123")
    feishu = parse_robot("feishu://tok789?secret=abc")
    assert (feishu.vendor, feishu.token, feishu.secret) == ("feishu", "tok789", "abc")
    assert parse_robot("lark://s@t").vendor == "lark"
    assert parse_robot("tgram://bot/chat").vendor == "apprise"
    with pytest.raises(ChatUrlError):
        parse_robot("dingtalk://")
    assert "SEC123" not in redact("dingtalk://SEC123@tok456/") and "tok456" not in ding.label


def test_each_robot_receives_the_text_signed_where_it_must_be() -> None:
    with robot_endpoint(secrets={"dtok": "dsecret", "ftok": "fsecret"}) as endpoint:
        post_text(parse_robot("wecombot://wkey"), "t", "你好 wecom", endpoint.url)
        post_text(parse_robot("dingtalk://dsecret@dtok/"), "t", "你好 dingtalk", endpoint.url)
        post_text(parse_robot("feishu://fsecret@ftok"), "t", "你好 feishu", endpoint.url)
    assert [(r.vendor, r.text, r.signed) for r in endpoint.received] == [
        ("wecom", "你好 wecom", False),
        ("dingtalk", "你好 dingtalk", True),
        ("feishu", "你好 feishu", True),
    ]


@pytest.mark.parametrize("url", ["dingtalk://wrong@dtok/", "feishu://wrong@ftok"])
def test_a_wrong_secret_is_refused_and_not_worth_retrying(url: str) -> None:
    with (
        robot_endpoint(secrets={"dtok": "dsecret", "ftok": "fsecret"}) as endpoint,
        pytest.raises(ChatError) as refused,
    ):
        post_text(parse_robot(url), "t", "x", endpoint.url)
    assert not refused.value.retry and endpoint.received == []


@pytest.mark.parametrize("url", ["wecombot://tok", "dingtalk://tok/", "feishu://tok"])
def test_the_vendors_rate_limit_answer_asks_for_a_retry(url: str) -> None:
    with robot_endpoint(rate_limit_once={"tok"}) as endpoint:
        with pytest.raises(ChatError) as limited:
            post_text(parse_robot(url), "t", "x", endpoint.url)
        post_text(parse_robot(url), "t", "x", endpoint.url)
    assert limited.value.retry and len(endpoint.received) == 1


def test_an_unreachable_robot_asks_for_a_retry() -> None:
    with robot_endpoint() as endpoint:
        gone = endpoint.url
    with pytest.raises(ChatError) as failed:
        post_text(parse_robot("wecombot://k"), "t", "x", gone, timeout=2)
    assert failed.value.retry


def test_texts_are_split_to_the_byte_limit_keeping_lines_whole() -> None:
    lines = [f"• 客户{n:03d} — 竞争对手 · home · banner" for n in range(200)]
    parts = split_text("Rivalwatch 2026-11-10", lines, 2048)
    assert len(parts) > 1
    assert all(len(part.encode()) <= 2048 for part in parts)
    assert parts[0].startswith(f"Rivalwatch 2026-11-10 (1/{len(parts)})\n")
    body = [line for part in parts for line in part.split("\n")[1:]]
    assert body == lines
    assert split_text("H", ["a", "b"], 2048) == ["H\na\nb"]
    assert all(len(p.encode()) <= 100 for p in split_text("H", ["长" * 500], 100))


def test_the_pacer_waits_once_a_robot_had_its_messages_in_a_minute() -> None:
    now = [0.0]
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        now[0] += seconds

    pacer = Pacer(clock=lambda: now[0], sleep=sleep)
    for _ in range(20):
        pacer.wait("k", 20)
        now[0] += 1
    assert waited == []
    pacer.wait("k", 20)
    assert waited == [40.0]
    pacer.wait("other", 20)
    assert waited == [40.0]


def test_any_other_url_goes_through_apprise() -> None:
    import json
    from http.server import BaseHTTPRequestHandler

    from tests.support.http import QuietHandler, local_server

    received: list[dict[str, object]] = []

    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.reply(b"{}", "application/json")

    handler: type[BaseHTTPRequestHandler] = Handler
    with local_server(handler) as server:
        robot = parse_robot(f"json://127.0.0.1:{server.server_address[1]}/hook")
        assert robot.vendor == "apprise"
        post_text(robot, "提醒", "客户A — 竞品")
        with pytest.raises(ChatError):
            post_text(parse_robot("nosuchscheme://x"), "t", "x")
    assert received and received[0]["title"] == "提醒" and received[0]["message"] == "客户A — 竞品"
