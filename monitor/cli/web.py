"""`rivalwatch web` serves the web app (accounts are managed with `rivalwatch users`)."""

from __future__ import annotations

import click

from monitor.cli._context import sessions_from, settings_from


@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on."
)
@click.pass_context
def web(ctx: click.Context, host: str, port: int) -> None:
    """Serve the web app (explanation forms, review, office pages)."""
    from monitor.core.settings import SettingsError
    from monitor.web.app import create_app
    from monitor.web.server import run

    try:
        app = create_app(settings_from(ctx), sessions_from(ctx))
    except SettingsError as exc:  # the secret key file cannot be made or read
        raise click.ClickException(str(exc)) from exc
    run(app, host=host, port=port)
