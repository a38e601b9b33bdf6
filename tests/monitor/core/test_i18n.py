"""One translation layer (gettext with Babel): every string the code and templates show is in the zh_CN
catalogue, Simplified Chinese is the default, and English renders the report, a mail and the web pages."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from sqlalchemy.orm import Session, sessionmaker

from monitor.accountability.generate import generate_period
from monitor.core.evidence import EvidenceStore
from monitor.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalogue_path, normalise_language, translator
from monitor.web.app import create_app
from monitor.web.server import serve_in_thread
from reports.context import load_report_context
from reports.mails import rep_message
from tests.support.paths import REPO_ROOT
from tests.support.web import PASSWORD, Site_, make_web_settings, post_form, running_site
from tests.support.world import NOW, START, build_world, settings_for

MessageId = str | tuple[str, ...]


def extracted_messages() -> dict[MessageId, list[str]]:
    """Every message id Babel's extractor finds with babel.cfg, and where (as `pybabel extract` would)."""
    with (REPO_ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    found: dict[MessageId, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        REPO_ROOT, method_map, options_map
    ):
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


def catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def ids_of(catalog: Catalog) -> set[MessageId]:
    return {
        message.id if isinstance(message.id, str) else tuple(message.id) for message in catalog if message.id
    }


@pytest.fixture(scope="module")
def extracted() -> dict[MessageId, list[str]]:
    messages = extracted_messages()
    assert len(messages) > 200, "the extractor found almost nothing: is babel.cfg right?"
    return messages


def test_every_extracted_message_has_a_chinese_translation(extracted: dict[MessageId, list[str]]) -> None:
    chinese = catalogue("zh_CN")
    untranslated = []
    for message_id, places in extracted.items():
        entry = chinese.get(message_id if isinstance(message_id, str) else message_id[0])
        translated = entry.string if entry is not None else None
        strings = [translated] if isinstance(translated, str) else list(translated or [""])
        if entry is None or entry.fuzzy or not all(strings):
            untranslated.append((message_id, places[0]))
    assert untranslated == [], "run pybabel extract/update and translate (docs/i18n.md)"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogues_hold_exactly_the_extracted_messages(
    extracted: dict[MessageId, list[str]], language: str
) -> None:
    assert ids_of(catalogue(language)) == set(extracted), "run pybabel update (docs/i18n.md)"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language: str) -> None:
    problems = [
        (message.id, [str(error) for error in errors]) for message, errors in catalogue(language).check()
    ]
    assert problems == []


def test_chinese_plural_forms_and_english_identity() -> None:
    chinese, english = translator("zh_CN"), translator("en")
    assert chinese.ngettext("%(num)d row", "%(num)d rows", 1) % {"num": 1} == "1 条"
    assert chinese.ngettext("%(num)d row", "%(num)d rows", 7) % {"num": 7} == "7 条"
    assert english.ngettext("%(num)d row", "%(num)d rows", 1) % {"num": 1} == "1 row"
    assert english.ngettext("%(num)d row", "%(num)d rows", 7) % {"num": 7} == "7 rows"
    assert english.gettext("Accountable customers report") == "Accountable customers report"


@pytest.mark.parametrize(
    ("value", "language"),
    [
        ("zh_CN", "zh_CN"),
        ("zh-CN", "zh_CN"),
        ("zh", "zh_CN"),
        ("en", "en"),
        ("en-US", "en"),
        ("fr", None),
        (None, None),
    ],
)
def test_language_names_are_normalised(value: str | None, language: str | None) -> None:
    assert normalise_language(value) == language


def test_an_unknown_language_gets_the_default_chinese() -> None:
    assert DEFAULT_LANGUAGE == "zh_CN"
    assert translator("fr").gettext("Accountable customers report") == "问责客户报表"
    assert translator(None) is translator("zh_CN")


# --- English where asked, Chinese by default: a mail, the web pages (report: tests/reports/test_html.py) --


def _rep_mail_html(session: Session, tmp_path: Path, language: str) -> tuple[str, BeautifulSoup]:
    build_world(session)
    settings = settings_for(tmp_path)
    generate_period(session, settings, START, NOW)
    context = load_report_context(session, START, settings.tz)
    rep = next(section for section in context.reps if section.code == "R002")
    data = rep_message(
        context=context,
        language=language,
        sender="rivalwatch@example.com",
        recipient="r002@example.com",
        name="李娜",
        items=rep.items,
        forms_url="https://rw.example/items",
        signed_link=True,
        store=EvidenceStore(settings.evidence_path),
        now=NOW,
    )
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    return str(message["Subject"]), BeautifulSoup(html.get_content(), "lxml")


def test_rep_mail_in_english(session: Session, tmp_path: Path) -> None:
    subject, soup = _rep_mail_html(session, tmp_path, "en")
    assert subject == "[Accountability report] 2026-11-09~2026-11-22: 1 customer needs your explanation"
    assert soup.select_one("html")["lang"] == "en"  # type: ignore[index]
    assert soup.select_one("a#forms-link").get_text() == "Fill in the forms (1)"  # type: ignore[union-attr]
    assert soup.select_one("td.title").get_text() == "Accountable customers report"  # type: ignore[union-attr]
    assert "说明表" not in soup.get_text()


def test_rep_mail_in_chinese_by_default(session: Session, tmp_path: Path) -> None:
    subject, soup = _rep_mail_html(session, tmp_path, DEFAULT_LANGUAGE)
    assert subject == "【问责客户报表】2026-11-09~2026-11-22 您有 1 个客户需填写说明表"
    assert soup.select_one("html")["lang"] == "zh-CN"  # type: ignore[index]
    assert soup.select_one("a#forms-link").get_text() == "填写说明表（1）"  # type: ignore[union-attr]


@pytest.fixture
def site(database_url: str, tmp_path: Path, session_factory: sessionmaker[Session]) -> Iterator[Site_]:
    with running_site(make_web_settings(database_url, tmp_path), session_factory) as running:
        yield running


def texts(soup: BeautifulSoup, selector: str) -> list[str]:
    return [tag.get_text(" ", strip=True) for tag in soup.select(selector)]


def test_web_pages_in_chinese_by_default_and_english_on_request(site: Site_) -> None:
    office = site.signed_in("office")
    chinese = BeautifulSoup(office.get("/office/periods").text, "html.parser")
    assert chinese.select_one("html")["lang"] == "zh-CN"  # type: ignore[index]
    assert texts(chinese, "header nav a")[:3] == ["全部问责客户", "逾期说明表", "问责周期"]
    english = BeautifulSoup(office.get("/office/periods?lang=en").text, "html.parser")
    assert english.select_one("html")["lang"] == "en"  # type: ignore[index]
    assert texts(english, "header nav a") == [
        "All items", "Overdue forms", "Periods", "Match review", "Crawl health", "Roster", "Leads",
        "Accounts", "Audit log", "Alerts", "Creatives", "Share of voice",
    ]  # fmt: skip
    assert texts(english, "table.list thead th")[:3] == ["Period", "Deadline", "Accountable customers"]
    assert texts(english, "a.publish-link") == ["Publish"]

    item = BeautifulSoup(office.get(f"/items/{site.world['item1']}").text, "html.parser")  # remembered
    assert texts(item, "h1 [data-status]") == ["not started"]
    assert texts(item, "#waive h2") == ["Waive this item"]
    unknown, pending = "unknown (page or slot could not be captured)", "not captured yet"
    assert set(texts(item, ".timeline .day-state")) == {"seen", unknown, pending}
    rep = site.signed_in("r1")
    form = BeautifulSoup(rep.get(f"/items/{site.world['item1']}?lang=en").text, "html.parser")
    assert texts(form, "select[name=reason] option")[1] == "The customer's budget went to the competitor"
    refused = post_form(rep, f"/items/{site.world['item1']}/explanation", {"action": "submit"}, "/items")
    assert texts(BeautifulSoup(refused.text, "html.parser"), "p.problem") == [
        "Please fix the fields marked below."
    ]


def test_sign_in_errors_follow_the_language(site: Site_) -> None:
    client = site.client()
    client.get("/login?lang=en")
    wrong = post_form(client, "/login", {"username": "r1", "password": "wrong"})
    assert texts(BeautifulSoup(wrong.text, "html.parser"), "p.problem") == [
        "Wrong username or password, or too many failed attempts for this account: "
        "wait 15 minutes and try again, or ask an administrator."
    ]
    chinese = site.client()
    wrong = post_form(chinese, "/login", {"username": "r1", "password": PASSWORD + "x"})
    assert texts(BeautifulSoup(wrong.text, "html.parser"), "p.problem") == [
        "用户名或密码错误，或该账号失败次数过多：请等待 15 分钟后再试，或联系管理员。"
    ]


def test_the_configured_language_is_the_default(
    database_url: str, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    settings = make_web_settings(database_url, tmp_path).model_copy(update={"language": "en"})
    with serve_in_thread(create_app(settings, session_factory)) as base_url:
        login = BeautifulSoup(httpx.get(f"{base_url}/login").text, "html.parser")
    assert texts(login, "h1") == ["Sign in"]
