"""The API in front of the real journey Engine: where a call is in the menu, then in the queue,
with the context it collected, and never the password it typed."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from ivr.api.app import create_app
from ivr.api.audit import AuditLog
from ivr.api.control import LocalControl
from ivr.cli.settings import Settings
from ivr.cli.supervision import Supervision
from ivr.clock import ManualClock
from ivr.config.flow_files import load_catalog
from ivr.config.skills import load_centre
from ivr.engine.journey import Engine
from ivr.model.events import CallArrived, DigitsCollected
from ivr.scheduling import ListScheduler
from ivr.secret import Secret

FIXTURES = Path(__file__).parents[1] / "fixtures" / "wallboard"
TOKEN = "supervisor-token-for-the-engine-test"


@pytest.fixture
async def engine_api(tmp_path: Path) -> AsyncIterator[tuple[LocalControl, httpx.AsyncClient]]:
    centre = load_centre(FIXTURES / "skills")
    clock = ManualClock(1_790_000_000.0)
    settings = Settings.model_validate(
        {"audit_log": None, "tokens": [{"name": "boss", "role": "supervisor", "token": TOKEN}]}
    )
    sup = Supervision(settings, centre, clock=clock)
    engine = sup.wrap_engine(Engine)(
        centre=centre,
        flows=load_catalog(FIXTURES / "flows-secret", centre),
        clock=clock,
        scheduler=ListScheduler(),
        rng=random.Random(0),
    )
    sup.watch(engine=engine)
    control = LocalControl(engine, sup.hub)
    app = create_app(
        hub=sup.hub, control=control, tokens=sup.tokens, audit=AuditLog(None, clock=clock)
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://ivr.test",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as client:
        yield control, client


async def test_a_call_is_seen_in_its_menu_node_then_in_the_queue_without_its_password(
    engine_api: tuple[LocalControl, httpx.AsyncClient],
) -> None:
    control, client = engine_api
    control.send(CallArrived(call_id="c1", caller="13900000001", dnis="10002", channel="PJSIP/t-1"))
    call = (await client.get("/api/calls/c1")).json()
    assert (call["state"], call["flow"], call["node"]) == ("menu", "pin", "account")

    control.send(DigitsCollected(call_id="c1", digits="8800"))
    assert (await client.get("/api/calls/c1")).json()["node"] == "password"

    control.send(DigitsCollected(call_id="c1", digits=Secret("654321")))
    response = await client.get("/api/calls/c1")
    call = response.json()
    assert (call["state"], call["queue"], call["position"]) == ("waiting", "billing", 1)
    assert call["context"]["account"] == "8800"
    assert call["context"].get("password") in (None, "******")
    assert "654321" not in response.text
    billing = (await client.get("/api/queues/billing")).json()
    assert billing["waiting"] == 1
    assert billing["today"]["offered"] == 1
