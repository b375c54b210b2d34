"""Real concurrent HTTP requests against a live server with two worker processes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.support import db_state
from tests.support.api import PASSWORD, Api, future_event
from tests.support.flow import KINDS, Flow, create_evidence, payout_evidence, tx_hash
from tests.support.live import live_server


@pytest.fixture(scope="module")
def server(database: URL, data_dir: Path) -> Iterator[str]:
    with live_server(database, data_dir, workers=2) as url:
        yield url


@pytest.fixture
def remote(server: str) -> Iterator[Api]:
    with httpx.Client(base_url=server, timeout=30) as http:
        yield Api(http)


def fire(
    requests: list[tuple[str, str, dict[str, Any], dict[str, str]]], base_url: str
) -> list[httpx.Response]:
    """Send every request at once from its own thread and connection."""

    def send(item: tuple[str, str, dict[str, Any], dict[str, str]]) -> httpx.Response:
        method, path, body, headers = item
        with httpx.Client(base_url=base_url, timeout=30) as http:
            return http.request(method, path, json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def new_flow(remote: Api, *, started: bool = False) -> Flow:
    promoter, a, b = remote.promoter(), remote.fighter(), remote.fighter()
    event = future_event(hours=-1.5) if started else future_event()
    return Flow(remote, promoter, remote.create_bout(promoter, a, b, event_datetime_utc=event))


def headers(flow: Flow, key: str) -> dict[str, str]:
    return {**flow.promoter.headers, "Idempotency-Key": key}


def test_twenty_identical_confirms_execute_once(remote: Api, server: str, database: URL) -> None:
    flow = new_flow(remote)
    evidence = create_evidence(flow.escrow("show_a"))
    path = f"/bouts/{flow.id}/escrows/confirm"
    responses = fire([("POST", path, evidence, headers(flow, "one-key"))] * 20, server)
    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) <= {200, 409}, statuses
    assert statuses[200] >= 1
    bodies = {response.content for response in responses if response.status_code == 200}
    assert len(bodies) == 1
    for response in responses:
        if response.status_code == 409:
            assert response.json()["code"] == "idempotency_in_flight"
    applied = [
        r
        for r in db_state.audit(database, flow.id)
        if r["outcome"] == "applied" and r["entity_type"] == "escrow"
    ]
    assert len(applied) == 1


def test_twenty_different_hashes_one_winner(remote: Api, server: str, database: URL) -> None:
    flow = new_flow(remote)
    escrow = flow.escrow("show_a")
    path = f"/bouts/{flow.id}/escrows/confirm"
    requests = [
        ("POST", path, create_evidence(escrow, tx_hash=tx_hash()), headers(flow, f"key-{n}"))
        for n in range(20)
    ]
    responses = fire(requests, server)
    statuses = Counter(response.status_code for response in responses)
    assert statuses == {200: 1, 409: 19}, statuses
    winner = next(r for r in responses if r.status_code == 200).json()["tx_hash"]
    assert db_state.escrows(database, flow.id)["show_a"]["create_tx_hash"] == winner


@pytest.mark.parametrize("round_", range(5))
def test_four_escrows_at_once_create_the_bout_exactly_once(
    remote: Api, server: str, database: URL, round_: int
) -> None:
    flow = new_flow(remote)
    path = f"/bouts/{flow.id}/escrows/confirm"
    requests = [
        ("POST", path, create_evidence(flow.escrow(kind)), headers(flow, f"{kind}-{round_}"))
        for kind in KINDS
    ]
    responses = fire(requests, server)
    assert [response.status_code for response in responses] == [200] * 4
    assert db_state.bout_status(database, flow.id) == "escrows_created"
    moves = [
        r for r in db_state.audit(database, flow.id) if r["details"].get("to") == "escrows_created"
    ]
    assert len(moves) == 1


def test_last_payout_racing_the_refund(remote: Api, server: str, database: URL) -> None:
    flow = new_flow(remote, started=True)
    flow.create_all()
    import psycopg

    from tests.support.api import insert_admin
    from tests.support.database import libpq

    email = f"admin-{flow.id[:8]}@example.com"
    insert_admin(libpq(database), email)
    admin_headers = {"Authorization": f"Bearer {remote.login(email)}"}
    assert (
        remote.client.post(
            f"/bouts/{flow.id}/result", json={"winner": "A"}, headers=admin_headers
        ).status_code
        == 200
    )
    items = flow.prepare_payouts()
    path = f"/bouts/{flow.id}/payouts/confirm"
    requests = [
        ("POST", path, payout_evidence(items[kind]), headers(flow, f"pay-{kind}")) for kind in KINDS
    ]
    responses = fire(requests, server)
    assert [response.status_code for response in responses] == [200] * 4
    assert db_state.bout_status(database, flow.id) == "closed"
    statuses = {kind: row["status"] for kind, row in db_state.escrows(database, flow.id).items()}
    assert statuses == {
        "show_a": "finished",
        "show_b": "finished",
        "bonus_a": "finished",
        "bonus_b": "cancelled",
    }
    with psycopg.connect(libpq(database)) as conn:
        bout_moves = conn.execute(
            "SELECT details->>'to' FROM audit_log WHERE bout_id = %s AND entity_type = 'bout'"
            " AND outcome = 'applied' AND action <> 'bout.create' ORDER BY id",
            (flow.id,),
        ).fetchall()
    assert [row[0] for row in bout_moves] == [
        "escrows_created",
        "result_entered",
        "payouts_in_progress",
        "closed",
    ]


def test_one_ledger_transaction_claimed_by_two_bouts_at_once(
    remote: Api, server: str, database: URL
) -> None:
    first, second = new_flow(remote), new_flow(remote)
    shared = tx_hash()
    requests = [
        (
            "POST",
            f"/bouts/{flow.id}/escrows/confirm",
            create_evidence(flow.escrow("show_a"), tx_hash=shared),
            headers(flow, f"k-{flow.id}"),
        )
        for flow in (first, second)
        for _ in range(3)
    ]
    responses = fire(requests, server)
    assert all(response.status_code < 500 for response in responses), [r.text for r in responses]
    created = [
        kind_rows["show_a"]["create_tx_hash"]
        for kind_rows in (
            db_state.escrows(database, first.id),
            db_state.escrows(database, second.id),
        )
    ]
    assert created.count(shared) == 1


@pytest.mark.parametrize("round_", range(4))
def test_withdraw_racing_a_signed_reconcile_and_a_confirm(
    remote: Api, server: str, database: URL, round_: int
) -> None:
    """A withdrawal and the requests that say money may be locked, all at once: either the bout
    is withdrawn and nothing of it is signed or created, or it stays a draft that knows."""
    flow = new_flow(remote)
    assert flow.post("/escrows/prepare").status_code == 200
    signing = flow.escrow("show_b")["signing"]
    reconcile = {
        "escrow_kind": "show_b",
        "payload_id": signing["payload_id"],
        "observed_status": "signed",
        "observed_tx_hash": tx_hash(),
    }
    requests = [
        ("POST", f"/bouts/{flow.id}/withdraw", {}, flow.promoter.headers),
        ("POST", f"/bouts/{flow.id}/escrows/signing/reconcile", reconcile, flow.promoter.headers),
        (
            "POST",
            f"/bouts/{flow.id}/escrows/confirm",
            create_evidence(flow.escrow("bonus_a")),
            headers(flow, f"race-{round_}"),
        ),
    ]
    withdrawal, reconciled, confirmed = fire(requests, server)
    assert {r.status_code for r in (withdrawal, reconciled, confirmed)} <= {200, 409}
    status = db_state.bout_status(database, flow.id)
    escrows = db_state.escrows(database, flow.id)
    signed = db_state.rows(
        database,
        "SELECT count(*) AS n FROM signing_attempts WHERE bout_id = %s AND status = 'signed'",
        flow.id,
    )[0]["n"]
    if withdrawal.status_code == 200:
        assert status == "withdrawn"
        assert reconciled.status_code == confirmed.status_code == 409
        assert {row["status"] for row in escrows.values()} == {"planned"} and signed == 0
    else:
        assert status == "draft"
        assert reconciled.status_code == 200 or confirmed.status_code == 200
        assert signed == 1 or escrows["bonus_a"]["status"] == "created"


def test_two_password_changes_at_once_cannot_both_win(remote: Api, server: str) -> None:
    """The account row is locked: the second change finds its token revoked, so no token
    issued between the two commits survives either."""
    account = remote.register("promoter")
    requests = [
        (
            "POST",
            "/auth/password",
            {"current_password": PASSWORD, "new_password": f"new passphrase number {n}"},
            account.headers,
        )
        for n in (1, 2)
    ]
    answers = fire(requests, server)
    assert sorted(answer.status_code for answer in answers) == [204, 401], [
        answer.text for answer in answers
    ]
    refused = next(answer for answer in answers if answer.status_code == 401)
    assert refused.json()["code"] == "token_invalid"
    winner = 1 if answers[0].status_code == 204 else 2
    logins = {
        n: remote.client.post(
            "/auth/login",
            json={"email": account.email, "password": f"new passphrase number {n}"},
        ).status_code
        for n in (1, 2)
    }
    assert logins == {winner: 200, 3 - winner: 401}
