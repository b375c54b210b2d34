"""docs/api.md against the code: one `### `METHOD /path`` section per operation of the OpenAPI
document the application builds, and an error table that lists exactly the machine codes the
service can answer with, each with its HTTP status.

Where the codes come from: the `code` of every error class (`RingLedgerError` and its
subclasses), the framework statuses the handlers name (`handlers._HTTP_CODES`), the confirm
failure taxonomy (`FailureCode`, raised as `ConfirmFailed`), and the few string literals the
source passes as a `code` (a `code="…"` argument, a `"code": "…"` entry of an answer body, or the
`code` parameter of a module's own function), found by reading the source.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator, Set
from functools import cache
from pathlib import Path

import pytest

from ringledger.core import handlers
from ringledger.core.config import Settings
from ringledger.core.errors import RingLedgerError
from ringledger.ledger.evidence import FailureCode
from ringledger.main import create_app
from ringledger.settlement.evidence_checks import ConfirmFailed

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "api.md"
PACKAGE = ROOT / "backend" / "ringledger"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
ROUTE_HEADING = re.compile(r"^### `([A-Z]+) (/[^`\s]*)`[ \t]*$", re.MULTILINE)
ERROR_ROW = re.compile(r"^\|\s*(\d{3})\s*\|\s*`([a-z0-9_]+)`\s*\|", re.MULTILINE)
# Other documents link to these headings' anchors: their wording is fixed.
GENERAL_SECTIONS = (
    "Authentication and roles",
    "Errors",
    "The order of refusals: 401, 403, 404",
    "Idempotency",
    "Pagination",
    "Routes",
)
# Codes the source defines that no request can get back, and why. Each must stay defined (else
# drop it here) and must not be in the doc's table.
NEVER_ANSWERED = {
    "conflict": "the base class of the 409s; only its subclasses are raised",
    "upstream_unavailable": "the base class of xaman_unavailable and ledger_unavailable",
    "escrow_not_found": "the class exists, but nothing raises it",
    "unsupported_media_type": "nothing raises a 415: a body that is not JSON is a 422",
    "signing_expired": "a failure code a reconcile records, never an error answer's code",
}


@cache
def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of the doc's `## title` section, up to the next `##` heading."""
    match = re.search(rf"^## {re.escape(title)}[ \t]*\n(.*?)(?=^## |\Z)", doc_text(), re.M | re.S)
    assert match is not None, f"docs/api.md has no '## {title}' section"
    return match.group(1)


@cache
def operations() -> frozenset[tuple[str, str]]:
    """(METHOD, path) of every operation in the OpenAPI document (built without a database)."""
    settings = Settings(RINGLEDGER_ENV="test", XAMAN_MODE="stub", XRPL_MODE="stub")
    document = create_app(settings).openapi()
    return frozenset(
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    )


def documented_routes() -> list[tuple[str, str]]:
    return [(method, path) for method, path in ROUTE_HEADING.findall(doc_text())]


def describe(pairs: Set[tuple[str, str]]) -> str:
    return ", ".join(f"{method} {path}" for method, path in sorted(pairs, key=lambda p: p[::-1]))


def test_the_general_sections_keep_their_headings() -> None:
    headings = re.findall(r"^## (.+?)[ \t]*$", doc_text(), re.MULTILINE)
    missing = [title for title in GENERAL_SECTIONS if title not in headings]
    assert not missing, f"docs/api.md lacks these '##' headings: {missing}"


def test_every_operation_has_exactly_one_section() -> None:
    documented = documented_routes()
    twice = {route for route in documented if documented.count(route) > 1}
    assert not twice, f"docs/api.md documents these routes twice: {describe(twice)}"
    missing = operations() - set(documented)
    unknown = set(documented) - operations()
    problems = []
    if missing:
        problems.append(f"no '### `METHOD /path`' section in docs/api.md for: {describe(missing)}")
    if unknown:
        problems.append(f"docs/api.md documents routes the API does not have: {describe(unknown)}")
    assert not problems, "\n".join(problems)


def test_the_route_sections_are_under_routes() -> None:
    under_routes = set(ROUTE_HEADING.findall(section("Routes")))
    elsewhere = set(documented_routes()) - under_routes
    assert not elsewhere, f"route sections outside '## Routes': {describe(elsewhere)}"


# --- the error table ----------------------------------------------------------------------


def error_classes() -> Iterator[type[RingLedgerError]]:
    """RingLedgerError and every subclass the service defines (the app imports them all)."""
    seen: set[type[RingLedgerError]] = set()
    pending: list[type[RingLedgerError]] = [RingLedgerError]
    while pending:
        cls = pending.pop()
        if cls in seen or not cls.__module__.startswith("ringledger."):
            continue
        seen.add(cls)
        pending.extend(cls.__subclasses__())
        yield cls


def literal_codes(path: Path, statuses: dict[str, int]) -> Iterator[tuple[str, int | None]]:
    """(code, status or None) for each string the module passes as an error code."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    # The module's own functions that take a `code` (and perhaps a `status`) parameter.
    local: dict[str, list[str]] = {
        node.name: [arg.arg for arg in node.args.posonlyargs + node.args.args]
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    in_answers: set[int] = set()  # bodies handed to a call that also names their status
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
        status_code = _integer(keywords.get("status_code"))
        for body in node.args:
            if isinstance(body, ast.Dict) and status_code is not None:
                in_answers.add(id(body))
                yield from ((code, status_code) for code in _dict_codes(body))
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        arguments = {**keywords, **dict(zip(local.get(name, []), node.args, strict=False))}
        code = _text(arguments.get("code"))
        if code is not None:
            # A status passed beside the code, else the status of the error class called.
            yield code, _integer(arguments.get("status")) or statuses.get(name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict) and id(node) not in in_answers:
            yield from ((code, None) for code in _dict_codes(node))


def _dict_codes(node: ast.Dict) -> list[str]:
    codes = []
    for key, value in zip(node.keys, node.values, strict=True):
        code = _text(value)
        if _text(key) == "code" and code is not None:
            codes.append(code)
    return codes


def _text(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _integer(node: ast.AST | None) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


@cache
def defined_codes() -> dict[str, frozenset[int]]:
    """Every machine code the source defines, with the HTTP statuses it is answered with."""
    found: dict[str, set[int]] = defaultdict(set)
    classes = list(error_classes())
    for cls in classes:
        if "code" in vars(cls):
            found[cls.code].add(cls.status)
    for http_status, code in handlers._HTTP_CODES.items():
        found[code].add(http_status)
    for failure in FailureCode:
        found[failure.value].add(ConfirmFailed.status)
    by_name = {cls.__name__: cls.status for cls in classes}
    for path in sorted(PACKAGE.rglob("*.py")):
        for code, literal_status in literal_codes(path, by_name):
            found[code].update({literal_status} if literal_status is not None else set())
    return {code: frozenset(statuses) for code, statuses in found.items()}


def documented_codes() -> list[tuple[int, str]]:
    rows = [(int(number), code) for number, code in ERROR_ROW.findall(section("Errors"))]
    assert rows, "the '## Errors' section of docs/api.md has no '| status | `code` |' table"
    return rows


def test_the_error_table_lists_exactly_the_codes_the_service_answers_with() -> None:
    rows = documented_codes()
    codes = [code for _, code in rows]
    twice = sorted({code for code in codes if codes.count(code) > 1})
    assert not twice, f"the error table of docs/api.md lists these codes twice: {twice}"
    answered = set(defined_codes()) - set(NEVER_ANSWERED)
    missing = sorted(answered - set(codes))
    unknown = sorted(set(codes) - answered)
    problems = []
    if missing:
        problems.append(f"codes the service answers with but docs/api.md omits: {missing}")
    if unknown:
        problems.append(f"codes in docs/api.md that the service never answers with: {unknown}")
    assert not problems, "\n".join(problems)


def test_each_documented_code_has_its_status() -> None:
    wrong = [
        f"{code}: the doc says {status}, the code answers {sorted(defined_codes()[code])}"
        for status, code in documented_codes()
        if defined_codes().get(code) and status not in defined_codes()[code]
    ]
    assert not wrong, "wrong statuses in the error table of docs/api.md:\n" + "\n".join(wrong)


def test_the_codes_never_answered_are_still_defined() -> None:
    stale = sorted(set(NEVER_ANSWERED) - set(defined_codes()))
    assert not stale, f"NEVER_ANSWERED names codes the source no longer defines: {stale}"
