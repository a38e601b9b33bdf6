"""A small world for database tests: two competitor sites, a roster, advertisers, two weeks of sightings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import (
    AccountabilityItem,
    Advertiser,
    AdvertiserMatch,
    Assignment,
    CrawlRun,
    Creative,
    Customer,
    Order,
    Page,
    PageCapture,
    Rep,
    Sighting,
    Site,
    Slot,
    SlotCapture,
    Team,
    User,
)
from models.enums import (
    CaptureStatus,
    MatchDecision,
    PageKind,
    Role,
    RunStatus,
    SlotKind,
)
from monitor.core.evidence import EvidenceStore
from monitor.core.settings import Settings
from tests.support.images import png

START = dt.date(2026, 11, 9)  # the demo period 2026-11-09 .. 2026-11-22
NOW = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)  # 10:00 on 2026-11-24 in Shanghai
HOSTILE_TEXT = "<script>alert(1)</script>华晨宝马汽车有限公司"
BRANCH_MANAGER = "east.gm@example.com"  # manages the branch: both teams
TEAM_ONE_MANAGER = "sh-ka1.lead@example.com"  # manages 上海KA一组 only


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n - 1)


@dataclass
class World:
    """The rows a test needs to refer to, by a short name."""

    customers: dict[str, Customer] = field(default_factory=dict)
    reps: dict[str, Rep] = field(default_factory=dict)
    advertisers: dict[str, Advertiser] = field(default_factory=dict)
    slots: dict[str, Slot] = field(default_factory=dict)
    captures: dict[tuple[str, dt.date], PageCapture] = field(default_factory=dict)
    positions: dict[tuple[str, dt.date], int] = field(default_factory=dict)

    def see(
        self, session: Session, slot: str, n: int, advertiser: str, raw_text: str | None = None
    ) -> Sighting:
        page = slot.split("/")[0] + "/" + slot.split("/")[1]
        capture = self.captures[(page, day(n))]
        position = self.positions[(slot, day(n))] = self.positions.get((slot, day(n)), 0) + 1
        row = self.advertisers[advertiser]
        sighting = Sighting(
            capture_id=capture.id,
            slot_id=self.slots[slot].id,
            seen_date=day(n),
            position=position,
            raw_text=raw_text or f"{row.text}招聘",
            advertiser_text=row.text,
            link=f"https://{slot.split('/')[0]}.example/company/{row.id}",
            is_house_ad=advertiser == "house",
            advertiser_id=row.id,
            element_screenshot_sha256="ab" * 32,
        )
        session.add(sighting)
        session.flush()
        return sighting


# The world's two competitors as their site configs name them (what the report shows for the keys).
SITE_CONFIG = """\
name: {name}
display_name: {display}
base_url: https://{name}.example/
pages:
  - key: home
    label: 首页
    url: ./
    kind: homepage
    slots:
      - {{name: logos, label: 首页Logo墙, kind: logo, css: '#logos img'}}
      - {{name: banner, label: 首页横幅, kind: banner, css: '#banner img'}}
"""
SITES = (("zhaopin", "智联招聘"), ("job51", "前程无忧"))
SLOT_LABELS = {"logos": "首页Logo墙", "banner": "首页横幅"}


def write_site_configs(folder: Path) -> Path:
    """The world's site configs in `folder` (made if missing); returns it, for `sites_dir`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, display in SITES:
        (folder / f"{name}.yaml").write_text(SITE_CONFIG.format(name=name, display=display), encoding="utf-8")
    return folder


def settings_for(tmp_path: Path) -> Settings:
    """Settings over `tmp_path`, with the world's site configs in `tmp_path/sites`."""
    sites = write_site_configs(tmp_path / "sites")
    return Settings(var_dir=tmp_path, database_url="sqlite://", sites_dir=sites)


def _sites(session: Session, world: World) -> None:
    for name, display in SITES:
        site = Site(name=name, display_name=display, base_url=f"https://{name}.example/")
        page = Page(site=site, key="home", url=f"https://{name}.example/", kind=PageKind.HOMEPAGE)
        session.add(site)
        for slot_name, kind in (("logos", SlotKind.LOGO), ("banner", SlotKind.BANNER)):
            world.slots[f"{name}/home/{slot_name}"] = slot = Slot(page=page, name=slot_name, kind=kind)
            session.add(slot)
    session.flush()
    for n in range(1, 15):
        run = CrawlRun(crawl_date=day(n), status=RunStatus.FINISHED)
        session.add(run)
        session.flush()
        for page in session.scalars(select(Page).join(Site).order_by(Page.id)):
            key = f"{page.site.name}/{page.key}"
            failed = key == "zhaopin/home" and n == 4
            capture = PageCapture(
                page=page,
                crawl_run_id=run.id,
                capture_date=day(n),
                status=CaptureStatus.TIMEOUT if failed else CaptureStatus.OK,
                url=page.url,
                screenshot_sha256=None if failed else "cd" * 32,
            )
            session.add(capture)
            world.captures[(key, day(n))] = capture
    session.flush()


def _roster(session: Session, world: World) -> None:
    branch = Team(code="BR-EAST", name="华东分公司", manager_email=BRANCH_MANAGER)
    team_one = Team(code="SH-KA1", name="上海KA一组", parent=branch, manager_email=TEAM_ONE_MANAGER)
    team_two = Team(code="SH-KA2", name="上海KA二组", parent=branch)
    for code, name, team in (
        ("R001", "张伟", team_one),
        ("R002", "李娜", team_one),
        ("R003", "王芳", team_two),
    ):
        world.reps[code] = Rep(code=code, name=name, team=team, email=f"{code.lower()}@example.com")
    for code, name, is_ka in (
        ("C001", "上海浦东发展银行股份有限公司", True),
        ("C002", "华晨宝马汽车有限公司", True),
        ("C003", "游戏科学", False),
        ("C004", "AfterShip", True),
    ):
        world.customers[code] = Customer(code=code, name=name, is_ka=is_ka)
    session.add_all([*world.reps.values(), *world.customers.values()])
    session.flush()
    customers, reps = world.customers, world.reps
    session.add_all(
        [
            Assignment(
                customer=customers["C001"], rep=reps["R001"], start_date=dt.date(2026, 1, 1), end_date=day(5)
            ),
            Assignment(customer=customers["C001"], rep=reps["R002"], start_date=day(6), reason="划转"),
            Assignment(customer=customers["C002"], rep=reps["R003"], start_date=dt.date(2026, 1, 1)),
            Assignment(customer=customers["C003"], rep=reps["R001"], start_date=dt.date(2026, 1, 1)),
            Assignment(customer=customers["C004"], rep=reps["R002"], start_date=dt.date(2026, 1, 1)),
            Order(
                code="O-1",
                customer=customers["C004"],
                signed_date=dt.date(2026, 9, 20),
                start_date=dt.date(2026, 10, 1),
                end_date=dt.date(2027, 3, 31),
            ),
        ]
    )
    session.flush()


def _advertisers(session: Session, world: World) -> None:
    matches = {
        "spdb": ("上海浦东发展银行", "C001", MatchDecision.AUTO),
        "bmw": ("华晨宝马汽车有限公司", "C002", MatchDecision.CONFIRMED),
        "gamesci": ("游戏科学", "C003", MatchDecision.AUTO),
        "aftership": ("AfterShip", "C004", MatchDecision.AUTO),
        "doubtful": ("浦发银行信用卡中心", "C001", MatchDecision.REVIEW),
        "stranger": ("某某科技有限公司", None, MatchDecision.NONE),
        "house": ("智联招聘校园", None, MatchDecision.NONE),
    }
    for key, (text, customer, decision) in matches.items():
        advertiser = Advertiser(text=text)
        customer_id = world.customers[customer].id if customer else None
        advertiser.match = AdvertiserMatch(customer_id=customer_id, decision=decision, score=90.0)
        world.advertisers[key] = advertiser
        session.add(advertiser)
    session.flush()


def build_world(session: Session) -> World:
    """Two competitor sites, one branch with two teams and three reps, and two weeks of sightings."""
    world = World()
    _sites(session, world)
    _roster(session, world)
    _advertisers(session, world)
    for n in (2, 3, 8):  # the bank, transferred from R001 to R002 on day 6
        world.see(session, "zhaopin/home/logos", n, "spdb")
    world.see(session, "job51/home/banner", 8, "spdb", raw_text="1/3上海浦东发展银行股份有限公司招聘信息")
    world.see(session, "job51/home/logos", 10, "bmw", raw_text=HOSTILE_TEXT)
    world.see(session, "zhaopin/home/logos", 2, "gamesci")  # not KA
    world.see(session, "zhaopin/home/logos", 2, "aftership")  # covered by a deal
    world.see(session, "zhaopin/home/logos", 3, "aftership")
    world.see(session, "job51/home/logos", 3, "doubtful")  # waits for review
    world.see(session, "job51/home/logos", 5, "stranger")  # matches nobody
    world.see(session, "zhaopin/home/banner", 2, "house")
    failed_slot = SlotCapture(
        capture=world.captures[("job51/home", day(12))], slot=world.slots["job51/home/banner"]
    )
    failed_slot.found = False  # the banner slot, where the bank was seen on day 8, did not render on day 12
    session.add(failed_slot)
    session.flush()
    return world


def items_by_code(session: Session) -> dict[str, AccountabilityItem]:
    rows = session.scalars(select(AccountabilityItem).join(Customer).order_by(Customer.code))
    return {item.customer.code: item for item in rows}


def store_evidence(session: Session, store: EvidenceStore) -> dict[str, str]:
    """Put real screenshots in `store` and point the world's sightings and captures at them.

    Each advertiser's element screenshot gets its own colour; every page capture of a day gets that
    day's page screenshot; the BMW sighting shows a creative instead of an element screenshot.
    Returns name -> sha256 ("element:<advertiser text>", "page:<day>", "creative").
    """
    shas: dict[str, str] = {}
    for n, sighting in enumerate(session.scalars(select(Sighting).order_by(Sighting.id))):
        key = f"element:{sighting.advertiser_text}"
        if key not in shas:
            shas[key] = store.put(png(600, 200, (40 * n % 256, 120, 200)))
        sighting.element_screenshot_sha256 = shas[key]
    for capture in session.scalars(select(PageCapture)):
        if capture.screenshot_sha256 is not None:
            key = f"page:{capture.capture_date.isoformat()}"
            if key not in shas:
                shas[key] = store.put(png(800, 1200, (capture.capture_date.day * 9 % 256, 30, 30)))
            capture.screenshot_sha256 = shas[key]
    data = png(300, 100, (10, 200, 10))
    shas["creative"] = store.put(data)
    creative = Creative(
        sha256=shas["creative"],
        mime_type="image/png",
        size_bytes=len(data),
        first_url="https://x.example/c.png",
    )
    session.add(creative)
    session.flush()
    bmw = session.scalars(select(Sighting).where(Sighting.raw_text == HOSTILE_TEXT)).one()
    bmw.element_screenshot_sha256 = None
    bmw.creative_id = creative.id
    session.flush()
    return shas


def add_rep_users(session: Session, world: World) -> dict[str, User]:
    """A web sign-in for each rep (role rep), so mails can carry single-use sign-in links."""
    users = {
        code: User(
            username=code.lower(), display_name=rep.name, email=rep.email, role=Role.REP, rep_id=rep.id
        )
        for code, rep in world.reps.items()
    }
    session.add_all(users.values())
    session.flush()
    return users
