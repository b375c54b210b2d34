"""Withdrawing a draft bout that never locked money: `draft → withdrawn`, terminal; refused once
money may be locked; the open sign requests withdrawn with it (at Xaman in api mode)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.main import create_asgi
from tests.conftest import xaman_api_settings
from tests.support import db_state
from tests.support.api import Account, Api
from tests.support.database import libpq
from tests.support.fake_xaman import FakeXaman, Fault
from tests.support.flow import KINDS, Flow, create_evidence, tx_hash


@pytest.fixture
def draft(api: Api) -> Flow:
    promoter, _, _, bout = api.cast()
    return Flow(api, promoter, bout)


def attempts(database: URL, bout_id: str) -> list[dict[str, Any]]:
    return db_state.rows(
        database, "SELECT * FROM signing_attempts WHERE bout_id = %s ORDER BY created_at", bout_id
    )


class TestWithdraw:
    def test_a_fresh_draft(self, draft: Flow, database: URL) -> None:
        response = draft.post("/withdraw")
        assert response.status_code == 200, response.text
        view = response.json()
        assert view["status"] == "withdrawn" and view["outcome"] is None
        assert {escrow["status"] for escrow in view["escrows"]} == {"planned"}
        assert draft.get().json()["status"] == "withdrawn"
        entry = db_state.audit(database, draft.id)[-1]
        assert (entry["action"], entry["outcome"]) == ("bout.withdraw", "applied")
        assert entry["details"]["from"] == "draft" and entry["details"]["to"] == "withdrawn"

    def test_after_prepare_the_open_sign_requests_go_with_it(
        self, draft: Flow, database: URL
    ) -> None:
        assert draft.post("/escrows/prepare").status_code == 200
        issued = {row["payload_id"] for row in attempts(database, draft.id)}
        response = draft.post("/withdraw")
        assert response.status_code == 200, response.text
        rows = attempts(database, draft.id)
        assert {row["status"] for row in rows} == {"declined"}
        assert all("withdrawn" in row["status_reason"] for row in rows)
        entry = db_state.audit(database, draft.id)[-1]
        assert set(entry["details"]["withdrawn_sign_requests"]) == issued
        # Each request's end has its own audit row, as every change of a sign request does.
        closed = {
            row["details"]["payload_id"]
            for row in db_state.audit(database, draft.id)
            if (row["action"], row["outcome"]) == ("signing.escrow_create.reconcile", "declined")
        }
        assert closed == issued
        # The escrows carry no signing failure: nobody declined anything.
        assert {row["failure_code"] for row in db_state.escrows(database, draft.id).values()} == {
            None
        }

    def test_refused_once_an_escrow_was_created(self, draft: Flow, database: URL) -> None:
        draft.post("/escrows/prepare")
        assert draft.confirm_create("bonus_b").status_code == 200
        response = draft.post("/withdraw")
        assert response.status_code == 409 and response.json()["code"] == "state_conflict"
        assert response.json()["escrow_kinds"] == ["bonus_b"]
        assert db_state.bout_status(database, draft.id) == "draft"
        entry = db_state.audit(database, draft.id)[-1]
        assert (entry["action"], entry["outcome"]) == ("bout.withdraw", "rejected")

    def test_refused_once_a_create_sign_request_was_signed(
        self, draft: Flow, database: URL
    ) -> None:
        draft.post("/escrows/prepare")
        signing = draft.escrow("show_b")["signing"]
        body = {
            "escrow_kind": "show_b",
            "payload_id": signing["payload_id"],
            "observed_status": "signed",
            "observed_tx_hash": tx_hash(),
        }
        assert draft.post("/escrows/signing/reconcile", body).status_code == 200
        response = draft.post("/withdraw")
        assert response.status_code == 409, response.text
        assert response.json()["payload_ids"] == [signing["payload_id"]]
        assert db_state.bout_status(database, draft.id) == "draft"
        # The other sign requests stay open: the bout goes on (confirm, then a no contest).
        statuses = sorted(row["status"] for row in attempts(database, draft.id))
        assert statuses == ["open", "open", "open", "signed"]

    def test_a_recorded_signature_is_final(self, draft: Flow, database: URL) -> None:
        """A later report that the request was declined cannot erase a signature: the signed
        EscrowCreate may be on the ledger, and the withdrawal must still be refused."""
        draft.post("/escrows/prepare")
        payload_id = draft.escrow("show_b")["signing"]["payload_id"]
        signed = {
            "escrow_kind": "show_b",
            "payload_id": payload_id,
            "observed_status": "signed",
            "observed_tx_hash": tx_hash(),
        }
        assert draft.post("/escrows/signing/reconcile", signed).status_code == 200
        for later in (
            {**signed, "observed_status": "declined", "observed_tx_hash": None},
            {**signed, "observed_tx_hash": tx_hash()},
        ):
            answer = draft.post("/escrows/signing/reconcile", later)
            assert answer.status_code == 200, answer.text
            assert answer.json()["signing_status"] == "signed"
            assert answer.json()["tx_hash"] == signed["observed_tx_hash"]
        assert draft.post("/withdraw").status_code == 409

    def test_refused_after_the_draft(self, api: Api, admin: Account) -> None:
        promoter, _, _, bout = api.cast()
        flow = Flow(api, promoter, bout)
        flow.create_all()
        response = flow.post("/withdraw")
        assert response.status_code == 409 and "draft" in response.json()["detail"]

    def test_nothing_moves_a_withdrawn_bout(
        self, draft: Flow, admin: Account, database: URL
    ) -> None:
        draft.post("/escrows/prepare")
        payload_id = draft.escrow("show_a")["signing"]["payload_id"]
        assert draft.post("/withdraw").status_code == 200
        escrow = draft.escrow("show_a")
        reconcile = {"escrow_kind": "show_a", "payload_id": payload_id, "observed_status": "signed"}
        refused = [
            draft.post("/withdraw"),
            draft.post("/escrows/prepare"),
            draft.post("/escrows/signing/reconcile", reconcile),
            draft.post("/escrows/confirm", create_evidence(escrow), key=str(uuid.uuid4())),
            draft.post("/result", {"outcome": "no_contest"}, who=admin),
            draft.post("/payouts/prepare"),
            draft.post("/payouts/signing/reconcile", reconcile),
        ]
        for response in refused:
            assert response.status_code == 409, response.text
            assert response.json()["code"] == "state_conflict"
        assert db_state.bout_status(database, draft.id) == "withdrawn"
        assert {row["status"] for row in db_state.escrows(database, draft.id).values()} == {
            "planned"
        }

    def test_listed_by_status(self, draft: Flow, api: Api) -> None:
        draft.post("/withdraw")
        listed = api.client.get("/bouts?status=withdrawn", headers=draft.promoter.headers)
        assert [item["bout_id"] for item in listed.json()["items"]] == [draft.id]


class TestWho:
    def test_owner_other_promoter_fighter_admin_anonymous(
        self, api: Api, admin: Account, database: URL
    ) -> None:
        promoter, a, _, bout = api.cast()
        flow = Flow(api, promoter, bout)
        stranger = api.promoter()
        expected = [(stranger, 404, "bout_not_found"), (a, 403, "forbidden")]
        expected.append((admin, 403, "forbidden"))
        for who, status, code in expected:
            response = flow.post("/withdraw", who=who)
            assert (response.status_code, response.json()["code"]) == (status, code)
        anonymous = api.client.post(f"/bouts/{flow.id}/withdraw")
        assert anonymous.status_code == 401
        assert db_state.bout_status(database, flow.id) == "draft"
        assert flow.post("/withdraw").status_code == 200


class TestUnderTheBoutLock:
    def test_a_confirm_committed_while_the_withdraw_waited_wins(
        self, draft: Flow, database: URL
    ) -> None:
        """The withdrawal re-checks under the bout lock the confirms take: a confirm that held it
        first makes the withdrawal a 409, so no money is left behind a withdrawn bout."""
        escrow = db_state.escrows(database, draft.id)["show_a"]
        answers: list[httpx.Response] = []
        with psycopg.connect(libpq(database)) as confirm:
            confirm.execute("SELECT 1 FROM bouts WHERE id = %s FOR UPDATE", (draft.id,))
            withdrawal = threading.Thread(target=lambda: answers.append(draft.post("/withdraw")))
            withdrawal.start()
            db_state.wait_for_lock_waiters(database, blocked_by=confirm.info.backend_pid)
            confirm.execute(
                "UPDATE escrows SET status = 'created', offer_sequence = 7, create_tx_hash = %s"
                " WHERE id = %s",
                (tx_hash(), escrow["id"]),
            )
            confirm.commit()
            withdrawal.join()
        assert answers[0].status_code == 409, answers[0].text
        assert db_state.bout_status(database, draft.id) == "draft"

    def test_a_prepare_queued_behind_a_withdrawal_stores_nothing(
        self, draft: Flow, database: URL
    ) -> None:
        """A prepare waiting for the signing lock a withdrawal holds read the bout as a draft:
        it checks again under the bout lock, so no sign request outlives the withdrawal."""
        answers: list[httpx.Response] = []
        with psycopg.connect(libpq(database)) as withdrawal:
            withdrawal.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"prepare:{draft.id}",)
            )
            prepare = threading.Thread(
                target=lambda: answers.append(draft.post("/escrows/prepare"))
            )
            prepare.start()
            db_state.wait_for_lock_waiters(database, blocked_by=withdrawal.info.backend_pid)
            withdrawal.execute("UPDATE bouts SET status = 'withdrawn' WHERE id = %s", (draft.id,))
            withdrawal.commit()
            prepare.join()
        assert answers[0].status_code == 409, answers[0].text
        assert "withdrawn" in answers[0].json()["detail"]
        assert attempts(database, draft.id) == []
        entry = db_state.audit(database, draft.id)[-1]
        assert (entry["action"], entry["outcome"]) == ("escrows.prepare", "rejected")


# --- api mode: Xaman is asked first --------------------------------------------------------------


@pytest.fixture(scope="module")
def xaman() -> Iterator[FakeXaman]:
    with FakeXaman() as fake:
        yield fake


@pytest.fixture(scope="module")
def xaman_client(database: URL, data_dir: Path, xaman: FakeXaman) -> Iterator[TestClient]:
    settings = xaman_api_settings(database, data_dir, xaman, XAMAN_TIMEOUT_SECONDS=2)
    with TestClient(create_asgi(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def prepared(xaman_client: TestClient) -> Flow:
    """A draft bout in api mode with its four EscrowCreate sign requests open at Xaman."""
    api = Api(xaman_client)
    promoter, _, _, bout = api.cast()
    flow = Flow(api, promoter, bout)
    assert flow.post("/escrows/prepare").status_code == 200
    return flow


def payload_ids(flow: Flow) -> dict[str, str]:
    return {kind: flow.escrow(kind)["signing"]["payload_id"] for kind in KINDS}


class TestWithXaman:
    def test_open_requests_are_cancelled_at_xaman(
        self, prepared: Flow, xaman: FakeXaman, database: URL
    ) -> None:
        ids = payload_ids(prepared)
        response = prepared.post("/withdraw")
        assert response.status_code == 200, response.text
        assert all(xaman.payloads[payload].cancelled for payload in ids.values())
        deletes = [r.path for r in xaman.received if r.method == "DELETE"]
        assert {path.rsplit("/", 1)[-1] for path in deletes} >= set(ids.values())
        assert {row["status"] for row in attempts(database, prepared.id)} == {"declined"}

    def test_signed_at_xaman_is_a_409_and_is_recorded(
        self, prepared: Flow, xaman: FakeXaman, database: URL
    ) -> None:
        ids = payload_ids(prepared)
        txid = tx_hash()
        xaman.sign(ids["bonus_a"], txid=txid)
        response = prepared.post("/withdraw")
        assert response.status_code == 409, response.text
        assert response.json()["payload_ids"] == [ids["bonus_a"]]
        rows = {row["payload_id"]: row for row in attempts(database, prepared.id)}
        assert (rows[ids["bonus_a"]]["status"], rows[ids["bonus_a"]]["tx_hash"]) == ("signed", txid)
        # Nothing else was withdrawn: the bout goes on.
        assert not any(xaman.payloads[ids[kind]].cancelled for kind in ("show_a", "show_b"))
        assert db_state.bout_status(database, prepared.id) == "draft"
        actions = [(r["action"], r["outcome"]) for r in db_state.audit(database, prepared.id)]
        assert actions[-2:] == [
            ("signing.escrow_create.reconcile", "signed"),
            ("bout.withdraw", "rejected"),
        ]

    def test_opened_in_the_wallet_cannot_be_withdrawn(
        self, prepared: Flow, xaman: FakeXaman, database: URL
    ) -> None:
        xaman.open(payload_ids(prepared)["show_a"])
        response = prepared.post("/withdraw")
        assert response.status_code == 409, response.text
        assert "open in the signer's wallet" in response.json()["detail"]
        assert db_state.bout_status(database, prepared.id) == "draft"

    def test_signed_while_being_withdrawn(
        self, prepared: Flow, xaman: FakeXaman, database: URL
    ) -> None:
        """Open when asked, signed before its DELETE: Xaman answers ALREADY_RESOLVED, and the
        status read after it says signed."""
        ids = payload_ids(prepared)
        original = xaman._cancel

        def sign_first(payload_id: str) -> Any:
            if payload_id == ids["show_b"]:
                xaman.sign(payload_id, txid=tx_hash())
            return original(payload_id)

        xaman._cancel = sign_first  # type: ignore[method-assign]
        try:
            response = prepared.post("/withdraw")
        finally:
            xaman._cancel = original  # type: ignore[method-assign]
        assert response.status_code == 409, response.text
        assert db_state.bout_status(database, prepared.id) == "draft"
        status = {row["payload_id"]: row["status"] for row in attempts(database, prepared.id)}
        assert status[ids["show_b"]] == "signed"

    def test_a_new_prepare_refused_while_the_signer_holds_the_earlier_request(
        self, prepared: Flow, xaman: FakeXaman, database: URL
    ) -> None:
        """A request opened in the wallet cannot be withdrawn: a second request for the same
        escrow would let both EscrowCreates reach the ledger. The new ones are withdrawn."""
        old = payload_ids(prepared)
        xaman.open(old["show_a"])
        known = set(xaman.payloads)
        response = prepared.post("/escrows/prepare")
        assert response.status_code == 409, response.text
        assert response.json()["payload_ids"] == [old["show_a"]]
        made = [payload for uuid_, payload in xaman.payloads.items() if uuid_ not in known]
        assert len(made) == 4 and all(payload.cancelled for payload in made)
        assert len(attempts(database, prepared.id)) == 4  # none of the new ones stored
        assert payload_ids(prepared) == old

    def test_a_new_prepare_records_an_earlier_request_signed_meanwhile(
        self, prepared: Flow, xaman: FakeXaman, database: URL
    ) -> None:
        old = payload_ids(prepared)
        txid = tx_hash()
        xaman.sign(old["bonus_b"], txid=txid)
        response = prepared.post("/escrows/prepare")
        assert response.status_code == 409, response.text
        rows = {row["payload_id"]: row for row in attempts(database, prepared.id)}
        assert (rows[old["bonus_b"]]["status"], rows[old["bonus_b"]]["tx_hash"]) == ("signed", txid)
        assert len(rows) == 4

    @pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.CONNECTION_RESET])
    def test_xaman_down_is_a_502_and_nothing_changes(
        self, prepared: Flow, xaman: FakeXaman, database: URL, fault: Fault
    ) -> None:
        before = attempts(database, prepared.id)
        xaman.fail_next(fault)
        response = prepared.post("/withdraw")
        assert response.status_code == 502, response.text
        assert response.json()["code"] == "xaman_unavailable"
        assert db_state.bout_status(database, prepared.id) == "draft"
        assert attempts(database, prepared.id) == before
        entry = db_state.audit(database, prepared.id)[-1]
        assert (entry["action"], entry["outcome"]) == ("bout.withdraw", "xaman_unavailable")
        # Once Xaman is back the same request succeeds.
        assert prepared.post("/withdraw").status_code == 200
