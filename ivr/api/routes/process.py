"""The process itself: is it up, its Prometheus metrics, and who a token is."""

# No `from __future__ import annotations`: FastAPI reads the Annotated aliases at run time.

from fastapi import APIRouter
from fastapi.responses import Response

from ivr.api.deps import Ctx, Who
from ivr.api.errors import AUTH
from ivr.obs.metrics import CONTENT_TYPE

router = APIRouter(tags=["process"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


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
