"""`ringledger evidence` holds every item of the runbook's evidence checklist, and no secret."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.core.config import Settings
from tests.support import db_state
from tests.support.api import PASSWORD, Account, Api, future_event, insert_admin
from tests.support.database import libpq, truncate_all
from tests.support.flow import KINDS, Flow, create_evidence
from tests.support.operator import XAMAN_DOWN_SECRET, environment, run_cli, xaman_unreachable


@dataclass
class Incident:
    """A bout that went through a 502, a 422, a 409 and a replayed key, and its evidence."""

    bout_id: str
    show_a_id: str
    answers: dict[str, Any]
    secrets: list[str]
    payload_ids: list[str]
    text: str = ""

    @property
    def document(self) -> dict[str, Any]:
        return dict(json.loads(self.text))

    def line(self, status: int) -> dict[str, Any]:
        lines = {item["status_code"]: item for item in self.document["checklist"]["incidents"]}
        return dict(lines[status])


def provoke(api: Api, admin: Account, database: URL, data_dir: Path) -> tuple[Flow, dict[str, Any]]:
    """A 502 on prepare, a 409 result, a 422 confirm replayed under its key, then payouts."""
    promoter, a, b = api.promoter(), api.fighter(name="Ada"), api.fighter(name="Bea")
    flow = Flow(
        api, promoter, api.create_bout(promoter, a, b, event_datetime_utc=future_event(-1.5))
    )
    answers: dict[str, Any] = {}
    with xaman_unreachable(database, data_dir) as down:
        answers["502"] = down.client.post(
            f"/bouts/{flow.id}/escrows/prepare", headers=promoter.headers
        ).json()
    assert flow.post("/escrows/prepare").status_code == 200
    answers["409"] = flow.post("/result", {"winner": "A"}, who=admin).json()
    body = create_evidence(flow.escrow("show_a"), validated=False)
    answers["422"] = flow.post("/escrows/confirm", body, key="incident-key").json()
    assert flow.post("/escrows/confirm", body, key="incident-key").json() == answers["422"]
    for kind in KINDS:
        assert flow.confirm_create(kind).status_code == 200
    assert flow.post("/result", {"winner": "A"}, who=admin).status_code == 200
    answers["fulfillment"] = flow.prepare_payouts()["bonus_a"]["unsigned_tx"]["Fulfillment"]
    answers["tokens"] = [promoter.token, admin.token, a.token, b.token]
    return flow, answers


def stored_secrets(database: URL, bout_id: str, settings: Settings) -> list[str]:
    """Both preimages (decrypted) and their ciphertexts, as the database holds them."""
    escrows = db_state.escrows(database, bout_id)
    found = []
    for kind in ("bonus_a", "bonus_b"):
        ciphertext = escrows[kind]["preimage_ciphertext"]
        found += [ciphertext, settings.preimage_cipher.decrypt(ciphertext.encode()).hex()]
    return found


@pytest.fixture(scope="module")
def incident(
    client: TestClient,
    settings: Settings,
    database: URL,
    data_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Incident:
    """Built once for the module; everything the tests read is taken before tables are emptied."""
    truncate_all(database)
    api = Api(client)
    insert_admin(libpq(database), "evidence-admin@example.com")
    admin = Account(
        "", "evidence-admin@example.com", "admin", api.login("evidence-admin@example.com")
    )
    flow, answers = provoke(api, admin, database, data_dir)
    issued = db_state.rows(
        database, "SELECT payload_id FROM signing_attempts WHERE bout_id = %s", flow.id
    )
    found = Incident(
        bout_id=flow.id,
        show_a_id=flow.escrow("show_a")["escrow_id"],
        answers=answers,
        secrets=[
            PASSWORD,
            settings.jwt_secret,
            XAMAN_DOWN_SECRET,
            answers["fulfillment"],
            *answers["tokens"],
            *stored_secrets(database, flow.id, settings),
        ],
        payload_ids=[row["payload_id"] for row in issued],
    )
    folder = tmp_path_factory.mktemp("evidence")
    report, out = folder / "smoke.json", folder / "evidence.json"
    report.write_text(json.dumps({"passed": True, "failed_gate": None, "gates": []}))
    env = environment(database, data_dir)
    result = run_cli(env, "evidence", flow.id, "--out", str(out), "--verification", str(report))
    assert result.exit_code == 0, result.output
    found.text = out.read_text()
    return found


class TestChecklistItems:
    def test_failing_request_path_and_status_code(self, incident: Incident) -> None:
        bout = incident.bout_id
        assert incident.line(502)["request"] == f"POST /bouts/{bout}/escrows/prepare"
        assert incident.line(409)["request"] == f"POST /bouts/{bout}/result"
        assert incident.line(422)["request"] == f"POST /bouts/{bout}/escrows/confirm"

    def test_actor_role_and_bout_escrow_identifiers(self, incident: Incident) -> None:
        assert (incident.line(409)["actor_role"], incident.line(422)["actor_role"]) == (
            "admin",
            "promoter",
        )
        assert {incident.line(status)["bout_id"] for status in (409, 422, 502)} == {
            incident.bout_id
        }
        failed = incident.line(422)
        assert (failed["entity_id"], failed["escrow_kind"]) == (incident.show_a_id, "show_a")

    def test_returned_deterministic_error_message(self, incident: Incident) -> None:
        answers = incident.answers
        assert incident.line(422)["message"] == answers["422"]["detail"]
        assert incident.line(409)["message"] == answers["409"]["detail"]
        assert answers["502"]["detail"] in incident.line(502)["message"]

    def test_audit_entries_with_failure_code_and_reason(self, incident: Incident) -> None:
        assert incident.line(422)["failure_code"] == "confirmation_timeout"
        assert incident.line(409)["failure_code"] == "state_conflict"
        assert incident.line(422)["failure_reason"]
        codes = {entry["failure_code"] for entry in incident.document["failures"]}
        assert {"confirmation_timeout", "state_conflict"} <= codes

    def test_idempotency_key_and_replay_outcome(self, incident: Incident) -> None:
        records = incident.document["checklist"]["idempotency"]
        record = next(item for item in records if item["idempotency_key"] == "incident-key")
        assert record["stored_status"] == 422
        assert "returns the stored 422 byte for byte" in record["replay_outcome"]
        assert len(record["request_hash"]) == 64

    def test_xaman_mode_and_payload_identifiers(self, incident: Incident) -> None:
        xaman = incident.document["checklist"]["xaman"]
        assert xaman["mode"] == incident.document["runtime"]["xaman_mode"] == "stub"
        assert sorted(xaman["payload_ids"]) == sorted(incident.payload_ids)

    def test_remediation_and_verification(self, incident: Incident) -> None:
        assert "retry" in incident.line(502)["remediation"]
        assert "new Idempotency-Key" in incident.line(422)["remediation"]
        assert "ringledger audit" in incident.line(409)["remediation"]
        assert incident.document["checklist"]["verification"]["passed"] is True


def test_no_secret_in_the_evidence(incident: Incident) -> None:
    text = incident.text.lower()
    for value in incident.secrets:
        assert value.lower() not in text
    assert "preimage" not in text
