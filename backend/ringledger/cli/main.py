"""The `ringledger` operator command line."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from ringledger.cli import (
    audit_view,
    common,
    evidence,
    ledger_check,
    reconcile_worker,
    rotate_key,
    smoke,
)
from ringledger.cli.common import console, errors
from ringledger.core.database import SCHEMA_READY_VARIABLE
from ringledger.core.metrics import METRICS_DIR_VARIABLE

app = typer.Typer(
    help=(
        "RingLedger: fighter purse settlement through XRP Ledger escrows.\n\n"
        "Exit codes: 0 done, 1 the operation failed (a smoke gate, an unchecked sign request, "
        "a configuration problem), 2 usage or configuration refused, 3 schema not at the "
        "expected revision, 4 no such bout."
    ),
    no_args_is_help=True,
)
migrate_app = typer.Typer(help="Alembic migrations, controlled.", no_args_is_help=True)
users_app = typer.Typer(help="Operator-managed accounts.", no_args_is_help=True)
app.add_typer(migrate_app, name="migrate")
app.add_typer(users_app, name="users")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=32, help="API worker processes.")] = 1,
    allow_stub_modes_on_network: Annotated[
        bool,
        typer.Option(
            "--allow-stub-modes-on-network",
            help="Serve XAMAN_MODE/XRPL_MODE=stub on an address other than loopback "
            "(RINGLEDGER_ALLOW_STUB_MODES_ON_NETWORK=true does the same).",
        ),
    ] = False,
) -> None:
    """Run the API and the web console (migrating first only where that is allowed)."""
    import signal

    from ringledger.serving import processes, server

    settings = common.load_settings()
    allowed = allow_stub_modes_on_network or settings.RINGLEDGER_ALLOW_STUB_MODES_ON_NETWORK
    if settings.stub_modes and not allowed and not common.is_loopback(host):
        # In stub mode any caller can "confirm" invented escrows: never by omission on a network.
        errors.print(
            f"[red]refused:[/red] {' and '.join(f'{name}=stub' for name in settings.stub_modes)} "
            f"on {host}, which is not a loopback address. Stub modes trust the evidence clients "
            "send; set the real modes (XAMAN_MODE=api, XRPL_MODE=rpc), listen on 127.0.0.1, or "
            "say you mean it with --allow-stub-modes-on-network."
        )
        raise typer.Exit(common.EXIT_CONFIG)
    url, head = common.ready_database_apart(settings)
    # Workers connect to the same server the parent prepared (the embedded one stays up while
    # this process lives), at the revision it prepared.
    os.environ["DATABASE_URL"] = url.render_as_string(hide_password=False)
    os.environ[SCHEMA_READY_VARIABLE] = head
    console.print(
        f"RingLedger on http://{host}:{port} ({settings.RINGLEDGER_ENV}, {workers} worker(s))"
    )
    # Until the server takes SIGTERM over (and after it gives it back), a SIGTERM exits through
    # SystemExit: the exit hooks run, which stop the embedded PostgreSQL this process started.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if workers > 1:
        _share_metrics()
    config = server.serving_config(settings, host=host, port=port)
    raise typer.Exit(processes.run(config, workers=workers))


def _share_metrics() -> None:
    """Let /metrics count every worker's requests, whichever worker answers the scrape.

    prometheus-client's multiprocess mode: each worker writes its counters to files in
    PROMETHEUS_MULTIPROC_DIR, read back and summed by /metrics. The workers inherit the
    variable; the directory is this run's own (an operator's is used as given) and removed
    when the server exits, so no count of an earlier run is ever added in.
    """
    import atexit
    import shutil
    import tempfile

    if os.environ.get(METRICS_DIR_VARIABLE):
        return
    directory = tempfile.mkdtemp(prefix="ringledger-metrics-")
    os.environ[METRICS_DIR_VARIABLE] = directory
    atexit.register(shutil.rmtree, directory, ignore_errors=True)


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@app.command("check-config")
def check_config() -> None:
    """Validate the environment as production would; print each problem (exit 1 if any)."""
    from ringledger.core.config import get_settings

    settings = get_settings().model_copy(update={"RINGLEDGER_ENV": "production"})
    problems = settings.problems()
    for problem in problems:
        console.print(f"[red]✗[/red] {problem}")
    if problems:
        raise typer.Exit(1)
    console.print("[green]✓[/green] configuration is acceptable for production")


@app.command()
def openapi(
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the OpenAPI document (the web console's client is checked against it)."""
    from ringledger.main import create_app

    document = json.dumps(create_app().openapi(), indent=2, sort_keys=True) + "\n"
    if out is None:
        typer.echo(document, nl=False)
    else:
        out.write_text(document)


def _move_schema(direction: str, revision: str) -> None:
    """Upgrade or downgrade, saying from where to where; an unknown revision exits 1."""
    from alembic.util import CommandError

    from ringledger.core import migrations
    from ringledger.core.database import database_url

    url = database_url(common.load_settings())
    before = migrations.current_revision(url) or "nothing"
    move = migrations.upgrade if direction == "upgrade" else migrations.downgrade
    try:
        move(url, revision)
    except CommandError as error:
        errors.print(f"[red]{direction} to {revision} refused: {error}[/red]")
        raise typer.Exit(common.EXIT_FAILED) from error
    after = migrations.current_revision(url) or "nothing"
    console.print(f"schema {direction}d from {before} to {after}")


@migrate_app.command("upgrade")
def migrate_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Upgrade the schema to REVISION (default head)."""
    _move_schema("upgrade", revision)


@migrate_app.command("downgrade")
def migrate_downgrade(
    revision: Annotated[str, typer.Argument(help="Target, e.g. 0001; one step back is `-- -1`.")],
) -> None:
    """Downgrade the schema to REVISION (controlled rollback)."""
    _move_schema("downgrade", revision)


@migrate_app.command("current")
def migrate_current() -> None:
    """Print the schema revision of the database."""
    from ringledger.core import migrations

    settings = common.load_settings()
    from ringledger.core.database import database_url

    current = migrations.current_revision(database_url(settings))
    pinned = settings.RINGLEDGER_SCHEMA_REVISION
    note = "" if pinned == "head" else f", pinned: {pinned}"
    console.print(f"current: {current or 'none'} (head: {migrations.head_revision()}{note})")


@migrate_app.command("ready")
def migrate_ready() -> None:
    """Prepare the schema as `serve` does (migrate where allowed, else exit 3 at another
    revision) and print the revision the service runs on."""
    from ringledger.core.migrations import target_revision

    settings = common.load_settings()
    common.ready_database(settings)
    console.print(target_revision(settings), highlight=False)


@migrate_app.command("history")
def migrate_history() -> None:
    """List every migration, newest first."""
    from alembic import command

    from ringledger.core import migrations

    command.history(migrations.alembic_config(), verbose=False)


@users_app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The admin's email.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an admin account (the only way to make one)."""
    from ringledger.auth import service
    from ringledger.auth.errors import EmailTaken
    from ringledger.auth.schemas import MIN_PASSWORD, valid_email
    from ringledger.core.security import PasswordHashing

    try:
        email = valid_email(email)  # the form registration and login use
    except ValueError as error:
        errors.print(f"[red]not an email address: {error}[/red]")
        raise typer.Exit(common.EXIT_CONFIG) from None
    if password_stdin:
        password = common.read_secret_from_stdin()
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        errors.print(f"[red]the password needs at least {MIN_PASSWORD} characters[/red]")
        raise typer.Exit(1)
    settings = common.load_settings()
    url = common.ready_database(settings)
    hashing = PasswordHashing(fast=settings.fast_password_hashing)

    async def create() -> str:
        async with common.unit_of_work(url) as tx:
            user = await service.create_admin(tx, passwords=hashing, email=email, password=password)
            return str(user.id)

    try:
        user_id = common.run_async(create)
    except EmailTaken as error:
        errors.print(f"[red]{error.detail}[/red]")
        raise typer.Exit(1) from error
    console.print(f"admin created: {email} ({user_id})")


def _switch_account(email: str, *, disabled: bool) -> None:
    from ringledger.auth import service

    settings = common.load_settings()
    url = common.ready_database(settings)

    async def switch() -> bool:
        async with common.unit_of_work(url) as tx:
            return await service.set_disabled(tx, email=email, disabled=disabled) is not None

    if not common.run_async(switch):
        raise common.not_found(f"an account with the email {email}")
    state = "disabled: its tokens and logins are refused" if disabled else "enabled"
    console.print(f"{email} {state}")


@users_app.command("disable")
def disable_user(email: Annotated[str, typer.Argument(help="The account's email.")]) -> None:
    """Refuse every token and login of an account (its tokens stay revoked after enable)."""
    _switch_account(email, disabled=True)


@users_app.command("enable")
def enable_user(email: Annotated[str, typer.Argument(help="The account's email.")]) -> None:
    """Let a disabled account sign in again."""
    _switch_account(email, disabled=False)


# Incident and day-2 commands; their code lives in modules of their own.
app.command("evidence")(evidence.evidence)
app.command("audit")(audit_view.audit)
app.command("reconcile")(reconcile_worker.reconcile)
app.command("ledger-check")(ledger_check.ledger_check)
app.command("smoke")(smoke.smoke)
app.command("rotate-preimage-key")(rotate_key.rotate_preimage_key)


@app.command("purge-idempotency")
def purge_idempotency() -> None:
    """Delete stored confirm outcomes older than RINGLEDGER_IDEMPOTENCY_RETENTION (default 24h).

    Run it from cron; until a key is purged, a replay with it returns the stored outcome.
    """
    from ringledger.idempotency import service as idempotency

    settings = common.load_settings()
    url = common.ready_database(settings)
    retention = settings.RINGLEDGER_IDEMPOTENCY_RETENTION

    async def purge() -> int:
        async with common.unit_of_work(url) as tx:
            return await idempotency.purge(tx, older_than=retention)

    removed = common.run_async(purge)
    console.print(f"purged {removed} stored outcome(s) older than {retention}")


@app.command("purge")
def purge_expired() -> None:
    """Delete everything past its retention: stored confirm outcomes (as purge-idempotency),
    failed logins outside RINGLEDGER_LOGIN_WINDOW, and registrations older than an hour.

    Run it daily from cron; no throttle or replay ever needs what it deletes.
    """
    from ringledger.auth import service as auth
    from ringledger.idempotency import service as idempotency

    settings = common.load_settings()
    url = common.ready_database(settings)

    async def purge() -> tuple[int, int, int]:
        async with common.unit_of_work(url) as tx:
            outcomes = await idempotency.purge(
                tx, older_than=settings.RINGLEDGER_IDEMPOTENCY_RETENTION
            )
            failures, registrations = await auth.purge_throttles(
                tx, login_window=settings.RINGLEDGER_LOGIN_WINDOW
            )
            return outcomes, failures, registrations

    outcomes, failures, registrations = common.run_async(purge)
    console.print(
        f"purged {outcomes} stored outcome(s), {failures} failed login(s), "
        f"{registrations} registration record(s)"
    )


if __name__ == "__main__":
    app()
