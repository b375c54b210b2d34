"""The reconcile worker's signing poll: ask the signing service about every open sign request,
and record the answers.

Several workers may run at once (one per machine). Each batch of open attempts is leased
(`core.leases`), so one sign request is checked by one worker at a time, and no row lock is held
while Xaman is asked: the reconcile route and the webhook never wait behind the worker.
Recording goes through the same `OutcomeRecorder` as the reconcile route and the webhook, under
the bout's lock, as the system actor, so the lifecycle status of an escrow or a bout never
changes here.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from ringledger.audit.service import Actor
from ringledger.core.db import Database, Tx
from ringledger.core.errors import DatabaseUnavailable
from ringledger.core.leases import Lease
from ringledger.signing import queries
from ringledger.signing.interface import (
    OutcomeRecorder,
    PayloadOutcome,
    SigningService,
    SigningUnavailable,
)
from ringledger.signing.queries import AttemptRow

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


async def record(
    tx: Tx,
    record_outcome: OutcomeRecorder,
    *,
    attempt: AttemptRow,
    outcome: PayloadOutcome,
    tally: PassTally,
) -> None:
    """Record one answer under the bout lock, exactly as the reconcile route would."""
    done = await record_outcome(tx, attempt, outcome, Actor.system(), wait=False)
    if done.result == "busy":
        tally.busy += 1
        return
    if done.result != "recorded":
        return
    tally.changed += 1
    change = Change(
        payload_id=attempt.payload_id,
        bout_id=attempt.bout_id,
        escrow_kind=done.escrow_kind or "",
        before=done.before or "",
        after=done.after or "",
        failure_code=done.failure_code,
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
    attempt: AttemptRow,
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
    database: Database,
    signing: SigningService,
    record_outcome: OutcomeRecorder,
    *,
    options: WorkerOptions,
    limiter: RateLimiter,
    lease: Lease,
    advance: Callable[[], None] = lambda: None,
    stopping: Callable[[], bool] = lambda: False,
    sleep: Sleep = asyncio.sleep,
) -> PassTally:
    """One walk over the open sign requests, a leased batch at a time.

    A batch is leased in a transaction of its own, committed at once; each request is then
    asked about with no transaction open, and the answer recorded under its bout's lock in a
    short transaction that also gives the lease back. Asked to stop, the worker finishes the
    request in hand and gives the rest of its batch back.
    """
    tally = PassTally()
    cursor: Cursor = queries.FIRST
    while not stopping():
        async with database.transaction() as tx:
            batch = await queries.claim_open(
                tx.conn,
                owner=lease.owner,
                lease=lease.duration,
                after=cursor,
                limit=options.batch_size,
            )
        if not batch:
            break
        cursor = (batch[-1].created_at, batch[-1].id)
        for position, attempt in enumerate(batch):
            if stopping():
                await give_back(database, batch[position:], lease)
                return tally
            outcome = await ask(
                signing, attempt, limiter=limiter, options=options, tally=tally, sleep=sleep
            )
            advance()
            await _record_and_release(database, record_outcome, attempt, outcome, lease, tally)
    return tally


async def _record_and_release(
    database: Database,
    record_outcome: OutcomeRecorder,
    attempt: AttemptRow,
    outcome: PayloadOutcome | None,
    lease: Lease,
    tally: PassTally,
) -> None:
    try:
        async with database.transaction() as tx:
            if outcome is not None:
                await record(tx, record_outcome, attempt=attempt, outcome=outcome, tally=tally)
            await queries.release(tx.conn, attempt_ids=[attempt.id], owner=lease.owner)
    except DatabaseUnavailable as error:
        # The bout stayed busy past the lock timeout: the next pass asks again.
        log.warning("payload %s not recorded now: %s", attempt.payload_id, error.detail)
        tally.busy += 1
        await give_back(database, [attempt], lease)


async def give_back(database: Database, attempts: list[AttemptRow], lease: Lease) -> None:
    """Release the leases of attempts this worker will not work on after all."""
    async with database.transaction() as tx:
        await queries.release(
            tx.conn, attempt_ids=[attempt.id for attempt in attempts], owner=lease.owner
        )
