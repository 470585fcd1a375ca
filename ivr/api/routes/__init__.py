"""One router per resource the API serves, in the order the OpenAPI document lists them.

Each module holds one resource's handlers and nothing else; what they share is in
:mod:`ivr.api.context` (services, the audited change), :mod:`ivr.api.deps` (the
injected context and caller) and :mod:`ivr.api.errors` (the error answers).
"""

from __future__ import annotations

from fastapi import APIRouter

from ivr.api.routes import audit, calls, events, flows, pages, process, queues, seats

ROUTERS: tuple[APIRouter, ...] = (
    pages.router,  # /, /wallboard
    process.router,  # /healthz, /metrics, /api/whoami
    queues.router,  # /api/queues, /api/centre
    seats.router,  # /api/seats and the seat actions
    calls.router,  # /api/calls and transfers
    flows.router,  # /api/flows/reload
    audit.router,  # /api/audit
    events.router,  # /api/events, the live stream
)
