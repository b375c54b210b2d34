"""Races the service's own checks cannot see are settled by database constraints: a 409, never a
500, and nothing half-written."""

from __future__ import annotations

import threading

import psycopg
from sqlalchemy.engine import URL

from tests.support import db_state
from tests.support.api import Account, Api, future_event
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
        rival.execute(
            "INSERT INTO ledger_moves (tx_hash, escrow_id, move) VALUES (%s, %s, 'create')",
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


def test_one_hash_settles_one_move_across_creates_and_payouts(
    api: Api, admin: Account, database: URL
) -> None:
    """An escrow create on one bout and a payout finish on another, confirmed at the same moment
    with the same transaction hash: the database lets one of them record it, whatever the
    order. Here the payout's check for a used hash runs first and then waits for its bout's
    lock while the create records the hash; the payout must not record it too."""
    promoter, a, b = api.promoter(), api.fighter(), api.fighter()
    paying = Flow(
        api, promoter, api.create_bout(promoter, a, b, event_datetime_utc=future_event(-1.5))
    )
    paying.create_all()
    assert paying.post("/result", {"winner": "A"}, who=admin).status_code == 200
    finish = paying.prepare_payouts()["show_a"]
    creating = Flow(api, promoter, api.create_bout(promoter, a, b))
    shared = tx_hash()
    answers = []
    with psycopg.connect(libpq(database)) as holder:
        holder.execute("SELECT 1 FROM bouts WHERE id = %s FOR UPDATE", (paying.id,))
        payout = threading.Thread(
            target=lambda: answers.append(paying.confirm_payout(finish, tx_hash=shared))
        )
        payout.start()
        db_state.wait_for_lock_waiters(database, blocked_by=holder.info.backend_pid)
        created = creating.confirm_create("show_a", tx_hash=shared)
        assert created.status_code == 200, created.text
        holder.rollback()
        payout.join()
    [refused] = answers
    assert refused.status_code == 409 and refused.json()["code"] == "state_conflict"
    assert db_state.escrows(database, paying.id)["show_a"]["status"] == "created"
    retry = paying.confirm_payout(finish, tx_hash=shared)
    assert retry.status_code == 422 and retry.json()["code"] == "invalid_confirmation"
