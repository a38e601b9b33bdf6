"""The signing key: each install its own (var/secret_key, 0600), the public development key never, weak keys
not in production, and no way of building settings that slips past the check."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import itsdangerous
import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy.orm import Session, sessionmaker

from monitor.core.settings import DEVELOPMENT_SECRET, Settings, SettingsError, load_settings
from monitor.web.app import SESSION_COOKIE, create_app
from tests.support.paths import REPO_ROOT
from tests.support.web import accounts_settings, serve_accounts

STRONG = "v7Qe-3pXk9Lm2Rt8Zw4Ny6Hb1Jc5Df0Gs"


def test_a_fresh_install_makes_its_own_secret_once(tmp_path: Path) -> None:
    first = load_settings(None, var_dir=tmp_path / "one")
    key = first.signing_secret()
    path = tmp_path / "one" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 32 and key != DEVELOPMENT_SECRET
    assert load_settings(None, var_dir=tmp_path / "one").signing_secret() == key  # kept, not remade
    assert load_settings(None, var_dir=tmp_path / "two").signing_secret() != key  # every install its own


def test_a_configured_secret_is_used_and_no_file_is_made(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, secret_key=SecretStr("test-secret"))
    assert settings.signing_secret() == "test-secret"
    assert not (tmp_path / "secret_key").exists()
    assert "test-secret" not in repr(settings)  # kept out of logs and tracebacks


DEVELOPMENT_VARIANTS = [
    DEVELOPMENT_SECRET,
    f" {DEVELOPMENT_SECRET}",
    f"{DEVELOPMENT_SECRET}\n",
    DEVELOPMENT_SECRET.upper(),
    "development - only - secret",
    "\tdevelopment-only-secret  ",
    "",
]


@pytest.mark.parametrize("environment", ["development", "production"])
@pytest.mark.parametrize("key", DEVELOPMENT_VARIANTS)
def test_the_development_key_is_refused_in_every_environment(
    environment: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValidationError, match="public development key"):
        Settings(environment=environment, secret_key=SecretStr(key))  # type: ignore[arg-type]
    monkeypatch.setenv("RIVALWATCH_SECRET_KEY", key)
    with pytest.raises(
        SettingsError, match=r"RIVALWATCH_SECRET_KEY\): secret_key: is the public development"
    ):
        load_settings(None, environment=environment)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("s3cret-from-the-vault", "at least 32 characters"),
        ("a" * 40, "at least 10 different characters"),
        ("abababababababababababababababababab", "at least 10 different characters"),
        (f"   {STRONG[:20]}            ", "at least 32 characters"),
    ],
)
def test_production_refuses_weak_keys(key: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(None, environment="production", secret_key=SecretStr(key))
    assert (
        Settings(environment="development", secret_key=SecretStr(key)).signing_secret() == key
    )  # fine to develop with
    assert (
        load_settings(None, environment="production", secret_key=SecretStr(STRONG)).signing_secret() == STRONG
    )


def test_production_without_a_key_uses_the_installs_own(tmp_path: Path) -> None:
    settings = load_settings(None, environment="production", var_dir=tmp_path)
    assert settings.signing_secret() == (tmp_path / "secret_key").read_text().strip()


def test_no_copy_of_settings_slips_the_development_key_past_the_check(tmp_path: Path) -> None:
    good = Settings(var_dir=tmp_path, secret_key=SecretStr("test-secret"))
    smuggled = [
        good.model_copy(update={"secret_key": SecretStr(DEVELOPMENT_SECRET)}),
        good.model_copy(update={"secret_key": SecretStr(" development-only-secret")}),
        Settings.model_construct(var_dir=tmp_path, secret_key=SecretStr(DEVELOPMENT_SECRET)),
        Settings(environment="production", secret_key=SecretStr(STRONG)).model_copy(
            update={"secret_key": SecretStr("short")}
        ),
    ]
    for settings in smuggled:
        with pytest.raises(SettingsError, match="secret_key"):
            settings.signing_secret()
        with pytest.raises(SettingsError):
            create_app(settings)


@pytest.mark.parametrize(
    ("content", "mode", "message"),
    [
        (STRONG, 0o644, r"readable by other users \(mode 644\); run: chmod 600"),
        (DEVELOPMENT_SECRET, 0o600, "the key is the public development key"),
        ("too-short", 0o600, "the key must have at least 32 characters"),
    ],
)
def test_a_key_file_that_is_exposed_or_weak_is_refused(
    tmp_path: Path, content: str, mode: int, message: str
) -> None:
    path = tmp_path / "secret_key"
    path.write_text(content + "\n")
    path.chmod(mode)
    with pytest.raises(SettingsError, match=rf"{path}: {message}"):
        Settings(var_dir=tmp_path).signing_secret()


def test_installs_starting_together_share_one_key(tmp_path: Path) -> None:
    """Web app, scheduler and a command starting at the same moment: one key, written whole."""
    script = (
        "import sys; from monitor.core.settings import Settings; "
        "print(Settings(var_dir=sys.argv[1]).signing_secret())"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env
        )
        for _ in range(4)
    ]
    keys = {process.communicate(timeout=60)[0].strip() for process in starts}
    assert keys == {(tmp_path / "secret_key").read_text().strip()}
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]  # nothing left aside


def _forged_session_cookie(key: str, payload: dict[str, object]) -> str:
    """A cookie as Starlette's SessionMiddleware signs it, made with `key`."""
    data = base64.b64encode(json.dumps(payload).encode())
    return itsdangerous.TimestampSigner(key).sign(data).decode()


def test_a_cookie_forged_with_the_development_key_signs_nobody_in(
    database_url: str, tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    settings = accounts_settings(
        database_url, tmp_path
    )  # secret_key left at its default, as on a fresh install
    with serve_accounts(settings, session_factory) as served:
        admin_id = served.users["admin"]
        for payload in ({"uid": admin_id, "csrf": "x"}, {"sid": "guessed", "uid": admin_id, "csrf": "x"}):
            forged = _forged_session_cookie(DEVELOPMENT_SECRET, payload)
            response = httpx.get(f"{served.base_url}/office/periods", cookies={SESSION_COOKIE: forged})
            assert response.status_code == 303 and response.headers["location"].startswith("/login")
        # Even with the install's real key, a cookie is only a pointer to a server-side session.
        real = _forged_session_cookie(settings.signing_secret(), {"uid": admin_id, "csrf": "x"})
        response = httpx.get(f"{served.base_url}/office/periods", cookies={SESSION_COOKIE: real})
        assert response.status_code == 303
