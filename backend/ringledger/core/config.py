"""Runtime configuration, read once from the environment (OPERATIONS.md)."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from cryptography.fernet import Fernet, MultiFernet
from pydantic import AfterValidator, BeforeValidator, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_JWT_SECRET_BYTES = 32
# What an XRPL node's server_info says as `info.network_id` for each network it may follow.
XRPL_NETWORK_IDS = {"MAINNET": 0, "TESTNET": 1, "DEVNET": 2}


def parse_duration(value: object) -> object:
    """Accept `15m`, `90s`, `2h`, `1d` or plain seconds for a timedelta setting."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError("use a number with an optional unit s, m, h or d (e.g. 15m)")
        return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _check_networks(value: str) -> str:
    """Comma-separated IP addresses or networks (`10.0.0.1`, `10.0.0.0/8`, `::1`)."""
    for entry in split_list(value):
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as error:
            raise ValueError(f"{entry!r} is not an IP address or network") from error
    return value


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Settings(BaseSettings):
    """Every variable of OPERATIONS.md plus a few operational knobs, with local defaults."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=True)

    RINGLEDGER_ENV: Literal["local", "test", "production"] = "local"
    DATABASE_URL: str | None = None
    RINGLEDGER_DATA_DIR: Path = Path(".ringledger")
    JWT_SECRET_KEY: SecretStr | None = None
    JWT_EXPIRES_MINUTES: int = Field(default=60, ge=1, le=7 * 24 * 60)
    RINGLEDGER_PREIMAGE_KEY: SecretStr | None = None
    XAMAN_MODE: Literal["stub", "api"] = "stub"
    XAMAN_API_KEY: SecretStr | None = None
    XAMAN_API_SECRET: SecretStr | None = None
    XAMAN_API_BASE_URL: str = "https://xumm.app"
    XAMAN_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0, le=120)
    XAMAN_PAYLOAD_EXPIRE_MINUTES: int = Field(default=240, ge=1, le=7 * 24 * 60)
    XRPL_MODE: Literal["stub", "rpc"] = "stub"
    XRPL_RPC_URL: str = "https://s.altnet.rippletest.net:51234/"
    XRPL_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0, le=120)
    XRPL_NETWORK: str = "TESTNET"
    XRPL_BASE_FEE_DROPS: int = Field(default=10, ge=1, le=1_000_000)
    RINGLEDGER_MIN_SIGNING_WINDOW: Duration = timedelta(minutes=15)
    RINGLEDGER_LOGIN_WINDOW: Duration = timedelta(minutes=15)
    RINGLEDGER_LOGIN_MAX_FAILURES_PER_EMAIL: int = Field(default=5, ge=1)
    RINGLEDGER_LOGIN_MAX_FAILURES_PER_CLIENT: int = Field(default=100, ge=1)
    # Each registration costs an argon2 hash: at most this many per client address and hour.
    RINGLEDGER_REGISTER_MAX_PER_CLIENT: int = Field(default=30, ge=1)
    # Proxies whose X-Forwarded-For names the client (IP addresses or networks, comma-separated).
    # None by default: the client is the TCP peer, whatever a header says.
    RINGLEDGER_TRUSTED_PROXIES: Annotated[str, AfterValidator(_check_networks)] = ""
    # `serve` refuses the stub modes (which trust clients' evidence) on any address but
    # loopback unless this says the operator means it (a shared demo, a test cluster).
    RINGLEDGER_ALLOW_STUB_MODES_ON_NETWORK: bool = False
    RINGLEDGER_IDEMPOTENCY_RETENTION: Duration = timedelta(hours=24)
    RINGLEDGER_IDEMPOTENCY_WAIT: Duration = timedelta(seconds=5)
    RINGLEDGER_DB_POOL_SIZE: int = Field(default=10, ge=1, le=100)
    RINGLEDGER_WEB_DIR: Path = Path("frontend/dist")
    RINGLEDGER_LOG_FORMAT: Literal["auto", "json", "text"] = "auto"
    RINGLEDGER_LOG_LEVEL: str = "INFO"
    # A rollback pins the schema to the last accepted revision: start-up then neither migrates
    # past it nor refuses it, and /readyz reports ready at it (docs/operations-runbook.md).
    RINGLEDGER_SCHEMA_REVISION: str = Field(default="head", pattern=r"^[A-Za-z0-9_]{1,32}$")
    # "fast" argon2 parameters exist only so test suites can create thousands of accounts.
    RINGLEDGER_PASSWORD_HASHING: Literal["strong", "fast"] = "strong"  # noqa: S105

    @property
    def is_production(self) -> bool:
        return self.RINGLEDGER_ENV == "production"

    @property
    def uses_embedded_database(self) -> bool:
        return not self.DATABASE_URL

    @property
    def fast_password_hashing(self) -> bool:
        hashing = self.RINGLEDGER_PASSWORD_HASHING
        return hashing == "fast"

    @property
    def trusted_proxies(self) -> list[str]:
        return split_list(self.RINGLEDGER_TRUSTED_PROXIES)

    @property
    def stub_modes(self) -> list[str]:
        """The integrations running as local stand-ins (nothing is verified by them)."""
        return [
            name
            for name, mode in (("XAMAN_MODE", self.XAMAN_MODE), ("XRPL_MODE", self.XRPL_MODE))
            if mode == "stub"
        ]

    @property
    def log_as_json(self) -> bool:
        if self.RINGLEDGER_LOG_FORMAT == "auto":
            return self.is_production
        return self.RINGLEDGER_LOG_FORMAT == "json"

    def problems(self) -> list[str]:
        """Everything that makes this configuration unsafe to start with, in words."""
        found: list[str] = []
        if self.XAMAN_MODE == "api" and not (
            _secret_text(self.XAMAN_API_KEY) and _secret_text(self.XAMAN_API_SECRET)
        ):
            found.append("XAMAN_MODE=api needs non-empty XAMAN_API_KEY and XAMAN_API_SECRET")
        found.extend(_preimage_key_problems(self.RINGLEDGER_PREIMAGE_KEY))
        if self.XRPL_MODE == "rpc" and self.XRPL_NETWORK.strip().upper() not in XRPL_NETWORK_IDS:
            known = ", ".join(XRPL_NETWORK_IDS)
            found.append(f"XRPL_NETWORK must be one of {known} with XRPL_MODE=rpc")
        if not self.is_production:
            return found
        if self.XAMAN_MODE == "stub":
            found.append("XAMAN_MODE=stub is for local runs and CI only; production needs api")
        if self.XRPL_MODE == "stub":
            found.append(
                "XRPL_MODE=stub trusts ledger evidence sent by clients; production needs rpc"
            )
        jwt_key = _secret_text(self.JWT_SECRET_KEY)
        if jwt_key is None:
            found.append("JWT_SECRET_KEY is required in production")
        elif len(jwt_key.encode()) < MIN_JWT_SECRET_BYTES:
            found.append(f"JWT_SECRET_KEY must be at least {MIN_JWT_SECRET_BYTES} bytes")
        if _secret_text(self.RINGLEDGER_PREIMAGE_KEY) is None:
            found.append("RINGLEDGER_PREIMAGE_KEY is required in production")
        if self.fast_password_hashing:
            found.append("RINGLEDGER_PASSWORD_HASHING must be strong in production")
        if not self.DATABASE_URL:
            found.append(
                "DATABASE_URL is required in production (the embedded database is local-only)"
            )
        for name in ("XRPL_RPC_URL", "XAMAN_API_BASE_URL"):
            if not str(getattr(self, name)).lower().startswith("https://"):
                found.append(f"{name} must be an https:// URL in production")
        return found

    @cached_property
    def jwt_secret(self) -> str:
        """The access-token signing key; outside production generated once into the data dir."""
        configured = _secret_text(self.JWT_SECRET_KEY)
        if configured is not None:
            return configured
        return _local_secret(self, "jwt_secret", lambda: secrets.token_urlsafe(48))

    @cached_property
    def preimage_cipher(self) -> MultiFernet:
        """Encrypts with the first key, decrypts with any (rotation)."""
        raw = _secret_text(self.RINGLEDGER_PREIMAGE_KEY)
        if raw is None:
            raw = _local_secret(self, "preimage_key", lambda: Fernet.generate_key().decode())
        return MultiFernet([Fernet(key.strip()) for key in raw.split(",") if key.strip()])


def _secret_text(value: SecretStr | None) -> str | None:
    """The secret's text, or None when it is unset or blank."""
    if value is None or value.get_secret_value().strip() == "":
        return None
    return value.get_secret_value()


def _preimage_key_problems(value: SecretStr | None) -> list[str]:
    text = _secret_text(value)
    if text is None:
        return []
    keys = [key.strip() for key in text.split(",")]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            return [f"RINGLEDGER_PREIMAGE_KEY entry {position} is not a Fernet key"]
    return []


def _local_secret(settings: Settings, name: str, make: Callable[[], str]) -> str:
    """Read or create a secret file in the data dir; refused in production."""
    if settings.is_production:
        raise RuntimeError(f"{name} must come from the environment in production")
    path = settings.RINGLEDGER_DATA_DIR / "keys" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = path.with_name(f".{name}.{os.getpid()}")
    staging.write_text(make())
    staging.chmod(0o600)
    # link() is atomic and refuses an existing target: when several processes start together,
    # the first one's secret wins and every process reads that same value.
    try:
        os.link(staging, path)
    except FileExistsError:
        pass
    finally:
        staging.unlink()
    return path.read_text().strip()


def get_settings() -> Settings:
    """Build settings from the current environment."""
    return Settings()
