"""A small run of the lifecycle benchmark with ceilings far above the targets (see
docs/performance.md): it fails only when throughput or latency collapses, or anything errs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from tests.performance.driver import Driver
from tests.support.api import insert_admin
from tests.support.database import libpq
from tests.support.live import live_server

ADMIN_EMAIL = "perf-admin@example.com"
ADMIN_PASSWORD = "perf admin password"  # pragma: allowlist secret


@pytest.fixture(scope="module")
def server(database: URL, data_dir: Path) -> Iterator[str]:
    with live_server(database, data_dir, workers=2) as url:
        yield url


def test_lifecycles_under_concurrency(server: str, database: URL) -> None:
    insert_admin(libpq(database), ADMIN_EMAIL, ADMIN_PASSWORD)
    driver = Driver(server, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD)
    results = asyncio.run(driver.run(bouts=12, concurrency=4))
    assert results.errors == []
    assert results.bouts == 12 and results.requests == 12 * 19
    assert results.bouts / results.elapsed > 0.3
    assert results.percentile("escrows/confirm", 0.99) < 3.0
    assert results.percentile("payouts/confirm", 0.99) < 3.0
    assert results.median("confirm replay") < 2 * results.median("escrows/confirm")
