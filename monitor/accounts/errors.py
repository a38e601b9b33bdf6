"""The one refusal of account changes, with a message the pages can translate."""

from __future__ import annotations

from typing import Any


class UserError(ValueError):
    """An account change that cannot be made as asked. `message` is an English message id with
    %(placeholders)s (marked with N_ where raised), so pages show it translated; str() is the English."""

    def __init__(self, message: str, **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params)

    def translated(self, gettext: Any) -> str:
        return str(gettext(self.message) % self.params)
