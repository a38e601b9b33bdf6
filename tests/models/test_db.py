"""Opening the database: a locked or unreachable one is tried again for a while, then named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from models.db import DatabaseUnavailable, retrying


def test_a_locked_sqlite_database_is_tried_again_until_it_is_free(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.commit()
    holder.execute("BEGIN EXCLUSIVE")  # another process's long write
    url = f"sqlite:///{path}"
    # A driver wait of 50 ms (the crawl's engines wait 30 s each try): each try fails fast here.
    engine = create_engine(url, connect_args={"timeout": 0.05})
    tries: list[int] = []
    release_at: list[int] = []

    def write() -> None:
        tries.append(1)
        if len(tries) in release_at:
            holder.rollback()  # the other writer finishes meanwhile
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))

    try:
        with pytest.raises(DatabaseUnavailable, match=rf"cannot open the database {url}: database is locked"):
            retrying(write, url, wait_seconds=0.3, sleep=lambda _: None)  # the holder never lets go
        assert len(tries) >= 2
        tries.clear()
        release_at.append(3)
        retrying(write, url, wait_seconds=30, sleep=lambda _: None)
        assert len(tries) == 3
    finally:
        engine.dispose()
        holder.close()
