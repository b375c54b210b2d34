"""How the reconcile worker paces itself: an even call rate and a doubling backoff."""

from __future__ import annotations

from typing import Any

import pytest

from ringledger.signing.interface import PayloadOutcome, SigningUnavailable
from ringledger.signing.models import SigningStatus
from ringledger.signing.worker import RateLimiter, WorkerOptions, backoff_delays, poll_status

pytestmark = [pytest.mark.anyio, pytest.mark.no_db]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _clean_tables() -> None:
    """No database here: shadows the suite's truncating fixture."""


class Clock:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


class FlakyWallet:
    """A signing service that is unavailable for the first `failures` status calls."""

    mode = "api"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def status(self, **_: Any) -> PayloadOutcome:
        self.calls += 1
        if self.calls <= self.failures:
            raise SigningUnavailable("Xaman rate-limited us (HTTP 429)")
        return PayloadOutcome(status=SigningStatus.OPEN)


class TestRateLimiter:
    async def test_spaces_calls_evenly(self) -> None:
        clock = Clock()
        limiter = RateLimiter(30, clock=clock, sleep=clock.sleep)
        for _ in range(4):
            await limiter.wait()
        assert clock.slept == [2.0, 2.0, 2.0]

    async def test_time_already_spent_counts(self) -> None:
        clock = Clock()
        limiter = RateLimiter(30, clock=clock, sleep=clock.sleep)
        await limiter.wait()
        clock.now += 1.5
        await limiter.wait()
        assert clock.slept == [0.5]

    def test_refuses_a_rate_of_zero(self) -> None:
        with pytest.raises(ValueError, match="positive"):
            RateLimiter(0)


class TestBackoff:
    def test_doubles_up_to_the_cap(self) -> None:
        options = WorkerOptions(tries=6, backoff_seconds=2, max_backoff_seconds=10)
        assert backoff_delays(options) == [2, 4, 8, 10, 10]

    def test_one_try_never_waits(self) -> None:
        assert backoff_delays(WorkerOptions(tries=1)) == []


class TestPollStatus:
    async def test_retries_then_answers(self) -> None:
        clock, wallet = Clock(), FlakyWallet(failures=2)
        limiter = RateLimiter(60_000, clock=clock, sleep=clock.sleep)
        options = WorkerOptions(tries=3, backoff_seconds=1)
        outcome = await poll_status(
            wallet, "p", limiter=limiter, options=options, sleep=clock.sleep
        )
        assert outcome.status == SigningStatus.OPEN
        assert wallet.calls == 3
        assert [pause for pause in clock.slept if pause >= 1] == [1, 2]

    async def test_gives_up_after_the_last_try(self) -> None:
        clock, wallet = Clock(), FlakyWallet(failures=5)
        limiter = RateLimiter(60_000, clock=clock, sleep=clock.sleep)
        with pytest.raises(SigningUnavailable):
            await poll_status(
                wallet, "p", limiter=limiter, options=WorkerOptions(tries=2), sleep=clock.sleep
            )
        assert wallet.calls == 2
