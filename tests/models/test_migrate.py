"""Migrating from code: several processes migrating one database at once take turns."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from models.db import make_engine


# Both backends: PostgreSQL takes an advisory lock, SQLite a lock file beside the database.
@pytest.mark.both_backends
def test_three_db_upgrades_at_once_all_succeed(empty_database_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "RIVALWATCH_DATABASE_URL": empty_database_url, "RIVALWATCH_VAR_DIR": str(tmp_path)}
    argv = [sys.executable, "-m", "monitor.cli", "db", "upgrade"]
    children = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    results = [(child.wait(timeout=180), child.stderr.read() if child.stderr else "") for child in children]
    for child in children:
        for stream in (child.stdout, child.stderr):
            if stream:
                stream.close()
    assert [code for code, _ in results] == [0, 0, 0], [error[-2000:] for _, error in results]
    engine = make_engine(empty_database_url)
    try:
        assert "page_capture" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
