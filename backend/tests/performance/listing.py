"""`./dev bench --listing`: reading bouts on a filled database, one request at a time (C = 1).

For an admin, the promoter who owns 5,000 bouts and a fighter in a few hundred (see fill.py),
with and without a status filter (`result_entered`: few rows, `closed`: most of them):

- the first page, `GET /bouts?limit=50`;
- a page 1,000 items deep: `next_cursor` followed ten times with `limit=100`, then the next page
  of 50 timed (when the account has fewer bouts than that, the row says so);

and, as the admin, `GET /bouts/{id}` and `GET /bouts/{id}/audit` of random seeded bouts. Each
request is sent once untimed (a warm-up), then `repeat` times timed; the table gives p50 and
p95 against the 20 ms target and, from the bench, the API's and PostgreSQL's CPU per request
(counted by the kernel in 10 ms ticks: over 20 requests, to the nearest 0.5 ms).
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from tests.performance.driver import percentile
from tests.performance.fill import FillAccounts, seeded_id
from tests.performance.light_http import HttpConnection, Response
from tests.performance.meters import CpuMeter, CpuUsage

STATUSES: tuple[str | None, ...] = (None, "result_entered", "closed")
DEEP_PAGES, DEEP_LIMIT, PAGE_LIMIT = 10, 100, 50
TARGET_SECONDS = 0.020


@dataclass
class ListingRow:
    who: str
    request: str
    samples: list[float] = field(default_factory=list)
    note: str = ""
    cpu: CpuUsage | None = None  # over the timed requests, when the bench can read it

    def cpu_ms(self, party: str) -> float | None:
        """CPU per timed request of "api" or "postgres", in ms (None when not measured)."""
        if self.cpu is None or not self.samples:
            return None
        return 1000 * float(getattr(self.cpu, party)) / len(self.samples)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) if self.samples else 0.0

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)

    def as_json(self) -> dict[str, Any]:
        return {
            "who": self.who,
            "request": self.request,
            "n": len(self.samples),
            "p50_ms": round(1000 * self.p50, 2),
            "p95_ms": round(1000 * self.p95, 2),
            "api_cpu_ms": _rounded(self.cpu_ms("api")),
            "postgres_cpu_ms": _rounded(self.cpu_ms("postgres")),
            "note": self.note,
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


class ListingFailed(Exception):
    """The service answered a listing request with something other than 200."""


class Listing:
    def __init__(self, http: HttpConnection, *, repeat: int, cpu: CpuMeter | None) -> None:
        self.http, self.repeat, self.cpu = http, repeat, cpu
        self.rows: list[ListingRow] = []

    async def get(self, path: str, token: str) -> Response:
        response = await self.http.request("GET", path, token=token)
        if response.status != 200:
            raise ListingFailed(f"GET {path} -> {response.status} {response.body[:200]!r}")
        return response

    async def timed(self, row: ListingRow, path: str, token: str) -> None:
        """One warm-up request, then `repeat` timed ones; the row keeps the timings."""
        await self.get(path, token)
        await self.measured(row, [path] * self.repeat, token)

    async def measured(self, row: ListingRow, paths: list[str], token: str) -> None:
        """Time each request of `paths` (and their CPU together); the row joins the table."""
        if self.cpu is not None:
            self.cpu.start()
        for path in paths:
            started = time.perf_counter()
            await self.get(path, token)
            row.samples.append(time.perf_counter() - started)
        if self.cpu is not None:
            row.cpu = self.cpu.stop()
        self.rows.append(row)

    async def login(self, email: str, password: str) -> str:
        body = {"email": email, "password": password}
        response = await self.http.request("POST", "/auth/login", json=body)
        if response.status != 200:
            raise ListingFailed(f"login as {email} -> {response.status}: is the history filled?")
        return str(response.json()["access_token"])

    async def pages(self, who: str, token: str) -> None:
        """First and deep pages, with and without each status filter."""
        for status in STATUSES:
            query = f"&status={status}" if status else ""
            label = f" status={status}" if status else ""
            first = ListingRow(who, f"first page{label}")
            await self.timed(first, f"/bouts?limit={PAGE_LIMIT}{query}", token)
            cursor, depth = await self.walk(query, token)
            deep = ListingRow(who, f"{DEEP_PAGES * DEEP_LIMIT:,} deep{label}")
            if cursor is None:
                deep.note = f"only {depth} bouts"
                self.rows.append(deep)
                continue
            path = f"/bouts?limit={PAGE_LIMIT}{query}&cursor={quote(cursor)}"
            await self.timed(deep, path, token)

    async def walk(self, query: str, token: str) -> tuple[str | None, int]:
        """Follow next_cursor DEEP_PAGES times; the cursor reached (None at the end) and the
        number of items passed."""
        cursor: str | None = None
        depth = 0
        for _ in range(DEEP_PAGES):
            after = f"&cursor={quote(cursor)}" if cursor else ""
            page = (await self.get(f"/bouts?limit={DEEP_LIMIT}{query}{after}", token)).json()
            depth += len(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        return cursor, depth

    async def reads(self, token: str, *, seed: int, bouts: int) -> None:
        """GET /bouts/{id} and /audit of `repeat` random seeded bouts (each once, untimed first)."""
        picks = random.Random(seed).sample(range(bouts), min(bouts, self.repeat))
        for suffix, request in (("", "GET /bouts/{id}"), ("/audit", "GET /bouts/{id}/audit")):
            row = ListingRow("admin", f"{request}, random bouts")
            paths = [f"/bouts/{seeded_id(seed, 'bout', number)}{suffix}" for number in picks]
            await self.get(paths[-1], token)
            await self.measured(row, paths, token)


async def run_listing(
    base_url: str,
    *,
    admin: tuple[str, str],
    accounts: FillAccounts,
    seed: int,
    bouts: int,
    repeat: int = 20,
    cpu: CpuMeter | None = None,
) -> list[ListingRow]:
    """All the listing measurements (see the module's docstring), in table order; with `cpu`,
    each row also gets the API's and PostgreSQL's CPU per request."""
    async with HttpConnection(base_url) as http:
        listing = Listing(http, repeat=repeat, cpu=cpu)
        admin_token = await listing.login(*admin)
        people = (
            ("admin", admin_token),
            ("busy promoter", await listing.login(accounts.busy_promoter_email, accounts.password)),
            ("busy fighter", await listing.login(accounts.busy_fighter_email, accounts.password)),
        )
        for who, token in people:
            await listing.pages(who, token)
        await listing.reads(admin_token, seed=seed, bouts=bouts)
    return listing.rows


def _cpu_cell(value: float | None) -> str:
    return f"{value:>9.2f}" if value is not None else f"{'-':>9}"


def print_listing(rows: list[ListingRow]) -> None:
    print(f"\n== listing (C = 1; ms per request; target ≤ {1000 * TARGET_SECONDS:.0f} ms)")
    print(f"   {'who':<16}{'request':<38}{'n':>4}{'p50':>9}{'p95':>9}{'API CPU':>9}{'PG CPU':>9}")
    for row in rows:
        if not row.samples:
            print(f"   {row.who:<16}{row.request:<38}{'':>40}({row.note})")
            continue
        flag = "" if row.p95 <= TARGET_SECONDS else "  over target"
        print(
            f"   {row.who:<16}{row.request:<38}{len(row.samples):>4}"
            f"{1000 * row.p50:>9.1f}{1000 * row.p95:>9.1f}"
            f"{_cpu_cell(row.cpu_ms('api'))}{_cpu_cell(row.cpu_ms('postgres'))}{flag}"
        )
