"""`ringledger smoke`: the runbook's smoke gates against a running service, in order."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.markup import escape

from ringledger.cli import common
from ringledger.cli.common import console, errors

GATES = ("healthz", "readyz", "login", "escrow prepare", "payout prepare")
_MAX_DETAIL = 200


@dataclass(frozen=True)
class GateResult:
    """How one gate went: its HTTP status (None without an answer) and a short explanation."""

    gate: str
    passed: bool
    status: int | None
    elapsed_ms: float
    detail: str


@dataclass(frozen=True)
class SmokeTarget:
    """Whom to log in as and which bouts the prepare gates use."""

    email: str
    password: str
    escrow_bout: str
    payout_bout: str


Probe = Callable[[httpx.Client], tuple[httpx.Response, str]]


def _explain(response: httpx.Response) -> str:
    """`code: detail` from our error body, or the start of whatever else came back."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:_MAX_DETAIL] or response.reason_phrase
    if isinstance(body, dict) and "code" in body:
        return f"{body['code']}: {str(body.get('detail', ''))[:_MAX_DETAIL]}"
    return json.dumps(body)[:_MAX_DETAIL]


def _run_gate(client: httpx.Client, gate: str, probe: Probe) -> GateResult:
    """Run one probe; a 200 passes, anything else (or no answer at all) fails the gate."""
    started = time.perf_counter()
    try:
        response, summary = probe(client)
    except httpx.HTTPError as error:
        elapsed = (time.perf_counter() - started) * 1000
        return GateResult(gate, False, None, elapsed, f"no answer: {type(error).__name__}")
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        return GateResult(gate, False, response.status_code, elapsed, _explain(response))
    return GateResult(gate, True, 200, elapsed, summary)


def _probes(target: SmokeTarget, token: dict[str, str]) -> list[tuple[str, Probe]]:
    """The five gates; login stores the token the prepare gates then send."""

    def healthz(client: httpx.Client) -> tuple[httpx.Response, str]:
        return client.get("/healthz"), "process alive"

    def readyz(client: httpx.Client) -> tuple[httpx.Response, str]:
        response = client.get("/readyz")
        return response, f"database ok, schema at {_field(response, 'migrations')}"

    def login(client: httpx.Client) -> tuple[httpx.Response, str]:
        response = client.post(
            "/auth/login", json={"email": target.email, "password": target.password}
        )
        token["value"] = str(_field(response, "access_token") or "")
        return response, f"signed in as {target.email}"

    def prepare(bout: str, phase: str) -> Probe:
        def run(client: httpx.Client) -> tuple[httpx.Response, str]:
            response = client.post(
                f"/bouts/{bout}/{phase}/prepare",
                headers={"Authorization": f"Bearer {token.get('value', '')}"},
            )
            return response, _prepared(response)

        return run

    return [
        ("healthz", healthz),
        ("readyz", readyz),
        ("login", login),
        ("escrow prepare", prepare(target.escrow_bout, "escrows")),
        ("payout prepare", prepare(target.payout_bout, "payouts")),
    ]


def _field(response: httpx.Response, name: str) -> Any:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get(name) if isinstance(body, dict) else None


def _prepared(response: httpx.Response) -> str:
    items = _field(response, "escrows") or []
    modes = sorted({item["xaman_sign_request"]["mode"] for item in items if isinstance(item, dict)})
    return f"{len(items)} sign request(s), mode {', '.join(modes) or '-'}"


def run_gates(client: httpx.Client, target: SmokeTarget) -> list[GateResult]:
    """Run the gates in order and stop at the first that fails."""
    results: list[GateResult] = []
    for gate, probe in _probes(target, {}):
        results.append(_run_gate(client, gate, probe))
        if not results[-1].passed:
            break
    return results


def _show(result: GateResult) -> None:
    mark = "[green]✓[/green]" if result.passed else "[red]✗[/red]"
    status = result.status if result.status is not None else "---"
    common.wide_console().print(
        f"{mark} {result.gate:<15} {status}  {result.elapsed_ms:7.1f} ms  {escape(result.detail)}",
        highlight=False,
    )


def _report(base_url: str, results: list[GateResult]) -> dict[str, Any]:
    failed = next((result.gate for result in results if not result.passed), None)
    return {
        "command": "ringledger smoke",
        "base_url": base_url,
        "finished_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "passed": failed is None,
        "failed_gate": failed,
        "gates": [asdict(result) for result in results],
    }


def smoke(
    base_url: Annotated[str, typer.Option(help="Where the service answers, e.g. https://…")],
    email: Annotated[str, typer.Option(help="A promoter that owns both bouts.")],
    escrow_bout: Annotated[uuid.UUID, typer.Option(help="A draft bout of that promoter.")],
    payout_bout: Annotated[
        uuid.UUID, typer.Option(help="A bout of that promoter with its result entered.")
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="Also write the results as JSON (for the evidence).")
    ] = None,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds per request.")] = 15.0,
) -> None:
    """Run the smoke gates: healthz, readyz, login, escrow prepare, payout prepare.

    Stops at the first gate that fails, names it and exits 1.
    """
    if password_stdin:
        password = common.read_secret_from_stdin()
    else:
        password = typer.prompt("Password", hide_input=True)
    target = SmokeTarget(email, password, str(escrow_bout), str(payout_bout))
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout) as client:
        results = run_gates(client, target)
    for result in results:
        _show(result)
    summary = _report(base_url, results)
    if report is not None:
        report.write_text(json.dumps(summary, indent=2) + "\n")
    if summary["failed_gate"] is not None:
        errors.print(f"[red]smoke failed at gate: {summary['failed_gate']}[/red]")
        raise typer.Exit(common.EXIT_FAILED)
    console.print(f"[green]smoke passed: {len(results)}/{len(GATES)} gates[/green]")
