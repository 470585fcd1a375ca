"""What the API answers and accepts: pydantic models, published in the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ivr.api.audit import AuditEntry
from ivr.model.facts import SeatState
from ivr.model.skills import MAX_LEVEL, MIN_LEVEL
from ivr.obs.floor import Floor
from ivr.obs.floor_views import CallNow, CentreNow, Counts, QueueNow, SeatNow


class CountsOut(BaseModel):
    offered: int
    answered: int
    answered_in_limit: int
    abandoned: int
    diverted: int
    service_level: float | None = Field(
        description="answered within the answer-time limit / (answered + abandoned); null before any"
    )
    connection_rate: float | None = Field(description="answered / offered; null before any")

    @classmethod
    def of(cls, c: Counts) -> CountsOut:
        return cls(
            offered=c.offered,
            answered=c.answered,
            answered_in_limit=c.answered_in_limit,
            abandoned=c.abandoned,
            diverted=c.diverted,
            service_level=c.service_level,
            connection_rate=c.connection_rate,
        )


class QueueOut(BaseModel):
    name: str
    skill: str | None
    answer_time_limit_s: float
    waiting: int
    longest_wait_s: float
    oldest_queued_at: float | None = Field(description="epoch seconds; the page ticks from it")
    seats_open: int
    seats_by_state: dict[str, int]
    alarm_level: int = Field(ge=0, le=2)
    today: CountsOut
    interval: CountsOut
    interval_start: float
    now: float = Field(description="the engine's clock when this was read")

    @classmethod
    def of(cls, q: QueueNow, now: float) -> QueueOut:
        return cls(
            name=q.name,
            skill=q.skill,
            answer_time_limit_s=q.answer_time_limit_s,
            waiting=q.waiting,
            longest_wait_s=q.longest_wait_s,
            oldest_queued_at=q.oldest_queued_at,
            seats_open=q.seats_open,
            seats_by_state=dict(q.seats_by_state),
            alarm_level=q.alarm_level,
            today=CountsOut.of(q.today),
            interval=CountsOut.of(q.interval),
            interval_start=q.interval_start,
            now=now,
        )


class CentreOut(BaseModel):
    waiting: int = Field(description="callers waiting in any queue (or being offered)")
    calls_active: int
    calls_in_menus: int
    seats_by_state: dict[str, int]
    alarm_level: int = Field(ge=0, le=2, description="the centre-wide peak alarm")
    today: CountsOut = Field(description="journeys, each counted once whatever its legs")
    interval: CountsOut
    interval_start: float
    now: float

    @classmethod
    def of(cls, c: CentreNow, now: float) -> CentreOut:
        return cls(
            waiting=c.waiting,
            calls_active=c.calls_active,
            calls_in_menus=c.calls_in_menus,
            seats_by_state=dict(c.seats_by_state),
            alarm_level=c.alarm_level,
            today=CountsOut.of(c.today),
            interval=CountsOut.of(c.interval),
            interval_start=c.interval_start,
            now=now,
        )


class SeatOut(BaseModel):
    seat_id: str
    name: str
    state: SeatState
    since: float
    reason: str
    call_id: str | None
    calls_today: int

    @classmethod
    def of(cls, s: SeatNow) -> SeatOut:
        return cls(
            seat_id=s.seat_id,
            name=s.name,
            state=s.state,
            since=s.since,
            reason=s.reason,
            call_id=s.call_id,
            calls_today=s.calls_today,
        )


class CallOut(BaseModel):
    call_id: str
    state: str = Field(description="menu, waiting, ringing or talking")
    since: float
    caller: str
    dnis: str
    flow: str | None
    node: str | None = Field(description="the menu node, while in a flow")
    queue: str | None
    position: int | None = Field(description="1-based place in the queue, while waiting")
    seat_id: str | None
    context: dict[str, Any] = Field(description="the screen pop; never a password")

    @classmethod
    def of(cls, c: CallNow, floor: Floor) -> CallOut:
        return cls(
            call_id=c.call_id,
            state=c.state,
            since=c.since,
            caller=c.caller,
            dnis=c.dnis,
            flow=c.flow,
            node=c.node,
            queue=c.queue,
            position=floor.position(c),
            seat_id=c.seat_id,
            context=floor.context(c),
        )


class ErrorOut(BaseModel):
    """Every error the API answers, whatever caught it; a kind may add fields of its own."""

    error_id: str = Field(description="stable: what a client branches on")
    message: str = Field(description="what went wrong and what to do, for a person")
    details: dict[str, Any] = {}


class ProblemsOut(ErrorOut):
    problems: list[str]


class FieldProblemOut(BaseModel):
    field: str = Field(description="the field, dotted (skills.billing); 'body' for the whole body")
    location: str = Field(description="where it was: body, query, path or header")
    loc: list[str | int] = Field(description="the full path, location first, as FastAPI names it")
    message: str
    type: str = Field(description="pydantic's error type (missing, greater_than_equal...)")


class InvalidRequestOut(ErrorOut):
    """A 422: a body, query or path value the API will not take, each field named."""

    fields: list[FieldProblemOut] = []


class AuditOut(BaseModel):
    time: str
    who: str
    role: str
    action: str
    target: str
    outcome: str
    details: dict[str, Any]

    @classmethod
    def of(cls, e: AuditEntry) -> AuditOut:
        return cls(
            time=e.time,
            who=e.who,
            role=e.role,
            action=e.action,
            target=e.target,
            outcome=e.outcome,
            details=e.details,
        )


class SeatActionOut(BaseModel):
    seat: SeatOut
    audit: AuditOut
    deferred: str | None = Field(
        default=None,
        description="set when the action waits for the seat's call (and wrap-up) to end",
    )


class FlowsReloadedOut(BaseModel):
    version: str
    audit: AuditOut


class TransferOut(BaseModel):
    call: CallOut | None
    audit: AuditOut


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PauseIn(_Body):
    reason: str = Field(min_length=1, max_length=80, description="written down with the pause")


class SkillsIn(_Body):
    skills: dict[str, Annotated[int, Field(ge=MIN_LEVEL, le=MAX_LEVEL)]] = Field(
        description="skill name to level, 1 (lowest) to 10"
    )
    general: bool = Field(False, description="a comprehensive seat: takes every service")
    level: int = Field(5, ge=MIN_LEVEL, le=MAX_LEVEL, description="level in the general pool")


class TransferIn(_Body):
    queue: str | None = Field(None, description="send the caller to this queue, at top priority")
    seat_id: str | None = Field(None, description="or to this seat by name")
    note: str = Field("", max_length=500, description="travels with the caller to the new seat")

    @model_validator(mode="after")
    def _one_target(self) -> TransferIn:
        if (self.queue is None) == (self.seat_id is None):
            msg = "give exactly one of 'queue' or 'seat_id'"
            raise ValueError(msg)
        return self
