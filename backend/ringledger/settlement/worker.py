"""One pass of the reconcile worker: the signing poll, then (`XRPL_MODE=rpc`) the follow-through
and the watch.

- The signing poll asks the signing side about every open sign request and records the answers
  (`ringledger.signing.worker`); in stub mode it only counts them.
- The follow-through confirms every signed request's transaction itself (`follow_through`).
- The watch learns from the ledger which escrows someone else finished or cancelled (`watch`).

One pass handles everything due at the moment it runs, so it can run from cron or a test; with
`--watch` the command repeats it. Every part leases what it works on (`core.leases`) and holds
no row lock while it waits for Xaman or the node; several workers may run at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ringledger.core.config import Settings
from ringledger.core.db import Connection, Database
from ringledger.core.leases import Lease
from ringledger.ledger.interface import Ledger
from ringledger.settlement import follow_through, queries, watch
from ringledger.settlement.follow_through import FollowTally
from ringledger.settlement.signing_outcomes import record_outcome
from ringledger.settlement.watch import WatchTally
from ringledger.signing import queries as signing_queries
from ringledger.signing import worker as signing_worker
from ringledger.signing.interface import SigningService
from ringledger.signing.worker import PassTally, RateLimiter, WorkerOptions


@dataclass(frozen=True)
class PassReport:
    """What one pass did, part by part (the ledger's parts only in rpc mode)."""

    signing: PassTally
    follow: FollowTally | None = None
    watch: WatchTally | None = None

    @property
    def failed(self) -> int:
        """Items that could not be checked, or that need an operator (exit code 1)."""
        failed = self.signing.failed
        if self.follow is not None:
            failed += len(self.follow.unchecked)
        if self.watch is not None:
            failed += len(self.watch.unchecked) + len(self.watch.unexplained)
        return failed


async def run_pass(
    database: Database,
    signing: SigningService,
    ledger: Ledger,
    settings: Settings,
    *,
    options: WorkerOptions,
    limiter: RateLimiter,
    lease: Lease,
    advance: Callable[[], None] = lambda: None,
    stopping: Callable[[], bool] = lambda: False,
) -> PassReport:
    """The signing poll, then the follow-through and the watch when the ledger is a node."""
    polled = await signing_worker.run_pass(
        database,
        signing,
        record_outcome,
        options=options,
        limiter=limiter,
        lease=lease,
        advance=advance,
        stopping=stopping,
    )
    if settings.XRPL_MODE != "rpc":
        return PassReport(polled)
    followed = await follow_through.run(database, ledger, settings, lease=lease, stopping=stopping)
    watched = await watch.run(database, ledger, settings, lease=lease, stopping=stopping)
    return PassReport(polled, followed, watched)


async def release_all(conn: Connection, *, owner: str) -> None:
    """Give back every claim `owner` still holds: sign requests and escrows (a stopping worker)."""
    await signing_queries.release_all(conn, owner=owner)
    await queries.release_all(conn, owner=owner)
