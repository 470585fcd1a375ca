"""The supervisor's HTTP API (FastAPI): queues, seats and calls now; seat actions; transfers;
flow reloads; the audit log; the live event stream; ``/metrics``; the wallboard page.

:func:`create_app` only composes: it puts one :class:`~ivr.api.context.ApiContext` in the
app's state and includes one router per resource from :mod:`ivr.api.routes`.

Every change goes to the engine through :class:`~ivr.api.control.Control` (the
driver that owns it) and is written to the :class:`~ivr.api.audit.AuditLog`
with who and when, refused or not. Every error is one JSON shape, ``{error_id,
message, details}``: 401 for a bad token, 403 for a role without the right, 404 for
an unknown seat, call, queue or path, 409 for an action the seat's state forbids,
422 for a value the API will not take (``fields`` names each); see :mod:`ivr.api.errors`.
"""

from __future__ import annotations

from fastapi import FastAPI

from ivr.api.audit import AuditLog
from ivr.api.auth import TokenBook
from ivr.api.context import ApiContext
from ivr.api.control import Control
from ivr.api.errors import use_one_error_shape
from ivr.api.hub import Hub
from ivr.api.routes import ROUTERS


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
    app.state.api = ApiContext(hub=hub, control=control, tokens=tokens, audit=audit)
    use_one_error_shape(app)
    for router in ROUTERS:
        app.include_router(router)
    return app
