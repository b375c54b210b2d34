"""`ringledger evidence`: the API's evidence document plus the runbook's checklist drawn from it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.markup import escape
from sqlalchemy.engine import URL

from ringledger.cli import common
from ringledger.cli.common import console, errors
from ringledger.core.config import Settings
from ringledger.core.responses import dumps
from ringledger.evidence import document as evidence_service
from ringledger.settlement import (
    claims,
    creation,
    follow_through,
    observed,
    payouts,
    result,
    withdraw,
)

# The route behind each audited action (the evidence checklist asks for the failing path).
ROUTES: dict[str, str | None] = {
    creation.PREPARE: "POST /bouts/{bout_id}/escrows/prepare",
    creation.CONFIRM: "POST /bouts/{bout_id}/escrows/confirm",
    result.ACTION: "POST /bouts/{bout_id}/result",
    withdraw.ACTION: "POST /bouts/{bout_id}/withdraw",
    payouts.PREPARE: "POST /bouts/{bout_id}/payouts/prepare",
    payouts.CONFIRM: "POST /bouts/{bout_id}/payouts/confirm",
    "signing.escrow_create.reconcile": "POST /bouts/{bout_id}/escrows/signing/reconcile",
    "signing.payout.reconcile": "POST /bouts/{bout_id}/payouts/signing/reconcile",
    claims.ACTION: "POST /bouts/{bout_id}/escrows/{escrow_kind}/claim",
    # Moves the worker recorded from the ledger: no request behind them.
    observed.ACTION: None,
    follow_through.CLAIM_ACTION: None,
}
# What the runbook says to do next, per failure code.
REMEDIATION = {
    "xaman_unavailable": "Check XAMAN_MODE and the Xaman credentials (ringledger check-config), "
    "confirm Xaman answers, then retry; the lifecycle state did not change.",
    "state_conflict": "Re-check the bout and escrow states (ringledger audit BOUT_ID) against "
    "docs/state-machines.md before any retry.",
    "signing_declined": "Ask the promoter for a new signing action: prepare again, sign again.",
    "signing_expired": "Prepare again for a new sign request, then reconcile it.",
    "confirmation_timeout": "Retry the confirm later with validated ledger evidence, under a "
    "new Idempotency-Key.",
    "ledger_tec_tem": "No automatic retry: investigate why the ledger rejected the transaction.",
    "invalid_confirmation": "Reject the evidence and rebuild it from a fresh prepare.",
    "anomaly": "Money moved on the ledger in a way the outcome did not allow: follow the "
    "runbook's 'escrow moved on the ledger outside the service' procedure.",
}
CONFIRM_FAILURES = frozenset(
    {"signing_declined", "confirmation_timeout", "ledger_tec_tem", "invalid_confirmation"}
)


def http_status(entry: dict[str, Any]) -> int:
    """The status the request behind an audit row answered with."""
    if entry["outcome"] == "xaman_unavailable":
        return 502
    if entry["failure_code"] == "state_conflict":
        return 409
    if entry["outcome"] == "rejected" and entry["failure_code"] in CONFIRM_FAILURES:
        return 422
    return 200


def incident(entry: dict[str, Any], bout_id: str) -> dict[str, Any]:
    """One checklist line: request, status, actor, identifiers, message, codes, next step."""
    details = entry["details"]
    code = entry["failure_code"] or entry["outcome"]
    route = ROUTES.get(entry["action"])
    if route is not None:
        route = route.replace("{escrow_kind}", str(details.get("escrow_kind")))
    by_system = entry["actor_role"] == "system"
    return {
        "audit_id": entry["id"],
        "at": entry["at"],
        "request": None if route is None or by_system else route.format(bout_id=bout_id),
        "status_code": http_status(entry),
        "actor_role": entry["actor_role"],
        "actor_user_id": entry["actor_user_id"],
        "bout_id": bout_id,
        "entity_type": entry["entity_type"],
        "entity_id": entry["entity_id"],
        "escrow_kind": details.get("escrow_kind"),
        "payload_id": details.get("payload_id"),
        "message": details.get("reason"),
        "failure_code": entry["failure_code"],
        "failure_reason": details.get("reason"),
        "remediation": REMEDIATION.get(code),
    }


def _replay(record: dict[str, Any]) -> dict[str, Any]:
    status = record["stored_status"]
    return {
        **record,
        "replay_outcome": (
            f"the same key with the same body returns the stored {status} byte for byte; "
            "another body gets 409 idempotency_key_reused"
        ),
    }


def checklist(document: dict[str, Any], verification: Any) -> dict[str, Any]:
    """The runbook's evidence checklist, item by item, drawn from the evidence document."""
    bout_id = str(document["bout"]["bout_id"])
    flagged = [
        entry
        for entry in document["audit"]
        if entry["failure_code"] or entry["outcome"] in ("rejected", "xaman_unavailable", "anomaly")
    ]
    return {
        "incidents": [incident(entry, bout_id) for entry in flagged],
        "idempotency": [_replay(record) for record in document["idempotency"]],
        "xaman": {
            "mode": document["runtime"]["xaman_mode"],
            "payload_ids": [item["payload_id"] for item in document["signing_attempts"]],
        },
        "escrow_failures": [
            {key: escrow[key] for key in ("escrow_id", "escrow_kind", "status", "failure_code")}
            | {"failure_reason": escrow["failure_reason"]}
            for escrow in document["bout"]["escrows"]
            if escrow["failure_code"]
        ],
        "verification": verification,
    }


async def collect(url: URL, bout_id: uuid.UUID, settings: Settings) -> dict[str, Any] | None:
    """The evidence document exactly as GET /bouts/{id}/evidence returns it; None if no bout."""
    async with common.unit_of_work(url) as tx:
        document = await evidence_service.collect(tx.conn, bout_id=bout_id, settings=settings)
    # As the API serves it: JSON types only.
    return orjson.loads(dumps(document)) if document is not None else None


def _verification(path: Path | None) -> Any:
    if path is None:
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        errors.print(f"[red]cannot read {path}: {escape(str(error))}[/red]")
        raise typer.Exit(common.EXIT_FAILED) from error


def evidence(
    bout_id: Annotated[uuid.UUID, typer.Argument(help="The bout of the incident.")],
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
    verification: Annotated[
        Path | None,
        typer.Option(help="A `ringledger smoke --report` file to attach as the verification."),
    ] = None,
) -> None:
    """Print the incident evidence of a bout (as GET /bouts/{id}/evidence, plus the checklist)."""
    attached = _verification(verification)
    settings = common.load_settings()
    url = common.ready_database(settings)
    document = common.run_async(lambda: collect(url, bout_id, settings))
    if document is None:
        raise common.not_found(f"bout {bout_id}")
    document["checklist"] = checklist(document, attached)
    text = json.dumps(document, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text)
    console.print(
        f"evidence of bout {bout_id} written to {out}: {len(document['audit'])} audit entries, "
        f"{len(document['checklist']['incidents'])} incident(s), "
        f"{len(document['signing_attempts'])} sign request(s)"
    )
