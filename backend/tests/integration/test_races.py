"""Races the service's own checks cannot see are settled by database constraints: a 409, never a
500, and nothing half-written."""

from __future__ import annotations

import threading

import psycopg
from sqlalchemy.engine import URL

from tests.support import db_state
from tests.support.api import Api
from tests.support.database import libpq
from tests.support.flow import Flow, tx_hash


def test_unique_transaction_hash_race_is_a_409(api: Api, database: URL) -> None:
    promoter, _, _, bout = api.cast()
    flow = Flow(api, promoter, bout)
    rival_promoter, _, _, rival_bout = api.cast()
    other = Flow(api, rival_promoter, rival_bout)
    shared = tx_hash()
    other_escrow = db_state.escrows(database, other.id)["show_a"]
    answers = []
    with psycopg.connect(libpq(database)) as rival:
        # Another bout's confirm has written this hash but not committed yet: invisible to our
        # check, but the UNIQUE index makes our commit wait for it.
        rival.execute(
            "UPDATE escrows SET status = 'created', offer_sequence = 1, create_tx_hash = %s WHERE id = %s",
            (shared, other_escrow["id"]),
        )
        sender = threading.Thread(
            target=lambda: answers.append(flow.confirm_create("show_a", tx_hash=shared))
        )
        sender.start()
        # Our confirm is queued behind the rival's uncommitted hash before the rival commits.
        db_state.wait_for_lock_waiters(database, blocked_by=rival.info.backend_pid)
        rival.commit()
        sender.join()
    response = answers[0]
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "state_conflict"
    assert db_state.escrows(database, flow.id)["show_a"]["status"] == "planned"
    assert db_state.rows(database, "SELECT count(*) AS n FROM idempotency_keys")[0]["n"] == 0
    retry = flow.confirm_create("show_a", tx_hash=shared)
    assert retry.status_code == 422 and retry.json()["code"] == "invalid_confirmation"
