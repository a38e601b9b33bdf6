"""The creative gallery: near-duplicates grouped by perceptual hash, filtered by customer and competitor."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Creative, Sighting
from monitor.accountability.creatives import GalleryFilter, gallery, phash_groups
from monitor.core.siteconfig import PlaceNames
from tests.support.world import START, build_world, day

RANGE = (START, START + dt.timedelta(13))


def test_hashes_within_the_distance_group_transitively_and_unhashed_stand_alone() -> None:
    groups = phash_groups(
        {1: "ffff000000000000", 2: "ffff000000000003", 3: "ffff00000000000f", 4: None, 5: "00ff"}
    )
    assert groups[1] == groups[2] == groups[3] == 1
    assert groups[4] == 4 and groups[5] == 5


def test_a_creative_has_its_first_and_last_day_sites_slots_and_customers(session: Session) -> None:
    world = build_world(session)
    red = Creative(
        sha256="a" * 64, phash="ffff000000000000", mime_type="image/png", size_bytes=1, first_url="x"
    )
    red_again = Creative(
        sha256="b" * 64, phash="ffff000000000001", mime_type="image/png", size_bytes=1, first_url="y"
    )
    session.add_all([red, red_again])
    session.flush()
    bank = world.advertisers["spdb"].id
    for sighting in session.scalars(select(Sighting).where(Sighting.advertiser_id == bank)):
        sighting.creative_id = red.id if sighting.seen_date < day(8) else red_again.id
    session.flush()
    names = PlaceNames(
        pages={("zhaopin", "home"): "首页", ("job51", "home"): "首页"},
        slots={("zhaopin", "home", "logos"): "企业Logo墙"},
    )
    (entry,) = gallery(session, GalleryFilter(*RANGE), names=names)
    assert sorted(entry.variants) == [red.id, red_again.id]
    assert (entry.first_seen, entry.last_seen, entry.days_running) == (day(2), day(8), 7)
    assert entry.customers == {world.customers["C001"].id: "上海浦东发展银行股份有限公司"}
    # Display names from the site configs; a slot without a label is shown by its kind, never its key.
    assert entry.places == {"智联招聘 · 首页 · 企业Logo墙", "前程无忧 · 首页 · banner"}
    assert gallery(session, GalleryFilter(*RANGE, customer_id=world.customers["C002"].id)) == []
    site_ids = {slot.page.site.name: slot.page.site_id for slot in world.slots.values()}
    (job51,) = gallery(session, GalleryFilter(*RANGE, site_id=site_ids["job51"]))
    assert (job51.first_seen, job51.last_seen) == (day(8), day(8))
    assert gallery(session, GalleryFilter(day(9), day(14))) == []
