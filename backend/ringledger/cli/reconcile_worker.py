"""`ringledger reconcile [--watch]`: the reconcile worker with a progress display and a summary."""

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
from ringledger.settlement.signing_outcomes import record_outcome
from ringledger.signing import queries as signing_queries
from ringledger.signing import worker
from ringledger.signing.factory import build_signing
from ringledger.signing.interface import SigningService
from ringledger.signing.worker import PassTally, RateLimiter, WorkerOptions


class Stop:
    """Set by SIGINT/SIGTERM in watch mode: finish the batch in hand, then leave."""

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
    *,
    options: WorkerOptions,
    limiter: RateLimiter,
    stop: Stop,
) -> PassTally:
    """One pass over the open sign requests behind a progress bar (on standard error)."""
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
            record_outcome,
            options=options,
            limiter=limiter,
            advance=advance,
            stopping=stop.event.is_set,
        )


def report(tally: PassTally, mode: str) -> None:
    """The changes, the payloads that could not be checked, and the one-line summary."""
    if tally.changes:
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
    for item in tally.unchecked:
        errors.print(f"[red]✗ {item.payload_id} (bout {item.bout_id}): {escape(item.reason)}[/red]")
    console.print(
        f"reconcile ({mode}): checked {tally.checked}, changed {tally.changed}, "
        f"failed {tally.failed}, busy {tally.busy}",
        highlight=False,
    )


async def run(
    settings: Settings,
    url: URL,
    *,
    options: WorkerOptions,
    watch: bool,
    interval: float,
    passes: int,
) -> PassTally:
    """Pass after pass (or just one); the tally of the last pass decides the exit code."""
    signing = build_signing(settings)
    limiter = RateLimiter(options.calls_per_minute)
    stop = Stop()
    if watch:
        stop.install()
    done = 0
    try:
        async with common.database(url, settings) as database:
            while True:
                tally = await one_pass(
                    database, signing, options=options, limiter=limiter, stop=stop
                )
                report(tally, signing.mode)
                done += 1
                if not watch or (passes and done >= passes) or stop.event.is_set():
                    return tally
                await stop.pause(interval)
                if stop.event.is_set():
                    return tally
    finally:
        await signing.aclose()


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
        int, typer.Option(min=1, max=100, help="Sign requests claimed per transaction.")
    ] = 5,
    tries: Annotated[
        int, typer.Option(min=1, max=10, help="Calls per sign request before giving up.")
    ] = 3,
    backoff: Annotated[
        float, typer.Option(min=0.0, help="First pause between tries, in seconds (doubles).")
    ] = 2.0,
) -> None:
    """Poll the signing service for every open sign request and record the outcomes.

    Never changes a lifecycle status. Exit 1 when a sign request could not be checked.
    """
    settings = common.load_settings()
    url = common.ready_database(settings)
    options = WorkerOptions(
        batch_size=batch_size, calls_per_minute=rate, tries=tries, backoff_seconds=backoff
    )
    try:
        tally = common.run_async(
            lambda: run(
                settings, url, options=options, watch=watch, interval=interval, passes=passes
            )
        )
    except KeyboardInterrupt:
        # Without --watch nobody installed a handler; the batch in hand was rolled back.
        errors.print("[yellow]interrupted: the batch in hand was not recorded[/yellow]")
        raise typer.Exit(common.EXIT_INTERRUPTED) from None
    if tally.failed:
        raise typer.Exit(common.EXIT_FAILED)
