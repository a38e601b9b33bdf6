"""`rivalwatch health` on a day crawled on the workers: its pages by status and who holds what."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from models import CrawlPageTask, Page, Site
from models.enums import PageKind, PageTaskStatus
from monitor.cli import main

DAY = dt.date(2026, 11, 20)


def test_health_shows_the_workers_pages_by_status_and_their_holders(
    database_url: str, session_factory: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RIVALWATCH_DATABASE_URL", database_url)
    monkeypatch.setenv("RIVALWATCH_VAR_DIR", str(tmp_path))
    expires = dt.datetime(2026, 11, 20, 8, 15, tzinfo=dt.UTC)
    with session_factory() as session:
        site = Site(name="jobhub", display_name="职汇网", base_url="https://jobhub.example/")
        site.pages = [
            Page(key=key, url=f"https://jobhub.example/{key}", kind=PageKind.SECTION) for key in "abc"
        ]
        session.add(site)
        session.flush()
        a, b, c = site.pages
        session.add_all(
            [
                CrawlPageTask(
                    crawl_date=DAY,
                    page_id=a.id,
                    batch=1,
                    status=PageTaskStatus.CLAIMED,
                    lease_owner="crawler-2:4242:abc",
                    lease_expires_at=expires,
                    attempts=1,
                ),
                CrawlPageTask(crawl_date=DAY, page_id=b.id, batch=1, status=PageTaskStatus.DONE, attempts=1),
                CrawlPageTask(
                    crawl_date=DAY,
                    page_id=c.id,
                    batch=2,
                    status=PageTaskStatus.FAILED,
                    attempts=3,
                    error="crawl exited with -9\nmore",
                ),
            ]
        )
        session.commit()

    result = CliRunner().invoke(main, ["health", "--date", DAY.isoformat()])

    lines = result.output.splitlines()
    assert lines[:3] == [
        f"workers: {DAY}: open=0 claimed=1 done=1 failed=1 (of 3)",
        "  crawler-2:4242:abc: 1 pages of 职汇网, lease until 08:15:00 UTC",
        "  given up: 职汇网/c - crawl exited with -9",
    ]
