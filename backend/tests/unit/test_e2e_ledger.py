"""The browser tests' ledger stand-in (`python -m tests.support.e2e_ledger`): its control API
signs with wallets it holds, the node answers for what they submitted over its own JSON-RPC
port, and the process goes when its runner does."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.e2e_ledger import Control
from tests.support.fake_rippled import FakeRippled
from tests.support.local_http import LocalHttpServer
from tests.support.wallets import ledger_now

BACKEND = Path(__file__).resolve().parents[2]


@pytest.fixture
def stand_in() -> Iterator[tuple[FakeRippled, str]]:
    with FakeRippled() as node:
        node.ledger.set_clock(close_time=ledger_now())
        control = LocalHttpServer(Control(node).handle)
        control.start()
        try:
            yield node, control.url
        finally:
            control.stop()


def rpc(node: FakeRippled, method: str, **params: Any) -> dict[str, Any]:
    answer = httpx.post(node.url, json={"method": method, "params": [params]}).json()
    return dict(answer["result"])


class TestControl:
    def test_wallets_sign_and_the_node_validates(self, stand_in: tuple[FakeRippled, str]) -> None:
        node, control = stand_in
        owner = httpx.post(f"{control}/wallets", json={"name": "promoter"})
        fighter = httpx.post(f"{control}/wallets", json={"name": "fighter"})
        assert (owner.status_code, fighter.status_code) == (201, 201)
        owner_address, fighter_address = owner.json()["address"], fighter.json()["address"]
        finish_after = ledger_now() + 3_600
        create = {
            "TransactionType": "EscrowCreate",
            "Account": owner_address,
            "Destination": fighter_address,
            "Amount": "5000000",
            "FinishAfter": finish_after,
        }
        created = httpx.post(f"{control}/submit", json={"wallet": "promoter", "tx_json": create})
        assert created.status_code == 200, created.text
        found = rpc(node, "tx", transaction=created.json()["tx_hash"])
        assert found["validated"] is True
        assert found["meta"]["TransactionResult"] == "tesSUCCESS"
        sequence = found["tx_json"]["Sequence"]
        assert found["tx_json"]["Account"] == owner_address and found["tx_json"]["TxnSignature"]
        # Closed now: the ledger's clock follows the wall clock unless a submission asks for later.
        assert created.json()["close_time"] <= ledger_now() + 10

        finish = {
            "TransactionType": "EscrowFinish",
            "Account": fighter_address,
            "Owner": owner_address,
            "OfferSequence": sequence,
        }
        body = {"wallet": "fighter", "tx_json": finish, "close_after": finish_after}
        finished = httpx.post(f"{control}/submit", json=body).json()
        assert finished["close_time"] > finish_after
        entry = rpc(node, "ledger_entry", escrow={"owner": owner_address, "seq": sequence})
        assert entry["error"] == "entryNotFound"

    @pytest.mark.parametrize(
        ("path", "body", "status"),
        [
            ("/wallets", {"name": "promoter"}, 400),  # the name is taken
            ("/wallets", {}, 400),
            ("/submit", {"wallet": "nobody", "tx_json": {}}, 400),
            ("/submit", {"wallet": "promoter", "tx_json": {"TransactionType": "Nonsense"}}, 400),
            ("/submit", {"wallet": "promoter", "tx_json": {}, "close_after": "soon"}, 400),
            ("/submit", {"wallet": "promoter", "tx_json": [1, 2]}, 400),
            ("/ledger", {}, 404),
        ],
    )
    def test_what_it_cannot_act_on(
        self, stand_in: tuple[FakeRippled, str], path: str, body: dict[str, Any], status: int
    ) -> None:
        _, control = stand_in
        assert httpx.post(f"{control}/wallets", json={"name": "promoter"}).status_code == 201
        answer = httpx.post(f"{control}{path}", json=body)
        assert answer.status_code == status
        assert answer.json()["error"]

    def test_an_issuer_whose_token_may_be_escrowed_and_a_fighters_trust_set(
        self, stand_in: tuple[FakeRippled, str]
    ) -> None:
        node, control = stand_in
        body = {"name": "issuer", "allow_trust_line_locking": True, "transfer_rate": 1_002_000_000}
        issuer = httpx.post(f"{control}/wallets", json=body).json()["address"]
        info = rpc(node, "account_info", account=issuer)["account_data"]
        assert info["Flags"] & 0x40000000  # lsfAllowTrustLineLocking
        assert info["TransferRate"] == 1_002_000_000
        plain = httpx.post(f"{control}/wallets", json={"name": "plain"}).json()["address"]
        assert not rpc(node, "account_info", account=plain)["account_data"]["Flags"] & 0x40000000

        fighter = httpx.post(f"{control}/wallets", json={"name": "fighter"}).json()["address"]
        assert rpc(node, "account_lines", account=fighter)["lines"] == []
        trust_set = {
            "TransactionType": "TrustSet",
            "Account": fighter,
            "LimitAmount": {"currency": "USD", "issuer": issuer, "value": "2000.25"},
            "Flags": 131072,
        }
        signed = httpx.post(f"{control}/submit", json={"wallet": "fighter", "tx_json": trust_set})
        assert signed.status_code == 200, signed.text
        (line,) = rpc(node, "account_lines", account=fighter, peer=issuer)["lines"]
        assert (line["currency"], line["limit"], line["balance"]) == ("USD", "2000.25", "0")

    @pytest.mark.parametrize(
        "body",
        [
            {"name": "i", "allow_trust_line_locking": "yes"},
            {"name": "i", "transfer_rate": 999_999_999},
            {"name": "i", "transfer_rate": 2_000_000_001},
            {"name": "i", "transfer_rate": "1002000000"},
        ],
    )
    def test_issuer_settings_it_cannot_declare(
        self, stand_in: tuple[FakeRippled, str], body: dict[str, Any]
    ) -> None:
        _, control = stand_in
        answer = httpx.post(f"{control}/wallets", json=body)
        assert answer.status_code == 400
        assert answer.json()["error"]

    def test_a_success_the_ledger_would_refuse(self, stand_in: tuple[FakeRippled, str]) -> None:
        _, control = stand_in
        address = httpx.post(f"{control}/wallets", json={"name": "anyone"}).json()["address"]
        finish = {
            "TransactionType": "EscrowFinish",
            "Account": address,
            "Owner": address,
            "OfferSequence": 7,
        }
        answer = httpx.post(f"{control}/submit", json={"wallet": "anyone", "tx_json": finish})
        assert (answer.status_code, answer.json()["code"]) == (409, "tecNO_TARGET")


def test_the_process_says_where_it_listens_and_leaves_with_its_runner() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.e2e_ledger"],
        cwd=BACKEND,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdin is not None
        urls = json.loads(process.stdout.readline())
        info = httpx.post(urls["rpc_url"], json={"method": "server_info", "params": [{}]}).json()
        assert info["result"]["info"]["network_id"] == 1
        wallet = httpx.post(f"{urls['control_url']}/wallets", json={"name": "w"})
        assert wallet.status_code == 201
        process.stdin.close()
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
