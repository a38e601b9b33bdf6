"""Spend estimates: days × the slot's rate card, by position band; nothing without a card."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from monitor.accountability.generate import generate_period
from monitor.accountability.spend import item_spend, totals
from monitor.core.siteconfig import RateCard
from tests.support.world import NOW, START, build_world, items_by_code, settings_for

CARD = {"currency": "CNY", "per_day": 1000, "read_on": "2026-11-01", "source": "刊例价"}


def test_rate_card_prices_by_band_and_falls_back_to_per_day() -> None:
    card = RateCard.model_validate({**CARD, "bands": [{"first": 1, "last": 2, "per_day": 5000}]})
    assert (card.price(1), card.price(2), card.price(3)) == (5000, 5000, 1000)
    assert (
        RateCard.model_validate(
            {**CARD, "per_day": None, "bands": [{"first": 1, "last": 1, "per_day": 9}]}
        ).price(2)
        is None
    )
    with pytest.raises(ValueError, match="per_day or bands"):
        RateCard.model_validate({**CARD, "per_day": None})


def test_an_item_is_estimated_only_in_priced_slots_with_its_source(session: Session, tmp_path: Path) -> None:
    world = build_world(session)
    generate_period(session, settings_for(tmp_path), START, NOW)
    items = items_by_code(session)
    bank = items["C001"]
    assert item_spend(session, [bank.id]) == {}  # no rate card anywhere: nothing estimated
    world.slots["zhaopin/home/logos"].rate_card = {
        **CARD,
        "bands": [{"first": 1, "last": 1, "per_day": 3000}],
    }
    session.flush()
    (line,) = item_spend(session, [bank.id])[bank.id]
    # The bank was first in the logo wall on days 2, 3 and 8 (its job51 banner is not priced).
    assert (line.site, line.days, line.amount, line.currency) == ("智联招聘", 3, 9000, "CNY")
    assert line.source_text == "刊例价 (2026-11-01)"
    assert [(t.currency, t.amount) for t in totals([line, line])] == [("CNY", 18000)]


def test_the_demo_rate_cards_and_sections_reach_the_slots_and_pages(session: Session, tmp_path: Path) -> None:
    from sqlalchemy import select

    from models import Page, Slot
    from monitor.core.settings import REPO_ROOT
    from monitor.core.siteconfig import SiteConfigError, load_site_config
    from spiders.persist import sync_site

    config = load_site_config(REPO_ROOT / "config" / "demo-sites" / "gouzhi.yaml")
    sync_site(session, config)
    slots = {slot.name: slot.rate_card for slot in session.scalars(select(Slot))}
    assert slots["company_logos"] == {
        "currency": "CNY",
        "per_day": 800.0,
        "bands": [],
        "read_on": "2026-11-01",
        "source": "勾职网 2026 刊例价（演示）",
    }
    assert slots["home_banner"] is not None and slots["city_banner"] is None
    assert {page.key: page.section for page in session.scalars(select(Page))} == {
        "home": None,
        "shanghai": "city",
    }
    broken = tmp_path / "broken.yaml"
    text = (REPO_ROOT / "config" / "demo-sites" / "gouzhi.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("per_day: 800, ", ""), encoding="utf-8")
    with pytest.raises(SiteConfigError, match="broken.yaml.*per_day or bands"):
        load_site_config(broken)
