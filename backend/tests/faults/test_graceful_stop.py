"""SIGTERM to a real `ringledger serve`, with one worker and with a supervisor and two.

While a confirm waits on a lock held by the test, the instance is told to stop. It must flip
`/readyz` to 503 at once (liveness stays), still answer a request written on a connection it had
kept open, keep accepting through the notice, then refuse new connections, let the confirm
finish once the lock goes, and exit 0. A confirm that outlives the grace is cut: its client gets
no answer, nothing of it is stored, and the exit code is 1. The supervisor replaces a worker
that dies, and an instance on the embedded PostgreSQL stops it on its way out.
"""

from __future__ import annotations

import contextlib
import http.client
import signal
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import psycopg
import pytest
from sqlalchemy.engine import URL

from tests.support import db_state
from tests.support.api import Api
from tests.support.burst import Confirm
from tests.support.database import libpq
from tests.support.flow import create_evidence
from tests.support.live import ServeProcess

NOTICE = 1.0
GRACE = 10.0


@dataclass
class Stop:
    """What a stopping instance did, measured from the SIGTERM."""

    flipped_after: float | None = None  # the first 503 of /readyz
    readyz: list[int] = field(default_factory=list)  # every /readyz after that one
    readyz_codes: set[str] = field(default_factory=set)
    healthz: int | None = None
    kept: tuple[int, str] | None = None  # status and Connection header on the kept connection
    refused_after: float | None = None
    confirm: httpx.Response | Exception | None = None
    exit_code: int | None = None
    exited_after: float | None = None
    workers_replaced: bool | None = None


def _server(database: URL, data_dir: Path, workers: int, *, grace: float) -> ServeProcess:
    return ServeProcess(
        database,
        data_dir,
        workers=workers,
        RINGLEDGER_SHUTDOWN_NOTICE=str(int(NOTICE)),
        RINGLEDGER_SHUTDOWN_GRACE=str(int(grace)),
        # The confirm waits on the test's lock longer than the stop takes.
        RINGLEDGER_IDEMPOTENCY_WAIT="30",
    )


def _confirm(base_url: str) -> Confirm:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        api = Api(http)
        promoter, a, b = api.promoter(), api.fighter(), api.fighter()
        bout = api.create_bout(promoter, a, b)
    escrow = next(item for item in bout["escrows"] if item["escrow_kind"] == "show_a")
    return Confirm(bout["bout_id"], create_evidence(escrow), uuid.uuid4().hex, promoter.token)


@contextmanager
def _bout_locked(database: URL, bout_id: str) -> Iterator[None]:
    with psycopg.connect(libpq(database)) as conn:
        conn.execute("SELECT 1 FROM bouts WHERE id = %s FOR UPDATE", (bout_id,))
        yield
        conn.rollback()


def _in_background(confirm: Confirm, base_url: str, into: Stop) -> threading.Thread:
    def send() -> None:
        try:
            into.confirm = confirm.send(base_url, timeout=60)
        except httpx.HTTPError as error:
            into.confirm = error

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def _wait_until_refused(base_url: str, since: float) -> float:
    host, port = base_url.removeprefix("http://").split(":")
    deadline = time.monotonic() + GRACE + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex((host, int(port))) != 0:
                return time.monotonic() - since
        time.sleep(0.05)
    raise TimeoutError("the instance never stopped accepting")


def _probe_right_after_the_signal(
    server: ServeProcess, kept: http.client.HTTPConnection, signalled: float
) -> Stop:
    stop = Stop()
    while (answer := httpx.get(f"{server.base_url}/readyz")).status_code == 200:
        assert time.monotonic() - signalled < 1.0, "readiness did not flip within a second"
    stop.flipped_after = time.monotonic() - signalled
    for _ in range(6):  # fresh connections: with two workers, both answer some of them
        stop.readyz.append(answer.status_code)
        stop.readyz_codes.add(answer.json().get("code", ""))
        answer = httpx.get(f"{server.base_url}/readyz")
    stop.healthz = httpx.get(f"{server.base_url}/healthz").status_code
    kept.request("GET", "/healthz")
    response = kept.getresponse()
    response.read()
    stop.kept = (response.status, response.getheader("connection", ""))
    return stop


def _replace_a_worker(server: ServeProcess) -> bool:
    """SIGKILL one worker; whether the supervisor brings the count back with a new one."""
    supervisor = server.processes()[0]
    workers = _workers_of(supervisor)
    victim = workers[0]
    victim.kill()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        current = {child.pid for child in _workers_of(supervisor)}
        if victim.pid not in current and len(current) == len(workers):
            server.wait_ready()
            return True
        time.sleep(0.1)
    return False


def _workers_of(supervisor: psutil.Process) -> list[psutil.Process]:
    """The worker processes (multiprocessing also starts a resource tracker beside them)."""
    found = []
    for child in supervisor.children():
        with contextlib.suppress(psutil.NoSuchProcess):
            if "spawn_main" in " ".join(child.cmdline()):
                found.append(child)
    return found


def _stop_with_a_request_in_flight(
    database: URL, data_dir: Path, workers: int, *, release_after: float, grace: float = GRACE
) -> tuple[Stop, Confirm]:
    server = _server(database, data_dir, workers, grace=grace)
    server.start()
    try:
        server.wait_ready()
        replaced = _replace_a_worker(server) if workers > 1 else None
        confirm = _confirm(server.base_url)
        kept = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        kept.request("GET", "/healthz")
        kept.getresponse().read()
        with _bout_locked(database, confirm.bout_id):
            into = Stop()
            sender = _in_background(confirm, server.base_url, into)
            db_state.wait_for_lock_waiters(database)
            signalled = time.monotonic()
            server.signal(signal.SIGTERM)
            stop = _probe_right_after_the_signal(server, kept, signalled)
            stop.refused_after = _wait_until_refused(server.base_url, signalled)
            time.sleep(max(0.0, release_after - (time.monotonic() - signalled)))
        stop.exit_code = server.wait(timeout=grace + 15)
        stop.exited_after = time.monotonic() - signalled
        sender.join(30)
        stop.confirm, stop.workers_replaced = into.confirm, replaced
        return stop, confirm
    finally:
        server.stop()


@pytest.fixture(scope="module", params=[1, 2], ids=["one worker", "two workers"])
def stopped(request: pytest.FixtureRequest, database: URL, data_dir: Path) -> Stop:
    # The lock goes after the notice: the confirm is still in flight when accepting stops.
    stop, _ = _stop_with_a_request_in_flight(
        database, data_dir, request.param, release_after=NOTICE + 1
    )
    return stop


def test_readiness_flips_first_and_for_good_while_liveness_holds(stopped: Stop) -> None:
    assert stopped.flipped_after is not None and stopped.refused_after is not None
    assert stopped.flipped_after < stopped.refused_after
    assert stopped.readyz == [503] * 6
    assert stopped.readyz_codes == {"not_ready"}
    assert stopped.healthz == 200


def test_a_request_on_a_kept_connection_is_answered_and_closes_it(stopped: Stop) -> None:
    assert stopped.kept == (200, "close")


def test_new_connections_are_accepted_through_the_notice_then_refused(stopped: Stop) -> None:
    assert stopped.refused_after is not None
    assert NOTICE <= stopped.refused_after < GRACE


def test_the_request_in_flight_finishes(stopped: Stop) -> None:
    assert isinstance(stopped.confirm, httpx.Response), stopped.confirm
    assert stopped.confirm.status_code == 200, stopped.confirm.text


def test_the_instance_exits_0_within_the_grace(stopped: Stop) -> None:
    assert stopped.exit_code == 0
    assert stopped.exited_after is not None and stopped.exited_after < GRACE + 5


def test_the_supervisor_replaces_a_worker_that_dies(stopped: Stop) -> None:
    assert stopped.workers_replaced in (None, True)


@dataclass(frozen=True)
class Cut:
    stop: Stop
    escrow_status: str | None  # the confirmed escrow's, read right after the stop
    stored_outcomes: int  # under the confirm's Idempotency-Key


@pytest.fixture(scope="module")
def cut(database: URL, data_dir: Path) -> Cut:
    # The lock outlasts a grace of NOTICE + 1 s. The database is read here: each test empties it.
    stop, confirm = _stop_with_a_request_in_flight(
        database, data_dir, 1, release_after=NOTICE + 3, grace=NOTICE + 1
    )
    with psycopg.connect(libpq(database), autocommit=True) as conn:
        escrow = conn.execute(
            "SELECT status FROM escrows WHERE bout_id = %s AND kind = 'show_a'",
            (confirm.bout_id,),
        ).fetchone()
        stored = conn.execute(
            "SELECT count(*) FROM idempotency_keys WHERE key = %s", (confirm.key,)
        ).fetchone()
    return Cut(stop, escrow[0] if escrow else None, stored[0] if stored else 0)


def test_a_request_that_outlives_the_grace_gets_no_answer_and_exit_1(cut: Cut) -> None:
    assert isinstance(cut.stop.confirm, httpx.TransportError), cut.stop.confirm
    assert cut.stop.exit_code == 1


def test_a_cut_request_leaves_nothing_behind(cut: Cut) -> None:
    assert cut.escrow_status == "planned"
    assert cut.stored_outcomes == 0


def test_an_embedded_postgresql_stops_with_the_instance(
    database: URL, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # No DATABASE_URL: `serve` starts PostgreSQL in its data dir, and must stop it on SIGTERM.
    data_dir = tmp_path_factory.mktemp("embedded")
    server = ServeProcess(database, data_dir, workers=1, DATABASE_URL="")
    server.start()
    try:
        server.wait_ready(timeout=60)
        pgdata = str((data_dir / "postgres").resolve())
        assert _postgres_of(pgdata), "the instance did not start its own PostgreSQL"
        server.signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    finally:
        server.stop()
    assert not (data_dir / "postgres" / "postmaster.pid").exists()
    assert _postgres_of(pgdata) == []


def _postgres_of(pgdata: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and pgdata in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found
