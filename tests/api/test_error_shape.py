"""Every error the API answers has one shape, {error_id, message, details}, 422 included (with
``fields`` naming each field), and the OpenAPI document says so."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ivr.api.app import create_app
from ivr.api.audit import AuditLog

from .conftest import SEAT_1001, SUPERVISOR, WALLBOARD, Floorplan, auth, build, tokens

BOSS = auth(SUPERVISOR)
JSON = {**BOSS, "Content-Type": "application/json"}

# (what is wrong, method, path, request keywords, status, error_id)
ERRORS: list[tuple[str, str, str, dict[str, Any], int, str]] = [
    ("no token", "GET", "/api/queues", {}, 401, "api-unauthorized"),
    ("a role without the right", "GET", "/api/calls", {"headers": auth(WALLBOARD)}, 403, "api-forbidden"),
    ("another seat's token", "POST", "/api/seats/1002/login", {"headers": auth(SEAT_1001)}, 403, "api-forbidden"),
    ("an unknown seat", "POST", "/api/seats/9999/login", {"headers": BOSS}, 404, "api-unknown-seat"),
    ("an unknown path", "GET", "/api/nothing-here", {"headers": BOSS}, 404, "api-not-found"),
    ("a method the path does not take", "DELETE", "/api/queues", {"headers": BOSS}, 405, "api-method-not-allowed"),
    ("a state that forbids it", "POST", "/api/seats/1001/pause", {"headers": BOSS, "json": {"reason": "x"}}, 409, "routing-illegal-transition"),
    ("a body that is not JSON", "POST", "/api/seats/1001/pause", {"headers": JSON, "content": b"{reason"}, 400, "api-body-not-json"),
    ("a missing field", "POST", "/api/seats/1001/pause", {"headers": BOSS, "json": {}}, 422, "api-invalid-request"),
    ("a level out of range", "PUT", "/api/seats/1001/skills", {"headers": BOSS, "json": {"skills": {"billing": 11}}}, 422, "api-invalid-request"),
    ("a skill the centre lacks", "PUT", "/api/seats/1001/skills", {"headers": BOSS, "json": {"skills": {"biling": 5}}}, 422, "api-invalid-request"),
    ("a query value out of range", "GET", "/api/audit?limit=0", {"headers": BOSS}, 422, "api-invalid-request"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "method", "path", "kwargs", "status", "error_id"), ERRORS, ids=[e[0] for e in ERRORS]
)
async def test_every_error_has_one_shape_422_included(
    plan: Floorplan,
    what: str,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    error_id: str,
) -> None:
    response = await plan.client.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert "detail" not in body  # FastAPI's own shape never reaches a client
    assert body["error_id"] == error_id
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], dict)


@pytest.mark.parametrize(
    ("json", "field", "location", "said"),
    [
        ({}, "reason", "body", "reason (body): Field required"),
        ({"reason": ""}, "reason", "body", "reason (body): String should have at least 1"),
    ],
)
async def test_a_422_names_the_field_in_fields_and_in_its_message(
    plan: Floorplan, json: dict[str, Any], field: str, location: str, said: str
) -> None:
    response = await plan.client.post("/api/seats/1001/pause", headers=BOSS, json=json)
    body = response.json()
    assert [(f["field"], f["location"]) for f in body["fields"]] == [(field, location)]
    assert body["fields"][0]["loc"] == [location, field]
    assert said in body["message"]


async def test_a_field_a_route_refuses_is_named_like_one_fastapi_refuses(plan: Floorplan) -> None:
    response = await plan.client.put(
        "/api/seats/1001/skills", headers=BOSS, json={"skills": {"biling": 5}}
    )
    body = response.json()
    assert body["fields"][0]["field"] == "skills.biling"
    assert (
        "skills.biling (body): unknown skill 'biling'; skills are: billing, faults"
        in (body["message"])
    )


async def test_a_405_keeps_the_allow_header_and_says_which_methods_the_path_takes(
    plan: Floorplan,
) -> None:
    response = await plan.client.delete("/api/queues", headers=BOSS)
    assert response.headers["allow"] == "GET"
    assert response.json()["message"].endswith("it takes GET")


async def test_an_unexpected_failure_is_a_500_in_the_same_shape(tmp_path: Any) -> None:
    clock, _core, hub, control, _audit, _ = build(tmp_path)

    async def broken(event: object) -> None:
        msg = "a bug"
        raise RuntimeError(msg)

    control.submit = broken  # type: ignore[method-assign]
    app = create_app(hub=hub, control=control, tokens=tokens(), audit=AuditLog(None, clock=clock))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://ivr.test") as client:
        response = await client.post("/api/seats/1001/login", headers=BOSS)
    assert response.status_code == 500
    body = response.json()
    assert body["error_id"] == "api-internal-error"
    assert "RuntimeError" in body["message"]
    assert "a bug" not in body["message"]  # what failed is for the log, not the client


async def test_the_openapi_document_shows_one_error_shape_for_every_error(
    plan: Floorplan,
) -> None:
    doc = (await plan.client.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert set(schemas["ErrorOut"]["required"]) == {"error_id", "message"}
    invalid = schemas["InvalidRequestOut"]
    assert {"error_id", "message", "details", "fields"} <= set(invalid["properties"])
    assert {"field", "location", "loc", "message", "type"} <= set(
        schemas["FieldProblemOut"]["properties"]
    )
    shapes = {"ErrorOut", "InvalidRequestOut", "ProblemsOut"}
    seen_422 = 0
    for path, operations in doc["paths"].items():
        if path == "/healthz":  # its 503 is the health report, for load balancers
            continue
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if int(status) < 400:
                    continue
                assert list(answer["content"]) == ["application/json"], (path, method, status)
                ref = answer["content"]["application/json"]["schema"]["$ref"]
                assert ref.rsplit("/", 1)[1] in shapes, (path, method, status)
                if status == "422" and path != "/api/flows/reload":
                    assert ref.endswith("/InvalidRequestOut"), (path, method)
                    seen_422 += 1
    assert seen_422 >= 5  # the seat actions, the transfer, the audit log's limit...
