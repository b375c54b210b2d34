"""`./dev bench`: start the service on a fresh embedded database and measure whole lifecycles.

    ./dev bench                       # C = 1, 8, 32 with one API worker
    ./dev bench --workers 2 --levels 1,8,32,64 --bouts 40

Prints bouts/s, requests/s, p50/p95/p99 per route, the replay latency, the server's CPU time
per request (API processes only; PostgreSQL runs beside them) and the API processes' peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

from tests.performance.driver import Driver, Measurements
from tests.support.live import free_port

ADMIN_EMAIL = "bench-admin@bench.example"
ADMIN_PASSWORD = "benchmark admin password"  # pragma: allowlist secret


class Server:
    """`ringledger serve` in a child process with its own data dir (embedded PostgreSQL)."""

    def __init__(self, *, workers: int, data_dir: Path) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "RINGLEDGER_ENV": "local",
            "RINGLEDGER_DATA_DIR": str(data_dir),
            "RINGLEDGER_LOG_LEVEL": "WARNING",
            "RINGLEDGER_WEB_DIR": str(data_dir / "none"),
            # Every client registers its own accounts, all from 127.0.0.1.
            "RINGLEDGER_REGISTER_MAX_PER_CLIENT": "1000000",
        }
        self.env.pop("DATABASE_URL", None)
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        command = [sys.executable, "-m", "ringledger.cli.main"]
        subprocess.run(
            [*command, "users", "create-admin", "--email", ADMIN_EMAIL, "--password-stdin"],
            input=ADMIN_PASSWORD.encode() + b"\n",
            env=self.env,
            check=True,
            capture_output=True,
        )
        self.process = subprocess.Popen(
            [*command, "serve", "--port", str(self.port), "--workers", str(self.workers)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the service did not start")

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=20)

    def api_processes(self) -> list[psutil.Process]:
        assert self.process is not None
        parent = psutil.Process(self.process.pid)
        return [parent, *parent.children(recursive=True)]

    def cpu_seconds(self) -> float:
        return sum(sum(p.cpu_times()[:2]) for p in self.api_processes())


class PeakRss:
    """Samples the RSS of each API worker process while a run goes on."""

    def __init__(self, server: Server) -> None:
        self.server, self.peak, self._stop = server, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            for process in self.server.api_processes():
                with contextlib.suppress(psutil.Error):
                    self.peak = max(self.peak, process.memory_info().rss)
            time.sleep(0.1)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(server: Server, *, bouts: int, concurrency: int) -> tuple[Measurements, float, int]:
    driver = Driver(server.url, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD)
    cpu_before: list[float] = []
    with PeakRss(server) as rss:
        results = asyncio.run(
            driver.run(
                bouts=bouts,
                concurrency=concurrency,
                on_start=lambda: cpu_before.append(server.cpu_seconds()),
            )
        )
    # Lifecycles only: the accounts' argon2 hashing during setup is left out.
    cpu = server.cpu_seconds() - cpu_before[0]
    return results, cpu, rss.peak


def report(results: Measurements, cpu: float, rss: int, *, concurrency: int, workers: int) -> None:
    seconds = results.elapsed
    print(f"\n== C={concurrency}, API workers={workers}: {results.bouts} bouts in {seconds:.2f} s")
    print(
        f"   {results.bouts / seconds:.1f} bouts/s, {results.requests / seconds:.0f} requests/s,"
        f" errors: {len(results.errors)}"
    )
    print(
        f"   API CPU: {1000 * cpu / max(results.requests, 1):.2f} ms/request (setup excluded);"
        f" peak RSS per API process: {rss / 2**20:.0f} MB"
    )
    print(f"   {'route':<22}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for route in sorted(results.latencies):
        print(
            f"   {route:<22}{len(results.latencies[route]):>6}"
            f"{1000 * results.median(route):>10.1f}{1000 * results.percentile(route, 0.95):>10.1f}"
            f"{1000 * results.percentile(route, 0.99):>10.1f}"
        )
    for error in results.errors[:5]:
        print(f"   error: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--levels", default="1,8,32", help="comma-separated client counts")
    parser.add_argument(
        "--bouts", type=int, default=0, help="bouts per level (default 4 × C, at least 20)"
    )
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="ringledger-bench-") as data_dir,
        Server(workers=args.workers, data_dir=Path(data_dir)) as server,
    ):
        for concurrency in (int(level) for level in args.levels.split(",")):
            bouts = args.bouts or max(20, 4 * concurrency)
            results, cpu, rss = measure(server, bouts=bouts, concurrency=concurrency)
            report(results, cpu, rss, concurrency=concurrency, workers=args.workers)


if __name__ == "__main__":
    main()
