"""Secrets stay secret.

Bonus preimages are ciphertext at rest: a raw `pg_dump` shows neither a preimage nor its
fulfillment, while the configured key turns each row back into the preimage behind its
condition; rotating the key keeps old rows readable. Across a whole lifecycle with failures,
no response, error body, log line or the OpenAPI document carries a preimage, a password or its
hash, the JWT secret, the preimage key or Xaman's credentials, and the winner's fulfillment
shows up only once payouts are prepared (the loser's never).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.bouts.conditions import condition_hex, fulfillment_hex
from ringledger.core.config import Settings
from ringledger.core.logging import JsonFormatter, RequestIdFilter, TextFormatter
from ringledger.main import create_asgi
from tests.conftest import leak_hunt_settings, test_settings
from tests.support import db_state
from tests.support.api import PASSWORD, Account, Api, future_event, insert_admin
from tests.support.database import libpq
from tests.support.fake_xaman import FakeXaman, Fault
from tests.support.flow import KINDS, Flow, create_evidence, payout_evidence
from tests.support.raw_dump import raw_dump
from tests.support.xrpl import new_address

BONUSES = ("bonus_a", "bonus_b")
FULFILLMENT_SHAPE = re.compile(r"A0228020[0-9A-F]{64}", re.IGNORECASE)
SECRET_FIELD = re.compile(r"preimage|password_hash|secret|ciphertext", re.IGNORECASE)


class LogLines(logging.Handler):
    """Every record at DEBUG, written as both of the service's formatters would write it."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.addFilter(RequestIdFilter())
        self.lines: list[str] = []
        self._formatters = (JsonFormatter(), TextFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.extend(formatter.format(record) for formatter in self._formatters)


@dataclass(frozen=True)
class Seen:
    """One response as a client received it: status line, headers and body."""

    method: str
    path: str
    text: str


@dataclass
class Secret:
    """A value and every spelling of it that would give it away."""

    value: str
    raw: bytes | None = None

    def spellings(self) -> set[str]:
        forms = {self.value, self.value.lower(), self.value.upper()}
        if self.raw is not None:
            forms |= {
                base64.b64encode(self.raw).decode().rstrip("="),
                base64.urlsafe_b64encode(self.raw).decode().rstrip("="),
            }
        return forms

    def found_in(self, text: str) -> bool:
        return any(form in text for form in self.spellings())


@dataclass
class Run:
    """What one lifecycle left behind, and the secrets it must not have leaked."""

    responses: list[Seen] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    dumps: dict[str, str] = field(default_factory=dict)
    openapi: dict[str, Any] = field(default_factory=dict)
    never_answered: dict[str, Secret] = field(default_factory=dict)
    never_logged: dict[str, Secret] = field(default_factory=dict)
    preimages: dict[str, bytes] = field(default_factory=dict)
    ciphertexts: dict[str, str] = field(default_factory=dict)
    conditions: dict[str, str] = field(default_factory=dict)
    winner_fulfillment: str = ""
    cipher: MultiFernet | None = None

    def winner_preimage(self) -> Secret:
        return Secret(self.preimages["bonus_a"].hex(), raw=self.preimages["bonus_a"])

    def record(self, response: httpx.Response) -> None:
        response.read()
        headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
        status = f"{response.status_code} {response.reason_phrase}"
        self.responses.append(
            Seen(
                response.request.method,
                response.request.url.path,
                f"{status}\n{headers}\n\n{response.text}",
            )
        )


class Lifecycle:
    """Drives one bout from sign-up to close, with a failure wherever one can happen."""

    def __init__(self, client: TestClient, database: URL, fake: FakeXaman, run: Run) -> None:
        self.api, self.database, self.fake, self.run = Api(client), database, fake, run

    def accounts(self) -> tuple[Account, Account, Account, Account]:
        own_password = "promoter " + secrets.token_urlsafe(16)  # pragma: allowlist secret
        promoter = self.api.register("promoter", password=own_password)
        promoter.address = new_address()
        a, b = self.api.fighter(name="Ada"), self.api.fighter(name="Bea")
        email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
        insert_admin(libpq(self.database), email)
        admin = Account("", email, "admin", self.api.login(email))
        client = self.api.client
        wrong = "wrong " + own_password  # pragma: allowlist secret
        for attempt in (
            {"email": promoter.email, "password": wrong},
            {"email": "nobody@example.com", "password": own_password},
            {"email": promoter.email, "password": own_password, "remember": own_password},
            {"email": promoter.email, "password": own_password * 200},
        ):
            assert client.post("/auth/login", json=attempt).status_code in (401, 422)
        self.run.never_answered.update(
            promoter_password=Secret(own_password), shared_password=Secret(PASSWORD)
        )
        for account in (promoter, a, b, admin):
            self.run.never_logged[f"token of {account.email}"] = Secret(account.token)
        return promoter, a, b, admin

    def escrows(self, flow: Flow) -> None:
        """A declined sign request, a Xaman outage, a ledger refusal, a reused key, success."""
        prepared = flow.post("/escrows/prepare").json()["escrows"]
        payload = {
            item["escrow_kind"]: item["xaman_sign_request"]["payload_id"] for item in prepared
        }
        self.fake.reject(payload["show_a"])
        declined = {"escrow_kind": "show_a", "payload_id": payload["show_a"]}
        assert flow.post("/escrows/signing/reconcile", declined).status_code == 200
        self.fake.fail_next(Fault.SERVER_ERROR)
        outage = {"escrow_kind": "show_b", "payload_id": payload["show_b"]}
        assert flow.post("/escrows/signing/reconcile", outage).status_code == 502
        refused = create_evidence(flow.escrow("bonus_a"), engine_result="tecNO_DST")
        assert flow.post("/escrows/confirm", refused, key="secret-run").status_code == 422
        reused = {**refused, "tx_hash": "AB" * 32}
        assert flow.post("/escrows/confirm", reused, key="secret-run").status_code == 409
        flow.create_all()

    def payouts(self, flow: Flow, admin: Account) -> None:
        """Result, a wrong and a misplaced fulfillment, then every payout."""
        assert flow.post("/result", {"winner": "A"}, who=admin).status_code == 200
        items = flow.prepare_payouts()
        self.run.winner_fulfillment = items["bonus_a"]["unsigned_tx"]["Fulfillment"]
        wrong = flow.confirm_payout(items["bonus_a"], fulfillment_hex="A0228020" + "11" * 32)
        assert wrong.status_code == 422
        misplaced = payout_evidence(
            {**items["bonus_b"], "_guard": items["bonus_a"]["_guard"]},
            transaction_type="EscrowFinish",
            fulfillment_hex=self.run.winner_fulfillment,
        )
        assert flow.post("/payouts/confirm", misplaced, key="misplaced").status_code == 422
        for kind in KINDS:
            assert flow.confirm_payout(items[kind]).status_code == 200

    def reads(self, flow: Flow, promoter: Account, admin: Account) -> None:
        client = self.api.client
        for who in (promoter, admin):
            for path in ("", "/audit"):
                assert flow.get(path, who=who).status_code == 200
            assert client.get("/bouts", headers=who.headers).status_code == 200
        assert flow.get("/evidence", who=admin).status_code == 200
        for path in ("/metrics", "/meta", "/readyz", "/openapi.json"):
            assert client.get(path).status_code == 200


def bonus_rows(database: URL, bout_id: str) -> dict[str, dict[str, Any]]:
    escrows = db_state.escrows(database, bout_id)
    return {kind: escrows[kind] for kind in BONUSES}


def stored_secrets(database: URL, settings: Settings, bout_id: str, run: Run) -> None:
    """The preimages (read with the key), password hashes and keys the run must not leak."""
    cipher = settings.preimage_cipher
    run.cipher = cipher
    for kind, row in bonus_rows(database, bout_id).items():
        run.preimages[kind] = cipher.decrypt(row["preimage_ciphertext"].encode())
        run.ciphertexts[kind] = row["preimage_ciphertext"]
        run.conditions[kind] = row["condition_hex"]
    # The winner's fulfillment is the winner's preimage behind a fixed prefix: it is revealed
    # (in payout prepare answers only); the loser's never is.
    loser = run.preimages["bonus_b"]
    run.never_answered["loser's preimage"] = Secret(loser.hex(), raw=loser)
    for row in db_state.rows(database, "SELECT email, password_hash FROM users"):
        run.never_answered[f"password hash of {row['email']}"] = Secret(row["password_hash"])
    run.never_answered.update(
        jwt_secret=Secret(settings.jwt_secret),
        preimage_key=Secret(settings.RINGLEDGER_PREIMAGE_KEY.get_secret_value()),  # type: ignore[union-attr]
        xaman_api_secret=Secret(str(settings.XAMAN_API_SECRET.get_secret_value())),  # type: ignore[union-attr]
        xaman_api_key=Secret(str(settings.XAMAN_API_KEY.get_secret_value())),  # type: ignore[union-attr]
    )
    run.never_logged.update(run.never_answered)
    run.never_logged["winner's preimage"] = run.winner_preimage()


@pytest.fixture(scope="module")
def run(database: URL, data_dir: Path) -> Iterator[Run]:
    secret = "xaman-" + str(uuid.uuid4())  # pragma: allowlist secret
    with FakeXaman(api_key=str(uuid.uuid4()), api_secret=secret) as fake:
        settings = leak_hunt_settings(database, data_dir, fake)
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        app = create_asgi(settings)
        run, logs = Run(), LogLines()
        root.addHandler(logs)
        try:
            with TestClient(app, raise_server_exceptions=False) as client:
                client.event_hooks = {"response": [run.record]}
                lifecycle = Lifecycle(client, database, fake, run)
                promoter, a, b, admin = lifecycle.accounts()
                bout = lifecycle.api.create_bout(
                    promoter, a, b, event_datetime_utc=future_event(-1.5)
                )
                flow = Flow(lifecycle.api, promoter, bout)
                lifecycle.escrows(flow)
                run.dumps["before payouts"] = raw_dump(database)
                lifecycle.payouts(flow, admin)
                lifecycle.reads(flow, promoter, admin)
                run.openapi = client.get("/openapi.json").json()
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)
        run.logs = logs.lines
        run.dumps["after close"] = raw_dump(database)
        stored_secrets(database, settings, flow.id, run)
        yield run


def property_names(node: Any) -> Iterator[str]:
    """Every property name any schema in the document declares."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            yield from properties
        for value in node.values():
            yield from property_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from property_names(value)


def leaks(secrets_: dict[str, Secret], texts: list[str]) -> list[str]:
    joined = "\n".join(texts)
    return [name for name, secret in secrets_.items() if secret.found_in(joined)]


class TestAtRest:
    def test_a_raw_dump_holds_no_preimage_nor_fulfillment(self, run: Run) -> None:
        for moment, dump in run.dumps.items():
            for kind, preimage in run.preimages.items():
                assert run.ciphertexts[kind] in dump, "the dump holds the escrow rows"
                assert not Secret(preimage.hex(), raw=preimage).found_in(dump), (moment, kind)
                assert not Secret(fulfillment_hex(preimage)).found_in(dump), (moment, kind)
            assert not FULFILLMENT_SHAPE.search(dump), moment

    def test_the_key_turns_each_row_into_the_preimage_behind_its_condition(self, run: Run) -> None:
        assert run.cipher is not None
        for kind, ciphertext in run.ciphertexts.items():
            preimage = run.cipher.decrypt(ciphertext.encode())
            assert condition_hex(preimage) == run.conditions[kind]
            assert run.conditions[kind][8:72] == hashlib.sha256(preimage).hexdigest().upper()

    def test_without_the_key_the_rows_are_noise(self, run: Run) -> None:
        stranger = Fernet(Fernet.generate_key())
        for ciphertext in run.ciphertexts.values():
            with pytest.raises(InvalidToken):
                stranger.decrypt(ciphertext.encode())


class TestNothingLeaks:
    def test_the_run_exercised_failures_and_payouts(self, run: Run) -> None:
        statuses = {seen.text.split(" ", 1)[0] for seen in run.responses}
        assert {"200", "201", "401", "409", "422", "502"} <= statuses
        assert len(run.logs) > 100

    def test_no_response_carries_a_secret(self, run: Run) -> None:
        assert leaks(run.never_answered, [seen.text for seen in run.responses]) == []

    def test_the_winners_fulfillment_is_only_in_payout_prepare_answers(self, run: Run) -> None:
        winner = run.winner_preimage()
        assert run.winner_fulfillment == fulfillment_hex(run.preimages["bonus_a"])
        carriers = [seen for seen in run.responses if winner.found_in(seen.text)]
        assert carriers, "the payout prepare reveals it to the promoter"
        assert [seen.path for seen in carriers if not seen.path.endswith("/payouts/prepare")] == []

    def test_no_log_line_carries_a_secret(self, run: Run) -> None:
        assert leaks(run.never_logged, run.logs) == []

    def test_the_openapi_document_carries_no_secret(self, run: Run) -> None:
        document = json.dumps(run.openapi)
        assert leaks(run.never_logged, [document]) == []
        assert not FULFILLMENT_SHAPE.search(document)
        exposed = {name for name in property_names(run.openapi) if SECRET_FIELD.search(name)}
        assert exposed == set()


def test_rotating_the_key_keeps_old_rows_readable(database: URL, data_dir: Path) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with TestClient(
        create_asgi(test_settings(database, data_dir, RINGLEDGER_PREIMAGE_KEY=old))
    ) as client:
        rotated_api = Api(client)
        promoter, a, b = rotated_api.promoter(), rotated_api.fighter(), rotated_api.fighter()
        bout = rotated_api.create_bout(promoter, a, b, event_datetime_utc=future_event(-1.5))
        flow = Flow(rotated_api, promoter, bout)
        flow.create_all()
    written_under_old = bonus_rows(database, flow.id)
    rotated = test_settings(database, data_dir, RINGLEDGER_PREIMAGE_KEY=f"{new},{old}")
    preimages = {
        kind: rotated.preimage_cipher.decrypt(row["preimage_ciphertext"].encode())
        for kind, row in written_under_old.items()
    }
    for kind, row in written_under_old.items():
        assert condition_hex(preimages[kind]) == row["condition_hex"]
        with pytest.raises(InvalidToken):
            Fernet(new).decrypt(row["preimage_ciphertext"].encode())
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    insert_admin(libpq(database), email)
    with TestClient(create_asgi(rotated)) as client:
        flow.api = Api(client)
        admin = Account("", email, "admin", flow.api.login(email))
        assert flow.post("/result", {"winner": "B"}, who=admin).status_code == 200
        items = flow.prepare_payouts()
        assert items["bonus_b"]["unsigned_tx"]["Fulfillment"] == fulfillment_hex(
            preimages["bonus_b"]
        )
        for kind in KINDS:
            assert flow.confirm_payout(items[kind]).status_code == 200
        fresh = flow.api.create_bout(promoter, a, b)
    for row in bonus_rows(database, fresh["bout_id"]).values():
        Fernet(new).decrypt(row["preimage_ciphertext"].encode())
        with pytest.raises(InvalidToken):
            Fernet(old).decrypt(row["preimage_ciphertext"].encode())
