"""The queues now, one by one and the whole centre."""

# No `from __future__ import annotations`: FastAPI reads the Annotated aliases at run time.

from fastapi import APIRouter

from ivr.api.auth import Right
from ivr.api.context import need
from ivr.api.deps import Ctx, Who
from ivr.api.errors import AUTH, ERR, ApiError
from ivr.api.schemas import CentreOut, QueueOut

router = APIRouter(tags=["queues"])


@router.get("/api/queues", response_model=list[QueueOut], responses=AUTH)
async def queues(ctx: Ctx, p: Who) -> list[QueueOut]:
    """Every queue now: waiting, longest wait, seats open and by state, service level and
    connection rate today and this 15-minute interval, alarm level."""
    need(p, Right.READ_QUEUES)
    now = ctx.clock.now()
    return [QueueOut.of(q, now) for q in ctx.floor.queues()]


@router.get("/api/centre", response_model=CentreOut, responses=AUTH)
async def centre(ctx: Ctx, p: Who) -> CentreOut:
    """The whole centre now: waiting, calls, seats by state, the centre-wide alarm, and
    today's and this interval's counts (journeys counted once)."""
    need(p, Right.READ_QUEUES)
    return CentreOut.of(ctx.floor.centre_now(), ctx.clock.now())


@router.get("/api/queues/{name}", response_model=QueueOut, responses={**AUTH, 404: ERR})
async def queue(ctx: Ctx, p: Who, name: str) -> QueueOut:
    need(p, Right.READ_QUEUES)
    floor = ctx.floor
    if not floor.has_queue(name):
        raise ApiError(
            404,
            "api-unknown-queue",
            f"no queue '{name}'; queues are: {', '.join(floor.queue_names())}",
        )
    return QueueOut.of(floor.queue(name), ctx.clock.now())
