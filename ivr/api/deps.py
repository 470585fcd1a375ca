"""The parameters FastAPI injects into every handler: the app's context and who is calling.

Handlers name them by type (``ctx: Ctx``, ``p: Who``); FastAPI resolves them per
request. The context is the one :func:`ivr.api.app.create_app` put in
``app.state``, so one process may serve several apps (tests do) without globals.
"""

# No `from __future__ import annotations`: FastAPI reads the Annotated aliases at run time.

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ivr.api.auth import Principal
from ivr.api.context import ApiContext

_bearer = HTTPBearer(auto_error=False, description="a token from the configuration file")


def api_context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.api
    return ctx


Ctx = Annotated[ApiContext, Depends(api_context)]
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def principal(ctx: Ctx, creds: Bearer) -> Principal:
    return ctx.who(creds.credentials if creds else None)


def stream_principal(
    ctx: Ctx,
    creds: Bearer,
    token: Annotated[
        str | None, Query(description="for EventSource, which cannot send headers")
    ] = None,
) -> Principal:
    return ctx.who(creds.credentials if creds else token)


Who = Annotated[Principal, Depends(principal)]
StreamWho = Annotated[Principal, Depends(stream_principal)]
