"""`rivalwatch extract --auto`: slot discovery through the same JSON lines as `--site`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from monitor.cli import main
from tests.support.paths import REPO_ROOT, shared_data

KEYS = ["slot", "kind", "position", "advertiser", "text", "link", "image", "company_id", "house_ad"]


def test_auto_finds_the_same_advertisers_as_the_hand_written_config() -> None:
    page = shared_data("pages", "zhaopin-home-2018-03-top-banners.excerpt.html")
    runner = CliRunner()
    url = "https://www.zhaopin.com/"
    auto = runner.invoke(main, ["extract", str(page), "--auto", "--url", url])
    configured = runner.invoke(
        main, ["extract", str(page), "--site", str(REPO_ROOT / "config/sites/zhaopin.yaml"), "--url", url]
    )
    assert auto.exit_code == 0 and configured.exit_code == 0, (auto.output, configured.output)
    auto_ads = [json.loads(line) for line in auto.stdout.splitlines()]
    configured_ads = [json.loads(line) for line in configured.stdout.splitlines()]
    assert all(list(ad) == KEYS for ad in auto_ads)
    assert [ad["advertiser"] for ad in auto_ads] == [ad["advertiser"] for ad in configured_ads]
    assert "上海浦东发展银行股份有限公司" in [ad["advertiser"] for ad in auto_ads]


def test_auto_and_site_are_exclusive_and_auto_needs_a_url(tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = tmp_path / "page.html"
    page.write_text("<html></html>", encoding="utf-8")
    runner = CliRunner()
    neither = runner.invoke(main, ["extract", str(page)])
    assert neither.exit_code == 2 and "either --site" in neither.output
    no_url = runner.invoke(main, ["extract", str(page), "--auto"])
    assert no_url.exit_code == 2 and "--auto needs --url" in no_url.output
