"""`rivalwatch crawl` refusing what it must refuse, and ending as it says: today only, one at a time,
a clear error for a bad or empty sites folder or a database it cannot open, a signal recorded."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import CrawlRun, Site
from models.enums import RunStatus
from monitor.capture.crawl import crawl_command_line, simulated_day_environment
from monitor.cli import main
from monitor.core.locks import job_lock
from monitor.core.settings import REPO_ROOT, load_settings
from monitor.demo.fixture_server import FixtureServer
from tests.support.poll import wait_for

DAY = dt.date(2026, 11, 12)
DEMO_SITES = REPO_ROOT / "config" / "demo-sites"


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "RIVALWATCH_DATABASE_URL": database_url,
        "RIVALWATCH_VAR_DIR": str(tmp_path / "var"),
        "RIVALWATCH_SITES_DIR": str(DEMO_SITES),
        "RIVALWATCH_DEMO_URL": "http://127.0.0.1:9",
        "RIVALWATCH_CRAWL__STATIC_SCREENSHOTS": "false",
    }


def invoke(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def runs(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(CrawlRun)) or 0


def test_a_crawl_for_a_past_day_is_refused_and_stores_nothing(
    env: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    result = invoke(env, "crawl", "--date", "2026-11-01")
    assert result.exit_code == 2, result.output
    assert "a crawl captures today" in result.output and "only" in result.output
    assert runs(session_factory) == 0


def test_a_simulated_day_is_refused_in_production() -> None:
    with pytest.raises(ValueError, match="simulated_day is for the demo and tests"):
        load_settings(None, environment="production", crawl={"simulated_day": "2026-11-01"})


def test_an_empty_sites_folder_is_an_error_naming_it(env: dict[str, str], tmp_path: Path) -> None:
    empty = tmp_path / "sites"
    empty.mkdir()
    for command in ("crawl", "health"):
        result = invoke({**env, "RIVALWATCH_SITES_DIR": str(empty)}, command)
        assert result.exit_code == 1, (command, result.output)
        assert f"{empty}: no site configs" in result.output


def test_an_invalid_regex_in_a_site_config_names_the_file_and_key(
    env: dict[str, str], tmp_path: Path
) -> None:
    sites = tmp_path / "sites"
    sites.mkdir()
    text = (DEMO_SITES / "jobhub.yaml").read_text(encoding="utf-8")
    broken = sites / "jobhub.yaml"
    broken.write_text(text.replace("advertiser_patterns: ['^职汇网']", "advertiser_patterns: ['^职汇网(']"))
    result = invoke(env, "crawl", "--sites-dir", str(sites))
    assert result.exit_code == 1, result.output
    assert f"{broken}: house_ads.advertiser_patterns: " in result.output
    assert "invalid regular expression '^职汇网('" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def test_a_crawl_refuses_while_another_crawl_or_pruning_holds_the_lock(
    env: dict[str, str], tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    settings = load_settings(None, var_dir=tmp_path / "var")
    with job_lock(settings, "crawl"):
        refused = invoke(env, "crawl", "--lock-wait", "0")
        waited = invoke(env, "crawl", "--lock-wait", "1")
    assert refused.exit_code == 5, refused.output
    assert f"crawl is already running (lock {tmp_path / 'var' / 'crawl.lock'} held by pid {os.getpid()}" in (
        refused.output
    )
    assert waited.exit_code == 5, waited.output
    assert "waiting up to 1 s" in waited.output and "gave up after 1 s" in waited.output
    assert runs(session_factory) == 0


def test_a_crawl_that_cannot_reach_its_database_retries_then_names_it(env: dict[str, str]) -> None:
    down = "postgresql+psycopg://rivalwatch:secret@127.0.0.1:9/rivalwatch"  # nothing listens on port 9
    result = invoke(
        {**env, "RIVALWATCH_DATABASE_URL": down, "RIVALWATCH_CRAWL__DATABASE_WAIT_SECONDS": "2"}, "crawl"
    )
    assert result.exit_code == 1, result.output
    assert (
        "cannot open the database postgresql+psycopg://rivalwatch:***@127.0.0.1:9/rivalwatch" in result.output
    )
    tries = re.search(r"tried (\d+) times over 2 s", result.output)
    assert tries and int(tries.group(1)) >= 2, result.output  # tried again before giving up
    assert "secret" not in result.output


# --- a crawl process stopped or killed ---------------------------------------------------------------


@pytest.fixture
def hanging_crawl(
    env: dict[str, str], tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """A crawl of jobhub whose home page never answers, running in a child process."""
    with FixtureServer(day=DAY) as server:
        server.fail("/jobhub/", "timeout")
        child_env = {
            **os.environ,
            **env,
            **simulated_day_environment(DAY),
            "RIVALWATCH_DEMO_URL": server.base_url,
            # Scrapy stops gracefully: the page in flight ends (here by its timeout) before the crawl does.
            "RIVALWATCH_CRAWL__TIMEOUT_SECONDS": "10",
        }
        child = subprocess.Popen(
            crawl_command_line(sites=["jobhub"]),
            env=child_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for(lambda: "/jobhub/" in server.requests, seconds=60, interval=0.1)
            yield child, child_env
        finally:
            if child.poll() is None:
                child.kill()
            child.communicate(timeout=30)


def the_run(factory: sessionmaker[Session]) -> CrawlRun:
    with factory() as session:
        return session.scalars(select(CrawlRun)).one()


def test_a_crawl_stopped_by_sigterm_exits_non_zero_and_its_run_is_marked_stopped(
    hanging_crawl: tuple[subprocess.Popen[str], dict[str, str]], session_factory: sessionmaker[Session]
) -> None:
    child, _ = hanging_crawl
    running = the_run(session_factory)
    assert (running.status, running.pid) == (RunStatus.RUNNING, child.pid)
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 4, stderr[-3000:]
    assert "crawl stopped by a signal" in stderr
    stopped = the_run(session_factory)
    assert stopped.status == RunStatus.STOPPED and stopped.finished_at is not None
    assert "stopped by a signal" in (stopped.end_note or "")


def test_a_killed_crawl_is_abandoned_at_once_and_its_lock_is_free(
    hanging_crawl: tuple[subprocess.Popen[str], dict[str, str]],
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    child, child_env = hanging_crawl
    child.kill()
    child.wait(timeout=30)
    assert the_run(session_factory).status == RunStatus.RUNNING  # nobody could say otherwise

    health = CliRunner().invoke(main, ["health", "--date", str(DAY), "--site", "jobhub"], env=child_env)
    assert health.exit_code == 1, health.output
    assert f"abandoned (pid {child.pid} on " in health.output
    assert f"abandoned: process {child.pid} on " in health.output
    assert the_run(session_factory).status == RunStatus.ABANDONED
    with job_lock(load_settings(None, var_dir=tmp_path / "var"), "crawl"):
        pass  # the kernel let go of the dead crawl's lock


def test_a_site_whose_config_is_gone_is_retired_and_no_longer_alerts(
    env: dict[str, str], tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session, session.begin():
        session.add(Site(name="oldjobs", display_name="旧站", base_url="https://old.example/"))
    result = invoke(env, "health", "--date", str(DAY))
    assert "oldjobs" not in result.output
    with session_factory() as session:
        assert session.scalars(select(Site.active).where(Site.name == "oldjobs")).one() is False
