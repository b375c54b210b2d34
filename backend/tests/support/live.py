"""A real `ringledger serve` in a child process (several workers), for tests that need real
concurrent HTTP requests against the database the rest of the suite uses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy.engine import URL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(
    database: URL,
    data_dir: Path,
    *,
    workers: int = 2,
    arguments: tuple[str, ...] = (),
    **env: str,
) -> Iterator[str]:
    """Start the service on a free port; yield its base URL; stop it (and its workers).

    `arguments` go to `ringledger serve` after the port and worker count.
    """
    port = free_port()
    environment = {
        **os.environ,
        "RINGLEDGER_ENV": "test",
        "DATABASE_URL": database.render_as_string(hide_password=False),
        "RINGLEDGER_DATA_DIR": str(data_dir),
        "RINGLEDGER_PASSWORD_HASHING": "fast",
        "RINGLEDGER_WEB_DIR": str(data_dir / "no-console"),
        "RINGLEDGER_LOG_LEVEL": "WARNING",
        "RINGLEDGER_REGISTER_MAX_PER_CLIENT": "1000000",
        **env,
    }
    log = (data_dir / f"server-{port}.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ringledger.cli.main",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            *arguments,
        ],
        env=environment,
        # Not the caller's directory: `python -m` puts it first on sys.path, where a checkout's
        # `ringledger` would shadow the code PYTHONPATH names (the rollback drill's release).
        cwd=data_dir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base_url, process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_ready(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not become ready in 30 s")
