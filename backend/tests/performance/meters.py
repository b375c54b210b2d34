"""CPU time and peak memory of the processes a benchmark involves, read from the outside.

CPU is read from the kernel's accounting (psutil), at the start and the end of a window, for
three parties: the API processes (`ringledger serve` and its uvicorn workers), PostgreSQL (the
postmaster of the bench's data dir and every backend it forked) and the load generator (this
process). A process that ended inside the window still counts: its time moves into its parent's
`children_*` figures once reaped, and those are read too.

Peak RSS comes from each API process's own high-water mark (VmHWM in /proc), reset at the start
of a window: exact, and nothing samples while requests run.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil


def tree(roots: Iterable[psutil.Process]) -> list[psutil.Process]:
    """`roots` and all their live descendants, each once."""
    found: dict[int, psutil.Process] = {}
    for root in roots:
        with contextlib.suppress(psutil.Error):
            for process in (root, *root.children(recursive=True)):
                found.setdefault(process.pid, process)
    return list(found.values())


def cpu_seconds(processes: Iterable[psutil.Process]) -> float:
    """User + system time of `processes` and of the children each of them reaped."""
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system + times.children_user + times.children_system
    return total


def postgres_roots(pgdata: Path) -> list[psutil.Process]:
    """The PostgreSQL server of `pgdata`: `postgres` processes whose command line names it.

    The embedded server is started by whichever process needed it first and detaches, so it is
    no descendant of the API; its backends name no data dir, but they are its children.
    """
    marker = str(pgdata.resolve())
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        if process.info["name"] == "postgres" and any(marker in part for part in cmdline):
            found.append(process)
    return found


@dataclass(frozen=True)
class CpuUsage:
    """Seconds of CPU over one window, per party."""

    api: float
    postgres: float
    load_generator: float
    wall: float


class CpuMeter:
    """Brackets a window: `start()` right before it, `stop()` right after it.

    The other processes are read before the load generator's clock at the start and after it at
    the end, so the cost of reading them is not charged to the load generator.
    """

    def __init__(
        self, api: Callable[[], list[psutil.Process]], postgres: Callable[[], list[psutil.Process]]
    ) -> None:
        self._api, self._postgres = api, postgres
        self._start: tuple[float, float, float, float] | None = None

    def _others(self) -> tuple[float, float]:
        return cpu_seconds(tree(self._api())), cpu_seconds(tree(self._postgres()))

    def start(self) -> None:
        api, postgres = self._others()
        self._start = (api, postgres, time.process_time(), time.perf_counter())

    def stop(self) -> CpuUsage:
        own, wall = time.process_time(), time.perf_counter()
        api, postgres = self._others()
        assert self._start is not None, "stop() without start()"
        api0, postgres0, own0, wall0 = self._start
        return CpuUsage(api - api0, postgres - postgres0, own - own0, wall - wall0)


def _status_kib(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class PeakRss:
    """The peak resident set size of each API process over a window."""

    def __init__(self, processes: Callable[[], list[psutil.Process]]) -> None:
        self._processes = processes

    def reset(self) -> None:
        """Start a new window: "5" in clear_refs resets the kernel's high-water mark."""
        for process in tree(self._processes()):
            with contextlib.suppress(OSError), open(f"/proc/{process.pid}/clear_refs", "w") as f:
                f.write("5")

    def read(self) -> list[int]:
        """Bytes per process, largest first (the current RSS where no high-water mark exists)."""
        peaks = []
        for process in tree(self._processes()):
            kib = _status_kib(process.pid, "VmHWM")
            if kib is not None:
                peaks.append(kib * 1024)
                continue
            with contextlib.suppress(psutil.Error):
                peaks.append(process.memory_info().rss)
        return sorted(peaks, reverse=True)
