"""Password hashing (argon2id) and access tokens (JWT, HS256)."""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio
import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ringledger.core.errors import NotAuthenticated

JWT_ALGORITHM = "HS256"
# Tokens issued a little "in the future" by a server with a fast clock are still accepted.
CLOCK_SKEW_SECONDS = 30
# Tokens whose checks are remembered, least recently used first out (about 0.5 KB each).
VERIFIED_TOKENS_REMEMBERED = 4096


class PasswordHashing:
    """argon2id hashing run off the event loop; a dummy hash equalises unknown-email timing."""

    def __init__(self, *, fast: bool = False) -> None:
        if fast:
            self._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        else:
            # OWASP Password Storage Cheat Sheet, argon2id minimum: 19 MiB, 2 iterations, 1 lane.
            # (argon2-cffi's default takes 64 MiB per hash: a burst of logins would cost a
            # worker hundreds of MB.) Parameters live in each hash, so older hashes still verify.
            self._hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
        self._dummy = self._hasher.hash("no account has this password")

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when `password` matches; with no hash, spends the same time and returns False."""
        return await anyio.to_thread.run_sync(self._verify, password_hash, password)

    def _verify(self, password_hash: str | None, password: str) -> bool:
        try:
            self._hasher.verify(password_hash or self._dummy, password)
        except (VerificationError, InvalidHashError):
            return False
        return password_hash is not None


@dataclass(frozen=True)
class TokenClaims:
    user_id: uuid.UUID
    role: str
    version: int  # the account's token_version when the token was issued


class TokenIssuer:
    """Issues and checks bearer tokens with `sub`, `role`, `ver`, `iat`, `exp`.

    A client sends the same token with every request until it expires, and checking one costs
    more than the rest of a small request's Python (PyJWT inspects every character of every
    segment): a token that passed every check is remembered (the whole token string, signature
    included, is the key), and only its expiry is checked again on later requests. Whether the
    account still honours it (password change, disabling) is never remembered: the database
    says so on every request (`ringledger.auth.deps.token_holder`).
    """

    def __init__(
        self,
        *,
        secret: str,
        expires_minutes: int,
        clock: Callable[[], float] = time.time,
        remember: int = VERIFIED_TOKENS_REMEMBERED,
    ) -> None:
        self._secret = secret
        self._clock = clock
        self.lifetime = timedelta(minutes=expires_minutes)
        self._checked = functools.lru_cache(maxsize=remember)(self._check)

    def issue(
        self, *, user_id: uuid.UUID, role: str, version: int, now: datetime | None = None
    ) -> str:
        issued = now or datetime.now(UTC)
        claims = {
            "sub": str(user_id),
            "role": role,
            "ver": version,
            "iat": int(issued.timestamp()),
            "exp": int((issued + self.lifetime).timestamp()),
        }
        return jwt.encode(claims, self._secret, algorithm=JWT_ALGORITHM)

    def verify(self, token: str) -> TokenClaims:
        """Decode and check a token; any defect is a 401 with a precise code."""
        claims, expires = self._checked(token)
        # PyJWT's own rule, applied again to a remembered token: expired once exp <= now - leeway.
        if expires <= self._clock() - CLOCK_SKEW_SECONDS:
            raise NotAuthenticated("The access token has expired.", code="token_expired")
        return claims

    def _check(self, token: str) -> tuple[TokenClaims, int]:
        """Every check of the token (signature, shape, iat, exp); raises, so a refused token is
        never remembered."""
        try:
            # The leeway applies to iat (a token minted by a server whose clock runs ahead) and
            # to exp alike; PyJWT refuses a future iat itself, so it must be given the leeway.
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[JWT_ALGORITHM],
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["sub", "role", "ver", "iat", "exp"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise NotAuthenticated("The access token has expired.", code="token_expired") from error
        except jwt.PyJWTError as error:
            raise NotAuthenticated(
                "The access token is not valid.", code="token_invalid"
            ) from error
        return _claims(claims), int(claims["exp"])


def _claims(claims: dict[str, object]) -> TokenClaims:
    version, role = claims.get("ver"), claims.get("role")
    valid_version = isinstance(version, int) and not isinstance(version, bool) and version >= 0
    try:
        user_id = uuid.UUID(str(claims["sub"]))
    except ValueError as error:
        raise NotAuthenticated("The access token is not valid.", code="token_invalid") from error
    if not valid_version or not isinstance(role, str):
        raise NotAuthenticated("The access token is not valid.", code="token_invalid")
    assert isinstance(version, int)
    return TokenClaims(user_id=user_id, role=role, version=version)
