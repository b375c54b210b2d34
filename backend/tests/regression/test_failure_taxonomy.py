"""Locks the failure taxonomy (inputs → codes) and the error bodies of both confirms.

A change here changes what operators and clients see: update docs/operations-runbook.md with it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import Account, Api, future_event
from tests.support.flow import Flow, create_evidence

CREATE_CASES: list[tuple[str, dict[str, Any], int, str, str]] = [
    (
        "declined",
        {"engine_result": "declined"},
        422,
        "signing_declined",
        "The promoter declined to sign.",
    ),
    (
        "signer-cancelled",
        {"engine_result": "Cancelled"},
        422,
        "signing_declined",
        "The promoter declined to sign.",
    ),
    (
        "declined-beats-unvalidated",
        {"engine_result": "user_declined", "validated": False},
        422,
        "signing_declined",
        "The promoter declined to sign.",
    ),
    (
        "not-validated",
        {"validated": False},
        422,
        "confirmation_timeout",
        "The transaction is not validated yet.",
    ),
    (
        "unvalidated-tec",
        {"validated": False, "engine_result": "tecNO_DST"},
        422,
        "confirmation_timeout",
        "The transaction is not validated yet.",
    ),
    (
        "tec",
        {"engine_result": "tecUNFUNDED_PAYMENT"},
        422,
        "ledger_tec_tem",
        "The ledger rejected it with tecUNFUNDED_PAYMENT.",
    ),
    (
        "tem",
        {"engine_result": "temBAD_EXPIRATION"},
        422,
        "ledger_tec_tem",
        "The ledger rejected it with temBAD_EXPIRATION.",
    ),
    (
        "tef",
        {"engine_result": "tefMAX_LEDGER"},
        422,
        "invalid_confirmation",
        "The result tefMAX_LEDGER is not tesSUCCESS.",
    ),
    (
        "amount",
        {"amount_drops": 7},
        422,
        "invalid_confirmation",
        "The transaction does not match what was prepared: amount_drops.",
    ),
    (
        "two-fields",
        {"finish_after_ripple": 1, "destination_address": "rX"},
        422,
        "invalid_confirmation",
        "The transaction does not match what was prepared: destination_address, finish_after_ripple.",
    ),
]

PAYOUT_CASES: list[tuple[str, str, dict[str, Any], str, str]] = [
    (
        "finish-too-early",
        "show_a",
        {"close_time_ripple": "finish_after"},
        "invalid_confirmation",
        "The ledger closed before FinishAfter had passed.",
    ),
    (
        "cancel-too-early",
        "bonus_b",
        {"close_time_ripple": "cancel_after"},
        "invalid_confirmation",
        "The ledger closed before CancelAfter had passed.",
    ),
    (
        "wrong-action",
        "bonus_b",
        {"transaction_type": "EscrowFinish"},
        "invalid_confirmation",
        "The transaction does not match what was prepared: transaction_type.",
    ),
    (
        "winner-without-fulfillment",
        "bonus_a",
        {"fulfillment_hex": None},
        "invalid_confirmation",
        "The transaction does not match what was prepared: fulfillment_hex.",
    ),
    (
        "tec",
        "show_b",
        {"engine_result": "tecNO_PERMISSION"},
        "ledger_tec_tem",
        "The ledger rejected it with tecNO_PERMISSION.",
    ),
]


@pytest.mark.parametrize(
    ("name", "overrides", "status", "code", "detail"),
    CREATE_CASES,
    ids=[c[0] for c in CREATE_CASES],
)
def test_escrow_confirm_taxonomy(
    api: Api, name: str, overrides: dict[str, Any], status: int, code: str, detail: str
) -> None:
    promoter, _, _, bout = api.cast()
    flow = Flow(api, promoter, bout)
    response = flow.post(
        "/escrows/confirm", create_evidence(flow.escrow("bonus_a"), **overrides), key=name
    )
    assert response.status_code == status
    assert response.json() == {"detail": detail, "code": code, "failure_code": code}
    assert flow.escrow("bonus_a")["failure_reason"] == detail


@pytest.mark.parametrize(
    ("name", "kind", "overrides", "code", "detail"), PAYOUT_CASES, ids=[c[0] for c in PAYOUT_CASES]
)
def test_payout_confirm_taxonomy(
    api: Api,
    admin: Account,
    name: str,
    kind: str,
    overrides: dict[str, Any],
    code: str,
    detail: str,
) -> None:
    promoter, a, b = api.promoter(), api.fighter(), api.fighter()
    flow = Flow(
        api, promoter, api.create_bout(promoter, a, b, event_datetime_utc=future_event(hours=-1.5))
    )
    flow.create_all()
    flow.post("/result", {"winner": "A"}, who=admin)
    items = flow.prepare_payouts()
    escrow = flow.escrow(kind)
    resolved = {
        field: escrow[f"{value}_ripple"] if value in ("finish_after", "cancel_after") else value
        for field, value in overrides.items()
    }
    response = flow.confirm_payout(items[kind], **resolved)
    assert response.status_code == 422
    assert response.json() == {"detail": detail, "code": code, "failure_code": code}


def test_state_conflict_body(api: Api) -> None:
    promoter, _, _, bout = api.cast()
    flow = Flow(api, promoter, bout)
    flow.confirm_create("show_a")
    response = flow.confirm_create("show_a")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "The show_a escrow is created and the bout draft; only a planned escrow of a draft bout can be confirmed.",
        "code": "state_conflict",
        "bout_status": "draft",
        "escrow_kind": "show_a",
        "escrow_status": "created",
    }


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 400, "idempotency_key_missing"),
        ({"Idempotency-Key": ""}, 400, "idempotency_key_missing"),
        ({"Idempotency-Key": "x" * 129}, 400, "idempotency_key_invalid"),
        ({"Idempotency-Key": "has space"}, 400, "idempotency_key_invalid"),
    ],
)
def test_idempotency_key_answers(api: Api, headers: dict[str, str], status: int, code: str) -> None:
    promoter, _, _, bout = api.cast()
    flow = Flow(api, promoter, bout)
    response = api.client.post(
        f"/bouts/{flow.id}/escrows/confirm",
        json=create_evidence(flow.escrow("show_a")),
        headers={**promoter.headers, **headers},
    )
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_validation_error_body(api: Api) -> None:
    promoter, _, _, bout = api.cast()
    flow = Flow(api, promoter, bout)
    body = create_evidence(flow.escrow("show_a"), offer_sequence=2**31, amount_drops="5")
    response = flow.post("/escrows/confirm", body, key="v")
    assert response.status_code == 422
    payload = response.json()
    assert (
        payload["code"] == "validation_error" and payload["detail"] == "The request is not valid."
    )
    assert [error["field"] for error in payload["errors"]] == ["amount_drops"]
    ok = flow.post(
        "/escrows/confirm", create_evidence(flow.escrow("show_a"), offer_sequence=2**31), key="w"
    )
    assert ok.status_code == 200 and ok.json()["offer_sequence"] == 2**31
