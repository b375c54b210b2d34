"""Settings: local defaults that need nothing, and production refusals."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from ringledger.core.config import Settings

pytestmark = pytest.mark.no_db

STRONG = "x" * 32


def production(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "RINGLEDGER_ENV": "production",
        "DATABASE_URL": "postgresql+psycopg://db/ringledger",
        "JWT_SECRET_KEY": STRONG,
        "RINGLEDGER_PREIMAGE_KEY": Fernet.generate_key().decode(),
        "XAMAN_MODE": "api",
        "XAMAN_API_KEY": "key",
        "XAMAN_API_SECRET": "secret",
        "XRPL_MODE": "rpc",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


class TestLocalDefaults:
    def test_nothing_needed(self, tmp_path: Path) -> None:
        settings = Settings(RINGLEDGER_DATA_DIR=tmp_path)
        assert settings.problems() == []
        assert settings.XAMAN_MODE == "stub" and settings.XRPL_MODE == "stub"
        assert timedelta(minutes=15) == settings.RINGLEDGER_MIN_SIGNING_WINDOW

    def test_local_secrets_are_generated_once_and_kept(self, tmp_path: Path) -> None:
        first = Settings(RINGLEDGER_DATA_DIR=tmp_path)
        second = Settings(RINGLEDGER_DATA_DIR=tmp_path)
        assert first.jwt_secret == second.jwt_secret and len(first.jwt_secret) >= 32
        token = first.preimage_cipher.encrypt(b"p" * 32)
        assert second.preimage_cipher.decrypt(token) == b"p" * 32
        assert (tmp_path / "keys" / "jwt_secret").stat().st_mode & 0o077 == 0

    @pytest.mark.parametrize(
        ("text", "seconds"), [("15m", 900), ("90s", 90), ("2h", 7200), ("1d", 86400), ("30", 30)]
    )
    def test_durations(self, text: str, seconds: int) -> None:
        settings = Settings(RINGLEDGER_MIN_SIGNING_WINDOW=text)  # type: ignore[arg-type]
        assert settings.RINGLEDGER_MIN_SIGNING_WINDOW.total_seconds() == seconds

    def test_bad_duration(self) -> None:
        with pytest.raises(ValidationError):
            Settings(RINGLEDGER_MIN_SIGNING_WINDOW="soon")  # type: ignore[arg-type]


class TestProductionRefusals:
    def test_a_safe_production_configuration(self) -> None:
        assert production().problems() == []

    @pytest.mark.parametrize(
        ("overrides", "fragment"),
        [
            ({"XAMAN_MODE": "stub"}, "XAMAN_MODE=stub"),
            ({"XRPL_MODE": "stub"}, "XRPL_MODE=stub"),
            ({"JWT_SECRET_KEY": None}, "JWT_SECRET_KEY is required"),
            ({"JWT_SECRET_KEY": "short"}, "at least 32 bytes"),
            ({"RINGLEDGER_PREIMAGE_KEY": None}, "RINGLEDGER_PREIMAGE_KEY is required"),
            ({"RINGLEDGER_PREIMAGE_KEY": "not-a-key"}, "not a Fernet key"),
            ({"XAMAN_API_SECRET": ""}, "XAMAN_API_KEY and XAMAN_API_SECRET"),
            ({"XAMAN_API_KEY": "  "}, "XAMAN_API_KEY and XAMAN_API_SECRET"),
            ({"DATABASE_URL": None}, "DATABASE_URL is required"),
            ({"RINGLEDGER_PASSWORD_HASHING": "fast"}, "must be strong"),
            ({"XRPL_RPC_URL": "http://node.example.org:51234/"}, "XRPL_RPC_URL must be an https"),
            ({"XAMAN_API_BASE_URL": "http://xumm.app"}, "XAMAN_API_BASE_URL must be an https"),
            ({"XRPL_NETWORK": "SIDECHAIN"}, "XRPL_NETWORK must be one of MAINNET, TESTNET"),
        ],
    )
    def test_refused(self, overrides: dict[str, object], fragment: str) -> None:
        problems = production(**overrides).problems()
        assert any(fragment in problem for problem in problems), problems

    @pytest.mark.parametrize("proxies", ["10.0.0.1", "10.0.0.0/8, ::1", "", " 192.0.2.1 "])
    def test_trusted_proxies(self, proxies: str) -> None:
        settings = Settings(RINGLEDGER_TRUSTED_PROXIES=proxies)
        assert settings.trusted_proxies == [
            item.strip() for item in proxies.split(",") if item.strip()
        ]

    @pytest.mark.parametrize("proxies", ["proxy.example.org", "10.0.0.1, *", "300.1.1.1"])
    def test_a_trusted_proxy_must_be_an_address(self, proxies: str) -> None:
        with pytest.raises(ValidationError, match="not an IP address or network"):
            Settings(RINGLEDGER_TRUSTED_PROXIES=proxies)

    def test_api_mode_needs_credentials_everywhere(self) -> None:
        problems = Settings(XAMAN_MODE="api").problems()
        assert any("XAMAN_API_KEY" in problem for problem in problems)

    def test_production_never_generates_keys(self, tmp_path: Path) -> None:
        settings = production(JWT_SECRET_KEY=None, RINGLEDGER_DATA_DIR=tmp_path)
        with pytest.raises(RuntimeError):
            _ = settings.jwt_secret

    def test_key_rotation_decrypts_old_rows(self) -> None:
        old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
        token = production(RINGLEDGER_PREIMAGE_KEY=old).preimage_cipher.encrypt(b"secret")
        rotated = production(RINGLEDGER_PREIMAGE_KEY=f"{new},{old}").preimage_cipher
        assert rotated.decrypt(token) == b"secret"
        fresh = rotated.encrypt(b"secret")
        assert production(RINGLEDGER_PREIMAGE_KEY=new).preimage_cipher.decrypt(fresh) == b"secret"
