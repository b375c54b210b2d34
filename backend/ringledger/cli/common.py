"""What every CLI command shares: settings, the database URL, a unit of work."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio
import typer
from rich.console import Console
from sqlalchemy.engine import URL

from ringledger.core.config import Settings, get_settings
from ringledger.core.database import database_url
from ringledger.core.db import Database, Tx

warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

console = Console()
errors = Console(stderr=True)
T = TypeVar("T")

# Exit codes scripts may rely on (docs/operations-runbook.md lists them).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_SCHEMA = 3
EXIT_NOT_FOUND = 4
EXIT_INTERRUPTED = 130


def load_settings() -> Settings:
    """Settings from the environment; exits with code 2 listing every problem."""
    try:
        settings = get_settings()
    except ValueError as error:
        errors.print(f"[red]invalid configuration:[/red] {error}")
        raise typer.Exit(EXIT_CONFIG) from error
    problems = settings.problems()
    if problems:
        for problem in problems:
            errors.print(f"[red]refused:[/red] {problem}")
        raise typer.Exit(EXIT_CONFIG)
    return settings


def ready_database(settings: Settings) -> URL:
    """The database URL, migrated where the rules allow it; exits with code 3 below head."""
    from ringledger.core.migrations import SchemaNotAtHead, prepare_schema

    url = database_url(settings)
    try:
        prepare_schema(settings, url)
    except SchemaNotAtHead as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(EXIT_SCHEMA) from error
    return url


def ready_database_apart(settings: Settings) -> tuple[URL, str]:
    """As `ready_database`, with the migration tooling loaded in a process of its own
    (`ringledger migrate ready`): the database URL and the revision the service runs on."""
    url = database_url(settings)  # an embedded server is started here, and lives with us
    child = subprocess.run(
        [sys.executable, "-m", "ringledger.cli.main", "migrate", "ready"],
        env={**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)},
        stdout=subprocess.PIPE,
        check=False,
    )
    if child.returncode != 0:
        raise typer.Exit(child.returncode)  # it said why on standard error
    lines = child.stdout.decode().split()
    return url, lines[-1]


@asynccontextmanager
async def database(url: URL, settings: Settings | None = None) -> AsyncIterator[Database]:
    """A small pool for one command (the reconcile worker's too), closed when it ends."""
    settings = settings or get_settings()
    pool = await Database.connect(
        url,
        pool_size=2,
        lock_timeout=settings.RINGLEDGER_IDEMPOTENCY_WAIT,
        pooler=settings.RINGLEDGER_DB_POOLER,
    )
    try:
        yield pool
    finally:
        await pool.close()


@asynccontextmanager
async def unit_of_work(url: URL) -> AsyncIterator[Tx]:
    """One transaction: committed when the block succeeds, rolled back otherwise."""
    async with database(url) as pool, pool.transaction() as tx:
        yield tx


def run_async(function: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine function to completion on a fresh event loop."""
    return anyio.run(function)


def read_secret_from_stdin() -> str:
    """One line of standard input, without its line ending (never echoed, never an argument)."""
    return sys.stdin.readline().rstrip("\r\n")


def wide_console() -> Console:
    """The standard output console; 160 columns when it is a file or a pipe, not 80."""
    # Tables captured for an incident record should not wrap every cell.
    return console if console.is_terminal else Console(width=160)


def is_loopback(host: str) -> bool:
    """True for an interface only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def not_found(what: str) -> typer.Exit:
    """Say that `what` does not exist and return the exit (code 4) to raise."""
    errors.print(f"[red]{what} does not exist[/red]")
    return typer.Exit(EXIT_NOT_FOUND)
