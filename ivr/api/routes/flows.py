"""Reloading the flow files: validated first, swapped in only if every file is sound."""

# No `from __future__ import annotations`: FastAPI reads the Annotated aliases at run time.

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ivr.api.auth import Right
from ivr.api.context import need
from ivr.api.deps import Ctx, Who
from ivr.api.errors import AUTH
from ivr.api.schemas import AuditOut, FlowsReloadedOut, ProblemsOut
from ivr.errors import ConfigError, ConfigInvalidError

router = APIRouter(tags=["flows"])


@router.post(
    "/api/flows/reload",
    response_model=FlowsReloadedOut,
    responses={
        **AUTH,
        422: {"model": ProblemsOut, "description": "refused; the running flows stay"},
    },
)
async def reload_flows(ctx: Ctx, p: Who) -> FlowsReloadedOut | JSONResponse:
    """Validate the flow files and swap them in. A broken file is refused with the
    validator's messages, and the running version stays."""
    need(p, Right.RELOAD_FLOWS)
    try:
        version = await ctx.control.reload_flows()
    except ConfigError as exc:
        problems = (
            [str(x) for x in exc.problems] if isinstance(exc, ConfigInvalidError) else [exc.message]
        )
        ctx.record(
            p,
            action="flows_reload",
            target="flows",
            outcome="failed",
            details={"problems": problems},
        )
        details = {k: v for k, v in exc.details.items() if k != "problems"}
        body = ProblemsOut(
            error_id=exc.error_id, message=exc.message, details=details, problems=problems
        )
        return JSONResponse(body.model_dump(), status_code=422)
    entry = ctx.record(
        p, action="flows_reload", target="flows", outcome="ok", details={"version": version}
    )
    ctx.metrics.http_changes.labels("flows_reload").inc()
    return FlowsReloadedOut(version=version, audit=AuditOut.of(entry))
