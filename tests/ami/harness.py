"""A live centre for the tests: the real engine, driver and connection, against the fake Asterisk."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from ivr.ami.fake import FakeAsterisk
from ivr.ami.settings import AmiSettings
from ivr.clock import WallClock
from ivr.config.flow_files import load_catalog
from ivr.live.customers import InMemoryCustomers
from ivr.live.service import LiveService
from ivr.live.settings import LiveSettings
from ivr.model.facts import Fact
from ivr.model.skills import CentreConfig
from ivr.routing.testing import centre
from ivr.storage.recorder import Recorder

FLOWS = Path(__file__).parent.parent / "fixtures" / "ami" / "flows"
SECRET = "fake-ami-secret-7"


def live_centre(**queue_settings: Any) -> CentreConfig:
    return centre(
        [
            {
                "name": "billing",
                "skill": "billing",
                "ring_timeout_s": 30,
                "wrap_up_s": 0,
                **queue_settings,
            },
            {"name": "complaint", "skill": "complaint", "ring_timeout_s": 30, "wrap_up_s": 0},
            {"name": "general"},
        ],
        [
            {"id": "s1", "skills": {"billing": 5}, "endpoint": "PJSIP/1001"},
            {"id": "s2", "skills": {"complaint": 5}, "endpoint": "PJSIP/1002"},
            {"id": "s3", "skills": {"billing": 3}, "endpoint": "PJSIP/1003"},
            {"id": "s9", "skills": {"billing": 1}},  # no endpoint: cannot be dialled
        ],
    )


async def until(condition: Callable[[], bool], what: str, limit_s: float = 10.0) -> None:
    """Wait for something the fake and the engine will reach (a guard, not a speed check)."""
    for _ in range(int(limit_s / 0.005)):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


class Live:
    """A running centre: the fake PBX, the service, and everything the engine said."""

    def __init__(self, fake: FakeAsterisk, service: LiveService, task: asyncio.Task[None]) -> None:
        self.fake = fake
        self.service = service
        self.task = task
        self.outputs: list[object] = []
        self.records: list[object] = []

    def facts(self, call_id: str | None = None) -> list[Fact]:
        return [
            o
            for o in self.outputs
            if isinstance(o, Fact) and (call_id is None or getattr(o, "call_id", None) == call_id)
        ]

    def fact_names(self, call_id: str) -> list[str]:
        return [type(f).__name__ for f in self.facts(call_id)]

    def ended(self, call_id: str) -> bool:
        return "JourneyEnded" in self.fact_names(call_id)

    async def connected(self) -> None:
        await until(lambda: self.service.connection.connected, "logged in to the fake")


async def start_live(
    fake: FakeAsterisk,
    *,
    centre_config: CentreConfig | None = None,
    secret: str = SECRET,
    customers: InMemoryCustomers | None = None,
    live_settings: LiveSettings | None = None,
) -> Live:
    config = centre_config or live_centre()
    clock = WallClock()
    recorder = Recorder(clock=clock)
    holder: list[Live] = []

    def sink(outputs: Sequence[object]) -> None:
        holder[0].outputs.extend(outputs)
        for item in outputs:
            holder[0].records.extend(recorder.feed(item))

    service = LiveService(
        centre=config,
        flows=load_catalog(FLOWS, config),
        ami=AmiSettings(
            host=fake.host,
            port=fake.port,
            secret=SecretStr(secret),
            backoff_initial_s=0.01,
            backoff_max_s=0.05,
        ),
        customers=customers or InMemoryCustomers(),
        live=live_settings,
        sinks=[sink],
        clock=clock,
        seed=1,
    )
    task = asyncio.get_running_loop().create_task(service.run())
    live = Live(fake, service, task)
    holder.append(live)
    return live


async def stop_live(live: Live) -> None:
    await live.service.stop()
    if not live.task.done():
        try:
            await asyncio.wait_for(asyncio.shield(live.task), 5)
        except TimeoutError:
            live.task.cancel()
    await asyncio.gather(live.task, return_exceptions=True)


def rng_for(name: str) -> random.Random:
    return random.Random(name)
