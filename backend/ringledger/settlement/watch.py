"""The watch (`XRPL_MODE=rpc`): escrows finished or cancelled by someone else, learnt from the
ledger.

Any account may finish an escrow once FinishAfter has passed — a fighter claiming their show
purse from their own wallet — and cancel one once CancelAfter has. So the worker looks up every
escrow recorded `created` whose FinishAfter lies before the close time of the node's newest
validated ledger, at most once per RINGLEDGER_LEDGER_WATCH_INTERVAL: the escrow object by owner
and sequence (`ledger_entry`). When the object is gone, the transaction that removed it is among
the owner's transactions (`account_tx`, from the create's ledger on: a finish or cancel appears
in the owner's history whoever sent it, because it deletes an object the owner owns), and it is
recorded as the ledger shows it (`observed`). `ringledger ledger-check` reads the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from ringledger.core.config import Settings
from ringledger.core.db import Database
from ringledger.core.leases import Lease
from ringledger.core.metrics import WATCHED
from ringledger.ledger.interface import LedgerReader, LedgerTx, LedgerUnavailable
from ringledger.settlement import queries
from ringledger.settlement.observed import Found, record_observed
from ringledger.settlement.queries import Due

log = logging.getLogger(__name__)
# How many of the owner's transactions one search reads at most (pages of `account_tx`) before
# it leaves the escrow unexplained for the operator: a promoter's history since one create.
PAGE_SIZE = 200
MAX_PAGES = 50


@dataclass(frozen=True)
class Sighting:
    """What the ledger shows of one escrow recorded `created`."""

    due: Due
    locked: bool  # the escrow object is still there
    close: LedgerTx | None = None  # the finish or cancel that removed it, when found

    @property
    def unexplained(self) -> bool:
        return not self.locked and self.close is None


@dataclass
class WatchTally:
    """What one pass of the watch did."""

    looked_up: int = 0
    recorded: int = 0
    anomalies: list[str] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)  # gone, and no close found for it
    unchecked: list[str] = field(default_factory=list)  # the node could not be asked


async def look(reader: LedgerReader, due: Due) -> Sighting:
    """Is the escrow still locked on the ledger, and if not, what closed it?"""
    if await reader.escrow(due.owner, due.offer_sequence) is not None:
        return Sighting(due, locked=True)
    return Sighting(due, locked=False, close=await find_close(reader, due))


async def find_close(reader: LedgerReader, due: Due) -> LedgerTx | None:
    """The validated tesSUCCESS EscrowFinish or EscrowCancel of this escrow in its owner's
    history, searched from the create's ledger on."""
    marker: object | None = None
    for _ in range(MAX_PAGES):
        page = await reader.account_transactions(
            due.owner, from_ledger=due.create_ledger_index, marker=marker, limit=PAGE_SIZE
        )
        for tx in page.transactions:
            if _closes(tx, due):
                return tx
        marker = page.marker
        if marker is None:
            return None
    return None


def _closes(tx: LedgerTx, due: Due) -> bool:
    return (
        tx.validated is True
        and tx.engine_result == "tesSUCCESS"
        and tx.transaction_type in ("EscrowFinish", "EscrowCancel")
        and tx.owner == due.owner
        and tx.offer_sequence == due.offer_sequence
    )


async def record(database: Database, sighting: Sighting, tally: WatchTally) -> None:
    """Record what the sighting found, and that the escrow was looked up now."""
    due = sighting.due
    async with database.transaction() as tx:
        if sighting.close is not None:
            recorded = await record_observed(
                tx, bout_id=due.bout_id, escrow_id=due.escrow_id, observed=sighting.close
            )
            _count(recorded.found, recorded.reason, sighting, tally)
        elif sighting.unexplained:
            reason = f"bout {due.bout_id} {due.kind.value}: gone from the ledger, no close found"
            log.warning("ledger watch: %s", reason)
            tally.unexplained.append(reason)
        await queries.mark_watched(tx.conn, due.escrow_id)
    WATCHED.labels("locked" if sighting.locked else "closed" if sighting.close else "gone").inc()


def _count(found: Found, reason: str | None, sighting: Sighting, tally: WatchTally) -> None:
    due = sighting.due
    if found is Found.RECORDED:
        tally.recorded += 1
        if reason is not None:
            tally.anomalies.append(f"bout {due.bout_id} {due.kind.value}: {reason}")
    elif found is not Found.ALREADY:
        tally.unexplained.append(f"bout {due.bout_id} {due.kind.value}: {reason}")


async def run(
    database: Database,
    reader: LedgerReader,
    settings: Settings,
    *,
    lease: Lease,
    batch_size: int = 20,
    stopping: Callable[[], bool] = lambda: False,
) -> WatchTally:
    """Look up every due escrow once; record the closes found."""
    tally = WatchTally()
    try:
        close_time = (await reader.validated_ledger()).close_time
    except LedgerUnavailable as error:
        tally.unchecked.append(f"the newest validated ledger: {error.detail}")
        return tally
    cursor = queries.BEFORE_ALL
    while not stopping():
        async with database.transaction() as tx:
            batch = await queries.claim_due(
                tx.conn,
                ledger_close_time=close_time,
                after=cursor,
                owner=lease.owner,
                lease=lease.duration,
                interval=settings.RINGLEDGER_LEDGER_WATCH_INTERVAL,
                limit=batch_size,
            )
        if not batch:
            break
        cursor = (batch[-1].finish_after, batch[-1].escrow_id)
        for position, due in enumerate(batch):
            if stopping():
                await give_back(database, batch[position:], lease)
                return tally
            await _watch_one(database, reader, due, lease, tally)
    return tally


async def _watch_one(
    database: Database, reader: LedgerReader, due: Due, lease: Lease, tally: WatchTally
) -> None:
    try:
        sighting = await look(reader, due)
    except LedgerUnavailable as error:
        tally.unchecked.append(f"bout {due.bout_id} {due.kind.value}: {error.detail}")
        await give_back(database, [due], lease)
        return
    tally.looked_up += 1
    await record(database, sighting, tally)


async def give_back(database: Database, dues: list[Due], lease: Lease) -> None:
    async with database.transaction() as tx:
        await queries.release(
            tx.conn, escrow_ids=[due.escrow_id for due in dues], owner=lease.owner
        )
