"""Runtime configuration, read once from the environment (docs/configuration.md)."""

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
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from ringledger.core.tokens import AllowedToken, unique_labels

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
    """Every setting of the service, with local defaults (docs/configuration.md is made from
    this class: `python scripts/configuration_doc.py`)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=True)

    RINGLEDGER_ENV: Literal["local", "test", "production"] = Field(
        default="local",
        description="`production` refuses to start with any unsafe setting (`ringledger "
        "check-config` lists them); "
        "`local` and `test` allow the stand-ins and generate local keys.",
    )
    DATABASE_URL: str | None = Field(
        default=None,
        description="PostgreSQL, e.g. `postgresql://ringledger@db.internal/ringledger`. Unset: an "
        "embedded PostgreSQL in the data dir (local runs only).",
    )
    RINGLEDGER_DATA_DIR: Path = Field(
        default=Path(".ringledger"),
        description="The embedded database and, outside production, the generated keys.",
    )
    JWT_SECRET_KEY: SecretStr | None = Field(
        default=None,
        description="Signs access tokens. Unset outside production: generated once into the "
        "data dir.",
    )
    JWT_EXPIRES_MINUTES: int = Field(
        default=60, ge=1, le=7 * 24 * 60, description="Lifetime of an access token."
    )
    RINGLEDGER_PREIMAGE_KEY: SecretStr | None = Field(
        default=None,
        description="Comma-separated Fernet keys that encrypt the bonus preimages at rest: the "
        "first encrypts, all decrypt (`ringledger rotate-preimage-key`). Unset outside "
        "production: generated once into the data dir.",
    )
    XAMAN_MODE: Literal["stub", "api"] = Field(
        default="stub",
        description="`api` creates real sign requests at Xaman; `stub` is a local stand-in "
        "for development and CI.",
    )
    XAMAN_API_KEY: SecretStr | None = Field(
        default=None, description="The Xaman application's API key (`XAMAN_MODE=api`)."
    )
    XAMAN_API_SECRET: SecretStr | None = Field(
        default=None,
        description="The Xaman application's API secret; also verifies webhook signatures.",
    )
    XAMAN_API_BASE_URL: str = Field(
        default="https://xumm.app", description="Where Xaman's platform API is."
    )
    XAMAN_TIMEOUT_SECONDS: float = Field(
        default=10.0, gt=0, le=120, description="Timeout of one call to Xaman."
    )
    XAMAN_PAYLOAD_EXPIRE_MINUTES: int = Field(
        default=240,
        ge=1,
        le=7 * 24 * 60,
        description="Lifetime of a sign request, capped at the time left before FinishAfter.",
    )
    XRPL_MODE: Literal["stub", "rpc"] = Field(
        default="stub",
        description="`rpc` verifies every confirm against an XRPL node; `stub` trusts the "
        "evidence in the confirm's body (development and CI only).",
    )
    XRPL_RPC_URL: str = Field(
        default="https://s.altnet.rippletest.net:51234/",
        description="The XRPL node's JSON-RPC endpoint (default: a public Testnet node). Its "
        "`server_info` network is checked at start-up, by `/readyz`, and before its first "
        "answer is trusted.",
    )
    XRPL_TIMEOUT_SECONDS: float = Field(
        default=10.0, gt=0, le=120, description="Timeout of one call to the XRPL node."
    )
    XRPL_NETWORK: str = Field(
        default="TESTNET",
        description="`MAINNET`, `TESTNET` or `DEVNET`: the network sign requests are forced "
        "to, a signed request must report, and (rpc) the node must follow.",
    )
    XRPL_BASE_FEE_DROPS: int = Field(
        default=10,
        ge=1,
        le=1_000_000,
        description="Base of the explicit fee of a finish with fulfillment (10 gives 350 drops).",
    )
    RINGLEDGER_TOKENS: Annotated[list[AllowedToken], AfterValidator(unique_labels)] = Field(
        default_factory=list,
        description="The issued tokens bouts may be settled in, as a JSON array of "
        '`{"label", "currency", "issuer"}` (e.g. `[{"label": "USD", "currency": "USD", '
        '"issuer": "r…"}]`): `currency` is 3 characters other than `XRP`, or 40 hex digits '
        "for a longer code; `issuer` a classic address; labels unique. Empty: XRP only.",
    )
    RINGLEDGER_TOKEN_SHOW_CANCEL_AFTER: Duration = Field(
        default=timedelta(days=30),
        description="A token bout's show escrows get `CancelAfter` = event + this: a way back "
        "to the promoter for a show its fighter can never receive (no trust line, a frozen or "
        "unauthorized one). Must be more than FinishAfter's 2 hours.",
    )
    RINGLEDGER_MIN_SIGNING_WINDOW: Duration = Field(
        default=timedelta(minutes=15),
        description="FinishAfter must be at least this far ahead to create a bout or prepare "
        "its escrows.",
    )
    RINGLEDGER_FOLLOW_THROUGH_GIVE_UP: Duration = Field(
        default=timedelta(hours=1),
        description="`XRPL_MODE=rpc`: a signed transaction still unknown to the node (or not "
        "validated) this long after it was signed is recorded as `confirmation_timeout` on its "
        "escrow and left to the operator.",
    )
    RINGLEDGER_LEDGER_WATCH_INTERVAL: Duration = Field(
        default=timedelta(minutes=10),
        description="`XRPL_MODE=rpc`: the worker looks up each escrow whose FinishAfter has "
        "passed at most this often, to learn of a finish or cancel sent by anyone else.",
    )
    RINGLEDGER_LOGIN_WINDOW: Duration = Field(
        default=timedelta(minutes=15), description="Window of the failed-login throttle."
    )
    RINGLEDGER_LOGIN_MAX_FAILURES_PER_EMAIL: int = Field(
        default=5,
        ge=1,
        description="Failed logins per e-mail in the window; then `429` with `Retry-After`.",
    )
    RINGLEDGER_LOGIN_MAX_FAILURES_PER_CLIENT: int = Field(
        default=100,
        ge=1,
        description="Failed logins per client in the window. A client is an IPv4 address or "
        "an IPv6 /64 network (one subscriber or host usually has a whole /64).",
    )
    RINGLEDGER_REGISTER_MAX_PER_CLIENT: int = Field(
        default=30,
        ge=1,
        description="Registrations per client (an IPv4 address or an IPv6 /64) and hour "
        "(each costs an argon2 hash); then `429` with `Retry-After`.",
    )
    RINGLEDGER_TRUSTED_PROXIES: Annotated[str, AfterValidator(_check_networks)] = Field(
        default="",
        description="IP addresses or networks (comma-separated) whose `X-Forwarded-For` names "
        "the client. Empty: the client is the TCP peer, whatever a header says.",
    )
    RINGLEDGER_ALLOW_STUB_MODES_ON_NETWORK: bool = Field(
        default=False,
        description="`serve` refuses the stub modes (which trust clients' evidence) on any "
        "address but loopback unless this (or `--allow-stub-modes-on-network`) says the "
        "operator means it.",
    )
    RINGLEDGER_IDEMPOTENCY_RETENTION: Duration = Field(
        default=timedelta(hours=24),
        description="Stored confirm outcomes are kept at least this long "
        "(`ringledger purge-idempotency`).",
    )
    RINGLEDGER_IDEMPOTENCY_WAIT: Duration = Field(
        default=timedelta(seconds=5),
        description="How long a duplicate waits for an in-flight original before `409 "
        "idempotency_in_flight`; it also bounds every other lock wait.",
    )
    RINGLEDGER_DB_POOL_SIZE: int = Field(
        default=10,
        ge=1,
        le=100,
        description="Database connections per API process, all opened at start-up.",
    )
    RINGLEDGER_DB_POOLER: Literal["none", "transaction"] = Field(
        default="none",
        description="`transaction` when DATABASE_URL is a pooler in transaction mode (PgBouncer "
        "`pool_mode = transaction`, also before 1.21): no prepared statement is kept by name "
        "and no setting outlives a transaction, at the cost of a second round trip per "
        "statement (docs/deployment.md). `none`: a direct connection or a session pooler.",
    )
    RINGLEDGER_HTTP_MAX_HEAD_BYTES: int = Field(
        default=16 * 1024,
        ge=1024,
        le=1024 * 1024,
        description="The request line and headers of one request may take at most this many "
        "bytes; a longer head is answered `431` and its connection closed.",
    )
    RINGLEDGER_HTTP_KEEP_ALIVE: Duration = Field(
        default=timedelta(seconds=5),
        ge=timedelta(seconds=1),
        description="A connection that starts no request this long after it opened or after "
        "its previous answer is closed; a load balancer must drop its idle connections to the "
        "service sooner.",
    )
    RINGLEDGER_HTTP_HEAD_TIMEOUT: Duration = Field(
        default=timedelta(seconds=10),
        ge=timedelta(seconds=1),
        description="A request's line and headers must be complete this long after the "
        "connection opened or the previous answer ended; a late head is answered `408` and its "
        "connection closed.",
    )
    RINGLEDGER_HTTP_BODY_TIMEOUT: Duration = Field(
        default=timedelta(seconds=15),
        ge=timedelta(seconds=1),
        description="A request body must be complete this long after its head; a late one is "
        "answered `408` and its connection closed.",
    )
    RINGLEDGER_SHUTDOWN_GRACE: Duration = Field(
        default=timedelta(seconds=20),
        ge=timedelta(seconds=1),
        description="How long an instance told to stop (SIGTERM) takes at most: it answers "
        "`/readyz` with `503` at once, serves through RINGLEDGER_SHUTDOWN_NOTICE, stops "
        "accepting, and cuts what still runs when this runs out (exit 1 instead of 0). The "
        "reconcile worker finishes the item in hand and releases its leases within it.",
    )
    RINGLEDGER_SHUTDOWN_NOTICE: Duration = Field(
        default=timedelta(seconds=5),
        description="After SIGTERM, how long an instance keeps serving (every answer closing "
        "its connection) before it stops accepting: longer than its load balancers take to "
        "see `/readyz` fail; part of RINGLEDGER_SHUTDOWN_GRACE.",
    )
    RINGLEDGER_WEB_DIR: Path = Field(
        default=Path("frontend/dist"), description="The built web console."
    )
    RINGLEDGER_LOG_FORMAT: Literal["auto", "json", "text"] = Field(
        default="auto", description="`auto`: JSON in production, readable text otherwise."
    )
    RINGLEDGER_LOG_LEVEL: str = Field(default="INFO", description="Python logging level.")
    RINGLEDGER_SCHEMA_REVISION: str = Field(
        default="head",
        pattern=r"^[A-Za-z0-9_]{1,32}$",
        description="Pins the schema after a rollback: start-up neither migrates past it nor "
        "refuses it, and `/readyz` reports ready at it (docs/operations-runbook.md).",
    )
    RINGLEDGER_PASSWORD_HASHING: Literal["strong", "fast"] = Field(
        default="strong",
        description="`fast` argon2 parameters exist only so test suites can create thousands "
        "of accounts.",
    )

    @field_validator("RINGLEDGER_TOKEN_SHOW_CANCEL_AFTER")
    @classmethod
    def _after_finish(cls, value: timedelta) -> timedelta:
        # The ledger refuses a CancelAfter that is not strictly after FinishAfter (event + 2 h).
        if value <= timedelta(hours=2):
            raise ValueError("must be more than 2 hours (FinishAfter is the event + 2 hours)")
        return value

    def token(self, label: str) -> AllowedToken | None:
        """The allowed token with this label, if any."""
        return next((token for token in self.RINGLEDGER_TOKENS if token.label == label), None)

    @model_validator(mode="after")
    def _notice_within_grace(self) -> Settings:
        if self.RINGLEDGER_SHUTDOWN_NOTICE >= self.RINGLEDGER_SHUTDOWN_GRACE:
            raise ValueError(
                "RINGLEDGER_SHUTDOWN_NOTICE must be shorter than RINGLEDGER_SHUTDOWN_GRACE"
            )
        return self

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

    @property
    def preimage_key_configured(self) -> bool:
        """RINGLEDGER_PREIMAGE_KEY names at least one key (else a local one is generated)."""
        return _secret_text(self.RINGLEDGER_PREIMAGE_KEY) is not None

    @cached_property
    def preimage_keys(self) -> list[Fernet]:
        """The preimage keys in order: the first encrypts, any decrypts (rotation)."""
        raw = _secret_text(self.RINGLEDGER_PREIMAGE_KEY)
        if raw is None:
            raw = _local_secret(self, "preimage_key", lambda: Fernet.generate_key().decode())
        return [Fernet(key.strip()) for key in raw.split(",") if key.strip()]

    @cached_property
    def preimage_cipher(self) -> MultiFernet:
        """Encrypts with the first key, decrypts with any (rotation)."""
        return MultiFernet(self.preimage_keys)


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
