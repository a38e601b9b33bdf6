"""The web tests' world and site: a branch with teams, reps, users of every role, items with evidence,
served by the app in a thread and driven with httpx the way a browser would (cookies, CSRF fields).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from bs4 import BeautifulSoup
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    Advertiser,
    AdvertiserMatch,
    Assignment,
    CrawlRun,
    Customer,
    ItemEvidence,
    Page,
    PageCapture,
    Rep,
    Sighting,
    Site,
    Slot,
    Team,
    User,
)
from models.enums import CaptureStatus, MatchDecision, PageKind, Role, SlotKind
from monitor.accounts.passwords import hash_password
from monitor.core.evidence import open_evidence_store
from monitor.core.settings import Settings
from monitor.web.app import create_app
from monitor.web.server import serve_in_thread
from tests.support.images import png

PASSWORD = "correct horse battery"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# One hash for every test user: argon2 is slow on purpose.
_PASSWORD_HASH = hash_password(PASSWORD)


def element_png(n: int) -> bytes:
    return png(120, 40, (200, 30 * n % 256, 60))


PAGE_PNG = png(400, 600, (240, 240, 240))


@dataclass
class World:
    """Names for what `build_world` created, so that tests can say "rep 1's item" instead of an id."""

    ids: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, name: str) -> int:
        return self.ids[name]


def build_world(session: Session, settings: Settings) -> World:
    """Branch BJ with child team BJ1 (reps r1, r2) and branch SH (rep r3); one item each in an open
    period, an overdue item for r1 in an earlier period, a match waiting for review and a lead."""
    today = settings.today()
    world = World()
    bj = Team(code="BJ", name="北京分公司", manager_email="bj-boss@example.com")
    bj1 = Team(code="BJ1", name="北京一组", parent=bj)
    sh = Team(code="SH", name="上海分公司", manager_email="sh-boss@example.com")
    reps = {
        "r1": Rep(code="r1", name="张三", email="r1@example.com", team=bj1),
        "r2": Rep(code="r2", name="李四", email="r2@example.com", team=bj1),
        "r3": Rep(code="r3", name="王五", email="r3@example.com", team=sh),
    }
    session.add_all([bj, bj1, sh, *reps.values()])
    session.flush()
    _add_users(session, world, reps, {"BJ": bj, "SH": sh})
    site = Site(name="rival", display_name="竞品招聘网", base_url="https://rival.example/")
    home = Page(site=site, key="home", url="https://rival.example/", kind=PageKind.HOMEPAGE)
    zone = Page(site=site, key="campus", url="https://rival.example/campus", kind=PageKind.SECTION)
    slots = {
        "home": Slot(page=home, name="logo-wall", kind=SlotKind.LOGO),
        "campus": Slot(page=zone, name="banner", kind=SlotKind.BANNER),
    }
    run = CrawlRun(crawl_date=today)
    session.add_all([site, home, zone, *slots.values(), run])
    session.flush()
    shot = open_evidence_store(settings).put(PAGE_PNG)
    captures = {
        key: PageCapture(
            page_id=page.id,
            crawl_run_id=run.id,
            capture_date=today - dt.timedelta(days=1),
            status=CaptureStatus.OK,
            url=page.url,
            screenshot_sha256=shot,
        )
        for key, page in (("home", home), ("campus", zone))
    }
    session.add_all(captures.values())
    session.flush()
    world.ids.update({"capture_home": captures["home"].id, "capture_campus": captures["campus"].id})
    current = AccountabilityPeriod(
        start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=3),
        form_deadline=today + dt.timedelta(days=5),
        generated_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
    )
    earlier = AccountabilityPeriod(
        start_date=today - dt.timedelta(days=30),
        end_date=today - dt.timedelta(days=17),
        form_deadline=today - dt.timedelta(days=12),
    )
    session.add_all([current, earlier])
    session.flush()
    world.ids.update({"period": current.id, "earlier": earlier.id})
    for n, (rep_key, page_key) in enumerate([("r1", "home"), ("r2", "home"), ("r3", "campus")], start=1):
        _add_item(session, world, n, reps[rep_key], current, captures[page_key], slots[page_key], settings)
    overdue = AccountabilityItem(
        period_id=earlier.id, customer_id=world["customer1"], rep_id=reps["r1"].id, days_seen=1
    )
    session.add(overdue)
    _add_matches(session, world, captures["home"], slots["home"])
    session.flush()
    world.ids["item_overdue"] = overdue.id
    return world


def _add_users(session: Session, world: World, reps: dict[str, Rep], teams: dict[str, Team]) -> None:
    users = [
        User(username=code, display_name=rep.name, email=rep.email, role=Role.REP, rep_id=rep.id)
        for code, rep in reps.items()
    ]
    users += [
        User(
            username="mgr_bj",
            display_name="北京经理",
            email="mgr-bj@example.com",
            role=Role.MANAGER,
            team_id=teams["BJ"].id,
        ),
        User(
            username="mgr_sh",
            display_name="上海经理",
            email="mgr-sh@example.com",
            role=Role.MANAGER,
            team_id=teams["SH"].id,
        ),
        User(username="office", display_name="管理部", role=Role.OFFICE),
        User(username="admin", display_name="管理员", role=Role.ADMIN),
    ]
    for user in users:
        user.password_hash = _PASSWORD_HASH
    session.add_all(users)
    session.flush()
    world.ids.update({f"user_{user.username}": user.id for user in users})
    world.ids.update({f"rep_{code}": rep.id for code, rep in reps.items()})


def _add_item(
    session: Session,
    world: World,
    n: int,
    rep: Rep,
    period: AccountabilityPeriod,
    capture: PageCapture,
    slot: Slot,
    settings: Settings,
) -> None:
    customer = Customer(code=f"C{n}", name=f"客户{n}有限公司")
    session.add(customer)
    session.flush()
    session.add(Assignment(customer_id=customer.id, rep_id=rep.id, start_date=period.start_date))
    element = open_evidence_store(settings).put(element_png(n))
    raw_text = HOSTILE if n == 1 else f"客户{n}招聘"
    sighting = Sighting(
        capture_id=capture.id,
        slot_id=slot.id,
        seen_date=capture.capture_date,
        position=n,
        raw_text=raw_text,
        advertiser_text=f"客户{n}",
        link=f"javascript:alert({n})",
        element_screenshot_sha256=element,
    )
    item = AccountabilityItem(
        period_id=period.id,
        customer_id=customer.id,
        rep_id=rep.id,
        days_seen=1,
        first_seen=capture.capture_date,
        last_seen=capture.capture_date,
    )
    session.add_all([sighting, item])
    session.flush()
    session.add(ItemEvidence(item_id=item.id, sighting_id=sighting.id, rep_id=rep.id))
    world.ids.update({f"customer{n}": customer.id, f"item{n}": item.id, f"sighting{n}": sighting.id})


def _add_matches(session: Session, world: World, capture: PageCapture, slot: Slot) -> None:
    doubtful = Advertiser(text="客户1(北京)分公司")
    unknown = Advertiser(text="游戏科学")
    session.add_all([doubtful, unknown])
    session.flush()
    match = AdvertiserMatch(
        advertiser_id=doubtful.id, customer_id=world["customer1"], score=80, decision=MatchDecision.REVIEW
    )
    session.add_all(
        [
            match,
            AdvertiserMatch(advertiser_id=unknown.id, customer_id=None, score=0, decision=MatchDecision.NONE),
            Sighting(
                capture_id=capture.id,
                slot_id=slot.id,
                seen_date=capture.capture_date,
                position=90,
                raw_text="游戏科学",
                advertiser_text="游戏科学",
                advertiser_id=unknown.id,
            ),
        ]
    )
    session.flush()
    world.ids.update({"match": match.id, "advertiser_doubtful": doubtful.id, "advertiser_lead": unknown.id})


# The world's competitor as its site config names it: what people read instead of the keys the data keeps.
RIVAL_CONFIG = """\
name: rival
display_name: 竞品招聘网
base_url: https://rival.example/
pages:
  - key: home
    label: 竞品首页
    url: ./
    kind: homepage
    slots:
      - {name: logo-wall, label: 名企Logo墙, kind: logo, css: '#logos img'}
  - key: campus
    label: 校园专区
    url: campus
    kind: section
    slots:
      - {name: banner, label: 校园横幅, kind: banner, css: '#banner img'}
"""
RIVAL_KEYS = ("home", "campus", "logo-wall", "banner", "rival")
RIVAL_NAMES = ("竞品首页", "校园专区", "名企Logo墙", "校园横幅", "竞品招聘网")


def write_rival_config(folder: Path) -> Path:
    """The world's site config in `folder` (made if missing); returns the folder, for `sites_dir`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rival.yaml").write_text(RIVAL_CONFIG, encoding="utf-8")
    return folder


def add_daily_evidence(session: Session, settings: Settings, world: World, item_key: str, days: int) -> int:
    """Give the item two ad texts on each of the world's two pages, every day for `days` days before
    yesterday's capture: a long evidence list (4 placements, 4 rows a day). Returns the rows added."""
    item = session.get_one(AccountabilityItem, world[item_key])
    first = session.get_one(PageCapture, world["capture_home"])
    pages = {
        page.key: page for page in session.scalars(select(Page).where(Page.site_id == _site_id(session)))
    }
    store = open_evidence_store(settings)
    added = 0
    for offset in range(1, days + 1):
        day = first.capture_date - dt.timedelta(days=offset)
        for page in pages.values():
            capture = PageCapture(
                page_id=page.id,
                crawl_run_id=first.crawl_run_id,
                capture_date=day,
                status=CaptureStatus.OK,
                url=page.url,
                screenshot_sha256=first.screenshot_sha256,
            )
            session.add(capture)
            session.flush()
            slot = session.scalars(select(Slot).where(Slot.page_id == page.id)).one()
            for n, text in enumerate(("客户1年度招聘", "客户1校园招聘"), start=1):
                sighting = Sighting(
                    capture_id=capture.id,
                    slot_id=slot.id,
                    seen_date=day,
                    position=n,
                    raw_text=text,
                    advertiser_text="客户1",
                    element_screenshot_sha256=store.put(element_png(n)),
                )
                session.add(sighting)
                session.flush()
                session.add(ItemEvidence(item_id=item.id, sighting_id=sighting.id, rep_id=item.rep_id))
                added += 1
    item.days_seen += days
    item.first_seen = first.capture_date - dt.timedelta(days=days)
    session.flush()
    return added


def _site_id(session: Session) -> int:
    return session.scalars(select(Site.id).where(Site.name == "rival")).one()


# --- fixtures and helpers ------------------------------------------------------------------------------


@dataclass
class Site_:
    base_url: str
    world: World
    settings: Settings
    session_factory: sessionmaker[Session]
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> httpx.Client:
        """A fresh browser-like client (its own cookies); closed when the test ends."""
        client = httpx.Client(base_url=self.base_url, follow_redirects=False, timeout=20)
        self.clients.append(client)
        return client

    def close(self) -> None:
        for client in self.clients:
            client.close()

    def signed_in(self, username: str) -> httpx.Client:
        client = self.client()
        response = post_form(client, "/login", {"username": username, "password": PASSWORD})
        assert response.status_code == 303, response.text
        return client


def make_web_settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        var_dir=tmp_path,
        evidence_dir=tmp_path / "evidence",
        secret_key=SecretStr("test-secret"),
        base_url="http://127.0.0.1:8000",
    )


@contextmanager
def running_site(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Site_]:
    """The world of `build_world`, served by the app in a thread (other web test modules use it too)."""
    with session_factory() as session:
        world = build_world(session, settings)
        session.commit()
    with serve_in_thread(create_app(settings, session_factory)) as base_url:
        running = Site_(base_url, world, settings, session_factory)
        try:
            yield running
        finally:
            running.close()


def csrf_of(client: httpx.Client, path: str = "/login") -> str:
    page = BeautifulSoup(client.get(path).text, "html.parser")
    field_ = page.select_one('input[name="csrf"]')
    assert field_ is not None, f"no CSRF field on {path}"
    return str(field_["value"])


def post_form(
    client: httpx.Client, path: str, data: dict[str, str], csrf_from: str = "/login"
) -> httpx.Response:
    return client.post(path, data={"csrf": csrf_of(client, csrf_from), **data})


# --- a few accounts, for sign-in, session and account-management tests -----------------------------------


def accounts_settings(database_url: str, tmp_path: Path, **changes: Any) -> Settings:
    """Settings for a served app; no secret_key unless given, so the install makes its own under tmp_path."""
    return Settings(database_url=database_url, var_dir=tmp_path, **changes)


def add_accounts(session: Session) -> dict[str, int]:
    """Team BJ (reps r1, r2) and team SH; accounts r1, r2 (reps), mgr (manager of BJ), office, admin, all with
    PASSWORD and an address at example.com. Returns username -> user id."""
    bj, sh = Team(code="BJ", name="北京分公司"), Team(code="SH", name="上海分公司")
    reps = [
        Rep(code=code, name=name, email=f"{code}@example.com", team=bj)
        for code, name in (("r1", "张三"), ("r2", "李四"))
    ]
    session.add_all([bj, sh, *reps])
    session.flush()
    users = [
        User(username=rep.code, display_name=rep.name, email=rep.email, role=Role.REP, rep_id=rep.id)
        for rep in reps
    ]
    users += [
        User(
            username="mgr", display_name="北京经理", email="mgr@example.com", role=Role.MANAGER, team_id=bj.id
        ),
        User(username="office", display_name="管理部", email="office@example.com", role=Role.OFFICE),
        User(username="admin", display_name="管理员", email="admin@example.com", role=Role.ADMIN),
    ]
    for user in users:
        user.password_hash = _PASSWORD_HASH
    session.add_all(users)
    session.flush()
    return {user.username: user.id for user in users}


@dataclass
class Served:
    """The app over `add_accounts`. Clients may say which address they come from: uvicorn (as
    `serve_in_thread` runs it) trusts X-Forwarded-For from 127.0.0.1, as it trusts a proxy in production."""

    base_url: str
    settings: Settings
    session_factory: sessionmaker[Session]
    users: dict[str, int]
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, address: str | None = None) -> httpx.Client:
        """A browser of its own (cookies), coming from `address` if given; closed when the block ends."""
        headers = {"X-Forwarded-For": address} if address else {}
        client = httpx.Client(base_url=self.base_url, follow_redirects=False, timeout=30, headers=headers)
        self.clients.append(client)
        return client

    def sign_in(self, client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
        return post_form(client, "/login", {"username": username, "password": password})

    def signed_in(self, username: str, address: str | None = None) -> httpx.Client:
        client = self.client(address)
        response = self.sign_in(client, username)
        assert response.status_code == 303, response.text
        return client

    def user(self, username: str) -> User:
        with self.session_factory() as session:
            return session.scalars(select(User).where(User.username == username)).one()


@contextmanager
def serve_accounts(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Served]:
    """The app over a database holding `add_accounts`, served on a free loopback port."""
    with session_factory() as session:
        users = add_accounts(session)
        session.commit()
    with serve_in_thread(create_app(settings, session_factory)) as base_url:
        served = Served(base_url, settings, session_factory, users)
        try:
            yield served
        finally:
            for client in served.clients:
                client.close()


# --- a browser ------------------------------------------------------------------------------------------

PHONE = {"width": 390, "height": 844}


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright, headless, for the block's duration (a playwright Browser)."""
    from playwright.sync_api import sync_playwright

    from spiders.settings import CHROMIUM_ARGS
    from tests.support.paths import CHROMIUM

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def browser_sign_in(page: Any, username: str) -> None:
    """Sign `username` in on a playwright Page (its context has the app's base_url)."""
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/login" not in url)
