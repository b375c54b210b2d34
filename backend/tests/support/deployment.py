"""The example configurations of docs/deployment.md, filled in and run: PgBouncer and HAProxy from
Debian's packages, started on free ports for a test and stopped after it.

The examples are read from the document itself (the fenced block whose info string names the
file, e.g. ```ini pgbouncer.ini), so what the document shows is what the tests run.
`./dev test` installs both packages; PGBOUNCER_PATH and HAPROXY_PATH name other binaries.
"""

from __future__ import annotations

import csv
import io
import os
import pwd
import re
import secrets
import shutil
import socket
import string
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from tests.support.live import free_port

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "deployment.md"
_FENCE = re.compile(r"^```\w+ (?P<name>\S+)\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)
POOLED_USER = "ringledger"
POOLED_DATABASE = "ringledger"  # the name clients use; PgBouncer maps it to the real one


def example(name: str) -> str:
    """The text of docs/deployment.md's example configuration `name`."""
    for match in _FENCE.finditer(DOCUMENT.read_text(encoding="utf-8")):
        if match["name"] == name:
            return match["body"]
    raise LookupError(f"docs/deployment.md has no example named {name}")


def render(name: str, **values: object) -> str:
    """The example `name` with every `${…}` filled in (a missing value fails)."""
    return string.Template(example(name)).substitute({key: str(v) for key, v in values.items()})


def binary(name: str, variable: str) -> str:
    """The path of Debian's `name` (or of `$variable`)."""
    path = os.environ.get(variable) or shutil.which(name) or f"/usr/sbin/{name}"
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{name} is not installed: ./dev test installs Debian's {name}")
    return path


def conninfo(database: URL) -> str:
    """`database` as the libpq key/value pairs of PgBouncer's [databases] section."""
    pairs = {
        "host": database.query.get("host") or database.host or "127.0.0.1",
        "port": database.port or 5432,
        "dbname": database.database,
        "user": database.username or "postgres",
        "password": database.password,
    }
    return " ".join(f"{key}={value}" for key, value in pairs.items() if value)


def _run_as(database: URL) -> str | None:
    """Whom PgBouncer runs as: it refuses to run as root, and then needs the user that may
    reach a Unix-socket server (the owner of its socket directory)."""
    if os.geteuid() != 0:
        return None
    socket_dir = database.query.get("host")
    if isinstance(socket_dir, str) and socket_dir.startswith("/"):
        return pwd.getpwuid(Path(socket_dir).stat().st_uid).pw_name
    return "nobody"


def _wait_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}: {log.read_text()[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after 15 s: {log.read_text()[-2000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class PgBouncer:
    url: URL  # what the service connects with: its own user and a fresh password
    pid: int


@contextmanager
def pgbouncer(database: URL) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode in front of `database`, configured as docs/deployment.md
    shows."""
    user = _run_as(database)
    # Its own directory, which the user it runs as can reach (a test's tmp_path may not be).
    workdir = Path(tempfile.mkdtemp(prefix="ringledger-pgbouncer-"))
    port, password = free_port(), secrets.token_urlsafe(24)
    auth_file, ini = workdir / "userlist.txt", workdir / "pgbouncer.ini"
    auth_file.write_text(f'"{POOLED_USER}" "{password}"\n')
    ini.write_text(
        render(
            "pgbouncer.ini",
            DATABASE=conninfo(database),
            LISTEN_ADDR="127.0.0.1",
            LISTEN_PORT=port,
            AUTH_FILE=auth_file,
            LOG_FILE=workdir / "pgbouncer.log",
            PID_FILE=workdir / "pgbouncer.pid",
        )
    )
    if user is not None:
        for path in (workdir, auth_file, ini):
            shutil.chown(path, user)
    command = [binary("pgbouncer", "PGBOUNCER_PATH"), *(["-u", user] if user else []), str(ini)]
    output = workdir / "pgbouncer.out"
    with output.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = URL.create(
        "postgresql+psycopg",
        username=POOLED_USER,
        password=password,
        host="127.0.0.1",
        port=port,
        database=POOLED_DATABASE,
    )
    try:
        _wait_listening(port, process, output)
        yield PgBouncer(url, process.pid)
    finally:
        _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class Balancer:
    """A running HAProxy: its address and what its admin socket says."""

    base_url: str
    stats_socket: Path

    def ask(self, command: str) -> str:
        with socket.socket(socket.AF_UNIX) as admin:
            admin.connect(str(self.stats_socket))
            admin.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := admin.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def servers(self) -> dict[str, dict[str, str]]:
        """`show stat` for each server of the backend, by server name."""
        text = self.ask("show stat").lstrip("# ")
        return {
            row["svname"]: row
            for row in csv.DictReader(io.StringIO(text))
            if row["pxname"] == "instances" and row["svname"] not in ("FRONTEND", "BACKEND")
        }

    def wait_until(self, server: str, status: str, *, timeout: float = 30) -> None:
        """Block until the balancer's check says `server` is `status` (UP, DOWN)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.servers()[server]["status"].startswith(status):
                return
            time.sleep(0.05)
        raise TimeoutError(f"{server} is {self.servers()[server]['status']}, not {status}")


@contextmanager
def haproxy(instances: list[str], workdir: Path) -> Iterator[Balancer]:
    """HAProxy as docs/deployment.md shows, in front of `instances` (`host:port` each)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port, stats = free_port(), workdir / "admin.sock"
    config = workdir / "haproxy.cfg"
    servers = {f"INSTANCE_{number}": address for number, address in enumerate(instances, 1)}
    config.write_text(
        render("haproxy.cfg", LISTEN=f"127.0.0.1:{port}", STATS_SOCKET=stats, **servers)
    )
    output = workdir / "haproxy.out"
    with output.open("wb") as log:
        process = subprocess.Popen(
            [binary("haproxy", "HAPROXY_PATH"), "-db", "-f", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_listening(port, process, output)
        yield Balancer(f"http://127.0.0.1:{port}", stats)
    finally:
        _stop(process)
