"""The calls now, and a supervisor's transfer of one to another queue or seat."""

# No `from __future__ import annotations`: FastAPI reads the Annotated aliases at run time.

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ivr.api.auth import Right
from ivr.api.context import ApiContext, need
from ivr.api.deps import Ctx, Who
from ivr.api.errors import AUTH, BODY, ERR, ApiError, body_error
from ivr.api.schemas import AuditOut, CallOut, TransferIn, TransferOut
from ivr.model.events import TransferRequested
from ivr.obs.floor_views import CallNow

router = APIRouter(tags=["calls"])


def _call_or_404(ctx: ApiContext, call_id: str) -> CallNow:
    found = ctx.floor.calls.get(call_id)
    if found is None:
        raise ApiError(404, "api-unknown-call", f"no call '{call_id}' is in progress")
    return found


@router.get("/api/calls", response_model=list[CallOut], responses=AUTH)
async def calls(ctx: Ctx, p: Who) -> list[CallOut]:
    """Every call now: menu node, queue and position, seat, and its context (never a password)."""
    need(p, Right.READ_CALLS)
    return [CallOut.of(c, ctx.floor) for c in ctx.floor.calls.values()]


@router.get("/api/calls/{call_id}", response_model=CallOut, responses={**AUTH, 404: ERR})
async def call(ctx: Ctx, p: Who, call_id: str) -> CallOut:
    need(p, Right.READ_CALLS)
    return CallOut.of(_call_or_404(ctx, call_id), ctx.floor)


@router.post(
    "/api/calls/{call_id}/transfer",
    response_model=TransferOut,
    responses={**AUTH, **BODY, 404: ERR, 409: ERR},
)
async def transfer(ctx: Ctx, p: Who, call_id: str, body: TransferIn) -> TransferOut | JSONResponse:
    """A supervisor sends a call to another queue or seat, at top priority (R3)."""
    need(p, Right.TRANSFER)
    floor = ctx.floor
    _call_or_404(ctx, call_id)
    if body.queue is not None and not floor.has_queue(body.queue):
        return body_error(
            ["queue"],
            f"no queue '{body.queue}'; queues are: {', '.join(floor.queue_names())}",
        )
    if body.seat_id is not None and body.seat_id not in floor.seats:
        return body_error(["seat_id"], f"no seat '{body.seat_id}' in the configuration")
    event = TransferRequested(
        call_id=call_id, queue=body.queue, seat_id=body.seat_id, note=body.note, by=p.name
    )
    entry = await ctx.change(
        p,
        action="call_transfer",
        target=call_id,
        details=body.model_dump(),
        allowed=True,
        right=Right.TRANSFER,
        run=lambda: ctx.control.submit(event),
    )
    now = floor.calls.get(call_id)
    return TransferOut(call=CallOut.of(now, floor) if now else None, audit=AuditOut.of(entry))
