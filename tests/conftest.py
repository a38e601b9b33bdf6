"""Shared fixtures: each database test gets its own migrated database, copied from a per-worker template.

Databases
- `database_url`: this test's own database, already at Alembic head. Each xdist worker migrates one
  template per backend, once, the first time a test needs it: a SQLite file copied into the test's
  tmp_path, or a PostgreSQL database made by `CREATE DATABASE … TEMPLATE` and dropped after the test.
  Templates are named per worker and per run, so two workers (or two engineers' runs on the shared
  server) never collide, and they are dropped when the worker ends.
- `empty_database_url`: this test's own database with no schema, for tests of migrating from nothing
  (tests/models/test_migrations.py migrates from it; so do the CLI tests of `db upgrade`).
- `engine`, `session_factory`, `session`: over `database_url`.

Browser tests (marked `browser`) are skipped where Debian's Chromium is not installed. Modules marked
`long_running` (the demo) are collected first, so that a parallel run starts them at once.

Backends
- A database test runs on SQLite unless it is marked `both_backends` (per test, or per module with
  `pytestmark`): then it runs on SQLite and on PostgreSQL (127.0.0.1:5432; RIVALWATCH_TEST_POSTGRES
  names another server, or "off" skips the PostgreSQL half).
- Both backends where the SQL itself can behave differently (ordering and collation of Chinese text,
  timestamps with time zones, upserts, triggers, DISTINCT/GROUP BY, rowcounts of guarded UPDATEs). Each
  such module says why in a comment beside its mark:
  test_accountability_db, test_leads, test_match_db, test_migrations, test_publish, test_report,
  test_retention, test_roster, test_transfers, and single tests in test_creatives_crawl,
  test_scheduler, test_spider and test_web_routes (the item read model and scope filters, sign-in links,
  escalation).
- SQLite only: tests that drive those same queries through the web app, the CLI, a crawl, the jobs or
  crawl health (test_browser_failures, test_health, test_i18n, test_jobs, test_report_xlsx, the crawls
  of test_spider and test_creatives_crawl, test_web_e2e, test_web_office, most of test_web_routes).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from models.db import make_engine, make_session_factory
from models.migrate import upgrade
from tests.support.paths import CHROMIUM

POSTGRES_SERVER = os.environ.get("RIVALWATCH_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("browser") and not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium ({CHROMIUM}) is not installed")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Long-running modules first: with --dist loadfile a worker takes a whole module, and the demo's
    # (minutes) must not be the tail that the other worker waits for at the end of a parallel run.
    items.sort(key=lambda item: item.get_closest_marker("long_running") is None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("both_backends") is not None
        postgres = pytest.param("postgresql", marks=pytest.mark.postgres)
        metafunc.parametrize("backend", ["sqlite", postgres] if both else ["sqlite"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend this test runs on: "sqlite", or also "postgresql" if marked `both_backends`."""
    return str(getattr(request, "param", "sqlite"))


# --- PostgreSQL --------------------------------------------------------------------------------------


def _postgres_unavailable() -> str | None:
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


class PostgresServer:
    """Creates and drops databases on the test server, over one admin connection per worker."""

    def __init__(self, worker: str) -> None:
        self.admin = make_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
        # Unique per worker and per run: other runs may share the server.
        self.prefix = f"rw_{worker}_{uuid.uuid4().hex[:8]}"
        self.template: str | None = None

    def url(self, name: str) -> str:
        return f"{POSTGRES_SERVER}/{name}"

    def create(self, name: str, template: str | None = None) -> None:
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def migrated_template(self) -> str:
        """The name of this worker's migrated template, made on first use."""
        if self.template is None:
            name = f"{self.prefix}_template"
            self.create(name)
            engine = make_engine(self.url(name))
            try:
                upgrade(engine)
            finally:
                engine.dispose()  # a template must have no connections when it is copied
            self.template = name
        return self.template

    def close(self) -> None:
        if self.template is not None:
            self.drop(self.template)
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The PostgreSQL test server for this worker, or a skip saying why there is none."""
    reason = _postgres_unavailable()
    if reason:
        pytest.skip(reason)
    server = PostgresServer(os.environ.get("PYTEST_XDIST_WORKER", "main"))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def postgres_database(request: pytest.FixtureRequest) -> Iterator[tuple[PostgresServer, str]]:
    """A name for this test's own PostgreSQL database; whatever the test created under it is dropped."""
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"{server.prefix}_{uuid.uuid4().hex[:8]}"
    try:
        yield server, name
    finally:
        server.drop(name)


# --- SQLite ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This worker's migrated SQLite file, copied by each test that needs a database."""
    path = tmp_path_factory.mktemp("template") / "rivalwatch.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        with engine.connect() as connection:
            # Everything into the main file, so that copying that one file copies the database.
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return path


# --- the fixtures tests use --------------------------------------------------------------------------


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """This test's own database, migrated to head (a copy of the worker's template)."""
    if backend == "sqlite":
        path = tmp_path / "rivalwatch.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server, name = request.getfixturevalue("postgres_database")
    server.create(name, template=server.migrated_template())
    yield server.url(name)


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """This test's own database without any table: SQLite in tmp_path, or a new PostgreSQL database."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    server, name = request.getfixturevalue("postgres_database")
    server.create(name)
    return server.url(name)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine over this test's migrated database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session
