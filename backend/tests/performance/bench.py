"""`./dev bench`: start the service on its own embedded PostgreSQL and measure it over HTTP.

    ./dev bench                                        # C = 1, 8, 32 with one API worker
    ./dev bench --workers 2 --levels 1,8,32,64 --bouts 40 --json run.json
    ./dev bench --fill 100000 --listing                # on three years of history
    ./dev bench --data-dir /tmp/rl --fill 100000 --levels none   # fill once and keep it ...
    ./dev bench --data-dir /tmp/rl --listing --levels none       # ... then list it, again
    ./dev bench --compare before.json after.json       # two --json runs side by side
    ./dev bench --pooler                               # through PgBouncer (transaction mode)
    ./dev bench --token                                # the bouts settled in an issued token
    ./dev bench --fill 100000 --worker                 # a reconcile worker polling beside it

Per concurrency level C: bouts/s, requests/s, p50/p95/p99 per route, CPU per request of the API
processes, of PostgreSQL and of the load generator itself (lifecycles only: the accounts'
argon2 hashing during setup is left out), the peak RSS of each API process, and errors. Then
N replays of one stored confirm at C = 1 (API CPU per replay, p50/p99). See
docs/performance.md for what each figure means.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from tests.performance import fill as history
from tests.performance.compare import compare
from tests.performance.driver import Driver, Measurements, percentile, run_async
from tests.performance.listing import ListingRow, print_listing, run_listing
from tests.performance.meters import CpuMeter, CpuUsage, PeakRss, postgres_roots
from tests.performance.pooled import Pooled, through_pgbouncer
from tests.performance.worker_load import BackgroundWorker, WorkerUsage
from tests.support.live import free_port

ADMIN_EMAIL = "bench-admin@bench.example"
ADMIN_PASSWORD = "benchmark admin password"  # pragma: allowlist secret
FILL_MARKER = "bench-fill.json"  # in the data dir: what --fill wrote, for a later --listing
MB = 2**20
# A dollar token for --token; its issuer is a fixed account no bench party uses.
BENCH_TOKEN = {
    "label": "USD",
    "currency": "USD",
    "issuer": "rDsbeomae4FXwgQTJp9Rs64Qg9vDiTCdBv",  # pragma: allowlist secret
}
# `./dev bench` runs from backend/; relative paths given to it mean the repository's root.
REPOSITORY = Path(__file__).resolve().parents[3]


class Server:
    """`ringledger serve` in a child process with its own data dir (embedded PostgreSQL)."""

    def __init__(
        self, *, workers: int, data_dir: Path, pooled: Pooled | None = None, token: bool = False
    ) -> None:
        self.port, self.workers, self.data_dir = free_port(), workers, data_dir
        self.pooled = pooled
        # The label the bouts are settled in (--token), or None for XRP.
        self.token = BENCH_TOKEN["label"] if token else None
        self.env = {
            **os.environ,
            "RINGLEDGER_ENV": "local",
            "RINGLEDGER_DATA_DIR": str(data_dir),
            "RINGLEDGER_LOG_LEVEL": "WARNING",
            "RINGLEDGER_WEB_DIR": str(data_dir / "none"),
            # Every client registers its own accounts, all from 127.0.0.1.
            "RINGLEDGER_REGISTER_MAX_PER_CLIENT": "1000000",
            # No load balancer to warn before the server stops accepting.
            "RINGLEDGER_SHUTDOWN_NOTICE": "0",
        }
        self.env.pop("DATABASE_URL", None)
        self.env.update(pooled.settings if pooled else {})
        if token:
            self.env["RINGLEDGER_TOKENS"] = json.dumps([BENCH_TOKEN])
        self.process: subprocess.Popen[bytes] | None = None
        self._postgres: list[psutil.Process] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "postgres"

    def __enter__(self) -> Server:
        command = [sys.executable, "-m", "ringledger.cli.main"]
        admin = subprocess.run(
            [*command, "users", "create-admin", "--email", ADMIN_EMAIL, "--password-stdin"],
            input=ADMIN_PASSWORD.encode() + b"\n",
            env=self.env,
            capture_output=True,
        )
        if admin.returncode != 0 and b"already exists" not in admin.stdout + admin.stderr:
            raise RuntimeError(f"create-admin failed: {(admin.stdout + admin.stderr).decode()}")
        self.process = subprocess.Popen(
            [*command, "serve", "--port", str(self.port), "--workers", str(self.workers)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=1) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        raise RuntimeError("the service did not start")

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=30)

    def api_processes(self) -> list[psutil.Process]:
        """The serve process; meters add its uvicorn workers (its descendants)."""
        assert self.process is not None
        return [psutil.Process(self.process.pid)]

    def postgres_processes(self) -> list[psutil.Process]:
        """The postmaster of this data dir (found once); meters add its backends."""
        if not self._postgres or not all(p.is_running() for p in self._postgres):
            self._postgres = postgres_roots(self.pgdata)
            if self.pooled:
                self._postgres.append(psutil.Process(self.pooled.pid))
        return self._postgres

    def database_uri(self) -> str:
        """libpq URI of the service's database, from the running server's postmaster.pid."""
        lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
        port, socket_dir = lines[3].strip(), lines[4].strip()
        return f"postgresql://postgres@/ringledger?host={socket_dir}&port={port}"


@dataclass
class LevelResult:
    concurrency: int
    workers: int
    results: Measurements
    cpu: CpuUsage
    peak_rss: list[int]
    worker: WorkerUsage | None = None

    def per_request_ms(self, seconds: float) -> float:
        return 1000 * seconds / max(self.results.requests, 1)

    def as_json(self) -> dict[str, Any]:
        results, elapsed = self.results, max(self.results.elapsed, 1e-9)
        return {
            "concurrency": self.concurrency,
            "workers": self.workers,
            "bouts": results.bouts,
            "requests": results.requests,
            "elapsed_s": round(elapsed, 3),
            "bouts_per_s": round(results.bouts / elapsed, 2),
            "requests_per_s": round(results.requests / elapsed, 1),
            "cpu_ms_per_request": {
                "api": round(self.per_request_ms(self.cpu.api), 3),
                "postgres": round(self.per_request_ms(self.cpu.postgres), 3),
                "load_generator": round(self.per_request_ms(self.cpu.load_generator), 3),
            },
            "peak_rss_mb_per_api_process": [round(value / MB, 1) for value in self.peak_rss],
            "reconcile_worker": None
            if self.worker is None
            else {
                "passes": self.worker.passes,
                "cpu_s": round(self.worker.cpu_seconds, 3),
                "cpu_ms_per_pass": None
                if self.worker.ms_per_pass is None
                else round(self.worker.ms_per_pass, 1),
            },
            "errors": len(results.errors),
            "error_samples": results.errors[:10],
            "routes": {
                route: route_figures(values) for route, values in sorted(results.latencies.items())
            },
        }


def route_figures(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(1000 * percentile(values, 0.50), 2),
        "p95_ms": round(1000 * percentile(values, 0.95), 2),
        "p99_ms": round(1000 * percentile(values, 0.99), 2),
    }


@dataclass
class ReplayResult:
    latencies: list[float]
    cpu: CpuUsage
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        count = max(len(self.latencies), 1)
        return {
            "replays": len(self.latencies),
            "api_cpu_ms_per_replay": round(1000 * self.cpu.api / count, 3),
            "postgres_cpu_ms_per_replay": round(1000 * self.cpu.postgres / count, 3),
            **route_figures(self.latencies),
            "errors": len(self.errors),
        }


def meters(server: Server) -> tuple[CpuMeter, PeakRss]:
    return CpuMeter(server.api_processes, server.postgres_processes), PeakRss(server.api_processes)


def new_driver(server: Server) -> Driver:
    return Driver(
        server.url, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD, token=server.token
    )


def measure_level(
    server: Server,
    *,
    bouts: int,
    concurrency: int,
    warmup: int = 0,
    worker: BackgroundWorker | None = None,
) -> LevelResult:
    """`bouts` lifecycles with `concurrency` clients (after `warmup` unmeasured ones per
    client); CPU and peak RSS over the measured lifecycles (and the worker's CPU and passes
    meanwhile, when one runs beside the API)."""
    cpu, rss = meters(server)
    usage: list[CpuUsage] = []
    worker_usage: list[WorkerUsage] = []

    def on_start() -> None:
        rss.reset()
        cpu.start()
        if worker is not None:
            worker.start()

    def on_finish() -> None:
        usage.append(cpu.stop())
        if worker is not None:
            worker_usage.append(worker.stop())

    results = run_async(
        new_driver(server).run(
            bouts=bouts,
            concurrency=concurrency,
            warmup=warmup,
            on_start=on_start,
            on_finish=on_finish,
        )
    )
    return LevelResult(
        concurrency,
        server.workers,
        results,
        usage[0],
        rss.read(),
        worker_usage[0] if worker_usage else None,
    )


def measure_replays(server: Server, count: int) -> ReplayResult:
    """One lifecycle (unmeasured) to store a confirm outcome, then `count` replays of it."""
    driver = new_driver(server)
    run_async(driver.run(bouts=1, concurrency=1))
    cpu, _ = meters(server)
    usage: list[CpuUsage] = []
    latencies = run_async(
        driver.replays(count, on_start=cpu.start, on_finish=lambda: usage.append(cpu.stop()))
    )
    return ReplayResult(latencies, usage[0], driver.results.errors)


def print_levels(levels: list[LevelResult]) -> None:
    print("\n== lifecycles (CPU per request over the lifecycles only; setup excluded)")
    print(
        f"   {'C':>3}{'wkr':>4}{'bouts':>7}{'bouts/s':>9}{'req/s':>7}{'API ms':>8}{'PG ms':>7}"
        f"{'gen ms':>8}{'RSS MB':>8}{'errors':>7}"
    )
    for level in levels:
        r, elapsed = level.results, max(level.results.elapsed, 1e-9)
        print(
            f"   {level.concurrency:>3}{level.workers:>4}{r.bouts:>7}{r.bouts / elapsed:>9.1f}"
            f"{r.requests / elapsed:>7.0f}{level.per_request_ms(level.cpu.api):>8.2f}"
            f"{level.per_request_ms(level.cpu.postgres):>7.2f}"
            f"{level.per_request_ms(level.cpu.load_generator):>8.3f}"
            f"{max(level.peak_rss, default=0) / MB:>8.0f}{len(r.errors):>7}"
        )
    for level in levels:
        used = level.worker
        if used is None:
            continue
        if used.passes:
            per_pass = f"{used.passes} passes, {used.ms_per_pass:.1f} ms of CPU per pass"
        else:
            # One pass is longer than the level (a filled history): its CPU so far is all there is.
            per_pass = f"no pass ended, {1000 * used.cpu_seconds:.0f} ms of CPU in a pass under way"
        print(f"   C={level.concurrency} reconcile worker beside it: {per_pass}")
    for level in levels:
        for error in level.results.errors[:5]:
            print(f"   C={level.concurrency} error: {error}")


def print_routes(levels: list[LevelResult]) -> None:
    print("\n== latency per route, ms (p50 / p95 / p99)")
    print(f"   {'route':<20}" + "".join(f"{f'C={level.concurrency}':>24}" for level in levels))
    routes = sorted({route for level in levels for route in level.results.latencies})
    for route in routes:
        cells = []
        for level in levels:
            values = level.results.latencies.get(route, [])
            figures = [1000 * percentile(values, share) for share in (0.5, 0.95, 0.99)]
            cells.append(f"{' / '.join(f'{value:.1f}' for value in figures):>24}")
        print(f"   {route:<20}" + "".join(cells))


def print_replay(replay: ReplayResult) -> None:
    figures = replay.as_json()
    print(
        f"\n== {figures['replays']} replays of one stored confirm (C = 1): "
        f"API CPU {figures['api_cpu_ms_per_replay']:.2f} ms/replay, "
        f"PostgreSQL {figures['postgres_cpu_ms_per_replay']:.2f} ms, "
        f"p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, "
        f"errors: {figures['errors']}"
    )


def print_fill(report: history.FillReport) -> None:
    print(f"\n== filled {report.plan.bouts:,} bouts in {report.seconds:.1f} s")
    for table in history.TABLES:
        rows, size = report.rows[table], report.table_bytes[table] / MB
        print(f"   {table:<18}{rows:>12,} rows{size:>10.1f} MB")
    statuses = ", ".join(f"{name} {count:,}" for name, count in report.bout_statuses.items())
    print(f"   bouts by status: {statuses}")
    print(
        f"   busy promoter: {report.busy_promoter_bouts:,} bouts; "
        f"busy fighter: {report.busy_fighter_bouts:,} bouts"
    )


def run_fill(server: Server, *, bouts: int, seed: int) -> history.FillReport:
    try:
        report = history.fill(server.database_uri(), bouts=bouts, seed=seed)
    except ValueError as error:
        raise SystemExit(f"--fill: {error}") from error
    (server.data_dir / FILL_MARKER).write_text(json.dumps(report.as_json(), default=str))
    print_fill(report)
    return report


def run_listing_bench(server: Server, *, repeat: int) -> list[ListingRow]:
    """The listing benchmark on the history this data dir was filled with (see --fill)."""
    marker = server.data_dir / FILL_MARKER
    if not marker.exists():
        print("\n== listing skipped: this data dir holds no filled history (use --fill N)")
        return []
    plan = json.loads(marker.read_text())["plan"]
    rows = run_async(
        run_listing(
            server.url,
            admin=(ADMIN_EMAIL, ADMIN_PASSWORD),
            accounts=history.accounts(plan["seed"]),
            seed=plan["seed"],
            bouts=plan["bouts"],
            repeat=repeat,
            cpu=meters(server)[0],
        )
    )
    print_listing(rows)
    return rows


def describe_run(args: argparse.Namespace) -> dict[str, Any]:
    """What the figures were measured on, for comparing two JSON files."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit or None,
        "arguments": vars(args),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
            "python": platform.python_version(),
            "load_generator_loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
            "platform": platform.platform(),
        },
    }


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=1, help="API worker processes")
    parser.add_argument(
        "--levels", default="1,8,32", help="comma-separated client counts, or 'none'"
    )
    parser.add_argument(
        "--bouts", type=int, default=0, help="bouts per level (default 4 × C, at least 20)"
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="unmeasured lifecycles per client before each level (default 1)",
    )
    parser.add_argument("--replays", type=int, default=200, help="replays to time (0: none)")
    parser.add_argument("--fill", type=int, default=0, metavar="N", help="first fill N bouts")
    parser.add_argument("--seed", type=int, default=0, help="seed of the filled history")
    parser.add_argument("--listing", action="store_true", help="run the listing benchmark")
    parser.add_argument(
        "--pooler",
        action="store_true",
        help="serve through PgBouncer in transaction mode (docs/deployment.md)",
    )
    parser.add_argument(
        "--token", action="store_true", help="settle the bouts in an issued token (USD)"
    )
    parser.add_argument(
        "--worker",
        action="store_true",
        help="run `ringledger reconcile --watch` (XRPL_MODE=rpc, against the local node "
        "stand-in) beside the API while the levels run; report its CPU per pass",
    )
    parser.add_argument("--listing-repeat", type=int, default=20, help="timed sends per row")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    parser.add_argument(
        "--data-dir", type=Path, help="keep the database here (default: a temporary dir)"
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("BEFORE", "AFTER"),
        help="print two --json files side by side and exit (nothing is run)",
    )
    return parser.parse_args()


def from_repository(path: Path | None) -> Path | None:
    return None if path is None else (REPOSITORY / path).resolve()


def levels_of(text: str) -> list[int]:
    if text.strip().lower() in ("", "none", "0"):
        return []
    return [int(level) for level in text.split(",")]


def main() -> None:
    args = parse_arguments()
    args.json, args.data_dir = from_repository(args.json), from_repository(args.data_dir)
    if args.compare:
        compare(*(from_repository(path) or path for path in args.compare))
        return
    figures: dict[str, Any] = {"run": describe_run(args)}
    with ExitStack() as stack:
        data_dir = args.data_dir or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="ringledger-bench-"))
        )
        data_dir.mkdir(parents=True, exist_ok=True)
        pooled = stack.enter_context(through_pgbouncer(data_dir)) if args.pooler else None
        server = stack.enter_context(
            Server(workers=args.workers, data_dir=data_dir, pooled=pooled, token=args.token)
        )
        if args.fill:
            figures["fill"] = run_fill(server, bouts=args.fill, seed=args.seed).as_json()
        worker = (
            stack.enter_context(BackgroundWorker(server.env, data_dir)) if args.worker else None
        )
        levels = []
        for concurrency in levels_of(args.levels):
            bouts = args.bouts or max(20, 4 * concurrency)
            levels.append(
                measure_level(
                    server,
                    bouts=bouts,
                    concurrency=concurrency,
                    warmup=args.warmup,
                    worker=worker,
                )
            )
            print(f"   C={concurrency}: {levels[-1].results.bouts} bouts done", flush=True)
        if levels:
            print_levels(levels)
            print_routes(levels)
        figures["levels"] = [level.as_json() for level in levels]
        if args.replays:
            replay = measure_replays(server, args.replays)
            print_replay(replay)
            figures["replay"] = replay.as_json()
        if args.listing:
            rows = run_listing_bench(server, repeat=args.listing_repeat)
            figures["listing"] = [row.as_json() for row in rows]
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n")
        print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
