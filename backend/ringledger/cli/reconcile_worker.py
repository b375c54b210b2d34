"""`ringledger reconcile [--watch]`: the reconcile worker with a progress display and a summary.

A pass polls the signing side for open sign requests and, with `XRPL_MODE=rpc`, follows every
signed transaction to the ledger and watches the escrows anyone may have moved
(`ringledger.settlement.worker`). With `--watch` it repeats; SIGINT or SIGTERM lets the item in
hand finish (for at most RINGLEDGER_SHUTDOWN_GRACE), gives every claim back and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table
from sqlalchemy.engine import URL

from ringledger.cli import common
from ringledger.cli.common import console, errors
from ringledger.core.config import Settings
from ringledger.core.db import Database
from ringledger.core.leases import Lease
from ringledger.ledger.factory import build_ledger
from ringledger.ledger.interface import Ledger
from ringledger.settlement import worker
from ringledger.settlement.worker import PassReport
from ringledger.signing import queries as signing_queries
from ringledger.signing.factory import build_signing
from ringledger.signing.interface import SigningService
from ringledger.signing.worker import PassTally, RateLimiter, WorkerOptions


class Stop:
    """Set by SIGINT/SIGTERM in watch mode: finish the item in hand, then leave."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def install(self) -> None:
        """Route SIGINT and SIGTERM to the stop event."""
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            # Only the main thread may own signal handlers; elsewhere we stop by pass count.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(number, self.event.set)

    async def pause(self, seconds: float) -> None:
        """Sleep between passes, waking early when asked to stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.event.wait(), timeout=seconds)


async def one_pass(
    database: Database,
    signing: SigningService,
    ledger: Ledger,
    settings: Settings,
    *,
    options: WorkerOptions,
    limiter: RateLimiter,
    lease: Lease,
    stop: Stop,
) -> PassReport:
    """One pass behind a progress bar for the signing poll (on standard error)."""
    async with database.transaction() as tx:
        total = await signing_queries.count_open(tx.conn)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=errors, transient=True) as progress:
        task = progress.add_task("checking open sign requests", total=total)
        done = 0

        def advance() -> None:
            nonlocal done
            done += 1
            # Other workers may add or take attempts meanwhile: never let the bar overflow.
            progress.update(task, completed=done, total=max(total, done))

        return await worker.run_pass(
            database,
            signing,
            ledger,
            settings,
            options=options,
            limiter=limiter,
            lease=lease,
            advance=advance,
            stopping=stop.event.is_set,
        )


def report(done: PassReport, mode: str) -> None:
    """The changes, what could not be checked, and a summary line per part."""
    tally = done.signing
    if tally.changes:
        _changes_table(tally)
    for item in tally.unchecked:
        errors.print(f"[red]✗ {item.payload_id} (bout {item.bout_id}): {escape(item.reason)}[/red]")
    console.print(
        f"reconcile ({mode}): checked {tally.checked}, changed {tally.changed}, "
        f"failed {tally.failed}, busy {tally.busy}",
        highlight=False,
    )
    if done.follow is not None:
        follow = done.follow
        for reason in follow.unchecked:
            errors.print(f"[red]✗ follow-through {escape(reason)}[/red]")
        console.print(
            f"follow-through: followed {follow.followed}, recorded {follow.recorded}, "
            f"waiting {follow.waiting}, failed {len(follow.unchecked)}",
            highlight=False,
        )
    if done.watch is not None:
        watched = done.watch
        for reason in (*watched.anomalies, *watched.unexplained, *watched.unchecked):
            errors.print(f"[red]✗ ledger watch: {escape(reason)}[/red]")
        console.print(
            f"ledger watch: looked up {watched.looked_up}, recorded {watched.recorded}, "
            f"anomalies {len(watched.anomalies)}, unexplained {len(watched.unexplained)}, "
            f"failed {len(watched.unchecked)}",
            highlight=False,
        )


def _changes_table(tally: PassTally) -> None:
    table = Table(title="recorded outcomes", title_justify="left")
    for name in ("payload", "bout", "escrow", "before", "after", "failure"):
        table.add_column(name, overflow="fold")
    for change in tally.changes:
        table.add_row(
            change.payload_id,
            str(change.bout_id),
            change.escrow_kind,
            change.before,
            change.after,
            change.failure_code or "",
        )
    common.wide_console().print(table)


async def run(
    settings: Settings,
    url: URL,
    *,
    options: WorkerOptions,
    watch: bool,
    interval: float,
    passes: int,
) -> PassReport:
    """Pass after pass (or just one); the last pass decides the exit code."""
    signing, ledger = build_signing(settings), build_ledger(settings)
    limiter = RateLimiter(options.calls_per_minute)
    lease, stop = Lease.for_this_process(), Stop()
    if watch:
        stop.install()
    done = 0
    try:
        async with common.database(url, settings) as database:
            try:
                while True:
                    pass_report = await _bounded_pass(
                        database, signing, ledger, settings, options, limiter, lease, stop
                    )
                    report(pass_report, signing.mode)
                    done += 1
                    if not watch or (passes and done >= passes) or stop.event.is_set():
                        return pass_report
                    await stop.pause(interval)
                    if stop.event.is_set():
                        return pass_report
            finally:
                async with database.transaction() as tx:
                    await worker.release_all(tx.conn, owner=lease.owner)
    finally:
        await signing.aclose()
        await ledger.aclose()


async def _bounded_pass(
    database: Database,
    signing: SigningService,
    ledger: Ledger,
    settings: Settings,
    options: WorkerOptions,
    limiter: RateLimiter,
    lease: Lease,
    stop: Stop,
) -> PassReport:
    """A pass that, once asked to stop, gets RINGLEDGER_SHUTDOWN_GRACE to finish its item."""
    running = asyncio.create_task(
        one_pass(
            database,
            signing,
            ledger,
            settings,
            options=options,
            limiter=limiter,
            lease=lease,
            stop=stop,
        )
    )
    stopped = asyncio.create_task(stop.event.wait())
    try:
        await asyncio.wait({running, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not running.done():
            grace = settings.RINGLEDGER_SHUTDOWN_GRACE.total_seconds()
            await asyncio.wait({running}, timeout=grace)
        if not running.done():
            running.cancel()  # its claims are given back by the caller either way
            with contextlib.suppress(asyncio.CancelledError):
                await running
            return PassReport(PassTally())
        return running.result()
    finally:
        stopped.cancel()


def reconcile(
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep polling until SIGINT/SIGTERM.")
    ] = False,
    interval: Annotated[
        float, typer.Option(min=0.0, help="Seconds between passes with --watch.")
    ] = 30.0,
    passes: Annotated[
        int, typer.Option(min=0, help="With --watch, stop after this many passes (0: never).")
    ] = 0,
    rate: Annotated[
        float, typer.Option(min=0.01, help="At most this many status calls a minute.")
    ] = 25.0,
    batch_size: Annotated[
        int, typer.Option(min=1, max=100, help="Sign requests claimed at a time.")
    ] = 5,
    tries: Annotated[
        int, typer.Option(min=1, max=10, help="Calls per sign request before giving up.")
    ] = 3,
    backoff: Annotated[
        float, typer.Option(min=0.0, help="First pause between tries, in seconds (doubles).")
    ] = 2.0,
) -> None:
    """Poll the signing service for every open sign request and record the outcomes; with
    XRPL_MODE=rpc, also confirm every signed transaction from the ledger and record escrows
    that anyone else finished or cancelled.

    Exit 1 when something could not be checked or needs an operator.
    """
    settings = common.load_settings()
    url = common.ready_database(settings)
    options = WorkerOptions(
        batch_size=batch_size, calls_per_minute=rate, tries=tries, backoff_seconds=backoff
    )
    try:
        done = common.run_async(
            lambda: run(
                settings, url, options=options, watch=watch, interval=interval, passes=passes
            )
        )
    except KeyboardInterrupt:
        # Without --watch nobody installed a handler; the item in hand was not recorded.
        errors.print("[yellow]interrupted: the item in hand was not recorded[/yellow]")
        raise typer.Exit(common.EXIT_INTERRUPTED) from None
    if done.failed:
        raise typer.Exit(common.EXIT_FAILED)
