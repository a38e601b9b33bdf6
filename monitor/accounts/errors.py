"""The one refusal of account changes, with a message the pages can translate."""

from __future__ import annotations

from monitor.core.i18n import TranslatableError


class UserError(TranslatableError, ValueError):
    """An account change that cannot be made as asked (translated where shown)."""
