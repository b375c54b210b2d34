"""The release before the newest migration, checked out from git history for the rollback drill.

A schema rollback in production is: downgrade the schema to the last accepted revision, then run
the release that expects it. The drill does exactly that with real code: the tree of the commit
just before the one that added the head migration, which is the newest code whose own head is
the revision the downgrade lands on.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory

from ringledger.core import migrations

REPOSITORY = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Release:
    commit: str
    backend: Path  # put this on PYTHONPATH to run that release's `ringledger`
    head: str  # that release's migration head: where a rollback to it downgrades to


def _git(*args: str) -> bytes:
    done = subprocess.run(
        ["git", "-C", str(REPOSITORY), *args], capture_output=True, check=False, timeout=60
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"git {' '.join(args)} failed ({done.stderr.decode(errors='replace').strip()}); the "
            "rollback drill needs the repository's history (a clone, not an export; in CI "
            "`fetch-depth: 0`)"
        )
    return done.stdout


def head_migration_file() -> Path:
    script = ScriptDirectory.from_config(migrations.alembic_config())
    revision = script.get_revision(migrations.head_revision())
    assert revision is not None and revision.path is not None
    return Path(revision.path)


def previous_release(into: Path) -> Release:
    """Extract the code that came right before the head migration into `into`."""
    migration = head_migration_file().resolve().relative_to(REPOSITORY)
    added = _git("log", "--diff-filter=A", "--format=%H", "-1", "--", str(migration)).strip()
    if not added:
        raise RuntimeError(f"{migration} is not committed yet: commit it before the drill")
    commit = _git("rev-parse", f"{added.decode()}^").decode().strip()
    archive = _git("archive", "--format=tar", commit, "backend/ringledger")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    scripts = into / "backend" / "ringledger" / "migrations"
    return Release(commit=commit, backend=into / "backend", head=_head_of(scripts))


def _head_of(scripts: Path) -> str:
    heads = ScriptDirectory(str(scripts)).get_heads()
    assert len(heads) == 1, heads
    return heads[0]
