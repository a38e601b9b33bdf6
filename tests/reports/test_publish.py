"""Publishing a period by mail through a real SMTP server on loopback (aiosmtpd): who gets what, once."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import random
from collections.abc import Iterator
from email.message import EmailMessage
from functools import partial
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from models import AccountabilityPeriod, LoginToken, PublishedMail
from monitor.accountability.generate import generate_period
from monitor.cli import main
from monitor.core.evidence import EvidenceStore
from monitor.core.mail import RawMail, send_raw
from monitor.core.settings import Settings, SmtpSettings
from reports.context import load_report_context, report_names
from reports.publish import (
    PublishResult,
    normal_address,
    plan_mails,
    publish_period,
    queue_mails,
    send_queued,
)
from tests.support.smtp import Mailbox, smtp_server
from tests.support.world import (
    BRANCH_MANAGER,
    HOSTILE_TEXT,
    NOW,
    START,
    TEAM_ONE_MANAGER,
    World,
    add_rep_users,
    build_world,
    settings_for,
    store_evidence,
)

# Both backends: send-once bookkeeping rests on unique rows and timestamps stored differently.
pytestmark = pytest.mark.both_backends

SUBJECT_ONE = "【问责客户报表】2026-11-09~2026-11-22 您有 1 个客户需填写说明表"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, SmtpSettings]]:
    with smtp_server() as box:
        yield box, SmtpSettings(host="127.0.0.1", port=box.port, sender="rivalwatch@example.com")


def publishing_world(session: Session, tmp_path: Path, smtp: SmtpSettings) -> tuple[World, Settings]:
    world = build_world(session)
    settings = settings_for(tmp_path).model_copy(update={"smtp": smtp, "base_url": "https://rw.example"})
    store_evidence(session, EvidenceStore(settings.evidence_path))
    add_rep_users(session, world)
    generate_period(session, settings, START, NOW)
    session.commit()
    return world, settings


def publish(session: Session, settings: Settings) -> PublishResult:
    return publish_period(session, settings, START, NOW, lambda mails: send_raw(settings.smtp, mails))


def html_part(message: EmailMessage) -> BeautifulSoup:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return BeautifulSoup(part.get_content(), "lxml")


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_each_rep_gets_exactly_their_own_items(
    session: Session, tmp_path: Path, mailbox: tuple[Mailbox, SmtpSettings]
) -> None:
    box, smtp = mailbox
    world, settings = publishing_world(session, tmp_path, smtp)
    result = publish(session, settings)
    assert sorted(result.sent) == sorted(
        [
            "rep:r002@example.com",
            "rep:r003@example.com",
            f"manager:{BRANCH_MANAGER}",
            f"manager:{TEAM_ONE_MANAGER}",
        ]
    )
    assert box.to("r001@example.com") == []  # R001's only customer is not KA: nothing to explain
    expected = {"r002@example.com": ("C001", "C002"), "r003@example.com": ("C002", "C001")}
    for address, (own, other) in expected.items():
        [message] = box.to(address)
        assert message["Subject"] == SUBJECT_ONE
        soup = html_part(message)
        assert [item["data-customer-code"] for item in soup.select("table.item[data-customer-code]")] == [own]
        other_customer = world.customers[other]
        html, text = str(soup), text_part(message)
        assert other_customer.code not in html and other_customer.name not in html
        assert other_customer.code not in text and other_customer.name not in text
        assert own in text


def test_rep_mail_is_related_alternative_with_cid_images_and_a_sign_in_link(
    session: Session, tmp_path: Path, mailbox: tuple[Mailbox, SmtpSettings]
) -> None:
    box, smtp = mailbox
    _, settings = publishing_world(session, tmp_path, smtp)
    publish(session, settings)
    [message] = box.to("r002@example.com")
    assert message.get_content_type() == "multipart/related"
    parts = list(message.iter_parts())
    assert parts[0].get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parts[0].iter_parts()] == ["text/plain", "text/html"]

    soup = html_part(message)
    cids = {str(image["src"]).removeprefix("cid:") for image in soup.select("img")}
    assert cids and all(str(image["src"]).startswith("cid:") for image in soup.select("img"))
    attached = {str(part["Content-ID"]).strip("<>"): part for part in parts[1:]}
    assert cids == set(attached)
    for part in attached.values():
        assert part.get_content_type() == "image/png"
        assert part.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "style=" in str(soup.select_one("table.item"))  # CSS inlined for mail clients
    assert not soup.select("style, script")

    link = str(soup.select_one("a#forms-link")["href"])  # type: ignore[index]
    assert link.startswith("https://rw.example/")
    # monitor.accounts.login_links is there: the rep's link signs them in once, then opens their forms.
    assert link.startswith("https://rw.example/login/link?token=")
    tokens = session.scalars(select(LoginToken)).all()
    assert len(tokens) == 2  # one per rep mail
    assert {row.next_path for row in tokens} == {"/items?period=2026-11-09"}
    cells = soup.select("table.item table.days td[data-state]")
    assert len(cells) == 14
    assert [cell["data-state"] for cell in cells].count("seen") == 3


def test_hostile_ad_text_is_escaped_in_the_mail(
    session: Session, tmp_path: Path, mailbox: tuple[Mailbox, SmtpSettings]
) -> None:
    box, smtp = mailbox
    _, settings = publishing_world(session, tmp_path, smtp)
    publish(session, settings)
    [message] = box.to("r003@example.com")
    soup = html_part(message)
    assert not soup.find_all("script")
    assert HOSTILE_TEXT in [cell.get_text() for cell in soup.select(".ad-text")]
    assert HOSTILE_TEXT in text_part(message)


def test_managers_get_their_teams_summary(
    session: Session, tmp_path: Path, mailbox: tuple[Mailbox, SmtpSettings]
) -> None:
    box, smtp = mailbox
    _, settings = publishing_world(session, tmp_path, smtp)
    publish(session, settings)
    [branch] = box.to(BRANCH_MANAGER)
    assert branch["Subject"] == "【问责客户报表】2026-11-09~2026-11-22 华东分公司 共 2 个问责客户"
    soup = html_part(branch)
    assert [row["data-team-code"] for row in soup.select("#team-summary tr.team-row")] == ["SH-KA1", "SH-KA2"]
    assert sorted(row["data-customer-code"] for row in soup.select("#items tr.item")) == ["C001", "C002"]
    [team] = box.to(TEAM_ONE_MANAGER)
    soup = html_part(team)
    assert [row["data-customer-code"] for row in soup.select("#items tr.item")] == ["C001"]
    assert [row["data-rep-code"] for row in soup.select("#team-summary tr.rep-row")] == ["R002"]
    assert "C002" not in text_part(team)


def test_publishing_twice_sends_nothing_new(
    session: Session, tmp_path: Path, mailbox: tuple[Mailbox, SmtpSettings]
) -> None:
    box, smtp = mailbox
    _, settings = publishing_world(session, tmp_path, smtp)
    first = publish(session, settings)
    assert len(first.sent) == 4 and first.published_at == NOW
    again = publish(session, settings)
    assert (again.sent, len(again.already_sent), again.failed) == ((), 4, ())
    assert len(box.messages) == 4
    assert len(session.scalars(select(PublishedMail)).all()) == 4
    assert session.scalars(select(AccountabilityPeriod)).one().published_at == NOW


def test_a_refused_mail_is_recorded_as_failed_and_is_sent_on_the_next_run(
    session: Session, tmp_path: Path, mailbox: tuple[Mailbox, SmtpSettings]
) -> None:
    box, smtp = mailbox
    _, settings = publishing_world(session, tmp_path, smtp)
    box.refuse.add("r003@example.com")
    first = publish(session, settings)
    assert [label for label, _ in first.failed] == ["rep:r003@example.com"]
    assert first.published_at is None
    recorded = {row.recipient: (row.status, row.error) for row in session.scalars(select(PublishedMail))}
    assert len(recorded) == 4 and [status for status, _ in recorded.values()].count("sent") == 3
    status, error = recorded["r003@example.com"]
    assert status == "failed" and error is not None and "SMTPRecipientsRefused" in error

    refused = session.scalars(
        select(PublishedMail).where(PublishedMail.recipient == "r003@example.com")
    ).one()
    first_rendering = refused.message
    session.rollback()

    box.refuse.clear()
    second = publish(session, settings)
    assert second.sent == ("rep:r003@example.com",)
    assert len(box.to("r003@example.com")) == 1 and len(box.messages) == 4
    assert second.published_at == NOW
    # Rendered again for the retry: a fresh single-use sign-in link, not the one of the refused attempt.
    assert first_rendering is not None
    stored = email.message_from_bytes(first_rendering, policy=email.policy.default)
    assert isinstance(stored, EmailMessage)
    links = [
        str(html_part(message).select_one("#forms-link")["href"])  # type: ignore[index]
        for message in (stored, box.to("r003@example.com")[0])
    ]
    assert all("/login/link?token=" in link for link in links) and links[0] != links[1]


def test_a_queued_mail_is_delivered_as_the_bytes_it_was_queued_with(
    session: Session, tmp_path: Path, mailbox: tuple[Mailbox, SmtpSettings]
) -> None:
    """Issue 19: parsing each queued mail back and serialising it again cost as much as rendering it."""
    box, smtp = mailbox
    _, settings = publishing_world(session, tmp_path, smtp)
    context = load_report_context(session, START, settings.tz, report_names(settings))
    planned, _ = plan_mails(session, settings, context, NOW)
    session.rollback()
    queue_mails(session, context.period_id, planned, NOW)
    queued = {row.recipient: row.message for row in session.scalars(select(PublishedMail))}
    session.rollback()

    labels = {(mail.kind, mail.recipient) for mail in planned}
    sent, _, failed = send_queued(session, context.period_id, labels, NOW, partial(send_raw, smtp))

    assert len(sent) == 4 and not failed
    assert {rcpt: data for [rcpt], data in zip(box.recipients, box.received, strict=True)} == queued


def test_report_command_publishes_once(
    session: Session, database_url: str, tmp_path: Path, mailbox: tuple[Mailbox, SmtpSettings]
) -> None:
    box, smtp = mailbox
    build_world(session)
    session.commit()
    env = {
        "RIVALWATCH_DATABASE_URL": database_url,
        "RIVALWATCH_VAR_DIR": str(tmp_path / "var"),
        "RIVALWATCH_CONFIG": None,
        "RIVALWATCH_REPORTS_DIR": None,
        "RIVALWATCH_LANGUAGE": None,
        "RIVALWATCH_SMTP__HOST": smtp.host,
        "RIVALWATCH_SMTP__PORT": str(smtp.port),
    }
    runner = CliRunner()
    first = runner.invoke(main, ["report", "--period", "2026-11-09", "--publish"], env=env)
    assert first.exit_code == 0, first.output
    assert "published: 4 mails (0 already sent)" in first.output.splitlines()
    again = runner.invoke(main, ["report", "--period", "2026-11-09", "--no-generate", "--publish"], env=env)
    assert again.exit_code == 0, again.output
    assert "published: 0 mails (4 already sent)" in again.output.splitlines()
    assert len(box.messages) == 4


@pytest.mark.parametrize(
    ("value", "address"),
    [
        (" Li.Na@Example.com ", "li.na@example.com"),
        ("", None),
        (None, None),
        ("no-at-sign", None),
        ("a@b@c", None),
        ("x@y.com, z@w.com", None),
        ("<x@y.com>", None),
    ],
)
def test_only_plain_addresses_are_mailed(value: str | None, address: str | None) -> None:
    assert normal_address(value) == address


def test_no_database_transaction_is_open_while_a_mail_is_sent(
    session: Session,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    mailbox: tuple[Mailbox, SmtpSettings],
) -> None:
    """Issue 15 item 11: a slow mail server must not hold SQLite's write lock (a crawl or a draft waits)."""
    _, smtp = mailbox
    _, settings = publishing_world(session, tmp_path, smtp)
    writes: list[str] = []

    def send_while_someone_writes(mails: list[RawMail]) -> None:
        # Another connection writes with no wait at all: it fails at once if the publisher holds a lock.
        with session_factory() as other:
            other.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            if other.bind is not None and other.bind.dialect.name == "sqlite":
                other.execute(text("PRAGMA busy_timeout = 0"))
            other.execute(
                update(AccountabilityPeriod).values(form_deadline=AccountabilityPeriod.form_deadline)
            )
            other.commit()
        writes.append(mails[0].recipients[0])
        send_raw(smtp, mails)

    result = publish_period(session, settings, START, NOW, send_while_someone_writes)
    assert not result.failed and len(writes) == 4
    rows = session.scalars(select(PublishedMail)).all()
    assert {row.status for row in rows} == {"sent"} and all(row.message is None for row in rows)
    assert all(row.size_bytes and row.size_bytes < 1_000_000 for row in rows)


def test_a_mail_claimed_by_a_publisher_that_died_is_sent_again_after_the_lease(
    session: Session, tmp_path: Path, mailbox: tuple[Mailbox, SmtpSettings]
) -> None:
    box, smtp = mailbox
    _, settings = publishing_world(session, tmp_path, smtp)
    crashed: list[str] = []

    def crash_on_first(mails: list[RawMail]) -> None:
        if not crashed:
            crashed.append(mails[0].recipients[0])
            raise KeyboardInterrupt  # the process dies after the claim, before the mail went out
        send_raw(smtp, mails)

    with pytest.raises(KeyboardInterrupt):
        publish_period(session, settings, START, NOW, crash_on_first)
    session.rollback()
    session.execute(
        update(PublishedMail).where(PublishedMail.status == "queued").values(status="sending", claimed_at=NOW)
    )
    session.commit()  # as if the dead publisher had claimed every mail
    early = publish_period(session, settings, START, NOW + dt.timedelta(minutes=1), crash_on_first)
    assert early.sent == () and box.messages == []  # claimed by someone else, not yet stale
    late = publish_period(session, settings, START, NOW + dt.timedelta(hours=1), crash_on_first)
    assert len(late.sent) == 4 and len(box.messages) == 4 and late.published_at is not None


def test_a_rep_mail_holds_its_images_to_the_byte_budget(tmp_path: Path) -> None:
    from PIL import Image

    from reports.context import EvidenceFile
    from reports.mails import ImageBudget

    store = EvidenceStore(tmp_path / "evidence")
    files = []
    for n in range(30):  # noisy screenshots compress badly: each thumbnail is tens of kilobytes
        picture = Image.frombytes("RGB", (240, 90), random.Random(n).randbytes(240 * 90 * 3))
        out = io.BytesIO()
        picture.save(out, format="PNG")
        files.append(EvidenceFile(store.put(out.getvalue()), "element"))
    budget = ImageBudget(store, max_bytes=200_000)

    taken = [image for start in range(0, 30, 3) for image in budget.take(files[start : start + 3])]

    assert sum(len(image.data) for image in taken) <= 200_000
    assert 0 < len(taken) < 30 and budget.left_out == 30 - len(taken)
