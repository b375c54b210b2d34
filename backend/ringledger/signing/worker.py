"""The reconcile worker: ask the signing service about every open sign request, record answers.

Several workers may run at once (one per machine). Each batch of open attempts is claimed with
`FOR UPDATE SKIP LOCKED`, so one sign request is checked by one worker at a time. The worker
never waits for a lock: a bout that a request is busy with is left for the next pass. A worker
that cannot wait cannot deadlock with the routes, which lock the bout first and the attempt
second. Recording goes through `signing.service.record_outcome` as the system actor, so the
lifecycle status of an escrow or a bout never changes here.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from ringledger.audit.service import Actor
from ringledger.bouts.models import Bout, Escrow
from ringledger.signing import service as signing_service
from ringledger.signing.interface import PayloadOutcome, SigningService, SigningUnavailable
from ringledger.signing.models import SigningAttempt, SigningStatus

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Cursor = tuple[datetime, uuid.UUID]


@dataclass(frozen=True)
class WorkerOptions:
    """How hard the worker may press the signing service."""

    batch_size: int = 5
    calls_per_minute: float = 25.0
    tries: int = 3
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 60.0


@dataclass(frozen=True)
class Change:
    """One sign request whose recorded status moved."""

    payload_id: str
    bout_id: uuid.UUID
    escrow_kind: str
    before: str
    after: str
    failure_code: str | None


@dataclass(frozen=True)
class Unchecked:
    """One sign request the signing service could not tell us about."""

    payload_id: str
    bout_id: uuid.UUID
    reason: str


@dataclass
class PassTally:
    """What one pass over the open sign requests did."""

    checked: int = 0
    changed: int = 0
    busy: int = 0
    changes: list[Change] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.unchecked)


class RateLimiter:
    """Spaces calls evenly so that at most `per_minute` happen in any minute."""

    def __init__(
        self,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("the call rate must be positive")
        self._interval = 60.0 / per_minute
        self._clock, self._sleep = clock, sleep
        self._next: float | None = None

    async def wait(self) -> None:
        """Return when the next call may go out."""
        now = self._clock()
        if self._next is not None and self._next > now:
            await self._sleep(self._next - now)
            now = self._next
        self._next = now + self._interval


def backoff_delays(options: WorkerOptions) -> list[float]:
    """The pauses between tries: doubling from `backoff_seconds`, capped."""
    return [
        min(options.max_backoff_seconds, options.backoff_seconds * 2**step)
        for step in range(max(0, options.tries - 1))
    ]


async def poll_status(
    signing: SigningService,
    payload_id: str,
    *,
    limiter: RateLimiter,
    options: WorkerOptions,
    sleep: Sleep = asyncio.sleep,
) -> PayloadOutcome:
    """The payload's status; SigningUnavailable is retried with backoff, then raised."""
    delays = backoff_delays(options)
    for step in range(len(delays) + 1):
        await limiter.wait()
        try:
            return await signing.status(
                payload_id=payload_id, observed_status=None, observed_tx_hash=None
            )
        except SigningUnavailable as error:
            if step == len(delays):
                raise
            log.warning(
                "status of payload %s failed (try %d of %d), retrying in %.1fs: %s",
                payload_id,
                step + 1,
                len(delays) + 1,
                delays[step],
                error.detail,
            )
            await sleep(delays[step])
    raise AssertionError("unreachable")  # pragma: no cover


async def count_open(session: AsyncSession) -> int:
    """How many sign requests are still open (for the progress display)."""
    total = await session.scalar(
        select(func.count())
        .select_from(SigningAttempt)
        .where(SigningAttempt.status == SigningStatus.OPEN)
    )
    return int(total or 0)


async def claim_batch(
    session: AsyncSession, *, after: Cursor | None, limit: int
) -> list[SigningAttempt]:
    """The next open attempts, oldest first, that no other worker holds; locked until commit.

    Only the newest attempt of an escrow and phase is polled: a newer prepare superseded (and
    withdrew) the older ones, whose outcome can no longer move anything.
    """
    newer = aliased(SigningAttempt)
    superseded = (
        select(newer.id)
        .where(
            newer.escrow_id == SigningAttempt.escrow_id,
            newer.phase == SigningAttempt.phase,
            newer.created_at > SigningAttempt.created_at,
        )
        .exists()
    )
    query = select(SigningAttempt).where(SigningAttempt.status == SigningStatus.OPEN, ~superseded)
    if after is not None:
        query = query.where(tuple_(SigningAttempt.created_at, SigningAttempt.id) > tuple_(*after))
    query = (
        query.order_by(SigningAttempt.created_at, SigningAttempt.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(await session.scalars(query))


async def lock_bout_if_free(session: AsyncSession, bout_id: uuid.UUID) -> Bout | None:
    """The bout, locked as the routes lock it; None while a request holds it (never waits)."""
    bout: Bout | None = await session.scalar(
        select(Bout)
        .where(Bout.id == bout_id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return bout


async def record(
    session: AsyncSession, *, attempt: SigningAttempt, outcome: PayloadOutcome, tally: PassTally
) -> None:
    """Record one answer under the bout lock, exactly as the reconcile route would."""
    bout = await lock_bout_if_free(session, attempt.bout_id)
    if bout is None:
        tally.busy += 1
        return
    escrow: Escrow = next(item for item in bout.escrows if item.id == attempt.escrow_id)
    before = attempt.status.value
    changed = await signing_service.record_outcome(
        session, bout=bout, escrow=escrow, attempt=attempt, outcome=outcome, actor=Actor.system()
    )
    if changed:
        tally.changed += 1
        change = Change(
            payload_id=attempt.payload_id,
            bout_id=bout.id,
            escrow_kind=escrow.kind.value,
            before=before,
            after=outcome.status.value,
            failure_code=signing_service.failure_code_of(outcome.status),
        )
        tally.changes.append(change)
        log.info(
            "payload %s of bout %s (%s): %s -> %s",
            change.payload_id,
            change.bout_id,
            change.escrow_kind,
            change.before,
            change.after,
        )


async def ask(
    signing: SigningService,
    attempt: SigningAttempt,
    *,
    limiter: RateLimiter,
    options: WorkerOptions,
    tally: PassTally,
    sleep: Sleep = asyncio.sleep,
) -> PayloadOutcome | None:
    """The answer for one claimed attempt, or None (counted as unchecked) when there is none."""
    try:
        outcome = await poll_status(
            signing, attempt.payload_id, limiter=limiter, options=options, sleep=sleep
        )
    except SigningUnavailable as error:
        log.warning("payload %s could not be checked: %s", attempt.payload_id, error.detail)
        tally.unchecked.append(Unchecked(attempt.payload_id, attempt.bout_id, error.detail))
        return None
    tally.checked += 1
    return outcome


async def run_pass(
    sessions: async_sessionmaker[AsyncSession],
    signing: SigningService,
    *,
    options: WorkerOptions,
    limiter: RateLimiter,
    advance: Callable[[], None] = lambda: None,
    stopping: Callable[[], bool] = lambda: False,
    sleep: Sleep = asyncio.sleep,
) -> PassTally:
    """One walk over the open sign requests, a batch (one transaction) at a time.

    A batch is asked about first and recorded afterwards, so bout locks are held only for the
    short recording step, never across calls to the signing service.
    """
    tally = PassTally()
    cursor: Cursor | None = None
    while not stopping():
        async with sessions() as session, session.begin():
            batch = await claim_batch(session, after=cursor, limit=options.batch_size)
            if not batch:
                break
            cursor = (batch[-1].created_at, batch[-1].id)
            answers = []
            for attempt in batch:
                outcome = await ask(
                    signing, attempt, limiter=limiter, options=options, tally=tally, sleep=sleep
                )
                answers.append((attempt, outcome))
                advance()
            for attempt, outcome in answers:
                if outcome is not None:
                    await record(session, attempt=attempt, outcome=outcome, tally=tally)
    return tally
