"""Jinja2 filters: timestamps in the users' timezone, dates, pairing two sequences."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from jinja2 import Environment, pass_context
from jinja2.runtime import Context


@pass_context
def localtime(context: Context, value: dt.datetime | None) -> str:
    """An aware timestamp as `YYYY-MM-DD HH:MM` in the users' timezone; empty for None."""
    if value is None:
        return ""
    zone: ZoneInfo = context["tz"]
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def isodate(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def register_filters(env: Environment) -> None:
    env.filters["localtime"] = localtime
    env.filters["isodate"] = isodate
    env.filters["zip"] = lambda first, second: zip(first, second, strict=True)
