"""/bouts/{id}/audit and /bouts/{id}/evidence."""

from __future__ import annotations

from fastapi import APIRouter

from ringledger.audit import evidence
from ringledger.audit.schemas import AuditEntryOut, EvidenceOut
from ringledger.bouts.deps import AdminBout, AuditBout
from ringledger.core.deps import SessionDep, SettingsDep
from ringledger.core.openapi import errors

router = APIRouter(prefix="/bouts/{bout_id}", tags=["audit"])


@router.get("/audit", operation_id="getAudit", responses=errors(401, 403, 404, 422))
async def get_audit(bout: AuditBout, session: SessionDep) -> list[AuditEntryOut]:
    """The bout's audit trail, oldest first (admin or the owning promoter)."""
    return await evidence.trail(session, bout=bout)


@router.get("/evidence", operation_id="getEvidence", responses=errors(401, 403, 404, 422))
async def get_evidence(bout: AdminBout, session: SessionDep, settings: SettingsDep) -> EvidenceOut:
    """Everything the runbook's evidence checklist asks for, as one document (admin)."""
    return await evidence.collect(session, bout=bout, settings=settings)
