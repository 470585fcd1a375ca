"""A supervisor's API in front of the real routing core on a manual clock."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from ivr.api.app import create_app
from ivr.api.audit import AuditLog
from ivr.api.auth import TokenBook
from ivr.api.control import LocalControl
from ivr.api.hub import Hub
from ivr.api.settings import Role, TokenSettings
from ivr.clock import ManualClock
from ivr.model.skills import CentreConfig
from ivr.obs.floor import Floor
from ivr.routing.core import RoutingCore
from ivr.routing.testing import centre
from ivr.scheduling import ListScheduler

SUPERVISOR = "supervisor-token-0123456789"
WALLBOARD = "wallboard-token-0123456789"
SEAT_1001 = "seat-1001-token-0123456789"
START = 1_790_000_000.0  # a Monday afternoon, UTC


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def hotline() -> CentreConfig:
    return centre(
        queues=[
            {"name": "billing", "skill": "billing", "answer_time_limit_s": 15},
            {"name": "faults", "skill": "faults"},
            {"name": "general"},
        ],
        seats=[
            {"id": "1001", "name": "Li", "skills": {"billing": 5}},
            {"id": "1002", "name": "Wang", "skills": {"billing": 3, "faults": 6}},
            {"id": "1003", "name": "Zhao", "general": True},
        ],
    )


@dataclass
class Floorplan:
    clock: ManualClock
    core: RoutingCore
    hub: Hub
    control: LocalControl
    audit: AuditLog
    audit_path: Path
    client: httpx.AsyncClient

    def send(self, event: object) -> None:
        self.control.send(event)


def tokens() -> TokenBook:
    return TokenBook(
        [
            TokenSettings(name="team-leader", role=Role.SUPERVISOR, token=SecretStr(SUPERVISOR)),
            TokenSettings(name="floor-2", role=Role.WALLBOARD, token=SecretStr(WALLBOARD)),
            TokenSettings(name="li", role=Role.SEAT, token=SecretStr(SEAT_1001), seat_id="1001"),
        ]
    )


def build(
    tmp_path: Path, *, reload: Callable[[], Awaitable[str]] | None = None
) -> tuple[ManualClock, RoutingCore, Hub, LocalControl, AuditLog, Path]:
    config = hotline()
    clock = ManualClock(START)
    core = RoutingCore(config, clock=clock, scheduler=ListScheduler(), rng=random.Random(1))
    floor = Floor(config, clock=clock, source=core)
    hub = Hub(floor, clock=clock)
    control = LocalControl(core, hub, reload=reload)
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(path, clock=clock)
    return clock, core, hub, control, audit, path


@pytest.fixture
async def plan(tmp_path: Path) -> AsyncIterator[Floorplan]:
    clock, core, hub, control, audit, path = build(tmp_path)
    app = create_app(hub=hub, control=control, tokens=tokens(), audit=audit)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ivr.test") as client:
        yield Floorplan(clock, core, hub, control, audit, path, client)
