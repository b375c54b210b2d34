"""Several live servers at once, and the processes behind one of them.

Starting servers one after the other costs a full start-up each; `live_servers` starts them
side by side. `serve_processes` finds the `ringledger serve` process of a live server (and its
uvicorn workers) among this test process's children, so a test can kill it the hard way.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

import psutil
from sqlalchemy.engine import URL

from tests.support.live import live_server


@contextmanager
def live_servers(
    database: URL, data_dir: Path, *, count: int, workers: int = 1, **env: str
) -> Iterator[list[str]]:
    """Start `count` independent servers on one database; yield their base URLs."""
    servers = [live_server(database, data_dir, workers=workers, **env) for _ in range(count)]
    with ThreadPoolExecutor(max_workers=count) as pool:
        started = [pool.submit(server.__enter__) for server in servers]
        try:
            yield [future.result() for future in started]
        finally:
            # Each shutdown waits for its server to drain; let them drain side by side.
            stops = [
                pool.submit(server.__exit__, None, None, None)
                for server, future in zip(servers, started, strict=True)
                if future.exception() is None
            ]
            for stop in stops:
                stop.result()


def serve_processes(base_url: str) -> list[psutil.Process]:
    """The `serve` process listening at `base_url` and every process under it."""
    port = str(urlsplit(base_url).port)
    for child in psutil.Process().children():
        try:
            command = child.cmdline()
        except psutil.NoSuchProcess:
            continue
        if "serve" in command and port in command:
            return [child, *child.children(recursive=True)]
    raise LookupError(f"no serve process of this test listens at {base_url}")


def kill_hard(processes: list[psutil.Process]) -> None:
    """SIGKILL every process at once (no shutdown handler runs) and wait until they are gone."""
    for process in processes:
        with suppress(psutil.NoSuchProcess):
            process.kill()
    _, alive = psutil.wait_procs(processes, timeout=10)
    assert alive == [], f"still running after SIGKILL: {alive}"
