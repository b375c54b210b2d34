"""Every outside fault, seen through the HTTP API in the real modes (Xaman API, XRPL JSON-RPC).

Xaman and the XRPL node are the wire-faithful local servers. Each fault must map to the answer
the contract names (docs/xaman-signing-contract.md, docs/api.md, docs/xrpl-and-xaman.md), leave every
status where it was and never surface as a 5xx other than 502.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL
from xrpl.wallet import Wallet

from ringledger.main import create_asgi
from tests.conftest import xaman_api_settings
from tests.support import db_state
from tests.support.api import PASSWORD, Account, Api, future_event
from tests.support.fake_rippled import FakeRippled, RippledFault, sign_tx_json
from tests.support.fake_xaman import API_KEY, API_SECRET, PLATFORM, FakeXaman, Fault
from tests.support.flow import KINDS, Flow
from tests.support.local_http import refused_url
from tests.support.wallets import first_close_after, ledger_now
from tests.support.xrpl import new_address

# Short enough to keep the slow cases quick, long enough for a healthy local answer.
XAMAN_TIMEOUT_SECONDS = 0.5
XRPL_TIMEOUT_SECONDS = 1.0
# A slow server answers long after the service gave up (stopping the fake wakes it early).
SLOW_ANSWER_SECONDS = 5.0
# Xaman answers 401 (error 813) once the key we send is not one it knows.
WRONG_CREDENTIALS = "wrong_credentials"
# PREIMAGE-SHA-256 of 32 zero bytes (docs/xrpl-and-xaman.md#crypto-conditions-preimage-sha-256): well-formed, but not the platform's.
STRANGE_CONDITION = "A025802066687AADF862BD776C8FC18B8E9F8E20089714856EE233B3902A591D0D5F2925810120"
STRANGE_FULFILLMENT = "A0228020" + "00" * 32
# Markers in the tables below, resolved against the transaction they change.
DROP, PLUS_ONE, STRANGER = "<drop>", "<plus one>", "<stranger>"
ON_TIME, AT_THE_GUARD, AFTER_CANCEL_AFTER, NO_CLOSE_TIME = "on time", "at guard", "late", "none"
Post = Callable[[str, dict[str, Any], str], httpx.Response]

# --- the outside world ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xaman() -> Iterator[FakeXaman]:
    with FakeXaman(slow_seconds=SLOW_ANSWER_SECONDS) as fake:
        yield fake


@pytest.fixture(scope="module")
def node() -> Iterator[FakeRippled]:
    with FakeRippled(slow_seconds=SLOW_ANSWER_SECONDS) as fake:
        yield fake


@pytest.fixture(autouse=True)
def _healthy_outside(xaman: FakeXaman, node: FakeRippled) -> Iterator[None]:
    yield
    # The fakes have no reset; a test that stopped half-way must not leave faults to the next.
    for fake in (xaman, node):
        with fake._lock:
            fake._faults.clear()
    xaman.api_key, xaman.slow_seconds = API_KEY, SLOW_ANSWER_SECONDS
    xaman.honour_options = True


def real_mode_app(
    database: URL, data_dir: Path, *, xaman: FakeXaman, rpc_url: str
) -> Iterator[TestClient]:
    settings = xaman_api_settings(
        database,
        data_dir,
        xaman,
        XAMAN_TIMEOUT_SECONDS=XAMAN_TIMEOUT_SECONDS,
        XRPL_MODE="rpc",
        XRPL_RPC_URL=rpc_url,
        XRPL_TIMEOUT_SECONDS=XRPL_TIMEOUT_SECONDS,
        XRPL_NETWORK="TESTNET",
    )
    with TestClient(create_asgi(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def service(
    database: URL, data_dir: Path, xaman: FakeXaman, node: FakeRippled
) -> Iterator[TestClient]:
    yield from real_mode_app(database, data_dir, xaman=xaman, rpc_url=node.url)


@pytest.fixture(scope="module")
def dark_port() -> int:
    """A local port where no XRPL node listens (until `node_back_on`)."""
    port = urlsplit(refused_url()).port
    assert port is not None
    return port


@pytest.fixture(scope="module")
def cut_off(
    database: URL, data_dir: Path, xaman: FakeXaman, dark_port: int
) -> Iterator[TestClient]:
    """The same service, configured with a node URL whose port refuses connections."""
    url = f"http://127.0.0.1:{dark_port}/"
    yield from real_mode_app(database, data_dir, xaman=xaman, rpc_url=url)


@contextmanager
def node_back_on(port: int, node: FakeRippled) -> Iterator[None]:
    """The node answers on `port` again: every JSON-RPC call there is passed to the local node."""

    class Relay(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            call = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = httpx.post(
                node.url, content=call, headers={"Content-Type": "application/json"}
            )
            self.send_response(answer.status_code)
            self.send_header("Content-Type", answer.headers.get("content-type", "text/plain"))
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", port), Relay)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def break_xaman(xaman: FakeXaman, fault: str) -> None:
    if fault == WRONG_CREDENTIALS:
        xaman.api_key = str(uuid.uuid4())
    else:
        xaman.fail_next(Fault(fault))


def fail_call(xaman: FakeXaman, number: int, fault: Fault) -> None:
    """The `number`-th call from now suffers `fault`; the ones before it are answered normally.

    A SLOW fault without delay is a normal answer: it holds the earlier calls' places in the queue.
    """
    xaman.slow_seconds = 0
    xaman.fail_next(*[Fault.SLOW] * (number - 1), fault)


def cancel_at_xaman(xaman: FakeXaman, payload_id: str) -> None:
    """Cancel the payload through Xaman's own API, as any client of the application could."""
    headers = {"X-API-Key": xaman.api_key, "X-API-Secret": xaman.api_secret}
    answer = httpx.delete(f"{xaman.base_url}{PLATFORM}payload/{payload_id}", headers=headers)
    assert answer.json()["result"]["cancelled"] is True


# --- the ledger ----------------------------------------------------------------------------------


class Ledger:
    """What the node validated: transactions signed by the promoter, or by a stranger."""

    def __init__(self, node: FakeRippled, promoter: Wallet) -> None:
        self.node, self.promoter, self.stranger = node, promoter, Wallet.create()
        self._sequence = itertools.count(start=301)

    def validate(self, tx: dict[str, Any], **how: Any) -> str:
        """Fill in what a wallet fills in, sign with the key of `Account`, register: the hash."""
        filled = {"Fee": "12", "Sequence": next(self._sequence), **tx}
        signer = self.stranger if filled["Account"] == self.stranger.address else self.promoter
        return self.node.register_signed(sign_tx_json(filled, signer), **how)

    def changed(self, tx: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        """`tx` with the table's changes applied (markers resolved against `tx`)."""
        result = dict(tx)
        for name, value in changes.items():
            if value == DROP:
                del result[name]
            elif value == PLUS_ONE:
                result[name] += 1
            else:
                result[name] = self.stranger.address if value == STRANGER else value
        return result


def create_tx(escrow: dict[str, Any]) -> dict[str, Any]:
    """The EscrowCreate the plan of `escrow` (a bout view item) asks for."""
    tx: dict[str, Any] = {
        "TransactionType": "EscrowCreate",
        "Account": escrow["owner_address"],
        "Destination": escrow["destination_address"],
        "Amount": str(escrow["amount_drops"]),
        "FinishAfter": escrow["finish_after_ripple"],
    }
    if escrow["cancel_after_ripple"] is not None:
        tx.update(CancelAfter=escrow["cancel_after_ripple"], Condition=escrow["condition_hex"])
    return tx


@pytest.fixture(scope="module")
def promoter_key() -> Wallet:
    return Wallet.create()


@pytest.fixture
def ledger(node: FakeRippled, promoter_key: Wallet) -> Ledger:
    return Ledger(node, promoter_key)


# --- bouts ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def password_hash() -> str:
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def insert_user(database: URL, role: str, password_hash: str, address: str) -> Account:
    """A user as registration stores one (a fighter with a profile); no token yet."""
    user_id, email = str(uuid.uuid4()), f"{role}-{uuid.uuid4().hex[:12]}@example.com"
    db_state.execute(
        database,
        "INSERT INTO users (id, email, password_hash, role) VALUES (%s, %s, %s, %s)",
        user_id,
        email,
        password_hash,
        role,
    )
    if role == "fighter":
        db_state.execute(
            database,
            "INSERT INTO fighter_profiles (user_id, display_name, xrpl_address)"
            " VALUES (%s, %s, %s)",
            user_id,
            email.split("@")[0],
            address,
        )
    return Account(user_id, email, role, token="", address=address)


@pytest.fixture
def flow(service: TestClient, promoter_key: Wallet, database: URL, password_hash: str) -> Flow:
    """A draft bout whose event began an hour ago: FinishAfter is an hour ahead.

    Its three people are written straight into the database (their sign-up is not what this
    module is about); the promoter logs in and creates the bout through the API.
    """
    api = Api(service)
    promoter = insert_user(database, "promoter", password_hash, promoter_key.classic_address)
    promoter.token = api.login(promoter.email)
    a, b = (insert_user(database, "fighter", password_hash, new_address()) for _ in "ab")
    bout = api.create_bout(promoter, a, b, event_datetime_utc=future_event(hours=-1))
    return Flow(api, promoter, bout)


def escrows_of(flow: Flow) -> dict[str, dict[str, Any]]:
    return {item["escrow_kind"]: item for item in flow.get().json()["escrows"]}


def prepare(flow: Flow, phase: str) -> dict[str, dict[str, Any]]:
    response = flow.post(f"/{phase}/prepare")
    assert response.status_code == 200, response.text
    return {item["escrow_kind"]: item for item in response.json()["escrows"]}


def payload_of(item: dict[str, Any]) -> str:
    return str(item["xaman_sign_request"]["payload_id"])


def poster(client: httpx.Client, flow: Flow) -> Post:
    """POST to one of the bout's routes through `client`, with an Idempotency-Key."""

    def post(path: str, body: dict[str, Any], key: str) -> httpx.Response:
        headers = {**flow.promoter.headers, "Idempotency-Key": key}
        return client.post(f"/bouts/{flow.id}{path}", json=body, headers=headers)

    return post


def confirm(flow: Flow, phase: str, kind: str, tx_hash: str, key: str = "") -> httpx.Response:
    body = {"escrow_kind": kind, "tx_hash": tx_hash}
    return poster(flow.api.client, flow)(f"/{phase}/confirm", body, key or str(uuid.uuid4()))


def paying(flow: Flow, database: URL, admin: Account) -> dict[str, dict[str, Any]]:
    """All four escrows created, fighter A won: the prepared payouts by escrow kind.

    The creates are written straight into the database: the end-to-end run and TestEscrowConfirm
    prove that path, and four ledger round trips per payout case would dominate this module.
    """
    for offer_sequence, kind in enumerate(KINDS, start=501):
        db_state.execute(
            database,
            "UPDATE escrows SET status = 'created', offer_sequence = %s, create_tx_hash = %s"
            " WHERE bout_id = %s AND kind = %s",
            offer_sequence,
            secrets.token_hex(32).upper(),
            flow.id,
            kind,
        )
    db_state.execute(database, "UPDATE bouts SET status = 'escrows_created' WHERE id = %s", flow.id)
    assert flow.post("/result", {"winner": "A"}, who=admin).status_code == 200
    return prepare(flow, "payouts")


def close_time(flow: Flow, item: dict[str, Any], when: str = ON_TIME) -> int | None:
    """When the ledger holding this payout closed, relative to the escrow's time guards.

    On time is the first close strictly after the guard (FinishAfter, or CancelAfter for a
    cancel); the ledger refuses a payout at the guard itself, and a finish after CancelAfter.
    """
    escrow = escrows_of(flow)[item["escrow_kind"]]
    cancel_after = escrow["cancel_after_ripple"]
    guard = cancel_after if item["action"] == "cancel" else escrow["finish_after_ripple"]
    return {
        ON_TIME: first_close_after(guard),
        AT_THE_GUARD: guard,
        AFTER_CANCEL_AFTER: cancel_after and first_close_after(cancel_after),
        NO_CLOSE_TIME: None,
    }[when]


# --- what the database says ----------------------------------------------------------------------

ROWS_OF_A_BOUT = {
    "bout": "SELECT * FROM bouts WHERE id = %s",
    "escrows": "SELECT * FROM escrows WHERE bout_id = %s ORDER BY kind",
    "signing_attempts": "SELECT * FROM signing_attempts WHERE bout_id = %s ORDER BY created_at",
    "idempotency_keys": "SELECT * FROM idempotency_keys WHERE bout_id = %s ORDER BY id",
    "audit": "SELECT * FROM audit_log WHERE bout_id = %s ORDER BY id",
}


def everything(database: URL, bout_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every row that describes the bout."""
    return {name: db_state.rows(database, sql, bout_id) for name, sql in ROWS_OF_A_BOUT.items()}


def all_but_audit(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {name: found for name, found in rows.items() if name != "audit"}


def statuses(database: URL, bout_id: str) -> dict[str, str]:
    escrows = db_state.escrows(database, bout_id)
    return {"bout": db_state.bout_status(database, bout_id)} | {
        kind: str(row["status"]) for kind, row in escrows.items()
    }


def assert_unavailable(response: httpx.Response, code: str) -> None:
    assert response.status_code == 502, response.text
    assert response.json()["code"] == code
    assert API_SECRET not in response.text and API_KEY not in response.text


def assert_xaman_fault_audited(
    before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]], action: str
) -> dict[str, Any]:
    """Nothing but one `xaman_unavailable` audit row was written; that row."""
    assert all_but_audit(after) == all_but_audit(before)
    added = after["audit"][len(before["audit"]) :]
    assert [(row["action"], row["outcome"]) for row in added] == [(action, "xaman_unavailable")]
    return added[0]


def assert_refused(
    flow: Flow, database: URL, *, phase: str, kind: str, tx_hash: str, failure_code: str
) -> str:
    """A 422 stored on the escrow, audited and replayed by its key, no status moved; its reason."""
    before = statuses(database, flow.id)
    key = str(uuid.uuid4())
    response = confirm(flow, phase, kind, tx_hash, key)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == body["failure_code"] == failure_code
    assert statuses(database, flow.id) == before
    escrow = db_state.escrows(database, flow.id)[kind]
    assert (escrow["failure_code"], escrow["failure_reason"]) == (failure_code, body["detail"])
    audit = db_state.audit(database, flow.id)[-1]
    assert (audit["outcome"], audit["failure_code"]) == ("rejected", failure_code)
    assert audit["details"]["tx_hash"] == tx_hash
    replay = confirm(flow, phase, kind, tx_hash, key)
    assert (replay.status_code, replay.content) == (422, response.content)
    assert replay.headers["Idempotent-Replayed"] == "true"
    return str(body["detail"])


def unavailable_then_recovered(
    flow: Flow,
    database: URL,
    *,
    post: Post,
    confirm_path: str,
    body: dict[str, Any],
    recovered: Callable[[], AbstractContextManager[Any]],
) -> httpx.Response:
    """502 ledger_unavailable and nothing stored; the same key executes once the node is back."""
    before = everything(database, flow.id)
    key = str(uuid.uuid4())
    assert_unavailable(post(confirm_path, body, key), "ledger_unavailable")
    assert everything(database, flow.id) == before  # no idempotency record, no audit row
    with recovered():
        retried = post(confirm_path, body, key)
    assert retried.status_code == 200, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    stored = db_state.rows(database, "SELECT * FROM idempotency_keys WHERE key = %s", key)
    assert [row["response_status"] for row in stored] == [200]
    replay = post(confirm_path, body, key)
    assert (replay.content, replay.headers["Idempotent-Replayed"]) == (retried.content, "true")
    return retried


# --- Xaman ---------------------------------------------------------------------------------------

XAMAN_FAULTS = [
    # fault, what the 502 and its audit row say
    pytest.param(Fault.RATE_LIMITED, "rate-limited us (HTTP 429, 0 of 30 calls left)", id="429"),
    pytest.param(Fault.SERVER_ERROR, "Xaman failed (HTTP 500", id="500"),
    pytest.param(Fault.SLOW, "did not answer in time", id="slow"),
    pytest.param(Fault.INVALID_JSON, "answered with invalid JSON", id="invalid-json"),
    pytest.param(Fault.MISSING_FIELDS, "is missing", id="missing-fields"),
    pytest.param(Fault.ILL_TYPED, "is not a", id="ill-typed"),
    pytest.param(Fault.CONNECTION_RESET, "could not reach Xaman", id="reset"),
    pytest.param(WRONG_CREDENTIALS, "refused our API credentials (HTTP 401, error 813", id="401"),
]


class TestEscrowPrepare:
    @pytest.mark.parametrize(("fault", "reason"), XAMAN_FAULTS)
    def test_xaman_fault(
        self, xaman: FakeXaman, flow: Flow, database: URL, fault: str, reason: str
    ) -> None:
        before = everything(database, flow.id)
        break_xaman(xaman, fault)
        response = flow.post("/escrows/prepare")
        assert_unavailable(response, "xaman_unavailable")
        assert reason in response.json()["detail"]
        after = everything(database, flow.id)
        assert after["signing_attempts"] == []
        audit = assert_xaman_fault_audited(before, after, "escrows.prepare")
        assert reason in audit["details"]["reason"]

        xaman.api_key = API_KEY
        assert len(prepare(flow, "escrows")) == 4  # nothing left behind blocks the next prepare

    def test_a_fault_midway_withdraws_the_requests_already_made(
        self, xaman: FakeXaman, flow: Flow, database: URL
    ) -> None:
        known = set(xaman.payloads)
        fail_call(xaman, 3, Fault.SERVER_ERROR)
        before = everything(database, flow.id)
        assert_unavailable(flow.post("/escrows/prepare"), "xaman_unavailable")
        made = [payload for uuid_, payload in xaman.payloads.items() if uuid_ not in known]
        assert len(made) == 2 and all(payload.cancelled for payload in made)
        assert_xaman_fault_audited(before, everything(database, flow.id), "escrows.prepare")

    def test_withdrawing_older_requests_is_best_effort(
        self, xaman: FakeXaman, flow: Flow, database: URL
    ) -> None:
        first = prepare(flow, "escrows")
        fail_call(xaman, 5, Fault.SERVER_ERROR)  # four creates, then the first withdrawal
        second = prepare(flow, "escrows")
        assert len(everything(database, flow.id)["signing_attempts"]) == 8
        withdrawn = sorted(xaman.payloads[payload_of(item)].cancelled for item in first.values())
        assert withdrawn == [False, True, True, True]
        assert not any(xaman.payloads[payload_of(item)].cancelled for item in second.values())


class TestPayoutPrepare:
    @pytest.mark.parametrize(("fault", "reason"), XAMAN_FAULTS[:3])
    def test_xaman_fault(
        self,
        xaman: FakeXaman,
        flow: Flow,
        admin: Account,
        database: URL,
        fault: str,
        reason: str,
    ) -> None:
        paying(flow, database, admin)
        before = everything(database, flow.id)
        break_xaman(xaman, fault)
        assert_unavailable(flow.post("/payouts/prepare"), "xaman_unavailable")
        after = everything(database, flow.id)
        assert len(after["signing_attempts"]) == 4  # those of the first prepare, untouched
        assert (
            reason
            in assert_xaman_fault_audited(before, after, "payouts.prepare")["details"]["reason"]
        )


def ask_xaman(
    service: TestClient, xaman: FakeXaman, flow: Flow, via: str, payload_id: str
) -> httpx.Response:
    """Learn the payload's outcome through the reconcile route, or by Xaman's callback."""
    if via == "webhook":
        return xaman.deliver_webhook("/webhooks/xaman", payload_id, client=service)
    body = {"escrow_kind": "bonus_a", "payload_id": payload_id}
    response: httpx.Response = flow.post("/escrows/signing/reconcile", body)
    return response


class TestSigningReconcile:
    @pytest.mark.parametrize(
        ("via", "fault", "reason"),
        [
            pytest.param("reconcile", *case.values, id=f"reconcile-{case.id}")
            for case in XAMAN_FAULTS
        ]
        + [
            pytest.param("webhook", *case.values, id=f"webhook-{case.id}")
            for case in XAMAN_FAULTS
            if case.id in ("500", "slow", "401")
        ],
    )
    def test_xaman_fault(
        self,
        service: TestClient,
        xaman: FakeXaman,
        flow: Flow,
        database: URL,
        via: str,
        fault: str,
        reason: str,
    ) -> None:
        payload_id = payload_of(prepare(flow, "escrows")["bonus_a"])
        xaman.sign(payload_id, txid="AB" * 32)  # a wrongly recorded outcome would show
        before = everything(database, flow.id)
        break_xaman(xaman, fault)
        assert_unavailable(ask_xaman(service, xaman, flow, via, payload_id), "xaman_unavailable")
        after = everything(database, flow.id)
        audit = assert_xaman_fault_audited(before, after, "signing.escrow_create.reconcile")
        assert audit["actor_role"] == ("system" if via == "webhook" else "promoter")
        assert reason in audit["details"]["reason"]

        xaman.api_key = API_KEY
        assert ask_xaman(service, xaman, flow, via, payload_id).status_code == 200
        assert escrows_of(flow)["bonus_a"]["signing"]["status"] == "signed"


def signed_on(network: str | None) -> Callable[[FakeXaman, str], None]:
    def sign(xaman: FakeXaman, payload_id: str) -> None:
        # Xaman forces our network; an app too old to know force_network may still sign on
        # another one, and the service's own check must catch it.
        xaman.honour_options = network in (None, "TESTNET")
        xaman.sign(payload_id, txid="5A" * 32, nodetype=network)

    return sign


PAYLOAD_STATES = [
    # how the payload stands at Xaman, signing_status, failure_code, reason recorded
    # (None: the attempt was already open, so nothing new is recorded)
    pytest.param(FakeXaman.open, "open", None, None, id="open"),
    pytest.param(signed_on("TESTNET"), "signed", None, "", id="signed"),
    pytest.param(cancel_at_xaman, "declined", "signing_declined", "cancelled", id="cancelled"),
    pytest.param(FakeXaman.reject, "declined", "signing_declined", "rejected", id="rejected"),
    pytest.param(FakeXaman.expire, "expired", "signing_expired", "expired", id="expired"),
    pytest.param(FakeXaman.vanish, "unknown", None, "does not exist", id="vanished"),
    pytest.param(FakeXaman.forget, "unknown", None, "(404)", id="forgotten"),
    pytest.param(signed_on("MAINNET"), "unknown", None, "signed on MAINNET", id="mainnet"),
    pytest.param(signed_on(None), "unknown", None, "an unnamed network", id="not-dispatched"),
]


class TestPayloadOutcome:
    @pytest.mark.parametrize("phase", ["escrows", "payouts"])
    @pytest.mark.parametrize(("state", "status", "failure_code", "reason"), PAYLOAD_STATES)
    def test_reconciled(
        self,
        xaman: FakeXaman,
        flow: Flow,
        admin: Account,
        database: URL,
        phase: str,
        state: Callable[[FakeXaman, str], None],
        status: str,
        failure_code: str | None,
        reason: str | None,
    ) -> None:
        prepared = paying(flow, database, admin) if phase == "payouts" else prepare(flow, phase)
        payload_id = payload_of(prepared["bonus_a"])
        state(xaman, payload_id)
        before, audit_before = statuses(database, flow.id), db_state.audit(database, flow.id)
        body = {"escrow_kind": "bonus_a", "payload_id": payload_id}
        response = flow.post(f"/{phase}/signing/reconcile", body)
        assert response.status_code == 200, response.text
        outcome = response.json()
        tx_hash = "5A" * 32 if status == "signed" else None
        assert (outcome["signing_status"], outcome["failure_code"]) == (status, failure_code)
        assert (outcome["escrow_status"], outcome["tx_hash"]) == (before["bonus_a"], tx_hash)
        assert statuses(database, flow.id) == before
        assert db_state.escrows(database, flow.id)["bonus_a"]["failure_code"] == failure_code
        [attempt] = db_state.rows(
            database, "SELECT * FROM signing_attempts WHERE payload_id = %s", payload_id
        )
        assert (attempt["status"], attempt["tx_hash"]) == (status, tx_hash)
        added = db_state.audit(database, flow.id)[len(audit_before) :]
        if reason is None:
            assert added == []
            return
        assert [(row["outcome"], row["failure_code"]) for row in added] == [(status, failure_code)]
        assert reason in (added[0]["details"]["reason"] or "")
        assert reason in (attempt["status_reason"] or "")

    def test_signed_after_it_expired(self, xaman: FakeXaman, flow: Flow, database: URL) -> None:
        """Expiry means "open it before", not "sign before": a later signature still counts."""
        payload_id = payload_of(prepare(flow, "escrows")["show_b"])
        body = {"escrow_kind": "show_b", "payload_id": payload_id}
        xaman.open(payload_id)
        xaman.expire(payload_id)
        assert flow.post("/escrows/signing/reconcile", body).json()["signing_status"] == "expired"
        assert db_state.escrows(database, flow.id)["show_b"]["failure_code"] == "signing_expired"
        xaman.sign(payload_id, txid="6B" * 32)
        outcome = flow.post("/escrows/signing/reconcile", body).json()
        assert (outcome["signing_status"], outcome["tx_hash"]) == ("signed", "6B" * 32)
        assert db_state.escrows(database, flow.id)["show_b"]["failure_code"] is None

    def test_observed_fields_are_ignored(self, xaman: FakeXaman, flow: Flow) -> None:
        payload_id = payload_of(prepare(flow, "escrows")["show_a"])
        body = {
            "escrow_kind": "show_a",
            "payload_id": payload_id,
            "observed_status": "signed",
            "observed_tx_hash": "5A" * 32,
        }
        response = flow.post("/escrows/signing/reconcile", body)
        assert response.status_code == 200, response.text
        assert (response.json()["signing_status"], response.json()["tx_hash"]) == ("open", None)


# --- the XRPL node -------------------------------------------------------------------------------

LEDGER_RESULTS = [
    # how the node describes the transaction (None: it does not know the hash), failure code
    pytest.param({"result": "tecUNFUNDED_PAYMENT"}, "ledger_tec_tem", id="tec"),
    pytest.param({"result": "temMALFORMED"}, "ledger_tec_tem", id="tem"),
    pytest.param({"result": "tefPAST_SEQ"}, "invalid_confirmation", id="tef"),
    pytest.param({"validated": False, "result": None}, "confirmation_timeout", id="open-ledger"),
    pytest.param({"validated": False}, "confirmation_timeout", id="closed-not-validated"),
    pytest.param({"validated": False, "result": "terQUEUED"}, "confirmation_timeout", id="ter"),
    pytest.param(None, "confirmation_timeout", id="txnNotFound"),
]
NODE_FAULTS = [
    pytest.param(RippledFault.GARBAGE, id="garbage"),
    pytest.param(RippledFault.SLOW, id="slow"),
    pytest.param(RippledFault.CONNECTION_RESET, id="reset"),
    pytest.param(RippledFault.HTTP_ERROR, id="503"),
    pytest.param(RippledFault.NO_RESULT, id="no-result"),
    pytest.param(RippledFault.DEEP_NESTING, id="deep-nesting"),
    pytest.param(RippledFault.WRONG_SHAPE, id="wrong-shape"),
    pytest.param(RippledFault.NODE_BUSY, id="too-busy"),
]


def on_the_node(ledger: Ledger, tx: dict[str, Any], how: dict[str, Any] | None) -> str:
    """Validate `tx` as `how` says; with None the node never saw it (an unknown hash)."""
    if how is None:
        return secrets.token_hex(32).upper()
    return ledger.validate(tx, **how)


class TestEscrowConfirm:
    @pytest.mark.parametrize(("how", "failure_code"), LEDGER_RESULTS)
    def test_ledger_result(
        self,
        flow: Flow,
        ledger: Ledger,
        database: URL,
        how: dict[str, Any] | None,
        failure_code: str,
    ) -> None:
        tx = create_tx(escrows_of(flow)["show_a"])
        tx_hash = on_the_node(ledger, tx, how and {"close_time": ledger_now(), **how})
        assert_refused(
            flow,
            database,
            phase="escrows",
            kind="show_a",
            tx_hash=tx_hash,
            failure_code=failure_code,
        )

    @pytest.mark.parametrize(
        ("kind", "changes"),
        [
            pytest.param("bonus_a", {"Account": STRANGER}, id="Account"),
            pytest.param("bonus_a", {"Destination": new_address()}, id="Destination"),
            pytest.param("bonus_a", {"Amount": "2000001"}, id="Amount"),
            pytest.param("bonus_a", {"FinishAfter": PLUS_ONE}, id="FinishAfter"),
            pytest.param("bonus_a", {"CancelAfter": PLUS_ONE}, id="CancelAfter"),
            pytest.param("bonus_a", {"CancelAfter": DROP}, id="CancelAfter-missing"),
            pytest.param("bonus_a", {"Condition": STRANGE_CONDITION}, id="Condition"),
            pytest.param("bonus_a", {"Condition": DROP}, id="Condition-missing"),
            pytest.param("show_a", {"Condition": STRANGE_CONDITION}, id="Condition-on-a-show"),
        ],
    )
    def test_field_mismatch(
        self, flow: Flow, ledger: Ledger, database: URL, kind: str, changes: dict[str, Any]
    ) -> None:
        tx = ledger.changed(create_tx(escrows_of(flow)[kind]), changes)
        tx_hash = ledger.validate(tx, close_time=ledger_now())
        reason = assert_refused(
            flow,
            database,
            phase="escrows",
            kind=kind,
            tx_hash=tx_hash,
            failure_code="invalid_confirmation",
        )
        assert "does not match what was prepared" in reason

    def test_a_transaction_of_another_type(self, flow: Flow, ledger: Ledger, database: URL) -> None:
        payment = ledger.changed(
            create_tx(escrows_of(flow)["show_a"]),
            {"TransactionType": "Payment", "FinishAfter": DROP},
        )
        tx_hash = ledger.validate(payment, close_time=ledger_now())
        reason = assert_refused(
            flow,
            database,
            phase="escrows",
            kind="show_a",
            tx_hash=tx_hash,
            failure_code="invalid_confirmation",
        )
        assert "does not match what was prepared" in reason

    @pytest.mark.parametrize(
        ("changes", "how", "offer_sequence"),
        [
            pytest.param({"Sequence": 77}, {}, 77, id="sequence"),
            pytest.param({"Sequence": 0, "TicketSequence": 88}, {}, 88, id="ticket"),
            pytest.param({"Sequence": 99}, {"shape": "v1"}, 99, id="api-version-1"),
            pytest.param({"Sequence": 66}, {"date_in_tx_json": True}, 66, id="date-in-tx-json"),
        ],
    )
    def test_ledger_answer_that_works(
        self,
        flow: Flow,
        ledger: Ledger,
        database: URL,
        changes: dict[str, Any],
        how: dict[str, Any],
        offer_sequence: int,
    ) -> None:
        tx = ledger.changed(create_tx(escrows_of(flow)["bonus_b"]), changes)
        tx_hash = ledger.validate(tx, close_time=ledger_now(), ledger_index=7_000_001, **how)
        response = confirm(flow, "escrows", "bonus_b", tx_hash)
        assert response.status_code == 200, response.text
        assert response.json()["offer_sequence"] == offer_sequence
        assert db_state.escrows(database, flow.id)["bonus_b"]["offer_sequence"] == offer_sequence

    @pytest.mark.parametrize("fault", NODE_FAULTS)
    def test_node_fault(
        self, node: FakeRippled, flow: Flow, ledger: Ledger, database: URL, fault: RippledFault
    ) -> None:
        tx_hash = ledger.validate(create_tx(escrows_of(flow)["show_b"]), close_time=ledger_now())
        node.fail_next(fault)
        retried = unavailable_then_recovered(
            flow,
            database,
            post=poster(flow.api.client, flow),
            confirm_path="/escrows/confirm",
            body={"escrow_kind": "show_b", "tx_hash": tx_hash},
            recovered=nullcontext,
        )
        assert retried.json()["escrow_status"] == "created"

    def test_node_refuses_connections(
        self,
        cut_off: TestClient,
        dark_port: int,
        node: FakeRippled,
        flow: Flow,
        ledger: Ledger,
        database: URL,
    ) -> None:
        tx_hash = ledger.validate(create_tx(escrows_of(flow)["show_b"]), close_time=ledger_now())
        retried = unavailable_then_recovered(
            flow,
            database,
            post=poster(cut_off, flow),
            confirm_path="/escrows/confirm",
            body={"escrow_kind": "show_b", "tx_hash": tx_hash},
            recovered=lambda: node_back_on(dark_port, node),
        )
        assert retried.json()["escrow_status"] == "created"


class TestPayoutConfirm:
    @pytest.mark.parametrize(
        ("how", "failure_code"),
        [case for case in LEDGER_RESULTS if case.id in ("tec", "open-ledger", "txnNotFound")],
    )
    def test_ledger_result(
        self,
        flow: Flow,
        ledger: Ledger,
        admin: Account,
        database: URL,
        how: dict[str, Any] | None,
        failure_code: str,
    ) -> None:
        item = paying(flow, database, admin)["show_a"]
        how = how and {"close_time": close_time(flow, item), **how}
        tx_hash = on_the_node(ledger, item["unsigned_tx"], how)
        assert_refused(
            flow,
            database,
            phase="payouts",
            kind="show_a",
            tx_hash=tx_hash,
            failure_code=failure_code,
        )

    @pytest.mark.parametrize(
        ("kind", "changes", "when"),
        [
            pytest.param(
                "show_a", {"TransactionType": "EscrowCancel"}, ON_TIME, id="TransactionType"
            ),
            pytest.param(
                "bonus_b", {"TransactionType": "EscrowFinish"}, ON_TIME, id="finish-loser"
            ),
            pytest.param("show_a", {"Owner": new_address()}, ON_TIME, id="Owner"),
            pytest.param("show_a", {"OfferSequence": PLUS_ONE}, ON_TIME, id="OfferSequence"),
            pytest.param(
                "bonus_a", {"Fulfillment": STRANGE_FULFILLMENT}, ON_TIME, id="Fulfillment"
            ),
            pytest.param(
                "bonus_a", {"Fulfillment": DROP, "Condition": DROP}, ON_TIME, id="no-Fulfillment"
            ),
            pytest.param(
                "show_a",
                {"Fulfillment": STRANGE_FULFILLMENT, "Condition": STRANGE_CONDITION},
                ON_TIME,
                id="Fulfillment-on-a-show",
            ),
        ],
    )
    def test_field_mismatch(
        self,
        flow: Flow,
        ledger: Ledger,
        admin: Account,
        database: URL,
        kind: str,
        changes: dict[str, Any],
        when: str,
    ) -> None:
        item = paying(flow, database, admin)[kind]
        tx = ledger.changed(item["unsigned_tx"], changes)
        tx_hash = ledger.validate(tx, close_time=close_time(flow, item, when))
        assert_refused(
            flow,
            database,
            phase="payouts",
            kind=kind,
            tx_hash=tx_hash,
            failure_code="invalid_confirmation",
        )

    @pytest.mark.parametrize(
        ("kind", "when"),
        [
            pytest.param("show_a", AT_THE_GUARD, id="closed-at-FinishAfter"),
            pytest.param("bonus_b", AT_THE_GUARD, id="closed-at-CancelAfter"),
            # The one ledger that straddles CancelAfter: its parent closed before it, so the
            # ledger accepted the finish although this ledger's own close time is past it.
            pytest.param("bonus_a", AFTER_CANCEL_AFTER, id="finished-after-CancelAfter"),
            pytest.param("show_a", NO_CLOSE_TIME, id="no-close-time"),
        ],
    )
    def test_a_validated_tessuccess_is_never_refused_for_its_timing(
        self, flow: Flow, ledger: Ledger, admin: Account, database: URL, kind: str, when: str
    ) -> None:
        """The ledger judged the timing against its parent ledger's close time, which the
        service does not see: a validated tesSUCCESS is its verdict (stub-mode evidence keeps
        the timing checks, `test_payout_phase.py`)."""
        item = paying(flow, database, admin)[kind]
        tx_hash = ledger.validate(item["unsigned_tx"], close_time=close_time(flow, item, when))
        response = confirm(flow, "payouts", kind, tx_hash, str(uuid.uuid4()))
        assert response.status_code == 200, response.text
        assert response.json()["escrow_status"] == (
            "cancelled" if kind == "bonus_b" else "finished"
        )

    @pytest.mark.parametrize(
        ("kind", "changes", "how"),
        [
            pytest.param("bonus_a", {}, {"shape": "v1"}, id="api-version-1"),
            pytest.param("show_b", {}, {"date_in_tx_json": True}, id="date-in-tx-json"),
            pytest.param("show_a", {"Account": STRANGER}, {}, id="submitted-by-someone-else"),
            pytest.param("bonus_b", {"Sequence": 0, "TicketSequence": 5}, {}, id="ticket"),
        ],
    )
    def test_ledger_answer_that_works(
        self,
        flow: Flow,
        ledger: Ledger,
        admin: Account,
        database: URL,
        kind: str,
        changes: dict[str, Any],
        how: dict[str, Any],
    ) -> None:
        item = paying(flow, database, admin)[kind]
        tx = ledger.changed(item["unsigned_tx"], changes)
        tx_hash = ledger.validate(
            tx, close_time=close_time(flow, item), ledger_index=7_100_000, **how
        )
        response = confirm(flow, "payouts", kind, tx_hash)
        assert response.status_code == 200, response.text
        assert response.json()["escrow_status"] == (
            "cancelled" if item["action"] == "cancel" else "finished"
        )

    @pytest.mark.parametrize("fault", NODE_FAULTS[:3])
    def test_node_fault(
        self,
        node: FakeRippled,
        flow: Flow,
        ledger: Ledger,
        admin: Account,
        database: URL,
        fault: RippledFault,
    ) -> None:
        item = paying(flow, database, admin)["bonus_a"]
        tx_hash = ledger.validate(item["unsigned_tx"], close_time=close_time(flow, item))
        node.fail_next(fault)
        retried = unavailable_then_recovered(
            flow,
            database,
            post=poster(flow.api.client, flow),
            confirm_path="/payouts/confirm",
            body={"escrow_kind": "bonus_a", "tx_hash": tx_hash},
            recovered=nullcontext,
        )
        assert retried.json()["bout_status"] == "payouts_in_progress"

    def test_node_refuses_connections(
        self,
        cut_off: TestClient,
        dark_port: int,
        node: FakeRippled,
        flow: Flow,
        ledger: Ledger,
        admin: Account,
        database: URL,
    ) -> None:
        item = paying(flow, database, admin)["bonus_b"]
        tx_hash = ledger.validate(item["unsigned_tx"], close_time=close_time(flow, item))
        retried = unavailable_then_recovered(
            flow,
            database,
            post=poster(cut_off, flow),
            confirm_path="/payouts/confirm",
            body={"escrow_kind": "bonus_b", "tx_hash": tx_hash},
            recovered=lambda: node_back_on(dark_port, node),
        )
        assert retried.json()["escrow_status"] == "cancelled"
