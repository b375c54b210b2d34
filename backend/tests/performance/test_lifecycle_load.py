"""A small run of the lifecycle benchmark, through the light client, against a database that
already holds a few thousand bouts of history (fill.py), so the paths of a filled database run
in CI too. The ceilings are far above the targets (see docs/performance.md): the test fails only
when throughput or latency collapses, or when anything errs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.performance.driver import Driver, run_async
from tests.performance.fill import fill
from tests.performance.listing import run_listing
from tests.support.api import insert_admin
from tests.support.database import libpq
from tests.support.live import live_server

ADMIN_EMAIL = "perf-admin@example.com"
ADMIN_PASSWORD = "perf admin password"  # pragma: allowlist secret
FILLED_BOUTS = 3_000
SEED = 7


@pytest.fixture(scope="module")
def server(database: URL, data_dir: Path) -> Iterator[str]:
    with live_server(database, data_dir, workers=2) as url:
        yield url


def test_lifecycles_under_concurrency_on_a_filled_database(server: str, database: URL) -> None:
    # The tables were emptied for this test: admin first, so the history's results name it.
    insert_admin(libpq(database), ADMIN_EMAIL, ADMIN_PASSWORD)
    report = fill(libpq(database), bouts=FILLED_BOUTS, seed=SEED)
    assert report.rows["bouts"] == FILLED_BOUTS

    driver = Driver(server, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD)
    results = run_async(driver.run(bouts=12, concurrency=4))
    assert results.errors == []
    assert results.bouts == 12 and results.requests == 12 * 19
    assert results.bouts / results.elapsed > 0.3
    assert results.percentile("escrows/confirm", 0.99) < 3.0
    assert results.percentile("payouts/confirm", 0.99) < 3.0
    assert results.median("confirm replay") < 2 * results.median("escrows/confirm")

    replays = run_async(driver.replays(20))
    assert driver.results.errors == [] and len(replays) == 20

    rows = run_async(
        run_listing(
            server,
            admin=(ADMIN_EMAIL, ADMIN_PASSWORD),
            accounts=report.accounts,
            seed=SEED,
            bouts=FILLED_BOUTS,
            repeat=1,
        )
    )
    assert len(rows) == 3 * 3 * 2 + 2
    assert all(row.samples or row.note for row in rows)
    assert max(row.p95 for row in rows) < 2.0
