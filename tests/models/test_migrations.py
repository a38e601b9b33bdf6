"""Models and Alembic migrations must describe the same schema, on both backends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

import models
from models.db import make_engine
from models.enums import CaptureStatus, PageKind, RunStatus, SlotKind
from models.migrate import upgrade

# Each backend has its own DDL: the migrations must build the models' schema on both.
pytestmark = pytest.mark.both_backends


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[Engine]:
    """Migrated here, from an empty database: these tests check the migrations, not a copy of their result."""
    engine = make_engine(empty_database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, models.Base.metadata)
    assert differences == [], (
        f"models differ from migrations; run alembic revision --autogenerate: {differences}"
    )


def test_every_model_table_is_created(engine: Engine) -> None:
    assert set(models.Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_timestamps_come_back_as_aware_utc(session: Session) -> None:
    shanghai_noon = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    session.add(
        models.CrawlRun(crawl_date=dt.date(2026, 3, 2), started_at=shanghai_noon, status=RunStatus.RUNNING)
    )
    session.commit()
    session.expire_all()
    run = session.scalars(select(models.CrawlRun)).one()
    assert run.started_at == shanghai_noon
    assert run.started_at.utcoffset() == dt.timedelta(0)
    assert run.started_at.hour == 4


def test_enum_columns_store_values(session: Session) -> None:
    site = models.Site(name="demo", display_name="Demo", base_url="http://x/")
    page = models.Page(site=site, key="home", url="/", kind=PageKind.HOMEPAGE)
    session.add(models.Slot(page=page, name="top", kind=SlotKind.BANNER))
    run = models.CrawlRun(crawl_date=dt.date(2026, 3, 2))
    session.add(run)
    session.flush()
    session.add(
        models.PageCapture(
            page=page,
            crawl_run_id=run.id,
            capture_date=dt.date(2026, 3, 2),
            status=CaptureStatus.TIMEOUT,
            url="http://x/",
        )
    )
    session.commit()
    stored = session.connection().exec_driver_sql("SELECT status FROM page_capture").scalar()
    assert stored == "timeout"
