"""The supervisor's HTTP API (FastAPI): queues, seats and calls now; seat actions; transfers;
flow reloads; the audit log; the live event stream; ``/metrics``; the wallboard page.

Every change goes to the engine through :class:`~ivr.api.control.Control` (the
driver that owns it) and is written to the :class:`~ivr.api.audit.AuditLog`
with who and when, refused or not. Errors are JSON ``{error_id, message,
details}``: 401 for a bad token, 403 for a role without the right, 404 for an
unknown seat, call or queue, 409 for an action the seat's state forbids, 422
for a bad body (FastAPI's ``detail`` list names the field).
"""

# No `from __future__ import annotations`: FastAPI reads the local Annotated aliases at run time.

from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import resources
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.sse import EventSourceResponse, ServerSentEvent

from ivr.api.audit import AuditEntry, AuditLog
from ivr.api.auth import Principal, Right, TokenBook
from ivr.api.control import Control
from ivr.api.hub import Hub
from ivr.api.schemas import (
    AuditOut,
    CallOut,
    CentreOut,
    ErrorOut,
    FlowsReloadedOut,
    PauseIn,
    ProblemsOut,
    QueueOut,
    SeatActionOut,
    SeatOut,
    SkillsIn,
    TransferIn,
    TransferOut,
)
from ivr.api.settings import Role
from ivr.api.stream import Message
from ivr.errors import (
    ConfigError,
    ConfigInvalidError,
    IllegalTransitionError,
    IvrError,
    UnknownCallError,
    UnknownQueueError,
    UnknownSeatError,
)
from ivr.model.events import (
    SeatLoggedIn,
    SeatLoggedOut,
    SeatPaused,
    SeatReady,
    SeatSkillsChanged,
    TransferRequested,
)
from ivr.obs.metrics import CONTENT_TYPE

_bearer = HTTPBearer(auto_error=False, description="a token from the configuration file")


class ApiError(Exception):
    def __init__(self, status: int, error_id: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.error_id = error_id
        self.message = message
        self.details = details


_STATUS: list[tuple[type[IvrError], int]] = [
    (UnknownSeatError, 404),
    (UnknownCallError, 404),
    (UnknownQueueError, 404),
    (IllegalTransitionError, 409),
    (ConfigError, 422),
]

Responses = dict[int | str, dict[str, Any]]
_ERR: dict[str, Any] = {"model": ErrorOut}
_AUTH: Responses = {401: {**_ERR, "description": "no token, or an unknown one"}, 403: _ERR}
_SEAT: Responses = {**_AUTH, 404: _ERR, 409: _ERR}
_BODY: Responses = {400: {"description": "the body is not JSON"}}


def _body_error(loc: list[str | int], message: str) -> JSONResponse:
    """A 422 in FastAPI's own shape, naming the field."""
    return JSONResponse(
        status_code=422,
        content={"detail": [{"loc": ["body", *loc], "msg": message, "type": "value_error"}]},
    )


def create_app(
    *,
    hub: Hub,
    control: Control,
    tokens: TokenBook,
    audit: AuditLog,
    title: str = "ivr supervisor API",
) -> FastAPI:
    app = FastAPI(
        title=title,
        version="1",
        description=(
            "Queues, seats and calls now; seat actions, supervisor transfers and flow reloads "
            "(audited); a live event stream for wallboards and seat desktops."
        ),
    )
    floor = hub.floor
    clock = hub.clock

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        body = ErrorOut(error_id=exc.error_id, message=exc.message, details=exc.details)
        return JSONResponse(body.model_dump(), status_code=exc.status, headers=headers)

    # --- who ----------------------------------------------------------------------

    def _who(presented: str | None) -> Principal:
        principal = tokens.who(presented)
        if principal is None:
            what = "no bearer token" if not presented else "an unknown token"
            raise ApiError(
                401,
                "api-unauthorized",
                f"{what}; send 'Authorization: Bearer <token>' with a token from the configuration",
            )
        return principal

    def principal(
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        return _who(creds.credentials if creds else None)

    def stream_principal(
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        token: Annotated[
            str | None, Query(description="for EventSource, which cannot send headers")
        ] = None,
    ) -> Principal:
        return _who(creds.credentials if creds else token)

    Who = Annotated[Principal, Depends(principal)]

    def need(p: Principal, right: Right) -> None:
        if not p.may(right):
            raise ApiError(
                403,
                "api-forbidden",
                f"a {p.role.value} token may not do this (needs '{right.value}'); ask a supervisor",
                role=p.role.value,
                right=right.value,
            )

    def audit_out(entry: AuditEntry) -> AuditOut:
        return AuditOut(
            time=entry.time,
            who=entry.who,
            role=entry.role,
            action=entry.action,
            target=entry.target,
            outcome=entry.outcome,
            details=entry.details,
        )

    async def change(
        p: Principal,
        *,
        action: str,
        target: str,
        details: dict[str, Any],
        allowed: bool,
        right: Right,
        run: Callable[[], Awaitable[None]],
    ) -> AuditEntry:
        """Check, do and audit one change; refused and failed attempts are audited too."""
        if not allowed:
            audit.record(
                who=p.name,
                role=p.role.value,
                action=action,
                target=target,
                outcome="refused",
                details=details,
            )
            if p.may(right):
                raise ApiError(
                    403,
                    "api-forbidden",
                    f"a seat token may act only for its own seat ({p.seat_id})",
                    seat_id=target,
                )
            need(p, right)
        try:
            await run()
        except IvrError as exc:
            audit.record(
                who=p.name,
                role=p.role.value,
                action=action,
                target=target,
                outcome="failed",
                details={**details, "error_id": exc.error_id},
            )
            status = next((s for cls, s in _STATUS if isinstance(exc, cls)), 500)
            raise ApiError(status, exc.error_id, exc.message) from exc
        hub.metrics.http_changes.labels(action).inc()
        return audit.record(
            who=p.name,
            role=p.role.value,
            action=action,
            target=target,
            outcome="ok",
            details=details,
        )

    # --- pages and plain endpoints ---------------------------------------------------

    @app.get("/", include_in_schema=False)
    async def _root() -> RedirectResponse:
        return RedirectResponse("/wallboard")

    @app.get("/wallboard", response_class=HTMLResponse, tags=["wallboard"])
    async def wallboard() -> HTMLResponse:
        """The wallboard page. It holds no data: it reads /api/queues and /api/events with the
        token given as ``?token=`` in its address."""
        page = resources.files("ivr.api").joinpath("static/wallboard.html").read_text("utf-8")
        return HTMLResponse(page, headers={"Cache-Control": "no-store"})

    @app.get("/healthz", tags=["process"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/metrics",
        tags=["process"],
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
    )
    async def metrics() -> Response:
        """Prometheus metrics (no token: keep the API on loopback, or behind a proxy)."""
        return Response(hub.metrics.render(), media_type=CONTENT_TYPE)

    @app.get("/api/whoami", tags=["process"], responses=_AUTH)
    async def whoami(p: Who) -> dict[str, str | None]:
        return {"name": p.name, "role": p.role.value, "seat_id": p.seat_id}

    # --- queues -----------------------------------------------------------------------

    @app.get("/api/queues", response_model=list[QueueOut], tags=["queues"], responses=_AUTH)
    async def queues(p: Who) -> list[QueueOut]:
        """Every queue now: waiting, longest wait, seats open and by state, service level and
        connection rate today and this 15-minute interval, alarm level."""
        need(p, Right.READ_QUEUES)
        now = clock.now()
        return [QueueOut.of(q, now) for q in floor.queues()]

    @app.get("/api/centre", response_model=CentreOut, tags=["queues"], responses=_AUTH)
    async def centre(p: Who) -> CentreOut:
        """The whole centre now: waiting, calls, seats by state, the centre-wide alarm, and
        today's and this interval's counts (journeys counted once)."""
        need(p, Right.READ_QUEUES)
        return CentreOut.of(floor.centre_now(), clock.now())

    @app.get(
        "/api/queues/{name}",
        response_model=QueueOut,
        tags=["queues"],
        responses={**_AUTH, 404: _ERR},
    )
    async def queue(p: Who, name: str) -> QueueOut:
        need(p, Right.READ_QUEUES)
        if not floor.has_queue(name):
            raise ApiError(
                404,
                "api-unknown-queue",
                f"no queue '{name}'; queues are: {', '.join(floor.queue_names())}",
            )
        return QueueOut.of(floor.queue(name), clock.now())

    # --- seats -------------------------------------------------------------------------

    def _seat_or_404(seat_id: str) -> None:
        if seat_id not in floor.seats:
            raise ApiError(404, "api-unknown-seat", f"no seat '{seat_id}' in the configuration")

    @app.get("/api/seats", response_model=list[SeatOut], tags=["seats"], responses=_AUTH)
    async def seats(p: Who) -> list[SeatOut]:
        """Every seat: state and since when, current call, calls answered today."""
        need(p, Right.READ_SEATS)
        return [SeatOut.of(s) for s in floor.seats.values()]

    @app.get(
        "/api/seats/{seat_id}",
        response_model=SeatOut,
        tags=["seats"],
        responses={**_AUTH, 404: _ERR},
    )
    async def seat(p: Who, seat_id: str) -> SeatOut:
        need(p, Right.READ_SEATS)
        _seat_or_404(seat_id)
        return SeatOut.of(floor.seats[seat_id])

    async def seat_action(
        p: Principal, seat_id: str, action: str, event: object, details: dict[str, Any]
    ) -> SeatActionOut:
        _seat_or_404(seat_id)
        entry = await change(
            p,
            action=action,
            target=seat_id,
            details=details,
            allowed=p.may_act_on(seat_id),
            right=Right.ACT_ON_SEAT,
            run=lambda: control.submit(event),
        )
        return SeatActionOut(seat=SeatOut.of(floor.seats[seat_id]), audit=audit_out(entry))

    SeatId = Annotated[str, Path(description="the seat's id in skills/")]

    @app.post(
        "/api/seats/{seat_id}/login", response_model=SeatActionOut, tags=["seats"], responses=_SEAT
    )
    async def login(p: Who, seat_id: SeatId) -> SeatActionOut:
        return await seat_action(p, seat_id, "seat_login", SeatLoggedIn(seat_id=seat_id), {})

    @app.post(
        "/api/seats/{seat_id}/logout", response_model=SeatActionOut, tags=["seats"], responses=_SEAT
    )
    async def logout(p: Who, seat_id: SeatId) -> SeatActionOut:
        return await seat_action(p, seat_id, "seat_logout", SeatLoggedOut(seat_id=seat_id), {})

    @app.post(
        "/api/seats/{seat_id}/pause",
        response_model=SeatActionOut,
        tags=["seats"],
        responses={**_SEAT, **_BODY},
    )
    async def pause(p: Who, seat_id: SeatId, body: PauseIn) -> SeatActionOut:
        event = SeatPaused(seat_id=seat_id, reason=body.reason)
        return await seat_action(p, seat_id, "seat_pause", event, {"reason": body.reason})

    @app.post(
        "/api/seats/{seat_id}/ready", response_model=SeatActionOut, tags=["seats"], responses=_SEAT
    )
    async def ready(p: Who, seat_id: SeatId) -> SeatActionOut:
        return await seat_action(p, seat_id, "seat_ready", SeatReady(seat_id=seat_id), {})

    @app.put(
        "/api/seats/{seat_id}/skills",
        response_model=SeatActionOut,
        tags=["seats"],
        responses={**_SEAT, **_BODY, 422: {"description": "a bad body; the field is named"}},
    )
    async def skills(p: Who, seat_id: SeatId, body: SkillsIn) -> SeatActionOut | JSONResponse:
        """New skills and levels; they take effect from the seat's next offer."""
        need(p, Right.CHANGE_SKILLS)
        known = {s.name for s in floor.centre.skills}
        for name in body.skills:
            if known and name not in known:
                return _body_error(
                    ["skills", name],
                    f"unknown skill '{name}'; skills are: {', '.join(sorted(known))}",
                )
        event = SeatSkillsChanged(
            seat_id=seat_id, skills=dict(body.skills), general=body.general, level=body.level
        )
        result = await seat_action(p, seat_id, "seat_skills", event, body.model_dump())
        floor.set_seat_skills(seat_id, body.skills, body.general, body.level)
        return result

    # --- calls -------------------------------------------------------------------------

    @app.get("/api/calls", response_model=list[CallOut], tags=["calls"], responses=_AUTH)
    async def calls(p: Who) -> list[CallOut]:
        """Every call now: menu node, queue and position, seat, and its context (never a password)."""
        need(p, Right.READ_CALLS)
        return [CallOut.of(c, floor) for c in floor.calls.values()]

    @app.get(
        "/api/calls/{call_id}",
        response_model=CallOut,
        tags=["calls"],
        responses={**_AUTH, 404: _ERR},
    )
    async def call(p: Who, call_id: str) -> CallOut:
        need(p, Right.READ_CALLS)
        found = floor.calls.get(call_id)
        if found is None:
            raise ApiError(404, "api-unknown-call", f"no call '{call_id}' is in progress")
        return CallOut.of(found, floor)

    @app.post(
        "/api/calls/{call_id}/transfer",
        response_model=TransferOut,
        tags=["calls"],
        responses={**_AUTH, **_BODY, 404: _ERR, 409: _ERR},
    )
    async def transfer(p: Who, call_id: str, body: TransferIn) -> TransferOut | JSONResponse:
        """A supervisor sends a call to another queue or seat, at top priority (R3)."""
        need(p, Right.TRANSFER)
        if call_id not in floor.calls:
            raise ApiError(404, "api-unknown-call", f"no call '{call_id}' is in progress")
        if body.queue is not None and not floor.has_queue(body.queue):
            return _body_error(
                ["queue"],
                f"no queue '{body.queue}'; queues are: {', '.join(floor.queue_names())}",
            )
        if body.seat_id is not None and body.seat_id not in floor.seats:
            return _body_error(["seat_id"], f"no seat '{body.seat_id}' in the configuration")
        event = TransferRequested(
            call_id=call_id, queue=body.queue, seat_id=body.seat_id, note=body.note, by=p.name
        )
        entry = await change(
            p,
            action="call_transfer",
            target=call_id,
            details=body.model_dump(),
            allowed=True,
            right=Right.TRANSFER,
            run=lambda: control.submit(event),
        )
        now = floor.calls.get(call_id)
        return TransferOut(call=CallOut.of(now, floor) if now else None, audit=audit_out(entry))

    # --- flows -------------------------------------------------------------------------

    @app.post(
        "/api/flows/reload",
        response_model=FlowsReloadedOut,
        tags=["flows"],
        responses={
            **_AUTH,
            422: {"model": ProblemsOut, "description": "refused; the running flows stay"},
        },
    )
    async def reload_flows(p: Who) -> FlowsReloadedOut | JSONResponse:
        """Validate the flow files and swap them in. A broken file is refused with the
        validator's messages, and the running version stays."""
        need(p, Right.RELOAD_FLOWS)
        try:
            version = await control.reload_flows()
        except ConfigError as exc:
            problems = (
                [str(x) for x in exc.problems]
                if isinstance(exc, ConfigInvalidError)
                else [exc.message]
            )
            audit.record(
                who=p.name,
                role=p.role.value,
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
        entry = audit.record(
            who=p.name,
            role=p.role.value,
            action="flows_reload",
            target="flows",
            outcome="ok",
            details={"version": version},
        )
        hub.metrics.http_changes.labels("flows_reload").inc()
        return FlowsReloadedOut(version=version, audit=audit_out(entry))

    # --- audit -------------------------------------------------------------------------

    @app.get("/api/audit", response_model=list[AuditOut], tags=["audit"], responses=_AUTH)
    async def audit_log(
        p: Who, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> list[AuditOut]:
        """The latest changes made through the API, newest first."""
        need(p, Right.READ_AUDIT)
        return [audit_out(e) for e in audit.recent(limit)]

    # --- the live stream ----------------------------------------------------------------

    def visible_to(p: Principal) -> Callable[[Message], bool]:
        if p.role is Role.SUPERVISOR:
            return lambda m: True
        if p.role is Role.SEAT:
            return lambda m: (
                m.kind in ("queue", "alarm")
                or (m.kind in ("seat", "offer") and m.data.get("seat_id") == p.seat_id)
            )
        return lambda m: m.kind in ("queue", "alarm", "centre")

    @app.get(
        "/api/events",
        response_class=EventSourceResponse,
        tags=["stream"],
        responses={**_AUTH},
    )
    async def events(
        p: Annotated[Principal, Depends(stream_principal)],
    ) -> AsyncIterator[ServerSentEvent]:
        """Server-Sent Events: ``queue``, ``centre``, ``alarm`` for everyone; ``seat`` and ``offer`` (the
        screen pop) for the seat itself and supervisors; ``call`` and ``call_ended`` for
        supervisors. Starts with a ``hello`` event."""
        sub = hub.bus.subscribe(visible_to(p))
        yield ServerSentEvent(
            event="hello", data={"name": p.name, "role": p.role.value, "now": clock.now()}
        )
        async for message in hub.bus.messages(sub):
            yield ServerSentEvent(event=message.kind, data=message.data)

    return app
