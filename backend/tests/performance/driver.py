"""Drives whole bout lifecycles over HTTP with C concurrent clients and measures them.

Used by `./dev bench` (prints numbers) and by the performance tests (generous ceilings).
One lifecycle is 19 requests: create bout, escrow prepare, 4 × escrow reconcile (signed),
4 × escrow confirm, result, payout prepare, 4 × payout confirm, one confirm replay, GET bout,
GET audit.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from xrpl.core.addresscodec import encode_classic_address

KINDS = ("show_a", "show_b", "bonus_a", "bonus_b")
PASSWORD = "benchmark password 1"  # pragma: allowlist secret


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
        values = sorted(self.latencies[route])
        if not values:
            return 0.0
        return values[min(len(values) - 1, int(fraction * len(values)))]

    def median(self, route: str) -> float:
        return statistics.median(self.latencies[route]) if self.latencies[route] else 0.0


@dataclass
class Cast:
    token: str
    address: str
    fighters: tuple[str, str]


def _address() -> str:
    return str(encode_classic_address(os.urandom(20)))


class Driver:
    def __init__(self, base_url: str, *, admin_email: str, admin_password: str) -> None:
        self.base_url = base_url
        self.admin_email, self.admin_password = admin_email, admin_password
        self.results = Measurements()

    async def call(
        self, http: httpx.AsyncClient, route: str, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            self.results.errors.append(f"{route} -> {type(error).__name__}")
            raise
        self.results.latencies[route].append(time.perf_counter() - started)
        if response.status_code >= 300:
            self.results.errors.append(f"{route} -> {response.status_code} {response.text[:200]}")
        return response

    async def account(self, http: httpx.AsyncClient, role: str) -> tuple[str, str]:
        email = f"{role}-{uuid.uuid4().hex[:12]}@bench.example"
        body = {"email": email, "password": PASSWORD, "role": role}
        user = (await self.call(http, "register", "POST", "/auth/register", json=body)).json()
        token = await self.login(http, email, PASSWORD)
        return user["user_id"], token

    async def login(self, http: httpx.AsyncClient, email: str, password: str) -> str:
        body = {"email": email, "password": password}
        response = await self.call(http, "login", "POST", "/auth/login", json=body)
        return str(response.json()["access_token"])

    async def cast(self, http: httpx.AsyncClient) -> Cast:
        _, promoter = await self.account(http, "promoter")
        fighters = []
        for _ in range(2):
            user_id, token = await self.account(http, "fighter")
            profile = {"display_name": "Bench", "xrpl_address": _address()}
            auth = {"Authorization": f"Bearer {token}"}
            await self.call(http, "profile", "PUT", "/fighters/me", json=profile, headers=auth)
            fighters.append(user_id)
        return Cast(promoter, _address(), (fighters[0], fighters[1]))

    async def lifecycle(self, http: httpx.AsyncClient, cast: Cast, admin: dict[str, str]) -> None:
        auth = {"Authorization": f"Bearer {cast.token}"}
        event = (datetime.now(UTC) - timedelta(hours=1, minutes=30)).replace(microsecond=0)
        body = {
            "fighter_a_user_id": cast.fighters[0],
            "fighter_b_user_id": cast.fighters[1],
            "event_datetime_utc": event.isoformat(),
            "promoter_xrpl_address": cast.address,
            "show_a_drops": 5_000_000,
            "show_b_drops": 4_000_000,
            "bonus_a_drops": 2_000_000,
            "bonus_b_drops": 1_000_000,
        }
        bout = (
            await self.call(http, "POST /bouts", "POST", "/bouts", json=body, headers=auth)
        ).json()
        path = f"/bouts/{bout['bout_id']}"
        prepared = await self.call(
            http, "escrows/prepare", "POST", f"{path}/escrows/prepare", headers=auth
        )
        escrows = {item["escrow_kind"]: item for item in bout["escrows"]}
        for item in prepared.json()["escrows"]:
            reconcile = {
                "escrow_kind": item["escrow_kind"],
                "payload_id": item["xaman_sign_request"]["payload_id"],
                "observed_status": "signed",
                "observed_tx_hash": secrets.token_hex(32),
            }
            await self.call(
                http,
                "escrows/reconcile",
                "POST",
                f"{path}/escrows/signing/reconcile",
                json=reconcile,
                headers=auth,
            )
        replay: tuple[dict[str, Any], dict[str, str]] | None = None
        for kind in KINDS:
            escrow = escrows[kind]
            evidence = {
                "escrow_kind": kind,
                "tx_hash": secrets.token_hex(32),
                "offer_sequence": secrets.randbelow(4_000_000) + 1,
                "validated": True,
                "engine_result": "tesSUCCESS",
                "owner_address": escrow["owner_address"],
                "destination_address": escrow["destination_address"],
                "amount_drops": escrow["amount_drops"],
                "finish_after_ripple": escrow["finish_after_ripple"],
                "cancel_after_ripple": escrow["cancel_after_ripple"],
                "condition_hex": escrow["condition_hex"],
            }
            headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
            await self.call(
                http,
                "escrows/confirm",
                "POST",
                f"{path}/escrows/confirm",
                json=evidence,
                headers=headers,
            )
            replay = replay or (evidence, headers)
        await self.call(
            http, "result", "POST", f"{path}/result", json={"winner": "A"}, headers=admin
        )
        payouts = await self.call(
            http, "payouts/prepare", "POST", f"{path}/payouts/prepare", headers=auth
        )
        for item in payouts.json()["escrows"]:
            tx = item["unsigned_tx"]
            guard = escrows[item["escrow_kind"]]
            close = (
                guard["cancel_after_ripple"]
                if item["action"] == "cancel"
                else guard["finish_after_ripple"]
            ) + 10
            evidence = {
                "escrow_kind": item["escrow_kind"],
                "tx_hash": secrets.token_hex(32),
                "validated": True,
                "engine_result": "tesSUCCESS",
                "transaction_type": tx["TransactionType"],
                "owner_address": tx["Owner"],
                "offer_sequence": tx["OfferSequence"],
                "close_time_ripple": close,
                "fulfillment_hex": tx.get("Fulfillment"),
            }
            headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
            await self.call(
                http,
                "payouts/confirm",
                "POST",
                f"{path}/payouts/confirm",
                json=evidence,
                headers=headers,
            )
        assert replay is not None
        await self.call(
            http,
            "confirm replay",
            "POST",
            f"{path}/escrows/confirm",
            json=replay[0],
            headers=replay[1],
        )
        final = await self.call(http, "GET /bouts/{id}", "GET", path, headers=auth)
        await self.call(http, "GET audit", "GET", f"{path}/audit", headers=auth)
        if final.json().get("status") != "closed":
            self.results.errors.append(f"bout {bout['bout_id']} ended {final.json().get('status')}")
        self.results.bouts += 1

    async def run(
        self, *, bouts: int, concurrency: int, on_start: Callable[[], None] | None = None
    ) -> Measurements:
        """Set up one cast per client, then run `bouts` lifecycles with `concurrency` clients.

        `on_start` is called once the casts exist, right before the first lifecycle.
        """
        # Idle connections are dropped before the server's 5 s keep-alive timeout, so a request
        # never races the server closing the connection it was about to reuse.
        limits = httpx.Limits(max_connections=concurrency + 2, keepalive_expiry=2.0)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=60, limits=limits) as http:
            admin_token = await self.login(http, self.admin_email, self.admin_password)
            admin = {"Authorization": f"Bearer {admin_token}"}
            casts = [await self.cast(http) for _ in range(concurrency)]
            for route in ("register", "login", "profile"):
                self.results.latencies.pop(route, None)
            queue: asyncio.Queue[int] = asyncio.Queue()
            for number in range(bouts):
                queue.put_nowait(number)

            async def client(cast: Cast) -> None:
                while not queue.empty():
                    queue.get_nowait()
                    await self.lifecycle(http, cast, admin)

            if on_start is not None:
                on_start()
            self.results.started = time.perf_counter()
            await asyncio.gather(*(client(cast) for cast in casts))
            self.results.finished = time.perf_counter()
        return self.results
