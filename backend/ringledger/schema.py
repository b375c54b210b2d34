"""Every model module, so `Base.metadata` describes the whole schema (Alembic, tests)."""

from ringledger.audit import models as audit_models
from ringledger.auth import models as auth_models
from ringledger.bouts import models as bout_models
from ringledger.core.models import Base
from ringledger.fighters import models as fighter_models
from ringledger.idempotency import models as idempotency_models
from ringledger.signing import models as signing_models

__all__ = [
    "Base",
    "audit_models",
    "auth_models",
    "bout_models",
    "fighter_models",
    "idempotency_models",
    "signing_models",
]
