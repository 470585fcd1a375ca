"""What the engine refuses, the API answers with 409 and the reason, and audits: never a 500.

Behind the API is the real journey Engine (flows, routing core) through
:class:`LocalControl`; the live driver's :class:`DriverControl` is tested the same
way in ``tests/ami/test_live.py``.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
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
from ivr.model.commands import OfferCall
from ivr.model.events import CallArrived, DigitsCollected, SeatAnswered
from ivr.scheduling import ListScheduler
from ivr.secret import Secret

FIXTURES = Path(__file__).parents[1] / "fixtures" / "wallboard"
TOKEN = "supervisor-token-for-the-refusal-test"


@dataclass
class Desk:
    control: LocalControl
    client: httpx.AsyncClient
    audit: AuditLog

    def waiting_call(self, call_id: str) -> list[object]:
        """A caller through the PIN flow into the billing queue; the outputs of the last step."""
        self.control.send(CallArrived(call_id=call_id, caller="13900000001", dnis="10002"))
        self.control.send(DigitsCollected(call_id=call_id, digits="8800"))
        return list(self.control.send(DigitsCollected(call_id=call_id, digits=Secret("654321"))))


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
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
    audit = AuditLog(tmp_path / "audit.jsonl", clock=clock)
    app = create_app(hub=sup.hub, control=control, tokens=sup.tokens, audit=audit)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://ivr.test",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as client:
        yield Desk(control, client, audit)


async def test_transferring_a_call_that_still_waits_is_409_with_the_reason_and_audited(
    desk: Desk,
) -> None:
    desk.waiting_call("c1")
    response = await desk.client.post("/api/calls/c1/transfer", json={"queue": "general"})
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error_id"] == "routing-illegal-transition"
    assert "only a call talking to a seat is transferred" in body["message"]
    (entry,) = desk.audit.recent(1)
    assert (entry.action, entry.outcome, entry.who) == ("call_transfer", "failed", "boss")
    assert entry.details["error_id"] == "routing-illegal-transition"


async def test_ready_or_pause_on_a_logged_out_seat_is_409_and_audited(desk: Desk) -> None:
    for action, body in (("ready", None), ("pause", {"reason": "break"})):
        response = await desk.client.post(f"/api/seats/s1/{action}", json=body)
        assert response.status_code == 409, (action, response.text)
        assert response.json()["error_id"] == "routing-illegal-transition"
        assert desk.audit.recent(1)[0].outcome == "failed"


async def test_a_transfer_of_a_call_that_has_ended_is_404(desk: Desk) -> None:
    response = await desk.client.post("/api/calls/nobody/transfer", json={"queue": "general"})
    assert response.status_code == 404


async def test_of_many_concurrent_transfers_of_one_call_one_wins_and_the_rest_are_409(
    desk: Desk,
) -> None:
    assert (await desk.client.post("/api/seats/s1/login")).status_code == 200
    outputs = desk.waiting_call("c1")
    (offer,) = [o for o in outputs if isinstance(o, OfferCall)]
    desk.control.send(SeatAnswered(call_id="c1", seat_id=offer.seat_id))

    responses = await asyncio.gather(
        *(desk.client.post("/api/calls/c1/transfer", json={"queue": "general"}) for _ in range(40))
    )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 39, codes
    outcomes = [e.outcome for e in desk.audit.recent(40)]
    assert outcomes.count("ok") == 1 and outcomes.count("failed") == 39
