"""A real `ringledger serve` in a child process (several workers), for tests that need real
concurrent HTTP requests against the database the rest of the suite uses, or need to stop, kill
and start a server again on the same port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
from sqlalchemy.engine import URL

# Databases the service under test reaches through a connection pooler (PgBouncer in transaction
# mode, tests/support/pgbouncer.py) rather than the way the tests themselves set them up.
_POOLED: dict[str | None, URL] = {}


def serve_through_pooler(database: URL, pooler: URL) -> None:
    """From now on the service under test reaches `database` through `pooler`."""
    _POOLED[database.database] = pooler


def service_environment(database: URL) -> dict[str, str]:
    """The settings by which the service under test reaches `database`."""
    pooler = _POOLED.get(database.database)
    if pooler is None:
        return {"DATABASE_URL": database.render_as_string(hide_password=False)}
    return {
        "DATABASE_URL": pooler.render_as_string(hide_password=False),
        "RINGLEDGER_DB_POOLER": "transaction",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServeProcess:
    """`ringledger serve` on one port, started as often as a test needs.

    `arguments` go to `ringledger serve` after the port and worker count; `env` overrides the
    test environment (stub modes, fast hashing, the run's database).
    """

    def __init__(
        self,
        database: URL,
        data_dir: Path,
        *,
        port: int | None = None,
        workers: int = 2,
        arguments: tuple[str, ...] = (),
        **env: str,
    ) -> None:
        self.port = port or free_port()
        self.data_dir = data_dir
        self.command = [
            sys.executable,
            "-m",
            "ringledger.cli.main",
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            *arguments,
        ]
        self.environment = {
            **os.environ,
            "RINGLEDGER_ENV": "test",
            "RINGLEDGER_DATA_DIR": str(data_dir),
            "RINGLEDGER_PASSWORD_HASHING": "fast",
            "RINGLEDGER_WEB_DIR": str(data_dir / "no-console"),
            "RINGLEDGER_LOG_LEVEL": "WARNING",
            "RINGLEDGER_REGISTER_MAX_PER_CLIENT": "1000000",
            # No load balancer watches a test server: it may stop accepting as soon as told.
            "RINGLEDGER_SHUTDOWN_NOTICE": "0",
            **service_environment(database),
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the server (not waiting for it: see `wait_ready`)."""
        self.starts += 1
        log = (self.data_dir / f"server-{self.port}-{self.starts}.log").open("w")
        self.process = subprocess.Popen(
            self.command,
            env=self.environment,
            # Not the caller's directory: `python -m` puts it first on sys.path, where a
            # checkout's `ringledger` would shadow the code PYTHONPATH names (the rollback
            # drill's release).
            cwd=self.data_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()  # the child has its own copy

    def wait_ready(self, timeout: float = 30) -> None:
        """Wait until `/readyz` answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.running.poll() is not None:
                raise RuntimeError(f"the server exited with {self.running.returncode}")
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not become ready in {timeout} s")

    @property
    def running(self) -> subprocess.Popen[bytes]:
        assert self.process is not None, "the server was never started"
        return self.process

    def processes(self) -> list[psutil.Process]:
        """The serve process and every process under it (its workers)."""
        top = psutil.Process(self.running.pid)
        return [top, *top.children(recursive=True)]

    def signal(self, number: int = signal.SIGTERM) -> None:
        self.running.send_signal(number)

    def wait(self, timeout: float = 30) -> int:
        """Wait for the server to exit; its exit code."""
        return self.running.wait(timeout=timeout)

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout`."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def live_server(
    database: URL,
    data_dir: Path,
    *,
    workers: int = 2,
    arguments: tuple[str, ...] = (),
    **env: str,
) -> Iterator[str]:
    """Start the service on a free port; yield its base URL; stop it (and its workers)."""
    server = ServeProcess(database, data_dir, workers=workers, arguments=arguments, **env)
    server.start()
    try:
        server.wait_ready()
        yield server.base_url
    finally:
        server.stop()
