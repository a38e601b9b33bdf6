"""A synthetic office of any size, built fast through the project's own models, for benchmarks and tests.

`build_office(engine, store, Size(...), seed)` fills an empty, migrated database with teams, reps, KA
customers with assignments and deals, competitor sites with pages and slots, advertisers with their
matches, one capture per page and day with every sighting, page screenshots and HTML, element
screenshots and creatives in the evidence store, then generates every complete period (through
`monitor.accountability.generate`, the code under test) and answers most older items' forms, so that
overdue lists, trends and pruning have a history to work on.

Ads persist: each slot position keeps its advertiser from day to day and changes with a small
probability, drawn by a Zipf-like weight, as campaigns on real job sites do. The same seed and size
give the same database. Sightings go in as bulk inserts (executemany on SQLite, COPY on PostgreSQL)
into the models' own tables; everything else through Core inserts of the same tables.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

from models import (
    AccountabilityItem,
    AccountabilityPeriod,
    Advertiser,
    AdvertiserMatch,
    Assignment,
    Base,
    CrawlRun,
    Creative,
    Customer,
    Explanation,
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
from models.db import make_session_factory, transaction
from models.enums import (
    CaptureStatus,
    ExplanationStatus,
    MatchDecision,
    PageKind,
    Role,
    RunStatus,
    SlotKind,
)
from monitor.accountability.generate import generate_period
from monitor.accountability.periods import periods_between
from monitor.core.evidence import EvidenceStorage, open_evidence_store
from monitor.core.settings import Settings

LAST_DAY = dt.date(2026, 11, 22)  # the end of the demo period 2026-11-09 .. 2026-11-22
# (slot name, kind, positions) on every page: a logo wall, a banner carousel, a famous-employers strip.
SLOTS = (("logo-wall", SlotKind.LOGO, 300), ("banner", SlotKind.BANNER, 8), ("famous", SlotKind.LOGO, 98))
CHANGE_PER_DAY = 0.03  # chance that a position shows another advertiser the next day
FAILED_CAPTURES = 0.01  # pages that could not be captured on a day (unknown, never "no ads")
ANSWERED_FORMS = 0.8  # items of older periods whose rep submitted the form
_CITIES = "北京上海广州深圳杭州南京成都武汉西安苏州天津重庆长沙郑州青岛厦门宁波合肥济南福州"
_WORDS = "华盛鑫达宏远瑞丰博通嘉信恒泰中科新创海天金桥云帆星辰蓝海东方"
_TRADES = ("科技", "电子", "汽车", "医药", "银行", "物流", "教育", "地产", "食品", "能源", "网络", "制造")


@dataclass(frozen=True)
class Size:
    """How big the office is; the defaults are the production size of issue 19."""

    months: float = 3
    branches: int = 6
    teams: int = 30
    reps: int = 300
    customers: int = 12_000
    sites: int = 6
    pages_per_site: int = 8
    advertisers: int = 3_000
    matched: int = 1_300  # advertisers matched to a KA customer (auto)
    review: int = 150  # advertisers whose match waits for a person
    deal_share: float = 0.45  # matched customers with a deal covering the whole history
    positions_scale: float = 1.0  # scales SLOTS' positions: 1.0 gives ~19,500 sightings a day

    @property
    def days(self) -> int:
        return max(14, round(self.months * 30.44))

    @property
    def first_day(self) -> dt.date:
        return LAST_DAY - dt.timedelta(days=self.days - 1)

    def slots(self) -> tuple[tuple[str, SlotKind, int], ...]:
        return tuple((name, kind, max(1, round(n * self.positions_scale))) for name, kind, n in SLOTS)


@dataclass
class _Ids:
    sites: list[int] = field(default_factory=list)
    pages: list[tuple[int, str, str]] = field(default_factory=list)  # (id, site name, url)
    slots: list[tuple[int, int, SlotKind, int]] = field(default_factory=list)  # (id, page id, kind, n)
    reps: list[int] = field(default_factory=list)
    customers: list[int] = field(default_factory=list)
    advertisers: list[tuple[int, str]] = field(default_factory=list)  # (id, text)
    elements: list[str] = field(default_factory=list)  # per advertiser: element screenshot sha
    creatives: list[int] = field(default_factory=list)  # per advertiser: creative id


def company_name(rng: random.Random, index: int) -> str:
    """A plausible, unique Chinese company name."""
    city = _CITIES[index % len(_CITIES)] + _CITIES[(index // len(_CITIES)) % len(_CITIES)]
    word = rng.choice(_WORDS) + rng.choice(_WORDS)
    return f"{city[:2]}{word}{rng.choice(_TRADES)}有限公司{index:05d}"


def _png(rng: random.Random, width: int, height: int, label: str) -> bytes:
    """A small, distinct PNG: coloured blocks and a strip of noise, like a cropped banner."""
    image = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(width), rng.randrange(height)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle((x, y, x + rng.randrange(10, 60), y + rng.randrange(5, 30)), fill=colour)
    draw.text((4, 4), label, fill=(255, 255, 255))
    noise = Image.frombytes("RGB", (width, 6), rng.randbytes(width * 6 * 3))
    image.paste(noise, (0, height - 6))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _insert(session: Session, model: type[Base], rows: list[dict[str, Any]], chunk: int = 5_000) -> None:
    for start in range(0, len(rows), chunk):
        session.execute(insert(model), rows[start : start + chunk])


def _roster(session: Session, size: Size, rng: random.Random, ids: _Ids) -> None:
    branches = [
        Team(
            code=f"B{b:02d}",
            name=f"{_CITIES[b * 2 : b * 2 + 2]}分公司",
            manager_email=f"gm{b:02d}@example.com",
        )
        for b in range(size.branches)
    ]
    session.add_all(branches)
    session.flush()
    teams = [
        Team(
            code=f"B{t % size.branches:02d}/T{t:02d}",
            name=f"KA{t:02d}组",
            parent_id=branches[t % size.branches].id,
            manager_email=f"lead{t:02d}@example.com",
        )
        for t in range(size.teams)
    ]
    session.add_all(teams)
    session.flush()
    reps: list[dict[str, Any]] = [
        {
            "id": n + 1,
            "code": f"R{n:04d}",
            "name": f"销售{n:04d}",
            "email": f"rep{n:04d}@example.com",
            "team_id": teams[n % size.teams].id,
            "active": True,
        }
        for n in range(size.reps)
    ]
    _insert(session, Rep, reps)
    ids.reps = [int(row["id"]) for row in reps]
    users: list[dict[str, Any]] = [
        {
            "username": row["code"].lower(),
            "display_name": row["name"],
            "email": row["email"],
            "role": Role.REP,
            "rep_id": row["id"],
            "password_hash": None,
            "failed_logins": 0,
            "created_at": _utc(size.first_day),
        }
        for row in reps
    ]
    _insert(session, User, users)
    customers: list[dict[str, Any]] = [
        {"id": n + 1, "code": f"C{n:06d}", "name": company_name(rng, n), "is_ka": True}
        for n in range(size.customers)
    ]
    _insert(session, Customer, customers)
    ids.customers = [int(row["id"]) for row in customers]
    start = size.first_day - dt.timedelta(days=400)
    assignments: list[dict[str, Any]] = [
        {
            "customer_id": row["id"],
            "rep_id": ids.reps[n % len(ids.reps)],
            "start_date": start,
            "registered_at": _utc(start),
            "cap_override": False,
        }
        for n, row in enumerate(customers)
    ]
    _insert(session, Assignment, assignments)


def _utc(day: dt.date, hour: int = 22) -> dt.datetime:
    return dt.datetime.combine(day - dt.timedelta(days=1), dt.time(hour), tzinfo=dt.UTC)


def _sites(session: Session, size: Size, ids: _Ids) -> None:
    for s in range(size.sites):
        name = f"rival{s}"
        site = Site(name=name, display_name=f"竞品{s}招聘网", base_url=f"https://{name}.example/")
        session.add(site)
        session.flush()
        ids.sites.append(site.id)
        for p in range(size.pages_per_site):
            key = "home" if p == 0 else f"zone{p}"
            url = f"https://{name}.example/{'' if p == 0 else key}"
            kind = PageKind.HOMEPAGE if p == 0 else PageKind.SECTION
            page = Page(site_id=site.id, key=key, url=url, kind=kind, needs_browser=p % 2 == 1)
            session.add(page)
            session.flush()
            ids.pages.append((page.id, name, url))
            for slot_name, slot_kind, positions in size.slots():
                slot = Slot(page_id=page.id, name=slot_name, kind=slot_kind)
                session.add(slot)
                session.flush()
                ids.slots.append((slot.id, page.id, slot_kind, positions))


def _advertisers(session: Session, size: Size, rng: random.Random, store: EvidenceStorage, ids: _Ids) -> None:
    """Advertisers 0.. are: matched to a customer, waiting for review, then matched to nobody (leads)."""
    customers = rng.sample(ids.customers, size.matched + size.review)
    names = {row[0]: row[1] for row in session.execute(select(Customer.id, Customer.name))}
    rows: list[dict[str, Any]] = []
    matches: list[dict[str, Any]] = []
    for n in range(size.advertisers):
        if n < size.matched:
            text_, customer, decision, score = names[customers[n]], customers[n], MatchDecision.AUTO, 97.0
        elif n < size.matched + size.review:
            text_, customer, decision, score = (
                names[customers[n]][:-7] + "(北京)",
                customers[n],
                MatchDecision.REVIEW,
                80.0,
            )
        else:
            text_, customer, decision, score = company_name(rng, 100_000 + n), None, MatchDecision.NONE, 40.0
        rows.append({"id": n + 1, "text": text_, "first_seen_at": _utc(size.first_day)})
        matches.append(
            {
                "advertiser_id": n + 1,
                "customer_id": customer,
                "score": score,
                "decision": decision,
                "reason": "synthetic",
                "decided_at": _utc(size.first_day),
            }
        )
    _insert(session, Advertiser, rows)
    _insert(session, AdvertiserMatch, matches)
    ids.advertisers = [(int(row["id"]), str(row["text"])) for row in rows]
    images = [
        (_png(rng, 200, 60, f"ad {n}"), _png(rng, 240, 80, f"creative {n}")) for n in range(size.advertisers)
    ]
    with ThreadPoolExecutor(8) as pool:
        elements = list(pool.map(store.put, [element for element, _ in images]))
        creative_shas = list(pool.map(store.put, [creative for _, creative in images]))
    creatives: list[dict[str, Any]] = [
        {
            "id": n + 1,
            "sha256": sha,
            "mime_type": "image/png",
            "width": 240,
            "height": 80,
            "size_bytes": len(images[n][1]),
            "first_url": f"https://img.example/{n}.png",
            "first_seen_at": _utc(size.first_day),
        }
        for n, sha in enumerate(creative_shas)
    ]
    _insert(session, Creative, creatives)
    ids.elements = elements
    ids.creatives = [int(row["id"]) for row in creatives]
    deals: list[dict[str, Any]] = [
        {
            "code": f"O{n:06d}",
            "customer_id": customer,
            "signed_date": size.first_day - dt.timedelta(days=500),
            "start_date": size.first_day - dt.timedelta(days=500),
            "end_date": LAST_DAY + dt.timedelta(days=365),
        }
        for n, customer in enumerate(customers[: size.matched])
        if rng.random() < size.deal_share
    ]
    _insert(session, Order, deals)


SIGHTING_COLUMNS = (
    "id",
    "capture_id",
    "slot_id",
    "seen_date",
    "position",
    "raw_text",
    "advertiser_text",
    "link",
    "image_url",
    "is_house_ad",
    "advertiser_id",
    "creative_id",
    "element_screenshot_sha256",
    "box_x",
    "box_y",
    "box_width",
    "box_height",
)


class _Sightings:
    """Writes sighting rows in bulk into the Sighting model's table, by the backend's fastest path."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.table_name = Sighting.__tablename__
        self.names = ", ".join(SIGHTING_COLUMNS)

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        with self.engine.begin() as connection:
            raw = connection.connection.dbapi_connection
            assert raw is not None
            cursor = raw.cursor()
            if self.engine.dialect.name == "postgresql":
                with cursor.copy(f"COPY {self.table_name} ({self.names}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in SIGHTING_COLUMNS)
                sqlite_rows = [
                    (*row[:3], row[3].isoformat(), *row[4:9], int(row[9]), *row[10:]) for row in rows
                ]
                cursor.executemany(
                    f"INSERT INTO {self.table_name} ({self.names}) VALUES ({marks})", sqlite_rows
                )
            cursor.close()


def _weights(count: int, rng: random.Random) -> list[float]:
    ranks = list(range(1, count + 1))
    rng.shuffle(ranks)
    return [rank**-0.8 for rank in ranks]


def _days(size: Size) -> Iterator[dt.date]:
    for n in range(size.days):
        yield size.first_day + dt.timedelta(days=n)


def _captures(
    engine: Engine,
    size: Size,
    rng: random.Random,
    store: EvidenceStorage,
    ids: _Ids,
    progress: Callable[[str], None],
) -> None:
    """One capture per page and day, with every ad of every slot as a sighting."""
    weights = _weights(len(ids.advertisers), rng)
    population = list(range(len(ids.advertisers)))
    board = {
        (slot_id, position): rng.choices(population, weights)[0]
        for slot_id, _page, _kind, positions in ids.slots
        for position in range(1, positions + 1)
    }
    slots_of = {page_id: [slot for slot in ids.slots if slot[1] == page_id] for page_id, _, _ in ids.pages}
    sightings = _Sightings(engine)
    factory = make_session_factory(engine)
    capture_id = sighting_id = 0
    pool = ThreadPoolExecutor(8)
    for day in _days(size):
        for key in board:
            if rng.random() < CHANGE_PER_DAY:
                board[key] = rng.choices(population, weights)[0]
        files = [
            (
                _png(rng, 64, 48, f"{day} {page_id}"),
                f"<html><!-- {page_id} {day} {rng.random()} --></html>".encode(),
            )
            for page_id, _, _ in ids.pages
        ]
        shots = list(pool.map(store.put, [shot for shot, _ in files]))
        htmls = list(pool.map(store.put, [html for _, html in files]))
        captures, slot_rows, rows = [], [], []
        with transaction(factory) as session:
            run = CrawlRun(
                crawl_date=day,
                started_at=_utc(day),
                finished_at=_utc(day, 23),
                status=RunStatus.FINISHED,
                pages_ok=len(ids.pages),
                pages_failed=0,
            )
            session.add(run)
            session.flush()
            for index, (page_id, site, url) in enumerate(ids.pages):
                capture_id += 1
                failed = rng.random() < FAILED_CAPTURES
                captures.append(
                    {
                        "id": capture_id,
                        "page_id": page_id,
                        "crawl_run_id": run.id,
                        "capture_date": day,
                        "fetched_at": _utc(day),
                        "status": CaptureStatus.TIMEOUT if failed else CaptureStatus.OK,
                        "http_status": None if failed else 200,
                        "url": url,
                        "html_sha256": None if failed else htmls[index],
                        "screenshot_sha256": None if failed else shots[index],
                    }
                )
                if failed:
                    continue
                for slot_id, _page, _kind, positions in slots_of[page_id]:
                    slot_rows.append(
                        {"capture_id": capture_id, "slot_id": slot_id, "found": True, "ad_count": positions}
                    )
                    for position in range(1, positions + 1):
                        advertiser = board[(slot_id, position)]
                        advertiser_id, advertiser_text = ids.advertisers[advertiser]
                        sighting_id += 1
                        rows.append(
                            (
                                sighting_id,
                                capture_id,
                                slot_id,
                                day,
                                position,
                                f"{advertiser_text}招聘",
                                advertiser_text,
                                f"https://{site}.example/company/{advertiser_id}",
                                f"https://img.example/{advertiser}.png",
                                False,
                                advertiser_id,
                                ids.creatives[advertiser],
                                ids.elements[advertiser],
                                20 + position % 10 * 110,
                                300 + position // 10 * 70,
                                100,
                                60,
                            )
                        )
            _insert(session, PageCapture, captures)
            _insert(session, SlotCapture, slot_rows)
        sightings.write(rows)
        if day.day == 1 or day == LAST_DAY:
            progress(f"captured up to {day} ({sighting_id} sightings)")
    pool.shutdown()
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for table in ("sighting", "page_capture"):
                sequence = f"pg_get_serial_sequence('{table}', 'id')"
                connection.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {table}))"))
            connection.execute(text("ANALYZE"))


def _periods(engine: Engine, settings: Settings, size: Size, progress: Callable[[str], None]) -> None:
    """Generate every complete period, then answer most forms of the periods whose deadline passed."""
    factory = make_session_factory(engine)
    accountability = settings.accountability
    periods = [
        period
        for period in periods_between(
            size.first_day, LAST_DAY, accountability.period_anchor, accountability.period_days
        )
        if period.start >= size.first_day and period.end <= LAST_DAY
    ]
    rng = random.Random(len(periods))
    for period in periods:
        now = _utc(period.end + dt.timedelta(days=2), 2)
        with transaction(factory) as session:
            result = generate_period(session, settings, period.start, now)
        progress(f"generated {period.label}: {result.open_items} open items")
    with transaction(factory) as session:
        newest = max(period.start for period in periods)
        rows = session.execute(
            select(AccountabilityItem.id, AccountabilityPeriod.end_date)
            .join(AccountabilityPeriod, AccountabilityPeriod.id == AccountabilityItem.period_id)
            .where(AccountabilityPeriod.start_date < newest)
        ).all()
        answers = [
            {
                "item_id": item_id,
                "reason": "negotiating",
                "text": "客户在谈判年度合同",
                "funnel_stage": 30,
                "status": ExplanationStatus.SUBMITTED,
                "submitted_at": _utc(end + dt.timedelta(days=3)),
                "updated_at": _utc(end + dt.timedelta(days=3)),
            }
            for item_id, end in rows
            if rng.random() < ANSWERED_FORMS
        ]
        _insert(session, Explanation, answers)


def build_office(
    engine: Engine,
    settings: Settings,
    size: Size = Size(),
    seed: int = 19,
    progress: Callable[[str], None] = lambda line: None,
) -> None:
    """Fill the empty, migrated database at `engine` and the settings' evidence store with an office."""
    rng = random.Random(seed)
    store = open_evidence_store(settings)
    ids = _Ids()
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        _roster(session, size, rng, ids)
        _sites(session, size, ids)
        _advertisers(session, size, rng, store, ids)
    progress(f"roster, sites and {size.advertisers} advertisers written")
    _captures(engine, size, rng, store, ids, progress)
    _periods(engine, settings, size, progress)


def sightings_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Sighting)) or 0)


def last_period_start(size: Size, settings: Settings) -> dt.date:
    """The first day of the newest complete period of the office."""
    accountability = settings.accountability
    periods = periods_between(
        size.first_day, LAST_DAY, accountability.period_anchor, accountability.period_days
    )
    return max(period.start for period in periods if period.end <= LAST_DAY)


__all__: Sequence[str] = (
    "LAST_DAY",
    "Size",
    "build_office",
    "company_name",
    "last_period_start",
    "sightings_count",
)
