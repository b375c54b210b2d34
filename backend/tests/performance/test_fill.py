"""The filled history is one the service itself could have written: every escrow in a status
its bout's outcome allows, the expected amounts of everything, and every bout readable."""

from __future__ import annotations

from collections import Counter

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.bouts.models import EscrowKind, EscrowStatus, Outcome
from ringledger.bouts.outcomes import plan_for
from tests.performance.fill import FillReport, fill, seeded_id
from tests.support.api import Account
from tests.support.database import libpq

BOUTS = 600
SEED = 3
CREATED, PLANNED = EscrowStatus.CREATED, EscrowStatus.PLANNED
SETTLED = frozenset({EscrowStatus.FINISHED, EscrowStatus.CANCELLED})

ESCROWS_BY_BOUT = """
SELECT b.id, b.status::text, b.outcome::text,
       array_agg(e.kind::text ORDER BY e.kind), array_agg(e.status::text ORDER BY e.kind)
FROM bouts b JOIN escrows e ON e.bout_id = b.id
GROUP BY b.id
"""


@pytest.fixture
def filled(database: URL, admin: Account) -> FillReport:
    return fill(libpq(database), bouts=BOUTS, seed=SEED)


def _allowed(status: str, outcome: str | None, escrows: dict[EscrowKind, EscrowStatus]) -> bool:
    """Whether the service could have left these escrows in a bout of this status."""
    states = set(escrows.values())
    if status == "withdrawn":
        return states == {PLANNED}
    if status == "draft":
        return states <= {PLANNED, CREATED}
    if status in ("escrows_created", "result_entered"):
        return states == {CREATED}
    assert outcome is not None
    plan = plan_for(Outcome(outcome))
    finishes_ok = all(
        escrows[kind] in (CREATED, EscrowStatus.FINISHED) for kind in plan.paid_out
    ) and all(escrows[kind] in (CREATED, EscrowStatus.CANCELLED) for kind in plan.refunds)
    if status == "payouts_in_progress":
        return finishes_ok and bool(states & SETTLED) and not plan.closes(escrows)
    return status == "closed" and finishes_ok and plan.closes(escrows)


def test_every_bout_is_in_a_state_the_service_allows_and_history_has_its_size(
    filled: FillReport, database: URL
) -> None:
    with psycopg.connect(libpq(database)) as conn:
        rows = conn.execute(ESCROWS_BY_BOUT).fetchall()
    assert len(rows) == BOUTS
    for bout_id, status, outcome, kinds, statuses in rows:
        escrows = {EscrowKind(k): EscrowStatus(s) for k, s in zip(kinds, statuses, strict=True)}
        assert len(escrows) == 4
        assert _allowed(status, outcome, escrows), (bout_id, status, outcome, escrows)
    assert set(filled.bout_statuses) == {
        "draft",
        "escrows_created",
        "result_entered",
        "payouts_in_progress",
        "closed",
        "withdrawn",
    }
    assert filled.bout_statuses["closed"] > BOUTS / 2
    per_bout = {table: count / BOUTS for table, count in filled.rows.items()}
    assert per_bout["escrows"] == 4
    with psycopg.connect(libpq(database)) as conn:
        [(hashes,)] = conn.execute(
            "SELECT count(create_tx_hash) + count(close_tx_hash) FROM escrows"
        ).fetchall()
    assert filled.rows["ledger_moves"] == hashes  # one recorded move per hash an escrow holds
    assert 6 <= per_bout["signing_attempts"] <= 9
    assert 13 <= per_bout["audit_log"] <= 18
    assert 6 <= per_bout["idempotency_keys"] <= 8.5
    assert filled.busy_promoter_bouts == BOUTS // 2
    assert filled.busy_fighter_bouts == BOUTS // 10


def test_seeded_bouts_and_accounts_work_through_the_api(
    filled: FillReport, client: TestClient, admin: Account, database: URL
) -> None:
    with psycopg.connect(libpq(database)) as conn:
        samples = conn.execute(
            "SELECT DISTINCT ON (status) id, status::text FROM bouts ORDER BY status, id"
        ).fetchall()
    assert len(samples) == 6
    for bout_id, status in samples:
        view = client.get(f"/bouts/{bout_id}", headers=admin.headers)
        assert view.status_code == 200, view.text
        assert view.json()["status"] == status
        assert client.get(f"/bouts/{bout_id}/audit", headers=admin.headers).status_code == 200
        page = client.get(f"/bouts?status={status}&limit=5", headers=admin.headers)
        assert page.status_code == 200 and page.json()["items"]
    known = client.get(f"/bouts/{seeded_id(SEED, 'bout', 0)}", headers=admin.headers)
    assert known.status_code == 200
    _busy_accounts_see_their_bouts(filled, client)


def _busy_accounts_see_their_bouts(filled: FillReport, client: TestClient) -> None:
    accounts = filled.accounts
    seen = Counter[str]()
    for email in (accounts.busy_promoter_email, accounts.busy_fighter_email):
        login = client.post("/auth/login", json={"email": email, "password": accounts.password})
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        cursor = ""
        while True:
            page = client.get(f"/bouts?limit=100{cursor}", headers=headers).json()
            seen[email] += len(page["items"])
            if page["next_cursor"] is None:
                break
            cursor = f"&cursor={page['next_cursor']}"
    assert seen[accounts.busy_promoter_email] == filled.busy_promoter_bouts
    assert seen[accounts.busy_fighter_email] == filled.busy_fighter_bouts
