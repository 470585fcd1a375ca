"""The live event stream (Server-Sent Events), filtered by what the caller's role may see."""

# No `from __future__ import annotations`: FastAPI reads the Annotated aliases at run time.

from collections.abc import AsyncIterator, Callable

from fastapi import APIRouter
from fastapi.sse import EventSourceResponse, ServerSentEvent

from ivr.api.auth import Principal
from ivr.api.deps import Ctx, StreamWho
from ivr.api.errors import AUTH
from ivr.api.settings import Role
from ivr.api.stream import Message

router = APIRouter(tags=["stream"])


def visible_to(p: Principal) -> Callable[[Message], bool]:
    if p.role is Role.SUPERVISOR:
        return lambda m: True
    if p.role is Role.SEAT:
        return lambda m: (
            m.kind in ("queue", "alarm")
            or (m.kind in ("seat", "offer") and m.data.get("seat_id") == p.seat_id)
        )
    return lambda m: m.kind in ("queue", "alarm", "centre")


@router.get("/api/events", response_class=EventSourceResponse, responses={**AUTH})
async def events(ctx: Ctx, p: StreamWho) -> AsyncIterator[ServerSentEvent]:
    """Server-Sent Events: ``queue``, ``centre``, ``alarm`` for everyone; ``seat`` and ``offer`` (the
    screen pop) for the seat itself and supervisors; ``call`` and ``call_ended`` for
    supervisors. Starts with a ``hello`` event."""
    bus = ctx.hub.bus
    sub = bus.subscribe(visible_to(p))
    yield ServerSentEvent(
        event="hello", data={"name": p.name, "role": p.role.value, "now": ctx.clock.now()}
    )
    async for message in bus.messages(sub):
        yield ServerSentEvent(event=message.kind, data=message.data)
