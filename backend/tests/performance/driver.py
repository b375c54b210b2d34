"""Drives whole bout lifecycles over HTTP with C concurrent clients and measures them.

Used by `./dev bench` (prints numbers) and by the performance test (generous ceilings). The
service is a black box behind its HTTP API: nothing here imports it, so the same driver measures
any implementation of the contract.

One lifecycle is 19 requests: create bout, escrow prepare, 4 × escrow reconcile (signed),
4 × escrow confirm, result, payout prepare, 4 × payout confirm, one confirm replay (same key,
same body), GET bout, GET audit. Every answer must be 2xx, the replay must say it is one, and the
bout must end `closed`; anything else is an error and ends that lifecycle (the client goes on
with the next bout). Each simulated client owns one keep-alive connection (light_http).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from xrpl.core.addresscodec import encode_classic_address

from tests.performance.light_http import ConnectionLost, HttpConnection, ProtocolError, Response

KINDS = ("show_a", "show_b", "bonus_a", "bonus_b")
PASSWORD = "benchmark password 1"  # pragma: allowlist secret
SETUP_ROUTES = ("register", "login", "profile")
XRP_PURSES = {
    "show_a_drops": 5_000_000,
    "show_b_drops": 4_000_000,
    "bonus_a_drops": 2_000_000,
    "bonus_b_drops": 1_000_000,
}
TOKEN_PURSES = {
    "show_a_amount": "5000",
    "show_b_amount": "4000.25",
    "bonus_a_amount": "2000",
    "bonus_b_amount": "1000.5",
}
# A token escrow's evidence carries the amount object instead of drops.
EVIDENCE_FIELDS = (
    "owner_address",
    "destination_address",
    "finish_after_ripple",
    "cancel_after_ripple",
    "condition_hex",
)
T = TypeVar("T")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop when it is installed (it comes with uvicorn[standard]): its event loop
    costs the load generator less CPU per request than the standard one."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


@dataclass
class Measurements:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    bouts: int = 0
    started: float = 0.0
    finished: float = 0.0

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.latencies.values())

    @property
    def elapsed(self) -> float:
        return self.finished - self.started

    def percentile(self, route: str, fraction: float) -> float:
        return percentile(self.latencies[route], fraction)

    def median(self, route: str) -> float:
        return statistics.median(self.latencies[route]) if self.latencies[route] else 0.0


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (0.0 for no values)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass(frozen=True)
class Cast:
    """One client's accounts: a promoter (token, escrow owner address) and two fighters."""

    token: str
    address: str
    fighters: tuple[str, str]


@dataclass(frozen=True)
class StoredConfirm:
    """An escrow confirm whose outcome the service stored: sending it again replays it."""

    path: str
    body: dict[str, Any]
    key: str
    token: str


@dataclass
class Bout:
    """What one lifecycle keeps between its requests."""

    path: str
    escrows: dict[str, dict[str, Any]]
    token: str
    replay: StoredConfirm | None = None
    # The transaction each EscrowCreate's sign request was reported signed with: its confirm
    # names the same one, as a promoter's does.
    signed: dict[str, str] = field(default_factory=dict)


class LifecycleFailed(Exception):
    """An answer was not the expected one (already recorded in Measurements.errors)."""


def _address() -> str:
    return str(encode_classic_address(os.urandom(20)))


def _tx_hash() -> str:
    return secrets.token_hex(32)


class Driver:
    def __init__(
        self,
        base_url: str,
        *,
        admin_email: str,
        admin_password: str,
        timeout: float = 60.0,
        token: str | None = None,
    ) -> None:
        self.base_url, self.timeout = base_url, timeout
        self.admin_email, self.admin_password = admin_email, admin_password
        # The label of an allowed token: the bouts are settled in it instead of XRP.
        self.token = token
        self.results = Measurements()
        self.last_confirm: StoredConfirm | None = None

    def connection(self) -> HttpConnection:
        return HttpConnection(self.base_url, timeout=self.timeout)

    async def call(
        self,
        http: HttpConnection,
        route: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        token: str | None = None,
        key: str | None = None,
    ) -> Response:
        """One request, timed under `route`; a non-2xx answer or a broken connection is an
        error and raises LifecycleFailed."""
        started = time.perf_counter()
        try:
            response = await http.request(method, path, json=json, token=token, idempotency_key=key)
        except (ConnectionLost, ProtocolError, OSError, TimeoutError) as error:
            self.results.errors.append(f"{route} -> {type(error).__name__}: {error}")
            raise LifecycleFailed(route) from error
        self.results.latencies[route].append(time.perf_counter() - started)
        if not 200 <= response.status < 300:
            self.results.errors.append(f"{route} -> {response.status} {response.body[:200]!r}")
            raise LifecycleFailed(route)
        return response

    async def login(self, http: HttpConnection, email: str, password: str) -> str:
        body = {"email": email, "password": password}
        response = await self.call(http, "login", "POST", "/auth/login", json=body)
        return str(response.json()["access_token"])

    async def account(self, http: HttpConnection, role: str) -> tuple[str, str]:
        email = f"{role}-{uuid.uuid4().hex[:12]}@bench.example"
        body = {"email": email, "password": PASSWORD, "role": role}
        user = (await self.call(http, "register", "POST", "/auth/register", json=body)).json()
        return str(user["user_id"]), await self.login(http, email, PASSWORD)

    async def cast(self, http: HttpConnection) -> Cast:
        _, promoter = await self.account(http, "promoter")
        fighters = []
        for _ in range(2):
            user_id, token = await self.account(http, "fighter")
            profile = {"display_name": "Bench", "xrpl_address": _address()}
            await self.call(http, "profile", "PUT", "/fighters/me", json=profile, token=token)
            fighters.append(user_id)
        return Cast(promoter, _address(), (fighters[0], fighters[1]))

    async def lifecycle(self, http: HttpConnection, cast: Cast, admin_token: str) -> None:
        """The 19 requests of one bout, from creation to a closed bout read back."""
        bout = await self._create(http, cast)
        await self._lock_escrows(http, bout)
        await self._confirm_escrows(http, bout)
        path = f"{bout.path}/result"
        await self.call(http, "result", "POST", path, json={"winner": "A"}, token=admin_token)
        await self._pay_out(http, bout)
        await self._replay(http, bout)
        await self._read_back(http, bout)
        self.results.bouts += 1

    async def _create(self, http: HttpConnection, cast: Cast) -> Bout:
        # The event started 90 minutes ago: the result may be entered, FinishAfter (event + 2 h)
        # is still far enough ahead for the escrows to be signed.
        event = (datetime.now(UTC) - timedelta(hours=1, minutes=30)).replace(microsecond=0)
        body = {
            "fighter_a_user_id": cast.fighters[0],
            "fighter_b_user_id": cast.fighters[1],
            "event_datetime_utc": event.isoformat(),
            "promoter_xrpl_address": cast.address,
            **(TOKEN_PURSES | {"token": self.token} if self.token else XRP_PURSES),
        }
        created = await self.call(
            http, "POST /bouts", "POST", "/bouts", json=body, token=cast.token
        )
        view = created.json()
        escrows = {item["escrow_kind"]: item for item in view["escrows"]}
        return Bout(f"/bouts/{view['bout_id']}", escrows, cast.token)

    async def _lock_escrows(self, http: HttpConnection, bout: Bout) -> None:
        """Escrow prepare, then each sign request reported signed (stub signing)."""
        path = f"{bout.path}/escrows/prepare"
        prepared = await self.call(http, "escrows/prepare", "POST", path, token=bout.token)
        for item in prepared.json()["escrows"]:
            signed = bout.signed[item["escrow_kind"]] = _tx_hash()
            body = {
                "escrow_kind": item["escrow_kind"],
                "payload_id": item["xaman_sign_request"]["payload_id"],
                "observed_status": "signed",
                "observed_tx_hash": signed,
            }
            path = f"{bout.path}/escrows/signing/reconcile"
            await self.call(http, "escrows/reconcile", "POST", path, json=body, token=bout.token)

    async def _confirm_escrows(self, http: HttpConnection, bout: Bout) -> None:
        """One confirm per escrow, with the evidence the stub ledger takes at its word."""
        for kind in KINDS:
            escrow = bout.escrows[kind]
            body = {
                "escrow_kind": kind,
                "tx_hash": bout.signed[kind],
                "offer_sequence": secrets.randbelow(4_000_000) + 1,
                "validated": True,
                "engine_result": "tesSUCCESS",
                **{name: escrow[name] for name in EVIDENCE_FIELDS},
            }
            if escrow["amount_drops"] is None:
                body["amount"] = escrow["amount"]
            else:
                body["amount_drops"] = escrow["amount_drops"]
            confirm = StoredConfirm(
                f"{bout.path}/escrows/confirm", body, uuid.uuid4().hex, bout.token
            )
            await self._send_confirm(http, "escrows/confirm", confirm)
            bout.replay = bout.replay or confirm

    async def _send_confirm(
        self, http: HttpConnection, route: str, confirm: StoredConfirm
    ) -> Response:
        return await self.call(
            http,
            route,
            "POST",
            confirm.path,
            json=confirm.body,
            token=confirm.token,
            key=confirm.key,
        )

    async def _pay_out(self, http: HttpConnection, bout: Bout) -> None:
        """Payout prepare, then one confirm per escrow (finish, or cancel after CancelAfter)."""
        path = f"{bout.path}/payouts/prepare"
        prepared = await self.call(http, "payouts/prepare", "POST", path, token=bout.token)
        for item in prepared.json()["escrows"]:
            tx, escrow = item["unsigned_tx"], bout.escrows[item["escrow_kind"]]
            guard = "cancel_after_ripple" if item["action"] == "cancel" else "finish_after_ripple"
            body = {
                "escrow_kind": item["escrow_kind"],
                "tx_hash": _tx_hash(),
                "validated": True,
                "engine_result": "tesSUCCESS",
                "transaction_type": tx["TransactionType"],
                "owner_address": tx["Owner"],
                "offer_sequence": tx["OfferSequence"],
                "close_time_ripple": escrow[guard] + 10,
                "fulfillment_hex": tx.get("Fulfillment"),
            }
            confirm = StoredConfirm(
                f"{bout.path}/payouts/confirm", body, uuid.uuid4().hex, bout.token
            )
            await self._send_confirm(http, "payouts/confirm", confirm)

    async def _replay(self, http: HttpConnection, bout: Bout) -> None:
        assert bout.replay is not None
        response = await self._send_confirm(http, "confirm replay", bout.replay)
        if response.headers.get("idempotent-replayed") != "true":
            self.results.errors.append("confirm replay -> executed again, not replayed")
            raise LifecycleFailed("confirm replay")
        self.last_confirm = bout.replay

    async def _read_back(self, http: HttpConnection, bout: Bout) -> None:
        final = await self.call(http, "GET /bouts/{id}", "GET", bout.path, token=bout.token)
        await self.call(http, "GET audit", "GET", f"{bout.path}/audit", token=bout.token)
        status = final.json().get("status")
        if status != "closed":
            self.results.errors.append(f"bout {bout.path} ended {status}")
            raise LifecycleFailed("GET /bouts/{id}")

    async def run(
        self,
        *,
        bouts: int,
        concurrency: int,
        warmup: int = 0,
        on_start: Callable[[], None] | None = None,
        on_finish: Callable[[], None] | None = None,
    ) -> Measurements:
        """Set up one cast per client, then run `bouts` lifecycles with `concurrency` clients.

        `warmup` lifecycles per client run first, unmeasured (their errors still count).
        `on_start` is called once the casts exist and the warm-up is over, right before the
        first measured lifecycle; `on_finish` right after the last one ends (before any
        connection is closed).
        """
        connections = [self.connection() for _ in range(concurrency)]
        try:
            admin_token = await self.login(connections[0], self.admin_email, self.admin_password)
            casts = await self._casts(connections)
            for route in SETUP_ROUTES:
                self.results.latencies.pop(route, None)
            if warmup:
                await self._all_clients(connections, casts, admin_token, warmup * concurrency)
                self.results.latencies.clear()
                self.results.bouts = 0
            if on_start is not None:
                on_start()
            self.results.started = time.perf_counter()
            await self._all_clients(connections, casts, admin_token, bouts)
            self.results.finished = time.perf_counter()
            if on_finish is not None:
                on_finish()
        finally:
            await asyncio.gather(*(http.close() for http in connections))
        return self.results

    async def _all_clients(
        self, connections: list[HttpConnection], casts: list[Cast], admin_token: str, bouts: int
    ) -> None:
        tickets = iter(range(bouts))
        await asyncio.gather(
            *(
                self._client(http, cast, admin_token, tickets)
                for http, cast in zip(connections, casts, strict=True)
            )
        )

    async def _casts(self, connections: list[HttpConnection]) -> list[Cast]:
        """One cast per connection, one after the other. Each account costs the server an
        argon2 hash of 19 MiB; hashed side by side they would leave the API processes holding
        that memory, and the peak RSS of the lifecycles would measure the setup instead."""
        try:
            return [await self.cast(http) for http in connections]
        except LifecycleFailed as error:
            raise RuntimeError(f"setting up the accounts failed: {self.results.errors}") from error

    async def _client(
        self, http: HttpConnection, cast: Cast, admin_token: str, tickets: Iterator[int]
    ) -> None:
        """Take bouts from the shared `tickets` until none is left; a failed lifecycle is
        already recorded, so the client simply goes on with the next bout."""
        for _ in tickets:
            try:
                await self.lifecycle(http, cast, admin_token)
            except LifecycleFailed:
                continue

    async def replays(
        self,
        count: int,
        *,
        on_start: Callable[[], None] | None = None,
        on_finish: Callable[[], None] | None = None,
    ) -> list[float]:
        """Send the last replayed confirm `count` more times on one connection; the latencies.

        Each answer must be the stored outcome (200, `Idempotent-Replayed: true`).
        """
        stored = self.last_confirm
        if stored is None:
            raise RuntimeError("no lifecycle finished: there is no stored confirm to replay")
        latencies: list[float] = []
        async with self.connection() as http:
            await self._send_confirm(http, "replay warm-up", stored)  # opens the connection
            if on_start is not None:
                on_start()
            for _ in range(count):
                started = time.perf_counter()
                response = await http.request(
                    "POST",
                    stored.path,
                    json=stored.body,
                    token=stored.token,
                    idempotency_key=stored.key,
                )
                latencies.append(time.perf_counter() - started)
                if response.status != 200 or response.headers.get("idempotent-replayed") != "true":
                    self.results.errors.append(f"replay -> {response.status}, not a replay")
            if on_finish is not None:
                on_finish()
        self.results.latencies.pop("replay warm-up", None)
        return latencies
