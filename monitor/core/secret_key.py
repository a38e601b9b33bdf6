"""The key that signs sessions, sign-in links and trusted-device cookies.

An install without `secret_key` in its settings gets its own random key, made at first start and kept in
`var/secret_key` (mode 0600). The development key that once was the default is public (it is in the
source), so no environment accepts it, however it is spaced or capitalised; production also refuses keys
too short or too plain to resist guessing.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

# The key every install used before it had its own. Anyone can read it here, so it signs nothing.
DEVELOPMENT_SECRET = "development-only-secret"
SECRET_FILE = "secret_key"
PRODUCTION_MIN_LENGTH = 32
PRODUCTION_MIN_DISTINCT = 10


class SecretKeyError(ValueError):
    """A key that must not sign anything, or a key file that cannot be used; the message says why."""


def _squashed(value: str) -> str:
    return "".join(value.split()).casefold()


def weak_secret_reason(value: str, *, production: bool) -> str | None:
    """Why `value` may not sign sessions (None when it may)."""
    if _squashed(value) in {_squashed(DEVELOPMENT_SECRET), ""}:
        return "is the public development key (or empty); set a secret of your own or leave it unset"
    if not production:
        return None
    if len(value.strip()) < PRODUCTION_MIN_LENGTH:
        return f"must have at least {PRODUCTION_MIN_LENGTH} characters in production"
    if len(set(value)) < PRODUCTION_MIN_DISTINCT:
        return f"must use at least {PRODUCTION_MIN_DISTINCT} different characters in production"
    return None


def install_secret(var_dir: Path) -> str:
    """This install's own key from `var_dir/secret_key`, made (random, mode 0600) if it is not there yet.

    Several processes may start at once: the file appears whole or not at all (written aside, then
    hard-linked into place), and whoever loses the race reads the winner's key.
    """
    path = var_dir / SECRET_FILE
    try:
        if not path.exists():
            _create(path)
        return _read(path)
    except OSError as exc:
        raise SecretKeyError(f"{path}: cannot keep this install's secret key: {exc}") from exc


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        with contextlib.suppress(FileExistsError):  # another process made it first: its key is the install's
            os.link(aside, path)
    finally:
        aside.unlink(missing_ok=True)


def _read(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SecretKeyError(f"{path}: readable by other users (mode {mode:o}); run: chmod 600 {path}")
    value = path.read_text(encoding="utf-8").strip()
    problem = weak_secret_reason(value, production=True)
    if problem:
        raise SecretKeyError(f"{path}: the key {problem}; delete the file to get a new random one")
    return value
