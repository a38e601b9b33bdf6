"""Where tests find what they did not make: the repository, ../shared/data, Debian's Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
FIXTURES = REPO_ROOT / "tests" / "fixtures"
CHROMIUM = Path("/usr/bin/chromium")


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, or a skip saying why the real material is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"real material {path} is absent (tests read it from ../shared/data, never from the repo)"
        )
    return path
