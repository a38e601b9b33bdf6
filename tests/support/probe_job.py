"""A job the scheduler tests run instead of a crawl: it appends a line to a file."""

from __future__ import annotations

from pathlib import Path


def record(path: str) -> None:
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write("ran\n")
