"""The deployment of docs/deployment.md on one machine, through a burst of whole lifecycles.

PostgreSQL; Debian's PgBouncer in transaction mode and Debian's HAProxy, both configured by the
examples of docs/deployment.md; two `ringledger serve` instances (RINGLEDGER_DB_POOLER=transaction,
the same keys) behind HAProxy; eight careful clients (tests.support.careful_client) running whole
bout lifecycles through HAProxy and retrying a failed request with the same Idempotency-Key.
During the burst one instance is killed with SIGKILL and started again, then the other is
stopped with SIGTERM and started again.

Afterwards: every lifecycle closed its bout; every transition has exactly one audit row; the only
failed requests are those that were in flight at the SIGKILL (none because of the SIGTERM); the
stopped instance exited 0; and each instance's /metrics counted exactly what the balancer sent it.
"""

from __future__ import annotations

import itertools
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
import pytest
from cryptography.fernet import Fernet
from psycopg.rows import dict_row
from sqlalchemy.engine import URL

from tests.support.careful_client import CarefulClient, Failure
from tests.support.database import create_database, drop_database, libpq
from tests.support.deployment import Balancer, haproxy, pgbouncer
from tests.support.live import ServeProcess
from tests.support.live_cluster import kill_hard

ADMIN_EMAIL = "operator@topology.example"
ADMIN_PASSWORD = "the operator's own password"  # pragma: allowlist secret
CLIENTS = 8
AT_LEAST = 40  # lifecycles
NOTICE = 4  # seconds: the balancer needs two failed checks one second apart
NAMES = ("instance1", "instance2")
CLI = (sys.executable, "-m", "ringledger.cli.main")
_HEALTH = re.compile(r'route="/(readyz|healthz|metrics)"')


@dataclass
class Run:
    """What the burst and its faults left behind."""

    database: URL
    bouts: list[str]
    failures: list[Failure]
    errors: list[str]
    killed: tuple[float, float]  # from the SIGKILL to the moment every process was gone
    terminated_at: float
    back_at: float  # the stopped instance is in the balancer again
    exit_code: int | None
    metrics: dict[str, int] = field(default_factory=dict)  # requests each instance counted
    balanced: dict[str, int] = field(default_factory=dict)  # answers the balancer got from it


def _responses(balancer: Balancer, name: str) -> int:
    row = balancer.servers()[name]
    return sum(
        int(row[f"hrsp_{kind}"] or 0) for kind in ("1xx", "2xx", "3xx", "4xx", "5xx", "other")
    )


def _counted(base_url: str) -> int:
    """Requests the instance counted, health checks and scrapes left out."""
    total = 0
    for line in httpx.get(f"{base_url}/metrics").text.splitlines():
        if line.startswith("ringledger_http_requests_total{") and not _HEALTH.search(line):
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


def _create_admin(environment: dict[str, str]) -> None:
    done = subprocess.run(
        [*CLI, "users", "create-admin", "--email", ADMIN_EMAIL, "--password-stdin"],
        input=f"{ADMIN_PASSWORD}\n".encode(),
        env=environment,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _migrate(environment: dict[str, str]) -> None:
    done = subprocess.run(
        [*CLI, "migrate", "upgrade"],
        env=environment,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _wait_for(condition: Any, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


@pytest.fixture(scope="module")
def topology_database(admin_uri: str) -> Iterator[URL]:
    url = create_database(admin_uri, prefix="ringledger_topology")
    yield url
    drop_database(admin_uri, url)


@pytest.fixture(scope="module")
def run(topology_database: URL, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with pgbouncer(topology_database) as pooler:
        shared = {
            "DATABASE_URL": pooler.url.render_as_string(hide_password=False),
            "RINGLEDGER_DB_POOLER": "transaction",
            "JWT_SECRET_KEY": secrets.token_urlsafe(48),
            "RINGLEDGER_PREIMAGE_KEY": Fernet.generate_key().decode(),
            "RINGLEDGER_TRUSTED_PROXIES": "127.0.0.1",
            "RINGLEDGER_SHUTDOWN_NOTICE": str(NOTICE),
        }
        instances = [
            ServeProcess(topology_database, tmp_path_factory.mktemp(name), workers=1, **shared)
            for name in NAMES
        ]
        _migrate(instances[0].environment)  # once, before the rollout, through the pooler
        for instance in instances:
            instance.start()  # side by side: each start-up takes seconds
        _create_admin(instances[0].environment)
        for instance in instances:
            instance.wait_ready()
        workdir = tmp_path_factory.mktemp("haproxy")
        with haproxy([f"127.0.0.1:{i.port}" for i in instances], workdir) as balancer:
            try:
                yield _burst(topology_database, balancer, instances)
            finally:
                for instance in instances:  # side by side and without the notice: SIGINT
                    if instance.running.poll() is None:
                        instance.signal(signal.SIGINT)
                for instance in instances:
                    instance.stop()


def _burst(database: URL, balancer: Balancer, instances: list[ServeProcess]) -> Run:
    for name in NAMES:
        balancer.wait_until(name, "UP")
    client = CarefulClient(
        balancer.base_url, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD
    )
    stop = threading.Event()
    burst = client.run_until(stop, clients=CLIENTS)

    def more(count: int) -> None:
        target = client.results.bouts + count
        _wait_for(lambda: client.results.bouts >= target, timeout=120, what="the burst stalled")

    doomed, stopped = instances
    before: dict[str, int] = {}
    try:
        more(CLIENTS)
        kill_started = time.monotonic()
        kill_hard(doomed.processes())
        killed = (kill_started, time.monotonic())
        doomed.wait()
        before[NAMES[0]] = _responses(balancer, NAMES[0])  # a dead instance answers nothing
        doomed.start()
        doomed.wait_ready()
        balancer.wait_until(NAMES[0], "UP")
        more(CLIENTS)
        terminated_at = time.monotonic()
        stopped.signal()
        exit_code = stopped.wait(timeout=60)
        before[NAMES[1]] = _responses(balancer, NAMES[1])
        stopped.start()
        stopped.wait_ready()
        balancer.wait_until(NAMES[1], "UP")
        back_at = time.monotonic()
        more(max(CLIENTS, AT_LEAST - client.results.bouts))
    finally:
        stop.set()
        burst.join(120)
    assert not burst.is_alive(), "the clients did not finish"
    return Run(
        database,
        client.tally.bouts,
        client.tally.failures,
        client.results.errors,
        killed,
        terminated_at,
        back_at,
        exit_code,
        metrics={name: _counted(i.base_url) for name, i in zip(NAMES, instances, strict=True)},
        balanced={name: _responses(balancer, name) - before[name] for name in NAMES},
    )


def test_every_lifecycle_closed_its_bout(run: Run) -> None:
    assert run.errors == []
    assert len(run.bouts) >= AT_LEAST
    statuses = _bout_statuses(run.database)
    assert {bout_id: statuses.get(bout_id) for bout_id in run.bouts} == dict.fromkeys(
        run.bouts, "closed"
    )


def test_a_bout_nobody_heard_of_is_a_create_lost_at_the_kill(run: Run) -> None:
    unknown = set(_bout_statuses(run.database)) - set(run.bouts)
    lost_creates = [f for f in run.failures if f.route == "POST /bouts"]
    assert len(unknown) <= len(lost_creates)
    assert {_bout_statuses(run.database)[bout_id] for bout_id in unknown} <= {"draft"}


def test_every_transition_has_exactly_one_audit_row(run: Run) -> None:
    assert _transition_problems(run.database, run.bouts) == []


def test_only_requests_in_flight_at_the_kill_failed(run: Run) -> None:
    assert run.failures, "the kill cut no request: it proved nothing"
    assert [f for f in run.failures if not f.overlaps(*run.killed)] == []


def test_no_request_failed_because_of_the_graceful_stop(run: Run) -> None:
    assert [f for f in run.failures if f.ended >= run.terminated_at] == []
    assert run.back_at > run.terminated_at


def test_the_stopped_instance_exited_0(run: Run) -> None:
    assert run.exit_code == 0


def test_each_instance_counted_what_the_balancer_sent_it(run: Run) -> None:
    assert run.metrics == run.balanced
    assert all(count > 0 for count in run.metrics.values())


def _bout_statuses(database: URL) -> dict[str, str]:
    with psycopg.connect(libpq(database), autocommit=True) as conn:
        return {str(row[0]): row[1] for row in conn.execute("SELECT id, status FROM bouts")}


def _transition_problems(database: URL, bout_ids: list[str]) -> list[str]:
    """Each entity's applied moves, in order, chain from its first status to its current one,
    each move once."""
    with psycopg.connect(libpq(database), autocommit=True, row_factory=dict_row) as conn:
        current = {
            str(row["id"]): row["status"]
            for table in ("bouts", "escrows")
            for row in conn.execute(f"SELECT id, status FROM {table}")
        }
        moves = conn.execute(
            "SELECT entity_id, details FROM audit_log WHERE bout_id = ANY(%s)"
            " AND outcome = 'applied' AND details ? 'to' ORDER BY id",
            (bout_ids,),
        ).fetchall()
    chains: dict[str, list[tuple[str, str]]] = {}
    for move in moves:
        chains.setdefault(move["entity_id"], []).append(
            (move["details"]["from"], move["details"]["to"])
        )
    problems = []
    for entity, chain in chains.items():
        twice = [step for step, count in Counter(chain).items() if count > 1]
        linked = all(a[1] == b[0] for a, b in itertools.pairwise(chain))
        if twice or not linked or chain[-1][1] != current.get(entity):
            problems.append(f"{entity} is {current.get(entity)} after {chain}")
    return problems
