"""Serving the web app over the demo database, with the demo accounts printed for the person trying it."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from models import User
from models.db import make_engine, make_session_factory
from models.enums import Role
from monitor.core.settings import Settings

DEMO_PASSWORD = "rivalwatch-demo"


def demo_accounts(settings: Settings) -> list[tuple[str, str]]:
    """(role, username) of one demo account per role, to print."""
    engine = make_engine(settings.database)
    with make_session_factory(engine)() as session:
        users = session.scalars(select(User).order_by(User.id)).all()
        picked: dict[Role, str] = {}
        for user in users:
            picked.setdefault(user.role, user.username)
    engine.dispose()
    return [(role.value, username) for role, username in picked.items()]


def serve_demo_web(settings: Settings, port: int, say: Callable[[str], None] = print) -> None:
    """Serve the app on 127.0.0.1:`port` until Ctrl-C; prints `web: URL` on its own line first."""
    from monitor.web.app import create_app
    from monitor.web.server import run

    url = f"http://127.0.0.1:{port}"
    app_settings = settings.model_copy(update={"base_url": url})
    for role, username in demo_accounts(settings):
        say(f"  demo account ({role}): {username} / {DEMO_PASSWORD}")
    say(f"web: {url}")
    run(create_app(app_settings), host="127.0.0.1", port=port)
