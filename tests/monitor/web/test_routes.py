"""The web app's routes for every role, over a real server and a real database.

The app runs in uvicorn on a free port and is driven with httpx, the way a browser would: cookies,
CSRF fields, redirects. Data is built with the models; nothing is mocked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    AdvertiserMatch,
    Creative,
    CustomerAlias,
    Explanation,
    ItemEvidence,
    LoginToken,
    MatchRejection,
    PageCapture,
    Rep,
    Review,
    Sighting,
    Team,
    User,
)
from models.enums import (
    CaptureStatus,
    ExplanationStatus,
    MatchDecision,
    ReviewDecision,
    Role,
)
from monitor.accountability.escalation import escalate_overdue, smtp_sender
from monitor.accountability.periods import PeriodCalendar
from monitor.accounts.login_links import make_login_link
from monitor.accounts.users import seed_demo_users
from monitor.capture.evidence_log import seal_day
from monitor.core.evidence import EvidenceStore
from monitor.core.settings import EvidenceSettings, Settings
from monitor.matching.records import MatchExplanation, PartCheck
from monitor.web.app import create_app
from monitor.web.server import serve_in_thread
from tests.support.images import png
from tests.support.s3 import moto_server
from tests.support.smtp import smtp_server
from tests.support.web import (
    HOSTILE,
    PAGE_PNG,
    PASSWORD,
    Site_,
    element_png,
    make_web_settings,
    post_form,
    running_site,
)


@pytest.fixture
def web_settings(database_url: str, tmp_path: Path) -> Settings:
    return make_web_settings(database_url, tmp_path)


@pytest.fixture
def site(web_settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Site_]:
    with running_site(web_settings, session_factory) as running:
        yield running


def listed_ids(html: str, attribute: str) -> set[int]:
    """The ids in `attribute` of the table rows of a page."""
    rows = BeautifulSoup(html, "html.parser").select(f"tr[{attribute}]")
    return {int(str(row[attribute])) for row in rows}


def explanation_of(site: Site_, item_key: str) -> Explanation | None:
    with site.session_factory() as session:
        return session.scalars(
            select(Explanation).where(Explanation.item_id == site.world[item_key])
        ).one_or_none()


FILLED = {
    "reason": "negotiating",
    "text": "客户在谈判年度合同",
    "funnel_stage": "70",
    "next_step": "拜访HR",
    "next_step_date": "2026-12-01",
}


# --- who may open what ---------------------------------------------------------------------------------

GET_ROUTES = {
    "items": "/items",
    "item1": "/items/{item1}",
    "item2": "/items/{item2}",
    "item3": "/items/{item3}",
    "overdue": "/overdue",
    "periods": "/office/periods",
    "matches": "/office/matches",
    "crawl": "/office/crawl",
    "roster": "/office/roster",
    "leads": "/office/leads",
    "leads_csv": "/office/leads.csv",
    "report": "/office/periods/{period}/report",
    "workbook": "/office/periods/{period}/workbook",
    "element1": "/evidence/sighting/{sighting1}/element",
    "element3": "/evidence/sighting/{sighting3}/element",
    "page_home": "/evidence/capture/{capture_home}/page",
    "page_campus": "/evidence/capture/{capture_campus}/page",
}
OFFICE_PAGES = {"periods", "matches", "crawl", "roster", "leads", "leads_csv", "report", "workbook"}
ALL = set(GET_ROUTES)
# role -> the routes that answer 200; out-of-scope items and evidence answer 404, other roles' pages 403.
ALLOWED = {
    "r1": {"items", "item1", "element1", "page_home"},
    "mgr_bj": {"items", "item1", "item2", "overdue", "element1", "page_home"},
    "mgr_sh": {"items", "item3", "overdue", "element3", "page_campus"},
    "office": ALL,
    "admin": ALL,
}
FORBIDDEN = {  # 403 rather than 404: the page exists but not for this role
    "r1": OFFICE_PAGES | {"overdue"},
    "mgr_bj": OFFICE_PAGES,
    "mgr_sh": OFFICE_PAGES,
    "office": set(),
    "admin": set(),
}


# Both backends: the item read model (monitor/accountability/items.py) and the scope filters are SQL only
# the web app runs: scoped lists by team tree, DISTINCT sites, ordering, overdue dates, timelines.
@pytest.mark.parametrize("username", sorted(ALLOWED))
@pytest.mark.both_backends
def test_each_role_sees_exactly_its_scope(site: Site_, username: str) -> None:
    client = site.signed_in(username)
    answers = {
        name: client.get(path.format(**site.world.ids)).status_code for name, path in GET_ROUTES.items()
    }
    expected = {
        name: 200 if name in ALLOWED[username] else 403 if name in FORBIDDEN[username] else 404
        for name in GET_ROUTES
    }
    assert answers == expected


def test_signed_out_visitors_are_sent_to_sign_in_everywhere(site: Site_) -> None:
    client = site.client()
    for path in GET_ROUTES.values():
        response = client.get(path.format(**site.world.ids))
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


@pytest.mark.both_backends
def test_rep_lists_only_own_items(site: Site_) -> None:
    assert listed_ids(site.signed_in("r1").get("/items").text, "data-item") == {site.world["item1"]}


@pytest.mark.both_backends
def test_manager_lists_items_of_child_teams(site: Site_) -> None:
    listed = listed_ids(site.signed_in("mgr_bj").get("/items").text, "data-item")
    assert listed == {site.world["item1"], site.world["item2"]}


# --- writing: forms and reviews ------------------------------------------------------------------------


def test_rep_cannot_write_another_reps_item_by_url(site: Site_) -> None:
    client = site.signed_in("r1")
    response = post_form(client, f"/items/{site.world['item2']}/explanation", {**FILLED, "action": "submit"})
    assert response.status_code == 404
    assert explanation_of(site, "item2") is None


def test_rep_cannot_write_another_reps_item_by_form_field(site: Site_) -> None:
    client = site.signed_in("r1")
    smuggled = {
        **FILLED,
        "action": "submit",
        "item_id": str(site.world["item2"]),
        "rep_id": str(site.world["rep_r2"]),
    }
    response = post_form(client, f"/items/{site.world['item1']}/explanation", smuggled)
    assert response.status_code == 303
    assert explanation_of(site, "item2") is None
    mine = explanation_of(site, "item1")
    assert mine is not None and mine.status == ExplanationStatus.SUBMITTED
    with site.session_factory() as session:
        assert session.get(AccountabilityItem, site.world["item1"]).rep_id == site.world["rep_r1"]  # type: ignore[union-attr]


def test_manager_and_office_cannot_write_a_reps_form(site: Site_) -> None:
    for username in ("mgr_bj", "office"):
        response = post_form(site.signed_in(username), f"/items/{site.world['item1']}/explanation", FILLED)
        assert response.status_code == 403
    assert explanation_of(site, "item1") is None


def test_post_without_csrf_token_is_refused(site: Site_) -> None:
    client = site.signed_in("r1")
    response = client.post(f"/items/{site.world['item1']}/explanation", data={**FILLED, "action": "submit"})
    assert response.status_code == 403
    wrong = client.post(f"/items/{site.world['item1']}/explanation", data={**FILLED, "csrf": "forged"})
    assert wrong.status_code == 403
    assert explanation_of(site, "item1") is None
    assert site.client().post("/login", data={"username": "r1", "password": PASSWORD}).status_code == 403


def test_draft_then_submit_then_edit_until_accepted(site: Site_) -> None:
    rep = site.signed_in("r1")
    path = f"/items/{site.world['item1']}/explanation"
    assert post_form(rep, path, {"reason": "other", "text": "", "action": "draft"}).status_code == 303
    assert explanation_of(site, "item1").status == ExplanationStatus.DRAFT  # type: ignore[union-attr]
    assert post_form(rep, path, {**FILLED, "action": "submit"}).status_code == 303
    assert post_form(rep, path, {**FILLED, "text": "更新后的说明", "action": "submit"}).status_code == 303
    updated = explanation_of(site, "item1")
    assert (
        updated is not None
        and updated.text == "更新后的说明"
        and updated.status == ExplanationStatus.SUBMITTED
    )
    manager = site.signed_in("mgr_bj")
    assert (
        post_form(manager, f"/items/{site.world['item1']}/review", {"decision": "accept"}).status_code == 303
    )
    refused = post_form(rep, path, {**FILLED, "text": "改不了", "action": "submit"})
    assert refused.status_code == 409
    assert explanation_of(site, "item1").text == "更新后的说明"  # type: ignore[union-attr]


def test_submit_needs_reason_text_and_stage(site: Site_) -> None:
    response = post_form(
        site.signed_in("r1"), f"/items/{site.world['item1']}/explanation", {"action": "submit"}
    )
    assert response.status_code == 400
    page = BeautifulSoup(response.text, "html.parser")
    assert {tag["name"] for tag in page.select('[aria-invalid="true"][name]')} >= {"reason", "text"}
    assert explanation_of(site, "item1") is None


def test_first_submission_after_the_deadline_is_refused(site: Site_) -> None:
    path = f"/items/{site.world['item_overdue']}/explanation"
    response = post_form(site.signed_in("r1"), path, {**FILLED, "action": "submit"})
    assert response.status_code == 409
    assert explanation_of(site, "item_overdue") is None


def test_a_draft_after_the_deadline_is_refused(site: Site_) -> None:
    path = f"/items/{site.world['item_overdue']}/explanation"
    response = post_form(site.signed_in("r1"), path, {**FILLED, "action": "draft"})
    assert response.status_code == 409
    assert "截止" in BeautifulSoup(response.text, "html.parser").select_one(".problem").get_text()  # type: ignore[union-attr]
    assert explanation_of(site, "item_overdue") is None


def test_a_waived_item_refuses_forms_and_reviews_until_the_waiver_is_undone(site: Site_) -> None:
    rep, manager, office = site.signed_in("r1"), site.signed_in("mgr_bj"), site.signed_in("office")
    item = site.world["item1"]
    assert post_form(rep, f"/items/{item}/explanation", {**FILLED, "action": "submit"}).status_code == 303
    assert post_form(office, f"/items/{item}/waive", {"reason": "总部统一采购"}).status_code == 303
    assert post_form(office, f"/items/{item}/waive", {"reason": "再次豁免"}).status_code == 409
    assert post_form(rep, f"/items/{item}/explanation", {**FILLED, "action": "draft"}).status_code == 409
    assert post_form(rep, f"/items/{item}/explanation", {**FILLED, "action": "submit"}).status_code == 409
    assert post_form(manager, f"/items/{item}/review", {"decision": "accept"}).status_code == 409
    assert explanation_of(site, "item1").status == ExplanationStatus.SUBMITTED  # type: ignore[union-attr]
    assert post_form(office, f"/items/{item}/unwaive", {"reason": "豁免有误"}).status_code == 303
    page = BeautifulSoup(office.get(f"/items/{item}").text, "html.parser")
    history = [
        (li["data-action"], li.select_one(".raw").get_text())  # type: ignore[union-attr]
        for li in page.select(".waiver-history li")
    ]
    assert history == [("waive", "总部统一采购"), ("unwaive", "豁免有误")]
    assert post_form(manager, f"/items/{item}/review", {"decision": "accept"}).status_code == 303


def test_send_back_needs_a_comment_and_the_rep_can_resubmit(site: Site_) -> None:
    rep, manager = site.signed_in("r1"), site.signed_in("mgr_bj")
    item = site.world["item1"]
    post_form(rep, f"/items/{item}/explanation", {**FILLED, "action": "submit"})
    assert post_form(manager, f"/items/{item}/review", {"decision": "send_back"}).status_code == 409
    sent_back = post_form(
        manager, f"/items/{item}/review", {"decision": "send_back", "comment": "请补充预算情况"}
    )
    assert sent_back.status_code == 303
    page = BeautifulSoup(rep.get(f"/items/{item}").text, "html.parser")
    assert page.select_one(".reviewer-comment").get_text() == "请补充预算情况"  # type: ignore[union-attr]
    assert page.select_one("[data-status]")["data-status"] == "sent_back"  # type: ignore[index]
    assert post_form(rep, f"/items/{item}/explanation", {**FILLED, "action": "submit"}).status_code == 303
    with site.session_factory() as session:
        reviews = session.scalars(select(Review).order_by(Review.id)).all()
        assert [review.decision for review in reviews] == [ReviewDecision.SEND_BACK]
    assert explanation_of(site, "item1").status == ExplanationStatus.SUBMITTED  # type: ignore[union-attr]


def test_reviewing_is_for_managers_in_scope(site: Site_) -> None:
    post_form(
        site.signed_in("r3"), f"/items/{site.world['item3']}/explanation", {**FILLED, "action": "submit"}
    )
    post_form(
        site.signed_in("r1"), f"/items/{site.world['item1']}/explanation", {**FILLED, "action": "submit"}
    )
    accept = {"decision": "accept"}
    assert (
        post_form(site.signed_in("mgr_bj"), f"/items/{site.world['item3']}/review", accept).status_code == 404
    )
    assert post_form(site.signed_in("r1"), f"/items/{site.world['item1']}/review", accept).status_code == 403
    assert (
        post_form(site.signed_in("office"), f"/items/{site.world['item1']}/review", accept).status_code == 403
    )
    assert explanation_of(site, "item3").status == ExplanationStatus.SUBMITTED  # type: ignore[union-attr]
    assert (
        post_form(site.signed_in("mgr_sh"), f"/items/{site.world['item3']}/review", accept).status_code == 303
    )
    assert explanation_of(site, "item3").status == ExplanationStatus.ACCEPTED  # type: ignore[union-attr]


def test_only_the_office_decides_matches(site: Site_) -> None:
    match = site.world["match"]
    assert post_form(site.signed_in("mgr_bj"), f"/office/matches/{match}/confirm", {}).status_code == 403
    assert post_form(site.signed_in("r1"), f"/office/matches/{match}/reject", {}).status_code == 403
    assert post_form(site.signed_in("office"), "/office/matches/999999/confirm", {}).status_code == 404


def test_confirming_a_match_remembers_the_alias(site: Site_) -> None:
    office = site.signed_in("office")
    assert post_form(office, f"/office/matches/{site.world['match']}/confirm", {}).status_code == 303
    with site.session_factory() as session:
        match = session.get(AdvertiserMatch, site.world["match"])
        assert (
            match is not None and match.decision == MatchDecision.CONFIRMED and match.decided_by == "office"
        )
        aliases = session.scalars(
            select(CustomerAlias).where(CustomerAlias.customer_id == site.world["customer1"])
        )
        assert [(a.alias, a.source) for a in aliases] == [("客户1(北京)分公司", "confirmed")]
    assert post_form(office, f"/office/matches/{site.world['match']}/confirm", {}).status_code == 404


def test_rejecting_a_match_records_the_rejection(site: Site_) -> None:
    office = site.signed_in("office")
    assert post_form(office, f"/office/matches/{site.world['match']}/reject", {}).status_code == 303
    with site.session_factory() as session:
        match = session.get(AdvertiserMatch, site.world["match"])
        assert match is not None and match.decision == MatchDecision.REJECTED
        rejection = session.scalars(select(MatchRejection)).one()
        assert (rejection.advertiser_id, rejection.customer_id) == (
            site.world["advertiser_doubtful"],
            site.world["customer1"],
        )
    # The rejected advertiser has no sightings yet, so it is no lead.
    assert listed_ids(office.get("/office/leads").text, "data-advertiser") == {site.world["advertiser_lead"]}


def test_generate_period_is_for_the_office(site: Site_) -> None:
    assert (
        post_form(site.signed_in("mgr_bj"), "/office/periods/generate", {"start_date": ""}).status_code == 403
    )
    office = site.signed_in("office")
    response = post_form(office, "/office/periods/generate", {"start_date": "not a date"})
    assert response.status_code == 303


def test_office_generates_the_last_complete_period(site: Site_) -> None:
    calendar = PeriodCalendar.of(site.settings.accountability)
    last = calendar.last_complete(site.settings.today())
    start = last.start
    with site.session_factory() as session, session.begin():
        first = session.get_one(PageCapture, site.world["capture_home"])
        session.add(
            PageCapture(
                page_id=first.page_id,
                crawl_run_id=first.crawl_run_id,
                capture_date=last.end,  # the crawl ran in that period, so there is something to hold to
                status=CaptureStatus.OK,
                url=first.url,
            )
        )
    office = site.signed_in("office")
    page = BeautifulSoup(office.get("/office/periods").text, "html.parser")
    assert page.select_one("input[name=start_date]")["value"] == start.isoformat()  # type: ignore[index]
    assert post_form(office, "/office/periods/generate", {"start_date": start.isoformat()}).status_code == 303
    with site.session_factory() as session:
        period = session.scalars(
            select(AccountabilityPeriod).where(AccountabilityPeriod.start_date == start)
        ).one()
        assert period.generated_at is not None


def test_office_cannot_generate_a_period_that_has_not_ended(site: Site_) -> None:
    current = PeriodCalendar.of(site.settings.accountability).containing(site.settings.today())

    def generated_at() -> dt.datetime | None:
        with site.session_factory() as session:
            row = session.scalars(
                select(AccountabilityPeriod).where(AccountabilityPeriod.start_date == current.start)
            ).first()
            return row.generated_at if row else None

    before = generated_at()
    office = site.signed_in("office")
    refused = post_form(office, "/office/periods/generate", {"start_date": current.start.isoformat()})
    assert refused.status_code == 303
    page = BeautifulSoup(office.get("/office/periods").text, "html.parser")
    assert "尚未结束" in page.select_one(".flash").get_text()  # type: ignore[union-attr]
    assert generated_at() == before


# --- evidence ------------------------------------------------------------------------------------------


def test_evidence_is_served_by_id_only(site: Site_) -> None:
    office = site.signed_in("office")
    shot = office.get(f"/evidence/sighting/{site.world['sighting1']}/element")
    assert shot.status_code == 200 and shot.headers["content-type"] == "image/png"
    assert shot.content == element_png(1)
    assert office.get("/evidence/sighting/999999/element").status_code == 404
    assert office.get("/evidence/capture/999999/page").status_code == 404
    assert office.get("/evidence/sighting/..%2F..%2Fetc%2Fpasswd/element").status_code in (400, 404)


def test_item_page_shows_the_evidence_log_manifest_of_each_cited_capture(site: Site_) -> None:
    with site.session_factory() as session:
        sighting = session.get_one(Sighting, site.world["sighting1"])
        store = EvidenceStore(site.settings.evidence_path)
        manifest = seal_day(session, store, sighting.seen_date, dt.datetime.now(dt.UTC))
        assert manifest is not None
        session.commit()
        item_id = session.scalar(select(ItemEvidence.item_id).where(ItemEvidence.sighting_id == sighting.id))
    page = BeautifulSoup(site.signed_in("office").get(f"/items/{item_id}").text, "html.parser")
    cells = page.select(f"#evidence td.manifest code[title='sha256:{manifest.sha256}']")
    assert cells and cells[0].get_text() == manifest.sha256


def test_item_page_shows_a_name_read_off_a_logo_with_its_ocr_source(site: Site_) -> None:
    with site.session_factory() as session:
        sighting = session.get_one(Sighting, site.world["sighting1"])
        sighting.advertiser_source, sighting.advertiser_text, sighting.ocr_confidence = (
            "ocr",
            "南枝花卉",
            0.987,
        )
        session.commit()
        item_id = session.scalar(select(ItemEvidence.item_id).where(ItemEvidence.sighting_id == sighting.id))
    page = BeautifulSoup(site.signed_in("office").get(f"/items/{item_id}?lang=en").text, "html.parser")
    source = page.select_one("#evidence .ocr-source")
    assert source is not None
    assert source.get_text() == "Read from the logo by OCR: 南枝花卉 (confidence 0.99)"


def test_evidence_missing_from_the_store_is_404(site: Site_) -> None:
    with site.session_factory() as session:
        sighting = session.get(Sighting, site.world["sighting1"])
        assert sighting is not None
        sighting.element_screenshot_sha256 = "0" * 64
        session.commit()
    assert (
        site.signed_in("r1").get(f"/evidence/sighting/{site.world['sighting1']}/element").status_code == 404
    )


def test_evidence_is_read_from_an_s3_bucket_when_the_settings_say_so(
    database_url: str, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    with moto_server() as s3:
        bucket = s3.new_bucket()
        evidence = EvidenceSettings(
            backend="s3", s3_bucket=bucket, s3_endpoint_url=s3.endpoint_url, s3_region="us-east-1"
        )
        settings = make_web_settings(database_url, tmp_path).model_copy(update={"evidence": evidence})
        with running_site(settings, session_factory) as s3_site:
            office = s3_site.signed_in("office")
            element = office.get(f"/evidence/sighting/{s3_site.world['sighting1']}/element")
            page_shot = office.get(f"/evidence/capture/{s3_site.world['capture_home']}/page")
            with session_factory() as session:
                sighting = session.get(Sighting, s3_site.world["sighting1"])
                assert sighting is not None
                sighting.box_x, sighting.box_y, sighting.box_width, sighting.box_height = (24, 310, 160, 48)
                session.commit()
            item = s3_site.signed_in("mgr_bj").get(f"/items/{s3_site.world['item1']}")
        keys = [entry["Key"] for entry in s3.client().list_objects_v2(Bucket=bucket).get("Contents", [])]

    assert element.status_code == 200 and element.content == element_png(1)
    assert page_shot.status_code == 200 and page_shot.content == PAGE_PNG
    assert page_shot.headers["content-type"] == "image/png"
    # The outline over the page screenshot needs the screenshot's size: read from the bucket too.
    assert item.status_code == 200 and 'viewBox="0 0 400 600"' in item.text  # PAGE_PNG is 400x600
    assert keys and all(key.startswith("evidence/") for key in keys)
    assert not (tmp_path / "evidence").exists()  # nothing went to the local folder


def test_hostile_ad_text_is_escaped_and_links_are_not_followed(site: Site_) -> None:
    response = site.signed_in("r1").get(f"/items/{site.world['item1']}")
    assert HOSTILE not in response.text
    assert "&lt;script&gt;" in response.text
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select("script") == []
    assert not [a for a in page.select("a[href]") if str(a["href"]).startswith("javascript:")]


def test_security_headers_and_cookie_flags(site: Site_) -> None:
    response = site.client().get("/login")
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie


def test_secure_cookie_when_served_over_https(
    web_settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    settings = web_settings.model_copy(update={"base_url": "https://rivalwatch.example"})
    with serve_in_thread(create_app(settings, session_factory)) as base_url:
        cookie = httpx.get(f"{base_url}/login").headers["set-cookie"].lower()
    assert "secure" in cookie


# --- sign-in -------------------------------------------------------------------------------------------


def test_sign_in_keeps_next_path_on_this_site_only(site: Site_) -> None:
    client = site.client()
    inside = post_form(client, "/login", {"username": "r1", "password": PASSWORD, "next": "/items?period=1"})
    assert inside.headers["location"] == "/items?period=1"
    outside = post_form(
        site.client(), "/login", {"username": "r1", "password": PASSWORD, "next": "//evil.example/"}
    )
    assert outside.headers["location"] == "/"


def _login_link(site: Site_, username: str, **kwargs: object) -> str:
    with site.session_factory() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        link = make_login_link(site.settings, session, user, f"/items/{site.world['item1']}", **kwargs)  # type: ignore[arg-type]
        session.commit()
    return link.removeprefix(site.settings.base_url)


# Both backends: a link is spent by an UPDATE guarded on used_at IS NULL; its rowcount decides.
@pytest.mark.both_backends
def test_login_link_signs_in_once(site: Site_) -> None:
    link = _login_link(site, "r1")
    token = dict(httpx.URL(link).params)["token"]
    client = site.client()
    assert client.get(link).status_code == 200  # a confirmation page: fetching the link spends nothing
    used = post_form(client, "/login/link", {"token": token}, csrf_from=link)
    assert used.status_code == 303 and used.headers["location"] == f"/items/{site.world['item1']}"
    assert client.get(used.headers["location"]).status_code == 200
    again = site.client()
    assert again.get(link).status_code == 400
    assert post_form(again, "/login/link", {"token": token}).status_code == 400
    assert again.get("/items").status_code == 303


def test_expired_or_forged_login_link_is_refused(site: Site_) -> None:
    expired = _login_link(site, "r1", now=dt.datetime.now(dt.UTC) - dt.timedelta(days=8))
    client = site.client()
    assert client.get(expired).status_code == 400
    token = dict(httpx.URL(expired).params)["token"]
    assert post_form(client, "/login/link", {"token": token}).status_code == 400
    assert post_form(client, "/login/link", {"token": token[:-2] + "xx"}).status_code == 400
    assert client.get("/items").status_code == 303
    with site.session_factory() as session:
        assert session.scalars(select(LoginToken)).one().used_at is None


def test_sign_out_ends_the_session(site: Site_) -> None:
    client = site.signed_in("r1")
    assert post_form(client, "/logout", {}, csrf_from="/items").status_code == 303
    assert client.get("/items").status_code == 303


# --- language ------------------------------------------------------------------------------------------


def test_chinese_by_default_english_on_request(site: Site_) -> None:
    client = site.signed_in("r1")
    assert "我的问责客户" in client.get("/items").text
    assert "My items" in client.get("/items?lang=en").text
    assert "My items" in client.get("/items").text  # remembered
    assert "我的问责客户" in client.get("/items?lang=zh_CN").text


# --- overdue and escalation ----------------------------------------------------------------------------


@pytest.mark.both_backends
def test_overdue_forms_listed_in_scope(site: Site_) -> None:
    def listed(username: str) -> set[int]:
        return listed_ids(site.signed_in(username).get("/overdue").text, "data-item")

    assert listed("mgr_bj") == {site.world["item_overdue"]}
    assert listed("mgr_sh") == set()
    assert listed("office") == {site.world["item_overdue"]}


# Both backends: 'once' is the escalated_at bookkeeping, stored and compared as aware timestamps.
@pytest.mark.both_backends
def test_escalation_mails_each_overdue_form_once(site: Site_) -> None:
    sent: list[EmailMessage] = []
    now = dt.datetime.now(dt.UTC)
    for _ in range(2):
        with site.session_factory() as session:
            escalate_overdue(session, site.settings, now, sent.append)
            session.commit()
    assert len(sent) == 1
    assert sent[0]["To"] == "mgr-bj@example.com"
    assert "客户1有限公司" in sent[0]["Subject"]
    assert explanation_of(site, "item_overdue").escalated_at is not None  # type: ignore[union-attr]


def test_no_transaction_is_open_while_an_escalation_is_sent(site: Site_) -> None:
    """Like publishing (issue 15 item 11): another writer must get through while the mail goes out."""
    writes: list[str] = []
    session = site.session_factory()

    def send(message: EmailMessage) -> None:
        assert not session.in_transaction()  # not even a read: nothing is held across the network
        with site.session_factory() as other:
            if other.bind is not None and other.bind.dialect.name == "sqlite":
                other.execute(text("PRAGMA busy_timeout = 0"))  # fail at once if a lock is held
            other.execute(
                update(AccountabilityPeriod).values(form_deadline=AccountabilityPeriod.form_deadline)
            )
            other.commit()
        writes.append(str(message["To"]))

    with session:
        escalated = escalate_overdue(session, site.settings, dt.datetime.now(dt.UTC), send)
    assert len(escalated) == 1 and writes == ["mgr-bj@example.com"]
    assert explanation_of(site, "item_overdue").escalated_at is not None  # type: ignore[union-attr]


def test_smtp_sender_delivers_over_a_real_smtp_server(web_settings: Settings) -> None:
    with smtp_server() as mailbox:
        settings = web_settings.model_copy(
            update={"smtp": web_settings.smtp.model_copy(update={"port": mailbox.port})}
        )
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "逾期"
        message.set_content("正文")
        smtp_sender(settings)(message)
    assert len(mailbox.messages) == 1


# --- accounts ------------------------------------------------------------------------------------------


def test_seed_demo_users_makes_office_admin_managers_and_reps(session: Session) -> None:
    bj = Team(code="BJ", name="北京")
    session.add_all([bj, Rep(code="R9", name="赵六", team=bj)])
    session.flush()
    users = seed_demo_users(session, "demo-password")
    again = seed_demo_users(session, "demo-password")
    assert [u.id for u in users] == [u.id for u in again]
    assert {(u.username, u.role) for u in users} == {
        ("office", Role.OFFICE),
        ("admin", Role.ADMIN),
        ("manager-BJ", Role.MANAGER),
        ("R9", Role.REP),
    }


def test_users_add_command_creates_a_rep(
    web_settings: Settings, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.cli import main

    with session_factory() as session:
        session.add(Rep(code="R7", name="孙七", email="r7@example.com"))
        session.commit()
    monkeypatch.setenv("RIVALWATCH_DATABASE_URL", web_settings.database_url)
    monkeypatch.chdir(web_settings.var_dir)
    runner = CliRunner()
    args = ["users", "add", "sun7", "--role", "rep", "--rep", "R7", "--password-stdin"]
    result = runner.invoke(main, args, input="a long password\n")
    assert result.exit_code == 0, result.output
    duplicate = runner.invoke(main, args, input="a long password\n")
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    with session_factory() as session:
        user = session.scalars(select(User).where(User.username == "sun7")).one()
        assert (
            user.role == Role.REP
            and user.email == "r7@example.com"
            and user.password_hash != "a long password"
        )


# --- what the pages show -------------------------------------------------------------------------------


@pytest.mark.both_backends
def test_timeline_marks_seen_and_unknown_days(site: Site_) -> None:
    page = BeautifulSoup(site.signed_in("r1").get(f"/items/{site.world['item1']}").text, "html.parser")
    states = [str(cell["class"][1]) for cell in page.select("ol.timeline:not(.placement-days) .day")]
    yesterday = site.settings.today() - dt.timedelta(days=1)
    period_start = site.settings.today() - dt.timedelta(days=10)
    assert len(states) == 14
    assert states[(yesterday - period_start).days] == "day-seen"
    # Only yesterday was captured: every other day before the generation is unknown, never "not seen";
    # the generation day and the days after it had not been crawled yet.
    today = (site.settings.today() - period_start).days
    assert states[:today] == ["day-unknown"] * (today - 1) + ["day-seen"]
    assert states[today:] == ["day-pending"] * (14 - today)


def test_a_static_pages_creative_stands_in_for_the_missing_element_screenshot(site: Site_) -> None:
    """Static pages have no element screenshot; the downloaded creative is shown instead, by id only."""
    creative_png = png(150, 60, (10, 120, 200))
    with site.session_factory() as session, session.begin():
        sighting = session.get_one(Sighting, site.world["sighting1"])
        creative = Creative(
            sha256=EvidenceStore(site.settings.evidence_path).put(creative_png),
            mime_type="image/png",
            size_bytes=len(creative_png),
            first_url="http://rival.example/a.png",
        )
        session.add(creative)
        session.flush()
        sighting.creative_id, sighting.element_screenshot_sha256 = creative.id, None
    owner = site.signed_in("r1")
    served = owner.get(f"/evidence/sighting/{site.world['sighting1']}/creative")
    assert (served.status_code, served.headers["content-type"]) == (200, "image/png")
    assert served.content == creative_png
    item_page = owner.get(f"/items/{site.world['item1']}").text
    assert f"/evidence/sighting/{site.world['sighting1']}/creative" in item_page
    assert (
        site.signed_in("r3").get(f"/evidence/sighting/{site.world['sighting1']}/creative").status_code == 404
    )


# Both backends: the item page's query selects a JSON column, which PostgreSQL cannot compare (DISTINCT).
@pytest.mark.both_backends
def test_match_review_and_item_page_say_why(site: Site_) -> None:
    explanation = MatchExplanation(
        "legal_name_differs",
        "review",
        (
            PartCheck("trade_name", "明业", "明泰", "differs"),
            PartCheck("form", "有限公司", "有限公司", "same"),
        ),
        "客户1有限公司",
    ).as_dict()
    with site.session_factory() as session, session.begin():
        match = session.get_one(AdvertiserMatch, site.world["match"])
        match.explanation = explanation
        session.get_one(Sighting, site.world["sighting1"]).advertiser_id = match.advertiser_id
    office = site.signed_in("office")
    queue = BeautifulSoup(office.get("/office/matches").text, "html.parser")
    why = queue.select_one(f"tr[data-match='{site.world['match']}'] td.match-reason")
    assert why is not None
    assert (
        why.get_text()
        == "字号 明业 ≠ 明泰; 组织形式 有限公司 = 有限公司 → 文字是另一法人的完整名称：最多复核 → 复核"
    )
    item = BeautifulSoup(office.get(f"/items/{site.world['item1']}?lang=en").text, "html.parser")
    row = item.select_one(f"#match-reason tr[data-advertiser='{site.world['advertiser_doubtful']}']")
    assert row is not None
    assert row.select_one("td.raw").get_text() == "客户1(北京)分公司"  # type: ignore[union-attr]
    assert row.select_one("td.match-reason").get_text().startswith("trade name 明业 ≠ 明泰")  # type: ignore[union-attr]
