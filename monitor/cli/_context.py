"""Shared plumbing for subcommands: settings and database sessions from the click context."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session, sessionmaker

from monitor.core.settings import Settings, SettingsError, load_settings


def settings_from(ctx: click.Context) -> Settings:
    """The process's settings, loaded once per invocation; a bad file is a usage error, not a traceback."""
    root = ctx.find_root()
    root.ensure_object(dict)
    cached = root.obj.get("settings")
    if cached is None:
        try:
            cached = load_settings(root.obj.get("config_file"))
        except SettingsError as exc:
            raise click.ClickException(str(exc)) from exc
        root.obj["settings"] = cached
    return cached


def sessions_from(ctx: click.Context) -> sessionmaker[Session]:
    """A session factory over the settings' database, migrated to head; disposed when the command ends.

    The one way every command opens the database, so none of them runs against an old schema.
    """
    from models.migrate import migrated_sessions

    root = ctx.find_root()
    root.ensure_object(dict)
    cached = root.obj.get("sessions")
    if cached is None:
        cached = root.obj["sessions"] = root.with_resource(migrated_sessions(settings_from(ctx).database))
    return cached
