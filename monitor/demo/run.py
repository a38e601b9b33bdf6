"""The demo: the whole daily and biweekly path on the embedded default, over 14 simulated days.

It serves the fictional competitor sites on loopback, imports the demo roster, crawls each day of the
demo period in its own process (as the scheduler would), matches advertisers to customers, generates the
accountability period and writes its report. The period is the two weeks that ended the day before the
run (`monitor.demo.calendar`), so its forms are open when the web app is tried. Every run starts from an
empty demo database, so the figures it prints are the same each time.
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
from monitor.demo.calendar import DEMO_DAYS, DemoCalendar, demo_calendar, shifted_roster

# Designed days on which a competitor page fails, so the report shows unknown days and health raises
# alerts (moved onto the run's days like everything else).
DEMO_OUTAGES: dict[dt.date, list[tuple[str, str]]] = {dt.date(2026, 11, 15): [("/qiancheng/", "500")]}
DEMO_ROSTER = Path(__file__).resolve().parent / "roster"
DEMO_SITES = REPO_ROOT / "config" / "demo-sites"


# The demo's chat robots: each team's group gets one kind (WeCom, DingTalk signed, Feishu signed), and rep
# R001 a WeCom robot of their own. They post to a loopback endpoint, never to the vendors.
DEMO_ROBOT_SECRETS = {"demo-dingtalk": "SECdemo-dingtalk-secret", "demo-feishu": "demo-feishu-secret"}
DEMO_ROBOT_URLS = (
    "wecombot://demo-wecom-team{n}",
    "dingtalk://SECdemo-dingtalk-secret@demo-dingtalk/",
    "feishu://demo-feishu-secret@demo-feishu",
)


def send_demo_alerts(
    settings: Settings,
    factory: sessionmaker[Session],
    calendar: DemoCalendar,
    now: dt.datetime,
    say: Callable[[str], None],
) -> Path:
    """Each demo day's alerts, as the daily job sends them, to robots on a loopback endpoint whose first
    answer is WeCom's rate-limit error (the send waits and tries again); what they received goes to a file."""
    from sqlalchemy import select

    from models import Team
    from monitor.accountability.alerts import run_alerts
    from monitor.core.settings import AlertSettings
    from monitor.demo.robots import robot_endpoint

    with factory() as session:
        teams = list(
            session.scalars(select(Team.code).where(Team.parent_id.is_not(None)).order_by(Team.code))
        )
    channels = {
        code: [DEMO_ROBOT_URLS[n % len(DEMO_ROBOT_URLS)].format(n=n + 1)] for n, code in enumerate(teams)
    }
    first_wecom = "demo-wecom-r001"
    with robot_endpoint(secrets=DEMO_ROBOT_SECRETS, rate_limit_once={first_wecom}) as robots:
        config = AlertSettings(
            mail=False,  # the demo has no mail server
            rep_channels={"R001": [f"wecombot://{first_wecom}"]},
            team_channels=channels,
            robot_base_url=robots.url,
            retry_seconds=0.5,
        )
        alerting = settings.model_copy(update={"alerts": config})
        sent = failed = alerts = 0
        for day in calendar.days:
            run = run_alerts(factory, alerting, day, now=lambda: now, send_mail=lambda message: None)
            alerts, sent, failed = (
                alerts + run.alerts,
                sent + run.result.sent,
                failed + len(run.result.failed),
            )
        say(
            f"alerts: {alerts} starts of a customer on a competitor over the {DEMO_DAYS} days; "
            f"{sent} messages sent to {robots.url} ({failed} failed, {len(robots.refused)} rate-limited once)"
        )
        lines = []
        for entry in robots.received:
            signed = " (signature checked)" if entry.signed else ""
            lines += [f"=== {entry.vendor} robot {entry.token}{signed}", entry.text, ""]
    path = settings.var_dir / "robot-messages.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@dataclass(frozen=True)
class DemoResult:
    report_path: Path
    items: int
    pending_matches: int
    days_crawled: int
    failed_days: list[dt.date]
    settings: Settings
    calendar: DemoCalendar


def demo_settings(var_dir: Path, calendar: DemoCalendar | None = None) -> Settings:
    """Settings for the demo: its own SQLite database and evidence under `var_dir`, the demo sites; with
    `calendar`, periods counted from its start (so the demo's period is one, whatever the day)."""
    settings = load_settings(
        None,
        var_dir=var_dir,
        database_url="",
        sites_dir=DEMO_SITES,
        evidence_dir=None,
        reports_dir=None,
    )
    if calendar is None:
        return settings
    periods = settings.accountability.model_copy(update={"period_anchor": calendar.start})
    return settings.model_copy(update={"accountability": periods})


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


def run_demo(var_dir: Path, say: Callable[[str], None] = print, today: dt.date | None = None) -> DemoResult:
    """Run the demo pipeline from an empty database for a run on `today` (default: the users' today);
    return where the report is."""
    if var_dir.exists():
        shutil.rmtree(var_dir)
    var_dir.mkdir(parents=True)
    calendar = demo_calendar(today or demo_settings(var_dir.resolve()).today())
    settings = demo_settings(var_dir.resolve(), calendar)
    with migrated_sessions(settings.database) as factory:
        return _pipeline(settings, calendar, factory, say)


def _pipeline(
    settings: Settings, calendar: DemoCalendar, factory: sessionmaker[Session], say: Callable[[str], None]
) -> DemoResult:
    from models.db import transaction
    from monitor.accounts.users import seed_demo_users
    from monitor.capture.crawl import run_crawl_subprocess
    from monitor.demo.fixture_server import FixtureServer
    from monitor.demo.web import DEMO_PASSWORD
    from monitor.matching.store import rematch_advertisers
    from monitor.roster import apply_roster, read_roster
    from reports.build import build_period_report

    say(f"period: {calendar.start} .. {calendar.end}")
    roster = shifted_roster(sorted(DEMO_ROSTER.glob("*.csv")), settings.var_dir / "roster", calendar.shift)
    with transaction(factory) as session:
        summary = apply_roster(session, read_roster(roster))
    say("roster: " + "; ".join(summary.lines()))
    with transaction(factory) as session:
        seed_demo_users(session, DEMO_PASSWORD)

    failed_days: list[dt.date] = []
    with FixtureServer() as server:
        env = _child_environment(settings, server.base_url)
        for day in calendar.days:
            server.day = calendar.design_day(day)  # the sites show their designed day
            server.clear_failures()
            for path, kind in DEMO_OUTAGES.get(calendar.design_day(day), []):
                server.fail(path, kind)  # type: ignore[arg-type]
            completed = run_crawl_subprocess(None, day, sites_dir=settings.sites_dir, env=env)
            if completed.returncode != 0:
                failed_days.append(day)
                say(f"crawl {day}: FAILED (exit {completed.returncode})\n{completed.stderr[-2000:]}")
            else:
                say(f"crawl {day}: ok")

    # The morning after the period, or now if the run is earlier than that morning.
    now = min(calendar.morning_after(settings.tz), dt.datetime.now(dt.UTC))
    with transaction(factory) as session:
        matched = rematch_advertisers(session, settings, now=now)
    say(f"matching: {matched}")

    alerts_file = send_demo_alerts(settings, factory, calendar, now, say)
    say(f"alerts: what the loopback chat robots received is in {alerts_file}")

    built = build_period_report(factory, settings, calendar.start, now)
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
        calendar=calendar,
    )
