"""Signing attempts: issuing sign requests and recording what became of them.

This package knows sign requests, not bouts: recording an outcome updates the attempt and its
audit row, and tells the caller (the lifecycle, which holds the bout lock) whether the attempt
is its escrow's newest and what failure, if any, the escrow should show. It never changes an
escrow's or a bout's status.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from ringledger.audit import service as audit
from ringledger.audit.service import Actor
from ringledger.core.db import Tx
from ringledger.core.errors import NotFound
from ringledger.core.metrics import OUTSIDE_CALLS
from ringledger.core.timeutil import iso_utc
from ringledger.signing import queries
from ringledger.signing.interface import (
    PayloadOutcome,
    SigningService,
    SigningUnavailable,
    SignRequest,
)
from ringledger.signing.models import SigningPhase, SigningStatus
from ringledger.signing.queries import AttemptRow, NewAttempt

_FAILURE_FOR = {
    SigningStatus.DECLINED: ("signing_declined", "The promoter declined the sign request."),
    SigningStatus.EXPIRED: ("signing_expired", "The sign request expired unsigned."),
}
SIGNING_FAILURES = frozenset(code for code, _ in _FAILURE_FOR.values())
_SETTLED = frozenset(
    {SigningStatus.SIGNED, SigningStatus.DECLINED, SigningStatus.EXPIRED, SigningStatus.SUPERSEDED}
)
SUPERSEDED_REASON = "withdrawn when a newer sign request of the same escrow was prepared"
_UNSETTLED = frozenset({SigningStatus.OPEN, SigningStatus.UNKNOWN})


class PayloadNotFound(NotFound):
    code = "payload_not_found"


@dataclass(frozen=True)
class Draft:
    """One transaction to put in front of the signer."""

    escrow_id: uuid.UUID
    escrow_kind: str
    signer: str  # the only account that may sign it: the escrows' owner, the promoter
    txjson: dict[str, Any]
    instruction: str


@dataclass(frozen=True)
class Issued:
    draft: Draft
    request: SignRequest
    identifier: str


@dataclass(frozen=True)
class Recorded:
    """A new outcome stored on an attempt, and what it means for the attempt's escrow."""

    newest: bool  # the escrow's newest attempt of its phase: only that one marks the escrow
    status: SigningStatus
    failure: tuple[str, str] | None  # (failure_code, reason) the escrow should show


def sign_request_out(request: SignRequest) -> dict[str, Any]:
    """A sign request as the API answers it (`xaman_sign_request`)."""
    return {
        "payload_id": request.payload_id,
        "deep_link_url": request.deep_link_url,
        "qr_png_url": request.qr_png_url,
        "websocket_status_url": request.websocket_status_url,
        "expires_at": iso_utc(request.expires_at),
        "mode": request.mode,
    }


async def issue(
    signing: SigningService, *, drafts: list[Draft], expire_minutes: int
) -> list[Issued]:
    """Create a sign request per draft; if one fails, withdraw the ones already created."""
    issued: list[Issued] = []
    try:
        for draft in drafts:
            identifier = uuid.uuid4().hex
            request = await signing.create(
                txjson=draft.txjson,
                identifier=identifier,
                instruction=draft.instruction,
                expire_minutes=expire_minutes,
                signer=draft.signer,
            )
            issued.append(Issued(draft, request, identifier))
    except Exception:
        for item in issued:
            await _withdraw(signing, item.request.payload_id)
        raise
    return issued


def record_attempts(
    tx: Tx, *, bout_id: uuid.UUID, phase: SigningPhase, issued: list[Issued], actor: Actor
) -> None:
    """Store one attempt per issued sign request, each with an audit row."""
    ids = queries.insert(
        tx,
        bout_id=bout_id,
        phase=phase,
        attempts=[
            NewAttempt(
                escrow_id=item.draft.escrow_id,
                mode=item.request.mode,
                payload_id=item.request.payload_id,
                identifier=item.identifier,
                deep_link_url=item.request.deep_link_url,
                qr_png_url=item.request.qr_png_url,
                websocket_status_url=item.request.websocket_status_url,
                expires_at=item.request.expires_at,
            )
            for item in issued
        ],
    )
    for attempt_id, item in zip(ids, issued, strict=True):
        audit.record(
            tx,
            actor=actor,
            action=f"signing.{phase.value}.request",
            entity_type="signing_attempt",
            entity_id=attempt_id,
            bout_id=bout_id,
            outcome="issued",
            details={
                "escrow_kind": item.draft.escrow_kind,
                "payload_id": item.request.payload_id,
                "mode": item.request.mode,
            },
        )


@dataclass(frozen=True)
class Superseding:
    """What became of the earlier requests a prepare replaces."""

    # Open in the signer's wallet (it cannot be withdrawn) or signed meanwhile, with what the
    # signing side said of each: they make the prepare refuse.
    held: list[tuple[AttemptRow, PayloadOutcome]]
    # Withdrawn for good: to be recorded `superseded` under the bout's lock.
    withdrawn: list[AttemptRow]


async def supersede(
    signing: SigningService,
    *,
    phase: SigningPhase,
    escrow_ids: list[uuid.UUID],
    earlier: list[AttemptRow],
) -> Superseding:
    """Withdraw the earlier open sign requests of these escrows that the ones just issued
    replace: those of the same phase, and, when payouts are prepared, an escrow's EscrowCreate
    requests (moot once its payouts are prepared). A fighter's claim and the promoter's payout
    are left alone by each other: two signed finishes of one escrow cannot both succeed.

    A failure of the signing side while withdrawing is ignored (the request then expires on its
    own and stays recorded open): only an answer that says the signer holds it counts.
    """
    wanted = set(escrow_ids)
    done = Superseding(held=[], withdrawn=[])
    for attempt in earlier:
        if attempt.escrow_id not in wanted or attempt.status != SigningStatus.OPEN:
            continue
        replaced = attempt.phase == phase or (
            phase == SigningPhase.PAYOUT and attempt.phase == SigningPhase.ESCROW_CREATE
        )
        if not replaced:
            continue
        try:
            outcome = await signing.withdraw(payload_id=attempt.payload_id)
        except SigningUnavailable:
            OUTSIDE_CALLS.labels("xaman", "cancel", "ignored_failure").inc()
            continue
        if outcome.status in (SigningStatus.OPEN, SigningStatus.SIGNED):
            if attempt.phase == phase:
                done.held.append((attempt, outcome))
            continue
        done.withdrawn.append(attempt)
    return done


def record_superseded(
    tx: Tx, *, attempt: AttemptRow, newest: bool, escrow_kind: str, actor: Actor
) -> None:
    """Record that a still-open request was withdrawn because a newer prepare replaced it (with
    the bout locked and the attempt re-read under the lock)."""
    if attempt.status != SigningStatus.OPEN:
        return  # a reconcile or the webhook recorded its end meanwhile
    outcome = PayloadOutcome(status=SigningStatus.SUPERSEDED, reason=SUPERSEDED_REASON)
    record(
        tx, attempt=attempt, newest=newest, escrow_kind=escrow_kind, outcome=outcome, actor=actor
    )


async def withdraw_issued(signing: SigningService, issued: list[Issued]) -> None:
    """Withdraw sign requests just issued that will not be stored (best effort)."""
    for item in issued:
        await _withdraw(signing, item.request.payload_id)


async def _withdraw(signing: SigningService, payload_id: str) -> None:
    try:
        await signing.cancel(payload_id=payload_id)
    except Exception:  # withdrawing is a courtesy: the newer request is what counts
        OUTSIDE_CALLS.labels("xaman", "cancel", "ignored_failure").inc()


def require_attempt(attempt: AttemptRow | None, *, escrow_kind: str) -> AttemptRow:
    """The attempt the service issued for this escrow and phase (404 payload_not_found else)."""
    if attempt is None:
        raise PayloadNotFound(
            f"No sign request with this payload id was issued for the {escrow_kind} escrow."
        )
    return attempt


def record(
    tx: Tx,
    *,
    attempt: AttemptRow,
    newest: bool,
    escrow_kind: str,
    outcome: PayloadOutcome,
    actor: Actor,
) -> Recorded | None:
    """Record a new outcome on the attempt, with its audit row; None when nothing changed.

    A recorded signed, declined or expired is never overwritten by a later open or unknown
    (Xaman forgets payloads after a while), and a recorded signature is final: a later report
    of another status or another transaction cannot erase it (the transaction may be on the
    ledger). Call it with the bout locked, with the attempt as read under the lock
    (`queries.current`), which also says whether it is the newest.
    """
    if attempt.status == outcome.status and attempt.tx_hash == (outcome.tx_hash or attempt.tx_hash):
        return None
    if attempt.status == SigningStatus.SUPERSEDED:
        return None  # withdrawn for good by the service itself: nobody can sign it any more
    if attempt.status in _SETTLED and outcome.status in _UNSETTLED:
        return None
    if attempt.status == SigningStatus.SIGNED and (
        outcome.status != SigningStatus.SIGNED
        or (attempt.tx_hash is not None and outcome.tx_hash not in (None, attempt.tx_hash))
    ):
        return None
    attempt.status = outcome.status
    attempt.tx_hash = outcome.tx_hash or attempt.tx_hash
    attempt.status_reason = (outcome.reason or "")[:500] or None
    if outcome.status == SigningStatus.SIGNED:
        attempt.signed_at = tx.now  # the follow-through gives up some time after this
    queries.save(tx, attempt)
    failure = _FAILURE_FOR.get(outcome.status)
    audit.record(
        tx,
        actor=actor,
        action=f"signing.{attempt.phase.value}.reconcile",
        entity_type="signing_attempt",
        entity_id=attempt.id,
        bout_id=attempt.bout_id,
        outcome=outcome.status.value,
        failure_code=failure[0] if failure else None,
        details={
            "escrow_kind": escrow_kind,
            "payload_id": attempt.payload_id,
            "mode": attempt.mode,
            "tx_hash": attempt.tx_hash,
            "reason": attempt.status_reason,
            "latest_attempt": newest,
        },
    )
    return Recorded(newest=newest, status=outcome.status, failure=failure)


def failure_code_of(status: SigningStatus) -> str | None:
    return _FAILURE_FOR.get(status, (None, None))[0]


async def ask_status(
    tx: Tx,
    signing: SigningService,
    *,
    attempt: AttemptRow,
    observed_status: str | None,
    observed_tx_hash: str | None,
    actor: Actor,
    action: str | None = None,
) -> PayloadOutcome:
    """The payload's outcome from the signing side; a Xaman failure is audited, then 502."""
    try:
        return await signing.status(
            payload_id=attempt.payload_id,
            observed_status=observed_status,
            observed_tx_hash=observed_tx_hash,
        )
    except SigningUnavailable as error:
        raise _unavailable(tx, error, attempt=attempt, actor=actor, action=action) from None


async def withdraw_request(
    tx: Tx, signing: SigningService, *, attempt: AttemptRow, actor: Actor, action: str
) -> PayloadOutcome:
    """Withdraw one sign request for good; a failure of the signing side is audited, then 502."""
    try:
        return await signing.withdraw(payload_id=attempt.payload_id)
    except SigningUnavailable as error:
        raise _unavailable(tx, error, attempt=attempt, actor=actor, action=action) from None


def close_withdrawn(
    tx: Tx,
    attempt: AttemptRow,
    newest: bool,
    escrow_kind: str,
    outcome: PayloadOutcome,
    actor: Actor,
) -> None:
    """Record, with its audit row, that a still-open attempt was withdrawn with its bout (what
    the signer last said). Call it with the bout locked and the attempt re-read under the lock.
    """
    if attempt.status != SigningStatus.OPEN:
        return  # a reconcile or the webhook recorded its end meanwhile
    record(
        tx, attempt=attempt, newest=newest, escrow_kind=escrow_kind, outcome=outcome, actor=actor
    )


def _unavailable(
    tx: Tx, error: SigningUnavailable, *, attempt: AttemptRow, actor: Actor, action: str | None
) -> SigningUnavailable:
    """Audit that the signing side failed us about `attempt`; the 502 to raise keeps the row."""
    audit.record(
        tx,
        actor=actor,
        action=action or f"signing.{attempt.phase.value}.reconcile",
        entity_type="signing_attempt",
        entity_id=attempt.id,
        bout_id=attempt.bout_id,
        outcome="xaman_unavailable",
        details={"payload_id": attempt.payload_id, "reason": error.detail},
    )
    error.keep_changes = True
    return error
