"""`rivalwatch evidence seal` and `evidence verify` as a person runs them: exit codes and what they say."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import CrawlRun, EvidenceManifest, Page, PageCapture, Site
from models.enums import CaptureStatus, PageKind
from monitor.cli import main
from monitor.core.evidence import EvidenceStore

DAYS = [dt.date(2026, 11, 2), dt.date(2026, 11, 3), dt.date(2026, 11, 4)]


def run(tmp_path: Path, database_url: str, *arguments: str) -> tuple[int, str]:
    config = tmp_path / "rivalwatch.toml"
    config.write_text(f'database_url = "{database_url}"\nvar_dir = "{tmp_path / "var"}"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(config), "evidence", *arguments])
    return result.exit_code, result.output


@pytest.fixture
def store(session: Session, tmp_path: Path) -> EvidenceStore:
    """Three captured days, not sealed yet."""
    store = EvidenceStore(tmp_path / "var" / "evidence")
    site = Site(name="rival", display_name="Rival", base_url="https://www.rival.example")
    page = Page(site=site, key="home", url="https://www.rival.example/", kind=PageKind.HOMEPAGE)
    session.add_all([site, page])
    for day in DAYS:
        run_row = CrawlRun(crawl_date=day)
        session.add(run_row)
        session.flush()
        session.add(
            PageCapture(
                page=page,
                crawl_run_id=run_row.id,
                capture_date=day,
                status=CaptureStatus.OK,
                url=page.url,
                html_sha256=store.put(f"<html>{day}</html>".encode()),
                screenshot_sha256=store.put(f"png {day}".encode()),
            )
        )
    session.commit()
    return store


def test_seal_then_verify_passes_and_a_changed_byte_fails_naming_the_link(
    session: Session, tmp_path: Path, database_url: str, store: EvidenceStore
) -> None:
    code, said = run(tmp_path, database_url, "seal")
    assert code == 0, said
    assert [line.split(":")[0] for line in said.splitlines()] == [str(day) for day in DAYS]
    assert run(tmp_path, database_url, "seal") == (0, "")  # nothing unsealed is left
    code, said = run(tmp_path, database_url, "verify")
    assert code == 0, said
    assert "the evidence log is unbroken" in said

    html = session.scalars(select(PageCapture.html_sha256).where(PageCapture.capture_date == DAYS[1])).one()
    assert html is not None
    target = store.root / html[:2] / html[2:4] / html
    data = bytearray(target.read_bytes())
    data[-1] ^= 1
    target.write_bytes(bytes(data))

    code, said = run(tmp_path, database_url, "verify")
    assert code == 1
    assert f"first broken link: manifest of {DAYS[1]} v1" in said and f"page_html {html}" in said


def test_verify_names_a_removed_day(
    session: Session, tmp_path: Path, database_url: str, store: EvidenceStore
) -> None:
    assert run(tmp_path, database_url, "seal")[0] == 0
    session.execute(delete(EvidenceManifest).where(EvidenceManifest.day == DAYS[1]))
    session.commit()

    code, said = run(tmp_path, database_url, "verify")

    assert code == 1
    assert f"first broken link: manifest of {DAYS[2]} v1" in said
    assert f"day {DAYS[1]}: captures of this day are in no manifest" in said
