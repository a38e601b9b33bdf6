"""Engine and session factory. Nothing connects at import time: callers pass a database URL."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)
T = TypeVar("T")

# How long a SQLite writer waits for another's write to finish before "database is locked". Writers keep
# their transactions short (nothing holds one across mail or HTTP), so a wait this long means trouble.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the web app read while a crawl writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: still safe from corruption; a power
    # cut may undo the last commits (a mail then goes out again: publishing is at least once anyway).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets foreign keys on and its folder created."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        # The driver's own wait, the same as the PRAGMA (its default of 5 s would apply before it runs).
        kwargs.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


class DatabaseUnavailable(RuntimeError):
    """The database could not be opened (locked, server down) within the time allowed; names it."""


def describe_database(url: str) -> str:
    """The database's URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def retrying(
    operation: Callable[[], T],
    url: str,
    wait_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run `operation`, again after 0.5, 1, 2, ... s (at most 10 s apart) while the database at `url`
    cannot be reached or is locked, for up to `wait_seconds`; then raise DatabaseUnavailable.

    For a process that must not give up at the first "database is locked" or "connection refused"
    (a crawl: its day is lost if it never starts), nor wait forever.
    """
    deadline = time.monotonic() + wait_seconds
    delay = 0.5
    tries = 0
    while True:
        tries += 1
        try:
            return operation()
        except OperationalError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            left = deadline - time.monotonic()
            if left <= 0:
                raise DatabaseUnavailable(
                    f"cannot open the database {describe_database(url)}: {reason} "
                    f"(tried {tries} times over {wait_seconds:g} s)"
                ) from exc
            logger.warning("database %s: %s; trying again in %.1f s", describe_database(url), reason, delay)
            sleep(min(delay, left))
            delay = min(delay * 2, 10.0)
