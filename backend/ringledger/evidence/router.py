"""/bouts/{id}/audit and /bouts/{id}/evidence."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from ringledger.bouts.deps import AdminBout, AuditBout
from ringledger.bouts.errors import BoutNotFound
from ringledger.core.deps import settings_of
from ringledger.core.json_body import api_router
from ringledger.core.openapi import errors
from ringledger.core.responses import json_response
from ringledger.evidence import document as evidence
from ringledger.evidence.schemas import AuditEntryOut, EvidenceOut

router = api_router(prefix="/bouts/{bout_id}", tags=["audit"])


@router.get(
    "/audit",
    operation_id="getAudit",
    response_model=list[AuditEntryOut],
    responses=errors(401, 403, 404, 422),
)
async def get_audit(access: AuditBout) -> Response:
    """The bout's audit trail, oldest first (admin or the owning promoter)."""
    return json_response(await evidence.trail(access.unit.conn, bout_id=access.bout_id))


@router.get(
    "/evidence",
    operation_id="getEvidence",
    response_model=EvidenceOut,
    responses=errors(401, 403, 404, 422),
)
async def get_evidence(access: AdminBout, request: Request) -> Response:
    """Everything the runbook's evidence checklist asks for, as one document (admin)."""
    document = await evidence.collect(
        access.unit.conn, bout_id=access.bout_id, settings=settings_of(request)
    )
    if document is None:
        raise BoutNotFound("No such bout.")
    return json_response(document)
