"""Drives a bout through its lifecycle over HTTP in stub modes, one step at a time."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from tests.support.api import Account, Api

KINDS = ("show_a", "show_b", "bonus_a", "bonus_b")


def tx_hash() -> str:
    return secrets.token_hex(32).upper()


def create_evidence(escrow: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """The stub ledger's answer for a validated EscrowCreate matching the planned escrow."""
    body = {
        "escrow_kind": escrow["escrow_kind"],
        "tx_hash": tx_hash(),
        "offer_sequence": secrets.randbelow(4_000_000) + 1,
        "validated": True,
        "engine_result": "tesSUCCESS",
        "owner_address": escrow["owner_address"],
        "destination_address": escrow["destination_address"],
        # A token bout's evidence carries the ledger's amount object instead of drops.
        **(
            {"amount_drops": escrow["amount_drops"]}
            if escrow["amount_drops"] is not None
            else {"amount": escrow["amount"]}
        ),
        "finish_after_ripple": escrow["finish_after_ripple"],
        "cancel_after_ripple": escrow["cancel_after_ripple"],
        "condition_hex": escrow["condition_hex"],
    }
    body.update(overrides)
    return body


def payout_evidence(item: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """The stub ledger's answer for a validated finish/cancel of a prepared payout item."""
    tx = item["unsigned_tx"]
    guard = tx_guard(item)
    body = {
        "escrow_kind": item["escrow_kind"],
        "tx_hash": tx_hash(),
        "validated": True,
        "engine_result": "tesSUCCESS",
        "transaction_type": tx["TransactionType"],
        "owner_address": tx["Owner"],
        "offer_sequence": tx["OfferSequence"],
        "close_time_ripple": guard + 10,
        "fulfillment_hex": tx.get("Fulfillment"),
    }
    body.update(overrides)
    return body


def guard_of(item: dict[str, Any], escrow: dict[str, Any]) -> int:
    """The ledger time a prepared payout must pass: CancelAfter for a cancel, else FinishAfter."""
    if item["action"] == "cancel":
        return int(escrow["cancel_after_ripple"])
    return int(escrow["finish_after_ripple"])


def tx_guard(item: dict[str, Any]) -> int:
    """FinishAfter or CancelAfter of the escrow an item settles (from the bout's plan)."""
    return int(item["_guard"])


class Flow:
    def __init__(self, api: Api, promoter: Account, bout: dict[str, Any]) -> None:
        self.api, self.promoter, self.bout = api, promoter, bout
        self.id = bout["bout_id"]

    def post(
        self, path: str, body: Any = None, *, key: str | None = None, who: Account | None = None
    ):
        headers = dict((who or self.promoter).headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.api.client.post(f"/bouts/{self.id}{path}", json=body, headers=headers)

    def get(self, path: str = "", who: Account | None = None):
        return self.api.client.get(
            f"/bouts/{self.id}{path}", headers=(who or self.promoter).headers
        )

    def escrow(self, kind: str) -> dict[str, Any]:
        view = self.get().json()
        return next(item for item in view["escrows"] if item["escrow_kind"] == kind)

    def confirm_create(self, kind: str, **overrides: Any):
        body = create_evidence(self.escrow(kind), **overrides)
        return self.post("/escrows/confirm", body, key=str(uuid.uuid4()))

    def create_all(self) -> None:
        assert self.post("/escrows/prepare").status_code == 200
        for kind in KINDS:
            response = self.confirm_create(kind)
            assert response.status_code == 200, response.text

    def prepare_payouts(self) -> dict[str, dict[str, Any]]:
        """The prepared payouts by kind, each with the ledger time guard it must pass."""
        response = self.post("/payouts/prepare")
        assert response.status_code == 200, response.text
        escrows = {item["escrow_kind"]: item for item in self.get().json()["escrows"]}
        return {
            item["escrow_kind"]: {**item, "_guard": guard_of(item, escrows[item["escrow_kind"]])}
            for item in response.json()["escrows"]
        }

    def confirm_payout(self, item: dict[str, Any], **overrides: Any):
        return self.post(
            "/payouts/confirm", payout_evidence(item, **overrides), key=str(uuid.uuid4())
        )
