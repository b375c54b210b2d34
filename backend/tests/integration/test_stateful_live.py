"""The lifecycle state machine of test_stateful.py, driven over real HTTP against a live
`ringledger serve --workers 2`: consecutive calls land on either worker process, so every
invariant it checks after each step must hold across processes too.

RINGLEDGER_LIVE_STATEFUL_EXAMPLES sets the number of generated call sequences (default 12).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from sqlalchemy.engine import URL

from tests.integration.test_stateful import LifecycleMachine
from tests.support.live import live_server

EXAMPLES = int(os.environ.get("RINGLEDGER_LIVE_STATEFUL_EXAMPLES", "12"))


class LiveLifecycleMachine(LifecycleMachine):
    """The same rules and invariants; only the client differs."""

    client: ClassVar[httpx.Client]  # type: ignore[assignment]


@pytest.fixture(scope="module")
def server(database: URL, data_dir: Path) -> Iterator[str]:
    with live_server(database, data_dir, workers=2) as url:
        yield url


def test_random_call_sequences_keep_every_invariant_across_two_workers(
    server: str, database: URL
) -> None:
    with httpx.Client(base_url=server, timeout=30) as http:
        LiveLifecycleMachine.client = http
        LiveLifecycleMachine.database = database
        run_state_machine_as_test(
            LiveLifecycleMachine,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=14,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
