"""The audit log as the API shows it: the latest changes, newest first."""

# No `from __future__ import annotations`: FastAPI reads the Annotated aliases at run time.

from typing import Annotated

from fastapi import APIRouter, Query

from ivr.api.auth import Right
from ivr.api.context import need
from ivr.api.deps import Ctx, Who
from ivr.api.errors import AUTH
from ivr.api.schemas import AuditOut

router = APIRouter(tags=["audit"])


@router.get("/api/audit", response_model=list[AuditOut], responses=AUTH)
async def audit_log(
    ctx: Ctx, p: Who, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[AuditOut]:
    """The latest changes made through the API, newest first."""
    need(p, Right.READ_AUDIT)
    return [AuditOut.of(e) for e in ctx.audit.recent(limit)]
