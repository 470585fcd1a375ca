"""The API's error answers, and how they are documented.

Every error is one JSON shape, :class:`~ivr.api.schemas.ErrorOut` ``{error_id, message,
details}``, whatever caught it: 401 for a bad token, 403 for a role without the right, 404
for an unknown seat, call, queue or path, 405 for a method a path does not take, 409 for
an action the seat's or call's state forbids, 400 for a body that is not JSON, 500 when the
engine fails to answer. A 422 (:class:`~ivr.api.schemas.InvalidRequestOut`) adds ``fields``,
each naming its field, whether FastAPI refused the value (missing, out of range) or a route
did (a skill, queue or seat the centre does not have): a client reads one kind of
validation error whatever caught it. FastAPI's own ``{"detail": ...}`` never reaches a
client, and :func:`use_one_error_shape` puts the same models in the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ivr.api.schemas import ErrorOut, FieldProblemOut, InvalidRequestOut
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


def _answer(status: int, body: ErrorOut, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


async def api_error_handler(request: Request, exc: ApiError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    body = ErrorOut(error_id=exc.error_id, message=exc.message, details=exc.details)
    return _answer(exc.status, body, headers)


def _field_problem(loc: Sequence[str | int], message: str, kind: str) -> FieldProblemOut:
    location = str(loc[0]) if loc else "body"
    field = ".".join(str(part) for part in loc[1:]) or location
    return FieldProblemOut(
        field=field, location=location, loc=list(loc), message=message, type=kind
    )


def invalid_request(fields: list[FieldProblemOut]) -> JSONResponse:
    """A 422 naming each field: ``reason (body): Field required; ...``."""
    said = "; ".join(
        f"the {f.location}: {f.message}"
        if f.field == f.location
        else f"{f.field} ({f.location}): {f.message}"
        for f in fields
    )
    body = InvalidRequestOut(
        error_id="api-invalid-request",
        message=f"invalid request: {said}; the OpenAPI document (/docs) says what each field takes",
        fields=fields,
    )
    return _answer(422, body)


def body_error(loc: list[str | int], message: str) -> JSONResponse:
    """A 422 for a body field a route refused (a skill the centre does not have, say)."""
    return invalid_request([_field_problem(["body", *loc], message, "value_error")])


async def validation_error_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors: Sequence[dict[str, Any]] = exc.errors()
    not_json = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if not_json is not None:
        why = (not_json.get("ctx") or {}).get("error", "")
        body = ErrorOut(
            error_id="api-body-not-json",
            message=f"the body is not JSON ({why}); send a JSON object with 'Content-Type: "
            "application/json'",
        )
        return _answer(400, body)
    fields = [_field_problem(e.get("loc", ()), e.get("msg", ""), e.get("type", "")) for e in errors]
    return invalid_request(fields)


_HTTP_IDS = {404: "api-not-found", 405: "api-method-not-allowed"}


async def http_error_handler(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Starlette's own errors (no such path, a method a path does not take) in our shape."""
    said = f"{request.method} {request.url.path}"
    if exc.status_code == 404:
        message = f"no such path: {said}; the API's paths are listed at /docs"
    elif exc.status_code == 405:
        allowed = next((v for k, v in (exc.headers or {}).items() if k.lower() == "allow"), "")
        message = f"{said}: this path does not take {request.method}; it takes {allowed}"
    else:
        message = f"{said}: {exc.detail}"
    error_id = _HTTP_IDS.get(exc.status_code, f"api-http-{exc.status_code}")
    body = ErrorOut(error_id=error_id, message=message)
    return _answer(exc.status_code, body, dict(exc.headers) if exc.headers else None)


async def internal_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """An unexpected failure: the traceback goes to the log (uvicorn's), the client gets the shape."""
    body = ErrorOut(
        error_id="api-internal-error",
        message=f"{request.method} {request.url.path} failed inside the engine ({type(exc).__name__});"
        " the log has the details",
    )
    return _answer(500, body)


def _error_answer(answer: dict[str, Any], invalid_ref: dict[str, str]) -> None:
    """One documented error answer: always JSON (the event stream's errors are too), and
    FastAPI's validation error replaced by :class:`InvalidRequestOut`."""
    content: dict[str, Any] = answer.get("content", {})
    for media in [m for m in content if m != "application/json"]:
        content.setdefault("application/json", content.pop(media))
    body = content.get("application/json", {})
    if body.get("schema", {}).get("$ref", "").endswith("/HTTPValidationError"):
        body["schema"] = invalid_ref
        answer["description"] = "a value the API will not take; each field is named"


def _one_shape_in_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """FastAPI's ``openapi()``, with its 422 ``HTTPValidationError`` replaced by ours."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        doc = build()  # cached by FastAPI; the rewrite below leaves nothing to redo
        schemas: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
        ours = InvalidRequestOut.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, schema in ours.pop("$defs", {}).items():
            schemas.setdefault(name, schema)
        schemas.setdefault(InvalidRequestOut.__name__, ours)
        ref = {"$ref": f"#/components/schemas/{InvalidRequestOut.__name__}"}
        for operations in doc.get("paths", {}).values():
            for operation in operations.values():
                for status, answer in operation.get("responses", {}).items():
                    if int(status) >= 400:
                        _error_answer(answer, ref)
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        return doc

    return openapi


def use_one_error_shape(app: FastAPI) -> None:
    """Every error in :class:`ErrorOut`'s shape, answered and documented."""
    app.exception_handler(ApiError)(api_error_handler)
    app.exception_handler(RequestValidationError)(validation_error_handler)
    app.exception_handler(StarletteHTTPException)(http_error_handler)
    app.exception_handler(Exception)(internal_error_handler)
    app.openapi = _one_shape_in_openapi(app)  # type: ignore[method-assign]


# What the OpenAPI document says each kind of route may answer besides its 200.
Responses = dict[int | str, dict[str, Any]]
ERR: dict[str, Any] = {"model": ErrorOut}
AUTH: Responses = {401: {**ERR, "description": "no token, or an unknown one"}, 403: ERR}
SEAT: Responses = {**AUTH, 404: ERR, 409: ERR}
BODY: Responses = {
    400: {**ERR, "description": "the body is not JSON"},
    422: {"model": InvalidRequestOut, "description": "a value the API will not take, named"},
}
