"""Settings: a TOML file overridden by RIVALWATCH_* variables; every mistake names its file or variable."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.core.settings import SettingsError, load_settings
from monitor.core.siteconfig import SiteConfigError, load_site_config


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rivalwatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_file_values_are_read_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _toml(tmp_path, '[matching]\nauto_threshold = 95\n[crawl]\ndaily_time = "05:45"\n')
    monkeypatch.setenv("RIVALWATCH_CRAWL__DAILY_TIME", "07:15")
    settings = load_settings(path)
    assert settings.matching.auto_threshold == 95
    assert settings.crawl.daily_time == "07:15"
    assert settings.database.startswith("sqlite:///") and settings.database.endswith("var/rivalwatch.db")


def test_the_users_calendar_day_is_shanghai_not_utc() -> None:
    settings = load_settings(None)
    late_evening_utc = dt.datetime(2026, 11, 27, 17, 30, tzinfo=dt.UTC)  # 01:30 on the 28th in Shanghai
    assert settings.today(late_evening_utc) == dt.date(2026, 11, 28)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 'red'\n", "rivalwatch.toml: unknown key 'colour'"),
        ("[matching]\nauto = 95\n", "rivalwatch.toml: unknown key 'matching.auto'"),
        ("timezone = 'Mars/Olympus'\n", "timezone: unknown timezone 'Mars/Olympus'"),
        ("[crawl]\ndaily_time = '25:00'\n", "RIVALWATCH_CRAWL__DAILY_TIME"),
        ("[matching\n", "rivalwatch.toml: not valid TOML"),
    ],
)
def test_bad_settings_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(_toml(tmp_path, text))
    assert message in str(caught.value)


def test_a_bad_environment_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIVALWATCH_ACCOUNTABILITY__PERIOD_DAYS", "fortnight")
    with pytest.raises(SettingsError, match=r"RIVALWATCH_ACCOUNTABILITY__PERIOD_DAYS"):
        load_settings(None)


def test_the_cli_reports_a_broken_settings_file_without_a_traceback(tmp_path: Path) -> None:
    path = _toml(tmp_path, "colour = 'red'\n")
    result = CliRunner().invoke(main, ["--config", str(path), "roster"])
    assert result.exit_code == 1
    assert f"{path}: unknown key 'colour'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "pages: [{key: home, url: /, kind: homepage,"
            " slots: [{name: s, kind: logo, css: a, colour: red}]}]",
            "unknown key 'pages[0].slots[0].colour'",
        ),
        (
            "pages: [{key: home, url: /, kind: front, slots: [{name: s, kind: logo, css: a}]}]",
            "pages[0].kind",
        ),
        (
            "pages: [{key: home, url: /, kind: homepage, slots: [{name: s, kind: logo}]}]",
            "give exactly one of css or xpath",
        ),
        (
            "pages: [{key: home, url: /, kind: homepage,"
            " slots: [{name: s, kind: logo, css: a, advertiser: [alt, alt2]}]}]",
            "unknown source 'alt2'",
        ),
        ("pages: [", "cannot read YAML"),
    ],
)
def test_site_config_mistakes_name_the_file_and_the_key(tmp_path: Path, yaml_text: str, message: str) -> None:
    path = tmp_path / "rival.yaml"
    path.write_text(
        f"name: rival\ndisplay_name: Rival\nbase_url: http://rival.example/\n{yaml_text}\n", "utf-8"
    )
    with pytest.raises(SiteConfigError) as caught:
        load_site_config(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)
