"""Reconciliation on demand (`ringledger ledger-check`): the records against the ledger.

Every escrow recorded `created` (all of them, or one bout's) is looked up as the watch looks it
up; every EscrowCreate recorded signed but not yet confirmed is read from the node. Each
disagreement is reported; with `apply`, what the ledger shows is recorded exactly as the watch
and the follow-through would record it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from ringledger.core.config import Settings
from ringledger.core.db import Database
from ringledger.core.leases import Lease
from ringledger.ledger.interface import Ledger, LedgerTx, LedgerUnavailable
from ringledger.settlement import follow_through, queries, watch
from ringledger.settlement.queries import Due

_PAGE = 200


@dataclass(frozen=True)
class Disagreement:
    bout_id: uuid.UUID
    escrow_kind: str
    recorded: str
    ledger: str
    applied: bool = False


@dataclass
class CheckReport:
    checked: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    @property
    def unresolved(self) -> int:
        return sum(not item.applied for item in self.disagreements) + len(self.unchecked)


async def check(
    database: Database,
    ledger: Ledger,
    settings: Settings,
    *,
    bout_id: uuid.UUID | None,
    apply: bool,
    advance: Callable[[], None] = lambda: None,
) -> CheckReport:
    """Compare every unsettled escrow (or one bout's) with the ledger; record it with `apply`."""
    report = CheckReport()
    async for due in _created(database, bout_id):
        await _check_created(database, ledger, due, apply=apply, report=report)
        advance()
    await _check_signed_creates(database, ledger, settings, bout_id, apply=apply, report=report)
    return report


async def _created(database: Database, bout_id: uuid.UUID | None) -> AsyncIterator[Due]:
    if bout_id is not None:
        async with database.transaction() as tx:
            for due in await queries.created_of_bout(tx.conn, bout_id):
                yield due
        return
    after = queries.BEFORE_ALL
    while True:
        async with database.transaction() as tx:
            page = await queries.created_after(tx.conn, after=after, limit=_PAGE)
        for due in page:
            yield due
        if len(page) < _PAGE:
            return
        after = (page[-1].finish_after, page[-1].escrow_id)


async def _check_created(
    database: Database, ledger: Ledger, due: Due, *, apply: bool, report: CheckReport
) -> None:
    try:
        sighting = await watch.look(ledger, due)
    except LedgerUnavailable as error:
        report.unchecked.append(f"bout {due.bout_id} {due.kind.value}: {error.detail}")
        return
    report.checked += 1
    if sighting.locked:
        return
    applied = False
    if apply and sighting.close is not None:
        tally = watch.WatchTally()
        await watch.record(database, sighting, tally)
        applied = tally.recorded > 0
    report.disagreements.append(
        Disagreement(due.bout_id, due.kind.value, "created", _shown(sighting.close), applied)
    )


def _shown(close: LedgerTx | None) -> str:
    if close is None:
        return "gone from the ledger; no finish or cancel found in the owner's history"
    verb = "finished" if close.transaction_type == "EscrowFinish" else "cancelled"
    return f"{verb} by {close.account} in {close.tx_hash}"


async def _check_signed_creates(
    database: Database,
    ledger: Ledger,
    settings: Settings,
    bout_id: uuid.UUID | None,
    *,
    apply: bool,
    report: CheckReport,
) -> None:
    """A signed EscrowCreate the records still show planned may have locked money already."""
    async with database.transaction() as tx:
        pending = await queries.signed_unconfirmed_creates(tx.conn, bout_id=bout_id)
    for attempt, kind in pending:
        assert attempt.tx_hash is not None
        try:
            found = await ledger.fetch(
                tx_hash=attempt.tx_hash, claimed=LedgerTx(tx_hash=attempt.tx_hash, validated=None)
            )
        except LedgerUnavailable as error:
            report.unchecked.append(f"bout {attempt.bout_id} {kind}: {error.detail}")
            continue
        report.checked += 1
        if not (found.validated and found.engine_result == "tesSUCCESS"):
            continue
        applied = False
        if apply:
            tally = follow_through.FollowTally()
            lease = Lease.for_this_process()
            await follow_through.follow_one(
                database, ledger, settings, attempt, lease=lease, tally=tally
            )
            applied = tally.recorded > 0
        shown = f"created in {attempt.tx_hash} (sign request {attempt.payload_id})"
        report.disagreements.append(Disagreement(attempt.bout_id, kind, "planned", shown, applied))
