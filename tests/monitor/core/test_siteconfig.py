"""Display names from the site configs: what people read for a site, a page and a slot, never its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.core.i18n import translator
from monitor.core.settings import REPO_ROOT
from monitor.core.siteconfig import PlaceNames, load_place_names, load_site_configs, place_names

CONFIG = """\
name: rival
display_name: 竞品招聘网
base_url: https://rival.example/
pages:
  - key: home
    label: 首页
    url: ./
    kind: homepage
    slots:
      - {name: top_banner, label: 顶部横幅, kind: banner, css: '#top img'}
      - {name: wall, kind: logo, css: '#wall img'}
  - key: campus
    url: campus/
    kind: section
    slots:
      - {name: logos, kind: logo, css: '#logos img'}
"""


@pytest.mark.parametrize("folder", ["config/sites", "config/demo-sites"])
def test_every_shipped_page_and_slot_has_a_label(folder: str) -> None:
    for config in load_site_configs(REPO_ROOT / folder):
        for page in config.pages:
            assert page.label, f"{config.name}/{page.key} has no label"
            for slot in page.slots:
                assert slot.label, f"{config.name}/{page.key}/{slot.name} has no label"


def test_labels_are_looked_up_by_key_and_fall_back_on_what_a_person_recognises(tmp_path: Path) -> None:
    (tmp_path / "rival.yaml").write_text(CONFIG, encoding="utf-8")
    names = load_place_names(tmp_path).translated(translator("zh_CN").gettext)
    assert names.site("rival") == "竞品招聘网"
    assert names.page("rival", "home") == "首页"
    assert names.slot("rival", "home", "top_banner", "banner") == "顶部横幅"
    # No label: the slot's kind in the reader's language, the page's address path; never the key.
    assert names.slot("rival", "home", "wall", "logo") == "Logo"
    assert names.page("rival", "campus", "https://rival.example/campus/") == "/campus/"
    english = load_place_names(tmp_path).translated(translator("en").gettext)
    assert english.slot("rival", "home", "wall", "logo") == "logo"
    # A site no config describes (retired) keeps the name stored with its data.
    assert names.site("gone", "旧竞品网") == "旧竞品网"


def test_an_unreadable_folder_gives_no_names_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("name: [", encoding="utf-8")
    assert load_place_names(tmp_path) == PlaceNames()
    assert load_place_names(tmp_path / "missing") == PlaceNames()
    assert place_names([]) == PlaceNames()
