"""The package layering, read from the source: `core` knows no domain, `audit` and
`idempotency` know nothing above `core`; the outside systems (`signing`, `ledger`) never reach
into the bout (`bouts`) or its settlement (`settlement`) that call them; the evidence document
sits above every domain it reads; the HTTP server (`serving`) knows only `core`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_db

PACKAGE = Path(__file__).resolve().parents[2] / "ringledger"
DOMAINS = {
    "audit",
    "auth",
    "bouts",
    "evidence",
    "fighters",
    "idempotency",
    "issued",
    "ledger",
    "settlement",
    "signing",
    "cli",
    "web",
}
TOP = {"cli", "main", "schema"}
# package -> the ringledger packages it must never import: each package only reaches down.
FORBIDDEN = {
    "core": DOMAINS | TOP | {"serving"},
    # The HTTP server knows the application only by its import string.
    "serving": DOMAINS | TOP,
    "audit": DOMAINS - {"audit"} | TOP,
    "idempotency": DOMAINS - {"idempotency"} | TOP,
    "signing": {"bouts", "settlement", "evidence", "issued"} | TOP,
    "ledger": {"bouts", "settlement", "evidence", "signing", "issued"} | TOP,
    "bouts": {"settlement", "evidence", "issued"} | TOP,
    "issued": {"settlement", "evidence"} | TOP,
    "settlement": {"evidence"} | TOP,
    "evidence": TOP,
}


def imported_packages(path: Path) -> set[str]:
    """The first component below `ringledger` of every module `path` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found.update(
            name.split(".")[1]
            for name in names
            if name.startswith("ringledger.") and len(name.split(".")) > 1
        )
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_it_may(package: str) -> None:
    offences = [
        f"{path.relative_to(PACKAGE)} imports ringledger.{name}"
        for path in sorted((PACKAGE / package).rglob("*.py"))
        for name in imported_packages(path) & FORBIDDEN[package]
    ]
    assert offences == []


def test_the_reader_sees_imports() -> None:
    """The check would find an offence (it is not vacuous)."""
    settlement_imports = set()
    for path in (PACKAGE / "settlement").rglob("*.py"):
        settlement_imports |= imported_packages(path)
    assert {"core", "bouts", "signing", "ledger", "audit"} <= settlement_imports
