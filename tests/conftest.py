"""Shared fixtures: a fresh migrated database per test on SQLite *and* PostgreSQL, and shared data paths.

PostgreSQL tests create a uniquely named database on 127.0.0.1:5432 and drop it afterwards; nothing
relies on leftovers. Set RIVALWATCH_TEST_POSTGRES to another server URL, or to "off" to skip them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_session_factory
from models.migrate import upgrade

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
POSTGRES_SERVER = os.environ.get("RIVALWATCH_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, or a skip saying why the real material is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"real material {path} is absent (tests read it from ../shared/data, never from the repo)"
        )
    return path


def _postgres_available() -> str | None:
    if POSTGRES_SERVER == "off":
        return "RIVALWATCH_TEST_POSTGRES=off"
    try:
        engine = make_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means: no server to test against
        return f"PostgreSQL at {POSTGRES_SERVER} is not reachable: {exc.__class__.__name__}"
    return None


@pytest.fixture(scope="session")
def postgres_unavailable() -> str | None:
    return _postgres_available()


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_unavailable: str | None
) -> Iterator[str]:
    """An empty database URL: SQLite in tmp_path, or a new PostgreSQL database dropped afterwards."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'rivalwatch.db'}"
        return
    if postgres_unavailable:
        pytest.skip(postgres_unavailable)
    name = f"rw_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Every test that touches the database runs on both backends.
    if "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database (Alembic head) on the backend under test."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session
