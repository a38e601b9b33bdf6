"""The demo: the whole daily and biweekly path on the embedded default, over 14 simulated days.

It serves the fictional competitor sites on loopback, imports the demo roster, crawls each day of the
demo period in its own process (as the scheduler would), matches advertisers to customers, generates the
accountability period and writes its report. Every run starts from an empty demo database, so the
figures it prints are the same each time.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from models.migrate import migrated_sessions
from monitor.core.settings import REPO_ROOT, Settings, load_settings

DEMO_PERIOD_START = dt.date(2026, 11, 9)
DEMO_DAYS = 14
# Days on which a competitor page fails, so the report shows unknown days and health raises alerts.
DEMO_OUTAGES: dict[dt.date, list[tuple[str, str]]] = {dt.date(2026, 11, 15): [("/qiancheng/", "500")]}
DEMO_ROSTER = Path(__file__).resolve().parent / "roster"
DEMO_SITES = REPO_ROOT / "config" / "demo-sites"
# The demo's clock: the morning after the period ends, in the users' timezone.
DEMO_NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@dataclass(frozen=True)
class DemoResult:
    report_path: Path
    items: int
    pending_matches: int
    days_crawled: int
    failed_days: list[dt.date]
    settings: Settings


def demo_settings(var_dir: Path) -> Settings:
    """Settings for the demo: its own SQLite database and evidence under `var_dir`, the demo sites."""
    return load_settings(
        None,
        var_dir=var_dir,
        database_url="",
        sites_dir=DEMO_SITES,
        evidence_dir=None,
        reports_dir=None,
    )


def _child_environment(settings: Settings, site_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "RIVALWATCH_DATABASE_URL": settings.database,
            "RIVALWATCH_VAR_DIR": str(settings.var_dir),
            "RIVALWATCH_SITES_DIR": str(settings.sites_dir),
            "RIVALWATCH_DEMO_URL": site_url,
        }
    )
    return env


def run_demo(var_dir: Path, say: Callable[[str], None] = print) -> DemoResult:
    """Run the demo pipeline from an empty database; return where the report is."""
    if var_dir.exists():
        shutil.rmtree(var_dir)
    var_dir.mkdir(parents=True)
    settings = demo_settings(var_dir.resolve())
    with migrated_sessions(settings.database) as factory:
        return _pipeline(settings, factory, say)


def _pipeline(settings: Settings, factory: sessionmaker[Session], say: Callable[[str], None]) -> DemoResult:
    from models.db import transaction
    from monitor.accounts.users import seed_demo_users
    from monitor.capture.crawl import run_crawl_subprocess
    from monitor.demo.fixture_server import FixtureServer
    from monitor.demo.web import DEMO_PASSWORD
    from monitor.matching.store import rematch_advertisers
    from monitor.roster import apply_roster, read_roster
    from reports.build import build_period_report

    with transaction(factory) as session:
        summary = apply_roster(session, read_roster(sorted(DEMO_ROSTER.glob("*.csv"))))
    say("roster: " + "; ".join(summary.lines()))
    with transaction(factory) as session:
        seed_demo_users(session, DEMO_PASSWORD)

    failed_days: list[dt.date] = []
    with FixtureServer(day=DEMO_PERIOD_START) as server:
        env = _child_environment(settings, server.base_url)
        for offset in range(DEMO_DAYS):
            day = DEMO_PERIOD_START + dt.timedelta(days=offset)
            server.day = day
            server.clear_failures()
            for path, kind in DEMO_OUTAGES.get(day, []):
                server.fail(path, kind)  # type: ignore[arg-type]
            completed = run_crawl_subprocess(None, day, sites_dir=settings.sites_dir, env=env)
            if completed.returncode != 0:
                failed_days.append(day)
                say(f"crawl {day}: FAILED (exit {completed.returncode})\n{completed.stderr[-2000:]}")
            else:
                say(f"crawl {day}: ok")

    with transaction(factory) as session:
        matched = rematch_advertisers(session, settings, now=DEMO_NOW)
    say(f"matching: {matched}")

    built = build_period_report(factory, settings, DEMO_PERIOD_START, DEMO_NOW)
    generated = built.generation
    assert generated is not None
    say(
        f"accountability: {generated.open_items} open items "
        f"({generated.created} new), {len(generated.pending)} matches pending review"
    )
    say(f"workbook: {built.workbook}")
    return DemoResult(
        report_path=built.report,
        items=generated.open_items,
        pending_matches=len(generated.pending),
        days_crawled=DEMO_DAYS - len(failed_days),
        failed_days=failed_days,
        settings=settings,
    )
