"""`ringledger audit`: a bout's audit trail as a timeline in the terminal."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table
from sqlalchemy.engine import URL

from ringledger.bouts import queries
from ringledger.cli import common
from ringledger.core.responses import dumps
from ringledger.evidence import document as evidence_service

_STYLES = {
    "applied": "green",
    "anomaly": "bold red",
    "issued": "cyan",
    "rejected": "red",
    "xaman_unavailable": "red",
    "declined": "yellow",
    "expired": "yellow",
}
_DETAIL_KEYS = ("payload_id", "tx_hash", "offer_sequence", "submitted_by", "outcome", "mode")


async def load(url: URL, bout_id: uuid.UUID) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The bout's status line facts and its audit entries (oldest first); None if no bout."""
    async with common.unit_of_work(url) as tx:
        bout = await queries.bout_only(tx.conn, bout_id)
        if bout is None:
            return None
        entries = await evidence_service.trail(tx.conn, bout_id=bout_id)
        facts = {
            "status": bout.status.value,
            "outcome": bout.outcome.value if bout.outcome else None,
            "title": bout.title,
        }
        # As the API answers it: JSON types only.
        return facts, orjson.loads(dumps(entries))


def summarise(details: dict[str, Any]) -> str:
    """The few details an operator reads first: the move, the reason, the identifiers."""
    parts = []
    if "from" in details and "to" in details:
        parts.append(f"{details['from']} → {details['to']}")
    if details.get("reason"):
        parts.append(str(details["reason"]))
    parts.extend(f"{key}={details[key]}" for key in _DETAIL_KEYS if details.get(key) is not None)
    return "; ".join(parts)


def timeline(bout_id: uuid.UUID, facts: dict[str, Any], entries: list[dict[str, Any]]) -> Table:
    """One row per audit entry, coloured by outcome."""
    outcome = f", outcome {facts['outcome']}" if facts["outcome"] else ""
    table = Table(title=f"bout {bout_id}: {facts['status']}{outcome}", title_justify="left")
    for name in ("#", "at (UTC)", "actor", "action", "escrow", "outcome", "failure", "details"):
        table.add_column(name, overflow="fold")
    for entry in entries:
        actor = entry["actor_role"]
        if entry["actor_user_id"]:
            actor = f"{actor} {str(entry['actor_user_id'])[:8]}"
        style = _STYLES.get(entry["outcome"])
        table.add_row(
            str(entry["id"]),
            entry["at"][:19].replace("T", " "),
            actor,
            entry["action"],
            entry["details"].get("escrow_kind") or "",
            entry["outcome"],
            entry["failure_code"] or "",
            summarise(entry["details"]),
            style=style,
        )
    return table


def audit(
    bout_id: Annotated[uuid.UUID, typer.Argument(help="The bout whose trail to show.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the entries as GET /bouts/{id}/audit does.")
    ] = False,
) -> None:
    """Show a bout's audit trail, oldest first, as a readable timeline."""
    settings = common.load_settings()
    url = common.ready_database(settings)
    loaded = common.run_async(lambda: load(url, bout_id))
    if loaded is None:
        raise common.not_found(f"bout {bout_id}")
    facts, entries = loaded
    if as_json:
        typer.echo(json.dumps(entries, indent=2))
        return
    output = common.wide_console()
    output.print(timeline(bout_id, facts, entries))
    output.print(f"{len(entries)} entries", highlight=False)
    anomalies = [entry for entry in entries if entry["outcome"] == "anomaly"]
    if anomalies:
        # A move the outcome did not allow is never just one row among many.
        common.errors.print(
            f"[bold red]{len(anomalies)} ledger anomal{'y' if len(anomalies) == 1 else 'ies'}: "
            + "; ".join(
                f"{entry['details'].get('escrow_kind')}: {entry['details'].get('reason')}"
                for entry in anomalies
            )
            + "[/bold red]"
        )
