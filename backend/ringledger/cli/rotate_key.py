"""`ringledger rotate-preimage-key`: re-encrypt every stored bonus preimage under the first key of
RINGLEDGER_PREIMAGE_KEY, a batch (one transaction) at a time, with a progress display."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from sqlalchemy.engine import URL

from ringledger.bouts import preimages
from ringledger.cli import common
from ringledger.cli.common import console, errors
from ringledger.core.config import Settings


async def run(settings: Settings, url: URL, *, batch_size: int) -> preimages.Rotation:
    """Every preimage, batch after batch; each batch commits, so a rerun resumes."""
    primary = settings.preimage_keys[0]
    tally = preimages.Rotation()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    async with common.database(url, settings) as database:
        async with database.transaction() as tx:
            total = await preimages.count(tx.conn)
        with Progress(*columns, console=errors, transient=True) as progress:
            task = progress.add_task("re-encrypting preimages", total=total)
            after: uuid.UUID | None = preimages.BEFORE_ALL
            while after is not None:
                async with database.transaction() as tx:
                    after = await preimages.rotate_batch(
                        tx.conn,
                        cipher=settings.preimage_cipher,
                        primary=primary,
                        after=after,
                        limit=batch_size,
                        tally=tally,
                    )
                progress.update(task, completed=tally.examined)
    return tally


def rotate_preimage_key(
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="Preimages per transaction.")
    ] = 500,
) -> None:
    """Re-encrypt every stored preimage under the first key of RINGLEDGER_PREIMAGE_KEY.

    Put the new key first and keep the old ones after it (the service decrypts with any of
    them), run this, then drop the old keys. Safe to interrupt and to run again: preimages
    already under the first key are left as they are. Exit 1 if a preimage cannot be read
    with any key or does not match its escrow's condition (each is listed).
    """
    settings = common.load_settings()
    if not settings.preimage_key_configured:
        errors.print("[red]RINGLEDGER_PREIMAGE_KEY is not set: there is no key to rotate to[/red]")
        raise typer.Exit(common.EXIT_CONFIG)
    url = common.ready_database(settings)
    tally = common.run_async(lambda: run(settings, url, batch_size=batch_size))
    for escrow_id in tally.unreadable:
        errors.print(
            f"[red]✗ escrow {escrow_id}: no configured key decrypts its preimage[/red]",
            soft_wrap=True,
        )
    for escrow_id in tally.mismatched:
        errors.print(
            f"[red]✗ escrow {escrow_id}: its preimage does not match its condition[/red]",
            soft_wrap=True,
        )
    console.print(
        f"rotate-preimage-key: examined {tally.examined}, re-encrypted {tally.rotated}, "
        f"already under the first key {tally.current}, unreadable {len(tally.unreadable)}, "
        f"mismatched {len(tally.mismatched)}",
        highlight=False,
    )
    if tally.unreadable or tally.mismatched:
        raise typer.Exit(common.EXIT_FAILED)
