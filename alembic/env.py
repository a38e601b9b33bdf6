"""Alembic environment: the URL comes from Rivalwatch settings (or a connection handed in by code)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import models
from models.db import make_engine
from monitor.core.settings import load_settings

target_metadata = models.Base.metadata


def _include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    # APScheduler owns its job table; migrations neither create nor drop it.
    return not (type_ == "table" and name == "scheduler_job")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.attributes.get("url") or load_settings().database
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


run_migrations_online()
