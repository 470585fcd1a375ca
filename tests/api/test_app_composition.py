"""create_app composes module-level routers over a per-app context: two apps stay apart."""

from __future__ import annotations

from pathlib import Path

import httpx
from pydantic import SecretStr

from ivr.api.app import create_app
from ivr.api.auth import TokenBook
from ivr.api.settings import Role, TokenSettings
from ivr.model.events import SeatLoggedIn

from .conftest import SUPERVISOR, auth, build, tokens

OTHER = "other-supervisor-token-0123"


async def test_two_apps_in_one_process_each_answer_from_their_own_context(
    tmp_path: Path,
) -> None:
    _, _, hub_a, control_a, audit_a, _ = build(tmp_path / "a")
    _, _, hub_b, control_b, audit_b, _ = build(tmp_path / "b")
    book_b = TokenBook([TokenSettings(name="other", role=Role.SUPERVISOR, token=SecretStr(OTHER))])
    app_a = create_app(hub=hub_a, control=control_a, tokens=tokens(), audit=audit_a)
    app_b = create_app(hub=hub_b, control=control_b, tokens=book_b, audit=audit_b)
    control_a.send(SeatLoggedIn(seat_id="1001"))

    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app_a), base_url="http://a") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app_b), base_url="http://b") as b,
    ):
        seat_a = (await a.get("/api/seats/1001", headers=auth(SUPERVISOR))).json()
        seat_b = (await b.get("/api/seats/1001", headers=auth(OTHER))).json()
        assert (seat_a["state"], seat_b["state"]) == (
            "available",
            "logged_out",
        )  # only a saw the login
        assert (await b.get("/api/seats", headers=auth(SUPERVISOR))).status_code == 401
        assert (await a.get("/api/seats", headers=auth(OTHER))).status_code == 401
