"""Pure pieces of sign-in: where a sign-in may send the browser afterwards."""

from __future__ import annotations

import pytest

from monitor.accounts.login_links import safe_next_path


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/items?period=1", "/items?period=1"),
        ("/items/7", "/items/7"),
        ("/", "/"),
        (None, "/"),
        ("", "/"),
        ("//evil.example/", "/"),  # scheme-relative: another site
        ("https://evil.example/", "/"),
        ("http:/evil.example", "/"),
        ("/\\evil.example", "/"),  # browsers read a backslash as a slash
        ("\\\\evil.example", "/"),
        ("items", "/"),  # relative paths are not sent on
        ("javascript:alert(1)", "/"),
    ],
)
def test_only_a_path_on_this_site_is_followed_after_sign_in(value: str | None, expected: str) -> None:
    assert safe_next_path(value) == expected
