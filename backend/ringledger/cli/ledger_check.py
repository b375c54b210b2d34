"""`ringledger ledger-check [--bout ID] [--apply]`: the records compared with the ledger.

Every disagreement is one row: the bout, the escrow, what the records say and what the ledger
shows. Exit 1 when there is a disagreement left (or something could not be checked); with
`--apply`, what the ledger shows is recorded as the watch would record it, and the exit is 0
once every disagreement found was recorded.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table
from sqlalchemy.engine import URL

from ringledger.cli import common
from ringledger.cli.common import console, errors
from ringledger.core.config import Settings
from ringledger.ledger.factory import build_ledger
from ringledger.settlement import reconciliation
from ringledger.settlement.reconciliation import CheckReport


async def run(
    settings: Settings, url: URL, *, bout_id: uuid.UUID | None, apply: bool
) -> CheckReport:
    ledger = build_ledger(settings)
    try:
        async with common.database(url, settings) as database:
            # A spinner with a count on a terminal; nothing but the table in a pipe or a file.
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description} {task.completed}"),
                console=errors,
                transient=True,
                disable=not errors.is_terminal,
            ) as progress:
                task = progress.add_task("escrows compared with the ledger:", total=None)
                return await reconciliation.check(
                    database,
                    ledger,
                    settings,
                    bout_id=bout_id,
                    apply=apply,
                    advance=lambda: progress.advance(task),
                )
    finally:
        await ledger.aclose()


def show(report: CheckReport, *, apply: bool) -> None:
    if report.disagreements:
        table = Table(title="escrows the ledger disagrees with", title_justify="left")
        for name in ("bout", "escrow", "recorded", "the ledger shows", "recorded now"):
            table.add_column(name, overflow="fold")
        for item in report.disagreements:
            table.add_row(
                str(item.bout_id),
                item.escrow_kind,
                item.recorded,
                item.ledger,
                "yes" if item.applied else "no",
            )
        common.wide_console().print(table)
    for reason in report.unchecked:
        errors.print(f"[red]✗ not checked: {escape(reason)}[/red]")
    applied = sum(item.applied for item in report.disagreements)
    console.print(
        f"ledger-check: checked {report.checked}, disagreements {len(report.disagreements)}"
        + (f", recorded {applied}" if apply else "")
        + f", not checked {len(report.unchecked)}",
        highlight=False,
    )


def ledger_check(
    bout: Annotated[
        uuid.UUID | None, typer.Option("--bout", help="Only this bout's escrows.")
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Record what the ledger shows, as the watch would.")
    ] = False,
) -> None:
    """Compare the escrows not settled yet with the ledger (XRPL_MODE=rpc) and print each
    disagreement; exit 1 while one is left."""
    settings = common.load_settings()
    if settings.XRPL_MODE != "rpc":
        errors.print("[red]ledger-check reads the ledger: it needs XRPL_MODE=rpc[/red]")
        raise typer.Exit(common.EXIT_CONFIG)
    url = common.ready_database(settings)
    report = common.run_async(lambda: run(settings, url, bout_id=bout, apply=apply))
    show(report, apply=apply)
    if report.unresolved:
        raise typer.Exit(common.EXIT_FAILED)
