"""A whole lifecycle with failures, every log record captured at DEBUG: the access lines carry
the request's context, and no secret ever reaches a log."""

from __future__ import annotations

import json
import logging
import secrets
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import URL

from ringledger.core.config import Settings
from ringledger.core.logging import JsonFormatter, RequestIdFilter, TextFormatter
from ringledger.main import create_asgi
from tests.conftest import leak_hunt_settings
from tests.support import db_state
from tests.support.api import PASSWORD, Account, Api, future_event, insert_admin
from tests.support.database import libpq
from tests.support.fake_xaman import FakeXaman, Fault
from tests.support.flow import KINDS, Flow, create_evidence
from tests.support.xrpl import new_address


class Capture(logging.Handler):
    """Keeps every record as each production formatter would have written it."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.addFilter(RequestIdFilter())
        self.json_lines: list[str] = []
        self.text_lines: list[str] = []
        self._json, self._text = JsonFormatter(), TextFormatter()

    def emit(self, record: logging.LogRecord) -> None:
        self.json_lines.append(self._json.format(record))
        self.text_lines.append(self._text.format(record))

    def access(self) -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in self.json_lines]
        return [line for line in lines if line["logger"] == "ringledger.access"]


@dataclass
class Run:
    """What the lifecycle left behind: the logs, the secrets it used, a few ids."""

    capture: Capture
    secrets: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)


def accounts(api: Api, database: URL, run: Run) -> tuple[Account, Account, Account, Account]:
    """Promoter (with a password of its own), two fighters, an admin; plus failed logins."""
    promoter_password = "promoter-" + secrets.token_urlsafe(18)  # pragma: allowlist secret
    promoter = api.register("promoter", password=promoter_password)
    promoter.address = new_address()
    a, b = api.fighter(name="Ada"), api.fighter(name="Bea")
    insert_admin(libpq(database), "ops-admin@example.com")
    admin = Account("", "ops-admin@example.com", "admin", api.login("ops-admin@example.com"))
    wrong = "wrong-" + secrets.token_urlsafe(18)
    for email in (promoter.email, "nobody@example.com"):
        refused = api.client.post("/auth/login", json={"email": email, "password": wrong})
        assert refused.status_code == 401
    run.secrets.update(promoter_password=promoter_password, wrong_password=wrong)
    run.secrets.update(password=PASSWORD)
    for account in (promoter, a, b, admin):
        run.secrets[f"token of {account.role} {account.email}"] = account.token
    return promoter, a, b, admin


def escrow_phase(flow: Flow, fake: FakeXaman, run: Run) -> None:
    """Prepare, a declined sign request, a Xaman outage, a tec result, a reused key, success."""
    prepared = flow.post("/escrows/prepare").json()["escrows"]
    payload = {item["escrow_kind"]: item["xaman_sign_request"]["payload_id"] for item in prepared}
    fake.reject(payload["show_a"])
    declined = flow.post(
        "/escrows/signing/reconcile", {"escrow_kind": "show_a", "payload_id": payload["show_a"]}
    )
    assert declined.json()["failure_code"] == "signing_declined"
    fake.fail_next(Fault.SERVER_ERROR)
    outage = flow.post(
        "/escrows/signing/reconcile", {"escrow_kind": "show_b", "payload_id": payload["show_b"]}
    )
    assert outage.status_code == 502
    run.facts["outage_request_id"] = outage.headers["x-request-id"]
    rejected = create_evidence(flow.escrow("bonus_a"), engine_result="tecNO_DST")
    failed = flow.post("/escrows/confirm", rejected, key="logs-key")
    assert failed.status_code == 422
    run.facts["failure_request_id"] = failed.headers["x-request-id"]
    reused = flow.post("/escrows/confirm", {**rejected, "tx_hash": "EF" * 32}, key="logs-key")
    assert reused.status_code == 409
    flow.create_all()


def payout_phase(flow: Flow, admin: Account, run: Run) -> None:
    """Result, payouts with one wrong fulfillment, then every payout confirmed."""
    assert flow.post("/result", {"winner": "A"}, who=admin).status_code == 200
    items = flow.prepare_payouts()
    run.secrets["fulfillment"] = items["bonus_a"]["unsigned_tx"]["Fulfillment"]
    wrong = flow.confirm_payout(items["bonus_a"], fulfillment_hex="A0228020" + "00" * 32)
    assert wrong.status_code == 422
    for kind in KINDS:
        assert flow.confirm_payout(items[kind]).status_code == 200
    assert flow.get().json()["status"] == "closed"
    assert flow.get("/evidence", who=admin).status_code == 200


def preimages(database: URL, bout_id: str, settings: Settings) -> dict[str, str]:
    """Both bonus preimages, the loser's (never revealed) included, read from the database."""
    escrows = db_state.escrows(database, bout_id)
    return {
        f"preimage {kind}": settings.preimage_cipher.decrypt(
            escrows[kind]["preimage_ciphertext"].encode()
        ).hex()
        for kind in ("bonus_a", "bonus_b")
    }


@pytest.fixture(scope="module")
def run(database: URL, data_dir: Path) -> Iterator[Run]:
    """One lifecycle in XAMAN_MODE=api against the fake Xaman, every record captured."""
    api_secret = "secret-" + str(uuid.uuid4())  # pragma: allowlist secret
    with FakeXaman(api_key=str(uuid.uuid4()), api_secret=api_secret) as fake:
        settings = leak_hunt_settings(database, data_dir, fake)
        app = create_asgi(settings)
        run = Run(Capture())
        # Attached after create_asgi, which installs the service's own handler on the root.
        logging.getLogger().addHandler(run.capture)
        try:
            with TestClient(app, raise_server_exceptions=False) as client:
                api = Api(client)
                promoter, a, b, admin = accounts(api, database, run)
                body = api.bout_body(promoter, a, b, event_datetime_utc=future_event(-1.5))
                created = client.post("/bouts", json=body, headers=promoter.headers)
                flow = Flow(api, promoter, created.json())
                escrow_phase(flow, fake, run)
                payout_phase(flow, admin, run)
        finally:
            logging.getLogger().removeHandler(run.capture)
        run.facts.update(bout_id=flow.id, promoter_id=promoter.user_id)
        run.secrets.update(preimages(database, flow.id, settings))
        run.secrets.update(
            jwt_secret=settings.jwt_secret,
            xaman_api_secret=api_secret,
            xaman_api_key=fake.api_key,
            preimage_key=settings.RINGLEDGER_PREIMAGE_KEY.get_secret_value(),  # type: ignore[union-attr]
        )
        yield run


def test_no_secret_reaches_any_log(run: Run) -> None:
    assert len(run.capture.json_lines) > 100, "the lifecycle was logged at DEBUG"
    written = "\n".join(run.capture.json_lines + run.capture.text_lines)
    for name, value in run.secrets.items():
        assert len(value) >= 12, name
        for form in {value, value.lower(), value.upper()}:
            assert form not in written, f"the {name} appears in the logs"


def test_access_lines_carry_the_request_context(run: Run) -> None:
    lines = {line["request_id"]: line for line in run.capture.access()}
    failure = lines[run.facts["failure_request_id"]]
    assert failure["route"] == "/bouts/{bout_id}/escrows/confirm"
    assert (failure["status"], failure["failure_code"]) == (422, "ledger_tec_tem")
    assert isinstance(failure["latency_ms"], float)
    assert (failure["actor_id"], failure["actor_role"]) == (run.facts["promoter_id"], "promoter")
    assert (failure["bout_id"], failure["escrow_kind"]) == (run.facts["bout_id"], "bonus_a")
    outage = lines[run.facts["outage_request_id"]]
    assert (outage["status"], outage["error_code"], outage["level"]) == (
        502,
        "xaman_unavailable",
        "warning",
    )
    assert outage["route"] == "/bouts/{bout_id}/escrows/signing/reconcile"
    assert "payload_id" in outage
    logins = [line for line in lines.values() if line["route"] == "/auth/login"]
    assert {line["status"] for line in logins} == {200, 401}


def test_a_client_value_cannot_forge_a_text_log_line(api: Api) -> None:
    """A newline (or any control character) sent by a client is escaped in text logs."""
    promoter, _, _, bout = api.cast()
    capture = Capture()
    forged = "x\n2027-01-01 00:00:00,000 WARNING [-] ringledger.access: forged\r\x1b[2J\x00"
    logging.getLogger().addHandler(capture)
    try:
        response = api.client.post(
            f"/bouts/{bout['bout_id']}/escrows/signing/reconcile",
            json={"escrow_kind": "show_a", "payload_id": forged[:64].replace("\x00", "")},
            headers=promoter.headers,
        )
    finally:
        logging.getLogger().removeHandler(capture)
    assert response.status_code == 404
    lines = [line for line in capture.text_lines if "ringledger.access" in line]
    assert lines, "no access line was written"
    for line in lines:
        assert "\n" not in line and "\r" not in line and "\x1b" not in line, repr(line)
    assert any("payload_id=x\\n2027-01-01" in line for line in lines), lines


def test_sql_parameters_never_reach_an_error_message(database: URL) -> None:
    """What a failing statement says (and so what a logged exception shows) has no values:
    neither the service's own statements nor the migrations' engine echo a parameter."""
    import anyio
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from ringledger.core import migrations
    from ringledger.core.db import Database

    secret = "s3cret-" + secrets.token_hex(8)

    async def fail_in_a_unit_of_work() -> str:
        pool = await Database.connect(database, pool_size=1, lock_timeout=timedelta(seconds=1))
        try:
            async with pool.transaction() as tx:
                await tx.conn.execute("SELECT $1::text, 1 / 0", secret)
        except Exception as error:
            return "".join(traceback.format_exception(error))
        finally:
            await pool.close()
        raise AssertionError("the statement should have failed")

    service_message = anyio.run(fail_in_a_unit_of_work)
    assert "division by zero" in service_message and secret not in service_message

    engine = migrations.sync_engine(database)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT :value, 1 / 0"), {"value": secret})
    except DBAPIError as error:
        message = str(error)
    finally:
        engine.dispose()
    assert "division by zero" in message
    assert secret not in message and "parameters hidden" in message.lower()
