"""The wallboard page, and the root that leads to it."""

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

router = APIRouter()


@router.get("/", include_in_schema=False)
async def _root() -> RedirectResponse:
    return RedirectResponse("/wallboard")


@router.get("/wallboard", response_class=HTMLResponse, tags=["wallboard"])
async def wallboard() -> HTMLResponse:
    """The wallboard page. It holds no data: it reads /api/queues and /api/events with the
    token given as ``?token=`` in its address, and /healthz (the AMI link, the records
    database) every few seconds."""
    page = resources.files("ivr.api").joinpath("static/wallboard.html").read_text("utf-8")
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})
