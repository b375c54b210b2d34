"""Access tokens and password hashing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import anyio
import jwt
import pytest

from ringledger.core.errors import NotAuthenticated
from ringledger.core.security import PasswordHashing, TokenIssuer

pytestmark = pytest.mark.no_db
SECRET = "s" * 40


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer(secret=SECRET, expires_minutes=60)


class TestTokens:
    def test_round_trip(self, issuer: TokenIssuer) -> None:
        user_id = uuid.uuid4()
        claims = issuer.verify(issuer.issue(user_id=user_id, role="promoter", version=3))
        assert (claims.user_id, claims.role, claims.version) == (user_id, "promoter", 3)

    def test_carries_the_required_claims(self, issuer: TokenIssuer) -> None:
        token = issuer.issue(user_id=uuid.uuid4(), role="fighter", version=0)
        payload = jwt.decode(token, SECRET, algorithms=["HS256"])
        assert set(payload) == {"sub", "role", "ver", "iat", "exp"}
        assert payload["exp"] - payload["iat"] == 3600
        assert jwt.get_unverified_header(token)["alg"] == "HS256"

    def test_expired(self, issuer: TokenIssuer) -> None:
        token = issuer.issue(
            user_id=uuid.uuid4(),
            role="promoter",
            version=0,
            now=datetime.now(UTC) - timedelta(hours=2),
        )
        with pytest.raises(NotAuthenticated) as caught:
            issuer.verify(token)
        assert caught.value.code == "token_expired"

    def test_a_remembered_token_still_expires(self) -> None:
        now = [datetime.now(UTC).timestamp()]
        issuer = TokenIssuer(secret=SECRET, expires_minutes=60, clock=lambda: now[0])
        token = issuer.issue(user_id=uuid.uuid4(), role="promoter", version=0)
        issuer.verify(token)  # checked in full, then remembered
        now[0] += 3600 + 29  # past exp, within the leeway
        assert issuer.verify(token).role == "promoter"
        now[0] += 1  # exp <= now - leeway
        with pytest.raises(NotAuthenticated) as caught:
            issuer.verify(token)
        assert caught.value.code == "token_expired"

    def test_a_remembered_token_speaks_only_for_itself(self, issuer: TokenIssuer) -> None:
        token = issuer.issue(user_id=uuid.uuid4(), role="promoter", version=0)
        issuer.verify(token)
        header, payload, _ = token.split(".")
        forged = jwt.encode({**jwt.decode(token, SECRET, ["HS256"]), "role": "admin"}, "x" * 40)
        for other in (f"{header}.{payload}.{forged.split('.')[2]}", forged, token + "x"):
            with pytest.raises(NotAuthenticated) as caught:
                issuer.verify(other)
            assert caught.value.code == "token_invalid"

    def test_a_refused_token_is_refused_every_time(self, issuer: TokenIssuer) -> None:
        token = jwt.encode({"sub": str(uuid.uuid4()), "role": "promoter"}, SECRET)
        for _ in range(3):
            with pytest.raises(NotAuthenticated):
                issuer.verify(token)

    @pytest.mark.parametrize(
        "token_of",
        [
            lambda claims: jwt.encode(claims, "another key" * 4, algorithm="HS256"),
            lambda claims: jwt.encode(claims, None, algorithm="none"),
            lambda claims: jwt.encode({**claims, "iat": claims["iat"] + 3600}, SECRET, "HS256"),
            lambda claims: jwt.encode({k: v for k, v in claims.items() if k != "role"}, SECRET),
            lambda claims: jwt.encode({**claims, "sub": "not-a-uuid"}, SECRET, algorithm="HS256"),
            lambda claims: jwt.encode({k: v for k, v in claims.items() if k != "ver"}, SECRET),
            lambda claims: jwt.encode({**claims, "ver": "0"}, SECRET, algorithm="HS256"),
            lambda claims: jwt.encode({**claims, "ver": -1}, SECRET, algorithm="HS256"),
            lambda claims: "garbage",
        ],
        ids=[
            "wrong-key",
            "alg-none",
            "future-iat",
            "no-role",
            "bad-sub",
            "no-version",
            "text-version",
            "negative-version",
            "garbage",
        ],
    )
    def test_invalid(self, issuer: TokenIssuer, token_of) -> None:  # type: ignore[no-untyped-def]
        now = int(datetime.now(UTC).timestamp())
        claims = {
            "sub": str(uuid.uuid4()),
            "role": "admin",
            "ver": 0,
            "iat": now,
            "exp": now + 600,
        }
        with pytest.raises(NotAuthenticated) as caught:
            issuer.verify(token_of(claims))
        assert caught.value.code == "token_invalid"


class TestClockSkew:
    """A token minted by a server whose clock runs a little ahead is still good (30 s)."""

    @staticmethod
    def minted(seconds_ahead: int) -> str:
        now = int(datetime.now(UTC).timestamp()) + seconds_ahead
        claims = {"sub": str(uuid.uuid4()), "role": "promoter", "ver": 0}
        return jwt.encode({**claims, "iat": now, "exp": now + 600}, SECRET, algorithm="HS256")

    @pytest.mark.parametrize("seconds_ahead", [1, 10, 25])
    def test_within_the_leeway(self, issuer: TokenIssuer, seconds_ahead: int) -> None:
        assert issuer.verify(self.minted(seconds_ahead)).role == "promoter"

    @pytest.mark.parametrize("seconds_ahead", [45, 3600])
    def test_beyond_it(self, issuer: TokenIssuer, seconds_ahead: int) -> None:
        with pytest.raises(NotAuthenticated) as caught:
            issuer.verify(self.minted(seconds_ahead))
        assert caught.value.code == "token_invalid"


class TestPasswords:
    def test_hash_and_verify(self) -> None:
        hashing = PasswordHashing(fast=True)

        async def check() -> None:
            stored = await hashing.hash("a long enough password")
            assert stored.startswith("$argon2id$")
            assert await hashing.verify(stored, "a long enough password")
            assert not await hashing.verify(stored, "a different password")
            assert not await hashing.verify(None, "a long enough password")

        anyio.run(check)
