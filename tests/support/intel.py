"""What the intel pages need on top of the web world (tests/support/web.py): the items' sightings matched
to their customers, two near-duplicate creatives and one other, a rate card on the home page's logo wall,
and an alert for rep r1's customer."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AdAlert, Advertiser, AdvertiserMatch, Creative, Rep, Sighting, Slot
from models.enums import MatchDecision
from monitor.core.evidence import EvidenceStore
from monitor.core.settings import Settings
from tests.support.web import World

RATE_CARD = {
    "currency": "CNY",
    "per_day": 1200.0,
    "bands": [],
    "read_on": "2026-11-01",
    "source": "刊例价 2026",
}


def _picture(colour: tuple[int, int, int], size: tuple[int, int], quality: int, squares: bool) -> bytes:
    """A left half in colour, or a checkerboard of it: shapes the perceptual hash tells apart."""
    image = Image.new("RGB", size, (250, 250, 250))
    for x in range(size[0]):
        for y in range(size[1]):
            inside = (x * 4 // size[0] + y * 4 // size[1]) % 2 == 0 if squares else x < size[0] // 2
            if inside:
                image.putpixel((x, y), colour)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def add_intel(session: Session, settings: Settings, world: World) -> None:
    import imagehash

    store = EvidenceStore(settings.evidence_path)
    creatives = []
    for n, (colour, size, quality, squares) in enumerate(
        [
            ((200, 20, 20), (240, 80), 90, False),
            ((200, 20, 20), (236, 78), 60, False),  # the same ad, resized and re-encoded
            ((20, 20, 200), (240, 80), 90, True),
        ]
    ):
        data = _picture(colour, size, quality, squares)
        phash = str(imagehash.phash(Image.open(io.BytesIO(data))))
        creative = Creative(
            sha256=store.put(data),
            phash=phash,
            mime_type="image/jpeg",
            width=size[0],
            height=size[1],
            size_bytes=len(data),
            first_url=f"https://rival.example/ad{n}.jpg",
        )
        session.add(creative)
        creatives.append(creative)
    session.flush()
    for n in (1, 2, 3):
        sighting = session.get(Sighting, world[f"sighting{n}"])
        assert sighting is not None
        advertiser = Advertiser(text=f"客户{n}")
        session.add(advertiser)
        session.flush()
        session.add(
            AdvertiserMatch(
                advertiser_id=advertiser.id,
                customer_id=world[f"customer{n}"],
                score=99,
                decision=MatchDecision.AUTO,
            )
        )
        sighting.advertiser_id = advertiser.id
        sighting.creative_id = creatives[n - 1].id
    first = session.get(Sighting, world["sighting1"])
    assert first is not None
    again = Sighting(  # customer 1's ad again, re-encoded, on the campus page: a near-duplicate
        capture_id=world["capture_campus"],
        slot_id=session.get(Sighting, world["sighting3"]).slot_id,  # type: ignore[union-attr]
        seen_date=first.seen_date,
        position=7,
        raw_text="客户1招聘",
        advertiser_text="客户1",
        advertiser_id=first.advertiser_id,
        creative_id=creatives[1].id,
    )
    session.add(again)
    session.get(Sighting, world["sighting2"]).creative_id = creatives[0].id  # type: ignore[union-attr]
    home_slot = session.get(Sighting, world["sighting1"])
    assert home_slot is not None
    slot = session.get(Slot, home_slot.slot_id)
    assert slot is not None
    slot.rate_card = RATE_CARD
    rep = session.scalars(select(Rep).where(Rep.code == "r1")).one()
    day = home_slot.seen_date
    alert = AdAlert(
        day=day,
        customer_id=world["customer1"],
        site_id=slot.page.site_id,
        slot_id=slot.id,
        sighting_id=home_slot.id,
        rep_id=rep.id,
        team_id=rep.team_id,
        reason="first",
        created_at=dt.datetime.now(dt.UTC),
    )
    session.add(alert)
    session.flush()
    world.ids.update({"alert": alert.id, "creative_a": creatives[0].id, "creative_c": creatives[2].id})
