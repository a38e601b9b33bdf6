"""Run Alembic migrations from code (the CLI's `rivalwatch db upgrade`, tests, the demo)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_session_factory

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(ALEMBIC_INI))
    if url:
        config.attributes["url"] = url
    return config


# Any number; every Rivalwatch process migrating a PostgreSQL database takes this advisory lock.
MIGRATION_LOCK_KEY = 7_441_915


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database at `engine` to `revision` (default: the newest), one process at a time.

    Every command migrates first, so several may start at once (three `db upgrade`, a crawl beside the
    web app): the others wait, then find nothing left to do. PostgreSQL: an advisory lock held by the
    migrating transaction; SQLite: a lock file beside the database file.
    """
    config = alembic_config()
    with _sqlite_file_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed (or the process ends)
        yield


@contextmanager
def migrated_sessions(url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory over the database at `url`, migrated to head; the engine is disposed after."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield make_session_factory(engine)
    finally:
        engine.dispose()
