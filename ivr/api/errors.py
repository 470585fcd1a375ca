"""The API's error answers, and how they are documented.

Errors are JSON ``{error_id, message, details}``: 401 for a bad token, 403 for a
role without the right, 404 for an unknown seat, call or queue, 409 for an action
the seat's or call's state forbids. A body that parses but names something the
centre does not have (a skill, a queue, a seat) is a 422 in FastAPI's own shape,
so a client reads one kind of validation error whatever caught it.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from ivr.api.schemas import ErrorOut
from ivr.errors import (
    ConfigError,
    IllegalTransitionError,
    IvrError,
    UnknownCallError,
    UnknownQueueError,
    UnknownSeatError,
)


class ApiError(Exception):
    """An answer other than 2xx, raised from a handler and rendered by :func:`api_error_handler`."""

    def __init__(self, status: int, error_id: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.error_id = error_id
        self.message = message
        self.details = details

    @classmethod
    def of(cls, exc: IvrError) -> ApiError:
        """The engine's or configuration's error, with the status its class stands for."""
        status = next((s for kind, s in _STATUS if isinstance(exc, kind)), 500)
        return cls(status, exc.error_id, exc.message)


_STATUS: list[tuple[type[IvrError], int]] = [
    (UnknownSeatError, 404),
    (UnknownCallError, 404),
    (UnknownQueueError, 404),
    (IllegalTransitionError, 409),
    (ConfigError, 422),
]


async def api_error_handler(request: Request, exc: ApiError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    body = ErrorOut(error_id=exc.error_id, message=exc.message, details=exc.details)
    return JSONResponse(body.model_dump(), status_code=exc.status, headers=headers)


def body_error(loc: list[str | int], message: str) -> JSONResponse:
    """A 422 in FastAPI's own shape, naming the field."""
    return JSONResponse(
        status_code=422,
        content={"detail": [{"loc": ["body", *loc], "msg": message, "type": "value_error"}]},
    )


# What the OpenAPI document says each kind of route may answer besides its 200.
Responses = dict[int | str, dict[str, Any]]
ERR: dict[str, Any] = {"model": ErrorOut}
AUTH: Responses = {401: {**ERR, "description": "no token, or an unknown one"}, 403: ERR}
SEAT: Responses = {**AUTH, 404: ERR, 409: ERR}
BODY: Responses = {400: {"description": "the body is not JSON"}}
