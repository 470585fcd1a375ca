"""The seats: read them, and act on one (log in, log out, pause, ready, change its skills).

Every action goes to the engine through the context's audited change; a seat
token may act only on its own seat, a supervisor on any.
"""

# No `from __future__ import annotations`: FastAPI reads the Annotated aliases at run time.

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from ivr.api.auth import Principal, Right
from ivr.api.context import ApiContext, need
from ivr.api.deps import Ctx, Who
from ivr.api.errors import AUTH, BODY, ERR, SEAT, ApiError, body_error
from ivr.api.schemas import AuditOut, PauseIn, SeatActionOut, SeatOut, SkillsIn
from ivr.model.events import SeatLoggedIn, SeatLoggedOut, SeatPaused, SeatReady, SeatSkillsChanged
from ivr.model.facts import SeatState

router = APIRouter(tags=["seats"])

SeatId = Annotated[str, Path(description="the seat's id in skills/")]


def _seat_or_404(ctx: ApiContext, seat_id: str) -> None:
    if seat_id not in ctx.floor.seats:
        raise ApiError(404, "api-unknown-seat", f"no seat '{seat_id}' in the configuration")


async def _act(
    ctx: ApiContext, p: Principal, seat_id: str, action: str, event: object, details: dict[str, Any]
) -> SeatActionOut:
    _seat_or_404(ctx, seat_id)
    entry = await ctx.change(
        p,
        action=action,
        target=seat_id,
        details=details,
        allowed=p.may_act_on(seat_id),
        right=Right.ACT_ON_SEAT,
        run=lambda: ctx.control.submit(event),
    )
    return SeatActionOut(seat=SeatOut.of(ctx.floor.seats[seat_id]), audit=AuditOut.of(entry))


@router.get("/api/seats", response_model=list[SeatOut], responses=AUTH)
async def seats(ctx: Ctx, p: Who) -> list[SeatOut]:
    """Every seat: state and since when, current call, calls answered today."""
    need(p, Right.READ_SEATS)
    return [SeatOut.of(s) for s in ctx.floor.seats.values()]


@router.get("/api/seats/{seat_id}", response_model=SeatOut, responses={**AUTH, 404: ERR})
async def seat(ctx: Ctx, p: Who, seat_id: str) -> SeatOut:
    need(p, Right.READ_SEATS)
    _seat_or_404(ctx, seat_id)
    return SeatOut.of(ctx.floor.seats[seat_id])


@router.post("/api/seats/{seat_id}/login", response_model=SeatActionOut, responses=SEAT)
async def login(ctx: Ctx, p: Who, seat_id: SeatId) -> SeatActionOut:
    return await _act(ctx, p, seat_id, "seat_login", SeatLoggedIn(seat_id=seat_id), {})


@router.post("/api/seats/{seat_id}/logout", response_model=SeatActionOut, responses=SEAT)
async def logout(ctx: Ctx, p: Who, seat_id: SeatId) -> SeatActionOut:
    done = await _act(ctx, p, seat_id, "seat_logout", SeatLoggedOut(seat_id=seat_id), {})
    if done.seat.state is not SeatState.LOGGED_OUT:  # on a call: the routing core waits for it
        done.deferred = "logged out when its call and wrap-up end"
    return done


@router.post("/api/seats/{seat_id}/pause", response_model=SeatActionOut, responses={**SEAT, **BODY})
async def pause(ctx: Ctx, p: Who, seat_id: SeatId, body: PauseIn) -> SeatActionOut:
    event = SeatPaused(seat_id=seat_id, reason=body.reason)
    done = await _act(ctx, p, seat_id, "seat_pause", event, {"reason": body.reason})
    if done.seat.state is not SeatState.PAUSED:  # on a call: the routing core waits for it
        done.deferred = "paused when its call ends"
    return done


@router.post("/api/seats/{seat_id}/ready", response_model=SeatActionOut, responses=SEAT)
async def ready(ctx: Ctx, p: Who, seat_id: SeatId) -> SeatActionOut:
    return await _act(ctx, p, seat_id, "seat_ready", SeatReady(seat_id=seat_id), {})


@router.put(
    "/api/seats/{seat_id}/skills",
    response_model=SeatActionOut,
    responses={**SEAT, **BODY},
)
async def skills(ctx: Ctx, p: Who, seat_id: SeatId, body: SkillsIn) -> SeatActionOut | JSONResponse:
    """New skills and levels; they take effect from the seat's next offer."""
    need(p, Right.CHANGE_SKILLS)
    known = {s.name for s in ctx.floor.centre.skills}
    for name in body.skills:
        if known and name not in known:
            return body_error(
                ["skills", name],
                f"unknown skill '{name}'; skills are: {', '.join(sorted(known))}",
            )
    event = SeatSkillsChanged(
        seat_id=seat_id, skills=dict(body.skills), general=body.general, level=body.level
    )
    result = await _act(ctx, p, seat_id, "seat_skills", event, body.model_dump())
    ctx.floor.set_seat_skills(seat_id, body.skills, body.general, body.level)
    return result
