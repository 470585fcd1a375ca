"""The process itself: is it up, its Prometheus metrics, and who a token is."""

# No `from __future__ import annotations`: FastAPI reads the Annotated aliases at run time.

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from ivr.api.deps import Ctx, Who
from ivr.api.errors import AUTH
from ivr.obs.metrics import CONTENT_TYPE

router = APIRouter(tags=["process"])


@router.get(
    "/healthz",
    response_class=JSONResponse,
    responses={
        200: {"description": "Logged in to Asterisk and the records are being written"},
        503: {"description": "A part is failing: `problems` says which and since when"},
    },
)
async def healthz(ctx: Ctx) -> JSONResponse:
    """The AMI link (up, for how long, the age of Asterisk's last message, failed connects) and
    the records database (writes going through or failing, records waiting); 503 with the
    problems when either fails. No token: a load balancer or systemd's watchdog asks it."""
    report = ctx.hub.health.report()
    return JSONResponse(report.as_json(), status_code=report.status_code)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
async def metrics(ctx: Ctx) -> Response:
    """Prometheus metrics (no token: keep the API on loopback, or behind a proxy)."""
    return Response(ctx.metrics.render(), media_type=CONTENT_TYPE)


@router.get("/api/whoami", responses=AUTH)
async def whoami(p: Who) -> dict[str, str | None]:
    return {"name": p.name, "role": p.role.value, "seat_id": p.seat_id}
