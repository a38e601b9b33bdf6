"""One typed settings object: a TOML file, overridden by `RIVALWATCH_*` environment variables.

Nested sections use a double underscore in the environment: `RIVALWATCH_MATCHING__AUTO_THRESHOLD=0.95`.
Nothing here runs at import time; whoever starts a process calls `load_settings()` once.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from monitor.core.secret_key import DEVELOPMENT_SECRET as DEVELOPMENT_SECRET  # the public key nobody accepts
from monitor.core.secret_key import SecretKeyError, install_secret, weak_secret_reason

DEFAULT_CONFIG_FILE = Path("rivalwatch.toml")
REPO_ROOT = Path(__file__).resolve().parents[2]


class SettingsError(ValueError):
    """Settings that cannot be used; the message names the file or variable and the key."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MatchingSettings(Section):
    # Scores are 0..100 (rapidfuzz scale).
    auto_threshold: float = Field(default=92.0, ge=0, le=100)
    review_threshold: float = Field(default=75.0, ge=0, le=100)
    # Two candidates within this many points of each other are too close to call: review, not auto.
    ambiguity_margin: float = Field(default=4.0, ge=0, le=100)
    # A name only read off a logo by OCR (0..1 confidence) is matched automatically only at or above
    # this confidence; below it, at most review (measured in docs/matching.md).
    ocr_auto_confidence: float = Field(default=0.95, ge=0, le=1)


class AccountabilitySettings(Section):
    # Periods are two weeks long, counted from this date (a Monday) in the users' timezone.
    period_anchor: dt.date = dt.date(2026, 1, 5)
    period_days: int = Field(default=14, ge=1, le=62)
    # A deal signed within this many days before a sighting also counts as "closed with us".
    deal_grace_days: int = Field(default=0, ge=0, le=365)
    rep_customer_cap: int = Field(default=40, ge=1)
    # Days after a period ends by which reps must submit their explanations.
    form_deadline_days: int = Field(default=5, ge=0, le=60)


class CrawlSettings(Section):
    user_agent: str = (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"
    )
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    concurrent_requests: int = Field(default=8, ge=1, le=64)
    download_delay_seconds: float = Field(default=0.0, ge=0)
    chromium_path: str = "/usr/bin/chromium"
    # Static pages too are shown in Chromium after they are read, for their full-page and element
    # screenshots (the page as fetched, its images from the site). False: static pages keep only HTML.
    static_screenshots: bool = True
    # A crawl of one site's pages (a distributed batch) shows them in a few kept browser windows, one
    # page after another, instead of a fresh window per page (the site's styles and logos cached once).
    reuse_contexts: bool = True
    retention_days: int = Field(default=90, ge=1)
    # Creative images downloaded beside each page: larger ones are refused, slower ones given up.
    creative_max_bytes: int = Field(default=5_000_000, ge=1024, le=100_000_000)
    creative_timeout_seconds: float = Field(default=15.0, gt=0, le=600)
    # Who hears about a page that could not be seen or a slot that went quiet.
    alert_recipients: list[str] = Field(default_factory=list)
    # Daily crawl time, in the users' timezone.
    daily_time: str = Field(default="06:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # The day a crawl records its captures under instead of today, for the demo and tests only (they
    # show fixture sites as they were on 14 simulated days). Refused in production: a real crawl sees
    # the sites as they are today, so it captures today only (docs/capture.md).
    simulated_day: dt.date | None = None
    # How long a crawl that cannot open the database (locked, server down) retries before it gives up.
    database_wait_seconds: float = Field(default=120.0, ge=0, le=3600)
    # "local": one process crawls the whole day here (the default: no Redis needed). "celery": the day is
    # split into batches on a Celery queue (Redis at broker_url) that `rivalwatch worker`s on any number
    # of machines crawl; PostgreSQL holds each page's state (docs/distributed.md).
    backend: Literal["local", "celery"] = "local"
    broker_url: str = "redis://127.0.0.1:6379/0"
    queue: str = "rivalwatch-crawl"
    # Pages per batch (one task; one site's pages only).
    batch_size: int = Field(default=40, ge=1, le=500)
    # A worker holds its pages this long unless it renews the lease (it does, while its crawl runs); a
    # page whose worker died is crawled again once its lease has expired.
    lease_seconds: float = Field(default=300.0, ge=2, le=86_400)
    # Tries per page before it is given up as failed (no capture stored).
    max_attempts: int = Field(default=3, ge=1, le=20)


class AlertSettings(Section):
    """Same-day alerts (`monitor.accountability.alerts`): who hears, where, and how fast."""

    # A customer seen again after this many days without a sighting on a site counts as a new start.
    gap_days: int = Field(default=7, ge=1, le=365)
    # Mail each rep (their roster email) and each team's manager (manager_email) the day's alerts.
    mail: bool = True
    # Chat robots per rep code and per team code: apprise URLs (wecombot://KEY, dingtalk://SECRET@TOKEN,
    # feishu://SECRET@TOKEN, lark://…; any other apprise URL is handed to apprise).
    rep_channels: dict[str, list[str]] = Field(default_factory=dict)
    team_channels: dict[str, list[str]] = Field(default_factory=dict)
    # Where the WeCom, DingTalk and Feishu robots post instead of the vendors' hosts (a proxy, or a
    # loopback endpoint in tests and the demo), e.g. http://127.0.0.1:8900. Empty: the vendors' hosts.
    robot_base_url: str = ""
    # A send answered with a rate-limit error or a network fault is tried again this often in one run,
    # waiting `retry_seconds` (doubling) between tries; then it stays failed for the next run.
    retries: int = Field(default=3, ge=0, le=10)
    retry_seconds: float = Field(default=30.0, ge=0, le=600)


class EvidenceSettings(Section):
    # "local": files under evidence_dir (the default); "s3": a bucket on an S3-compatible service, shared
    # by crawl workers on several machines (credentials from boto3's usual places: AWS_* variables,
    # ~/.aws, an instance role).
    backend: Literal["local", "s3"] = "local"
    s3_bucket: str = ""
    s3_prefix: str = "evidence/"
    s3_endpoint_url: str | None = None
    s3_region: str | None = None

    @model_validator(mode="after")
    def _bucket_for_s3(self) -> EvidenceSettings:
        if self.backend == "s3" and not self.s3_bucket:
            raise ValueError('backend "s3" needs s3_bucket')
        return self


class SmtpSettings(Section):
    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    sender: str = "rivalwatch@localhost"


class Settings(BaseSettings):
    """Everything a Rivalwatch process needs to know; validated once at start."""

    model_config = SettingsConfigDict(
        env_prefix="RIVALWATCH_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    environment: Literal["development", "production"] = "development"
    var_dir: Path = Path("var")
    database_url: str = ""
    evidence_dir: Path | None = None
    reports_dir: Path | None = None
    sites_dir: Path = REPO_ROOT / "config" / "sites"
    timezone: str = "Asia/Shanghai"
    language: Literal["zh_CN", "en"] = "zh_CN"
    base_url: str = "http://127.0.0.1:8000"
    # None: this install's own random key in var_dir/secret_key, made at first start (see signing_secret).
    secret_key: SecretStr | None = None

    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    accountability: AccountabilitySettings = Field(default_factory=AccountabilitySettings)
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    evidence: EvidenceSettings = Field(default_factory=EvidenceSettings)

    @field_validator("secret_key")
    @classmethod
    def _no_public_or_weak_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # A validator, not a check in load_settings: no way of building Settings can skip it. Copies made
        # without validation (model_copy, model_construct) are checked again in signing_secret().
        if value is not None:
            production = info.data.get("environment") == "production"
            problem = weak_secret_reason(value.get_secret_value(), production=production)
            if problem:
                raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _no_simulated_day_in_production(self) -> Settings:
        if self.environment == "production" and self.crawl.simulated_day is not None:
            raise ValueError(
                "crawl.simulated_day is for the demo and tests: a production crawl captures today only"
            )
        return self

    def crawl_day(self) -> dt.date:
        """The day a crawl started now records its captures under: today, or the simulated day."""
        return self.crawl.simulated_day or self.today()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Explicit values (the TOML file, passed as init kwargs) lose to the environment.
        return (env_settings, init_settings)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{(self.var_dir / 'rivalwatch.db').resolve()}"

    @property
    def evidence_path(self) -> Path:
        return self.evidence_dir or self.var_dir / "evidence"

    @property
    def reports_path(self) -> Path:
        return self.reports_dir or self.var_dir / "reports"

    def signing_secret(self) -> str:
        """The key that signs sessions and links: `secret_key`, else this install's own (made if missing).

        The one way code reads the key; it refuses the public development key whatever built these settings.
        """
        if self.secret_key is None:
            try:
                return install_secret(self.var_dir)
            except SecretKeyError as exc:
                raise SettingsError(str(exc)) from None
        value = self.secret_key.get_secret_value()
        problem = weak_secret_reason(value, production=self.environment == "production")
        if problem:
            raise SettingsError(f"secret_key (or $RIVALWATCH_SECRET_KEY): {problem}")
        return value

    def today(self, now: dt.datetime | None = None) -> dt.date:
        """The users' calendar date at `now` (default: the current time)."""
        moment = now or dt.datetime.now(dt.UTC)
        return moment.astimezone(self.tz).date()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read settings file: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from exc


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Settings from `config_file` (or ./rivalwatch.toml if present), then the environment."""
    path = Path(config_file) if config_file else None
    if path is None and DEFAULT_CONFIG_FILE.is_file():
        path = DEFAULT_CONFIG_FILE
    values = _read_toml(path) if path else {}
    values.update(overrides)
    try:
        settings = Settings(**values)
    except ValidationError as exc:
        origin = str(path) if path else "settings"
        lines = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"])
            env_name = "RIVALWATCH_" + key.upper().replace(".", "__")
            if error["type"] == "extra_forbidden":
                lines.append(f"{origin}: unknown key {key!r}")
            else:
                message = str(error["ctx"]["error"]) if error["type"] == "value_error" else error["msg"]
                lines.append(f"{origin} (or ${env_name}): {key}: {message}")
        raise SettingsError("\n".join(lines)) from None
    return settings


def environment_snapshot() -> dict[str, str]:
    """The RIVALWATCH_* variables, for handing to a child process."""
    return {key: value for key, value in os.environ.items() if key.startswith("RIVALWATCH_")}
