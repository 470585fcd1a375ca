"""The live side of ``ivr serve`` in one object: engine, timers, driver, AMI link (wired by cli.serve).

Everything is made here and injected through constructors (the wazo habit):
the wall clock, the loop scheduler, a seeded ``random.Random``, the engine,
the driver, the connection. :meth:`LiveService.run` owns every task it starts
(a TaskGroup); the supervisor's HTTP server (:mod:`ivr.cli.supervision`) runs
beside it and talks to the engine only through the driver and the output sinks.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import structlog

from ivr.ami.connection import AmiConnection
from ivr.ami.settings import AmiSettings
from ivr.clock import Clock, WallClock
from ivr.engine.journey import Engine
from ivr.live.customers import CustomerService
from ivr.live.driver import EngineLike, LiveDriver
from ivr.live.scheduler import LoopScheduler
from ivr.live.settings import LiveSettings
from ivr.model.events import SeatLoggedIn
from ivr.model.skills import CentreConfig
from ivr.scheduling import Scheduler

log = structlog.get_logger("ivr.live")

EngineFactory = Callable[[CentreConfig, Any, Clock, Scheduler, random.Random], EngineLike]


def journey_engine(
    centre: CentreConfig, flows: Any, clock: Clock, scheduler: Scheduler, rng: random.Random
) -> EngineLike:
    """The real engine, ``ivr.engine.journey.Engine``, as docs/ARCHITECTURE.md describes it."""
    return Engine(centre=centre, flows=flows, clock=clock, scheduler=scheduler, rng=rng)


class LiveService:
    def __init__(
        self,
        *,
        centre: CentreConfig,
        flows: Any,
        ami: AmiSettings,
        live: LiveSettings | None = None,
        customers: CustomerService | None = None,
        sinks: Sequence[Callable[[Sequence[object]], None]] = (),
        clock: Clock | None = None,
        seed: int | None = None,
        make_engine: EngineFactory = journey_engine,
    ) -> None:
        self.clock = clock or WallClock()
        self.scheduler = LoopScheduler(self.clock)
        rng = random.Random(seed)
        self.engine = make_engine(centre, flows, self.clock, self.scheduler, rng)
        self.driver = LiveDriver(
            self.engine,
            seats=centre.seats,
            queues=[q.name for q in centre.queues],
            clock=self.clock,
            settings=live,
            customers=customers,
            sinks=sinks,
        )
        self.scheduler.bind(self.driver.fire)
        self.connection = AmiConnection(
            ami,
            rng=random.Random(rng.random()),
            on_event=self.driver.on_event,
            on_connected=self.driver.on_connected,
            on_lost=self.driver.on_lost,
        )
        self.driver.attach(self.connection)
        self._centre = centre

    def submit(self, event: object) -> None:
        """An event from outside Asterisk (the API): a seat logs in, a supervisor transfers."""
        self.driver.submit(event)

    async def run(self, *, login_seats: Iterable[str] = ()) -> None:
        """Until :meth:`stop` or a refused login (AmiAuthenticationError)."""
        for seat_id in login_seats:
            self.submit(SeatLoggedIn(seat_id=seat_id))
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self.connection.run(), name="ami-connection")
        except BaseExceptionGroup as group:
            first = group.exceptions[0]
            while isinstance(first, BaseExceptionGroup):
                first = first.exceptions[0]
            raise first from None
        finally:
            self.scheduler.close()
            await self.driver.close()

    async def stop(self) -> None:
        await self.connection.close()
