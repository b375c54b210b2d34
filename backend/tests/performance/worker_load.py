"""`./dev bench --worker`: the reconcile worker polling beside the API while it is measured.

The API stays in stub modes; the worker runs `ringledger reconcile --watch` on the same database
with `XRPL_MODE=rpc` against the local XRPL node stand-in, so every pass does what it does in
production: poll the open sign requests, follow the signed ones on the node, and look up every
created escrow whose FinishAfter has passed (none of the bench's or the filled history's
transactions are on the stand-in's ledger, so each lookup goes all the way: the escrow entry,
then the owner's history). Its own CPU is measured per pass, apart from the API's.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import psutil

from tests.support.fake_rippled import FakeRippled
from tests.support.wallets import ledger_now

# A pass line of `ringledger reconcile` (cli/reconcile_worker.report).
PASS_LINE = "reconcile ("


@dataclass(frozen=True)
class WorkerUsage:
    cpu_seconds: float
    passes: int

    @property
    def ms_per_pass(self) -> float | None:
        """None when no pass ended in the window."""
        return 1000 * self.cpu_seconds / self.passes if self.passes else None


class BackgroundWorker:
    """The worker process and the node stand-in it reads, for the duration of a `with`."""

    def __init__(self, env: Mapping[str, str], data_dir: Path, *, interval: float = 1.0) -> None:
        self.node = FakeRippled()
        self.output = data_dir / "worker.out"
        self.env, self.interval = dict(env), interval
        self.process: subprocess.Popen[bytes] | None = None
        self._started: tuple[float, int] = (0.0, 0)

    def __enter__(self) -> BackgroundWorker:
        self.node.__enter__()
        self.node.ledger.set_clock(close_time=ledger_now())
        env = {
            **self.env,
            "XRPL_MODE": "rpc",
            "XRPL_RPC_URL": self.node.url,
            "XRPL_NETWORK": "TESTNET",
            "RINGLEDGER_LEDGER_WATCH_INTERVAL": "1m",
            "PYTHONUNBUFFERED": "1",  # a line per pass, as it happens
        }
        command = [sys.executable, "-m", "ringledger.cli.main", "reconcile", "--watch"]
        command += ["--interval", str(self.interval), "--rate", "60000", "--backoff", "0"]
        with self.output.open("wb") as sink:
            self.process = subprocess.Popen(
                command, env=env, stdout=sink, stderr=subprocess.DEVNULL
            )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.node.__exit__(kind, error, trace)

    def passes(self) -> int:
        text = self.output.read_text(errors="replace") if self.output.exists() else ""
        return text.count(PASS_LINE)

    def cpu_seconds(self) -> float:
        assert self.process is not None
        times = psutil.Process(self.process.pid).cpu_times()
        return times.user + times.system

    def start(self) -> None:
        self._started = (self.cpu_seconds(), self.passes())

    def stop(self) -> WorkerUsage:
        # A pass under way when the level ends is counted once it reports.
        time.sleep(0.1)
        cpu, passes = self._started
        return WorkerUsage(self.cpu_seconds() - cpu, self.passes() - passes)
