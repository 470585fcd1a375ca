"""The supervisor's side of ``ivr serve`` in one object: floor, metrics, audit, API, server, stop.

``ivr serve`` (the composition root, :mod:`ivr.cli.serve`) wires it like this::

    sup = Supervision(settings, centre, clock=clock)
    service = LiveService(..., sinks=[record, sup.hub.observe],
                          make_engine=sup.wrap_engine(journey_engine))  # timed, gated
    sup.watch(engine=service.engine,                         # positions, waiting calls' context
              ami_counters=lambda: service.connection.counters,
              buffer_depth=lambda: writer.depth)             # the storage writer, if any
    reloader = FlowReloader(catalog, settings.flows, centre)  # SIGHUP's too
    await sup.start_http(DriverControl(service.driver, reload=flow_reloader(reloader)))
    shutdown = GracefulShutdown(sup.shutdown_plan(        # stop_intake: the engine's intake
        close_ami=service.stop, flush_records=writer.close))
    shutdown.install()
    await shutdown.wait()
    await shutdown.run()

Everything here is an edge: it may read the wall clock it is given and touch files
and sockets; the engine it watches stays pure.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import structlog

from ivr.api.app import create_app
from ivr.api.audit import AuditLog
from ivr.api.auth import TokenBook
from ivr.api.control import Control
from ivr.api.hub import Hub
from ivr.api.server import HttpServer
from ivr.cli.settings import Settings
from ivr.clock import Clock
from ivr.model.skills import CentreConfig
from ivr.obs.floor import Floor, FloorSource
from ivr.obs.health import LinkLike, WriterLike
from ivr.obs.metrics import AmiCounts, Metrics, TimedEngine
from ivr.shutdown import ShutdownPlan, nothing

log = structlog.get_logger("ivr.api")


class Supervision:
    def __init__(
        self,
        settings: Settings,
        centre: CentreConfig,
        *,
        clock: Clock,
        source: FloorSource | None = None,
    ) -> None:
        self.settings = settings
        tz = ZoneInfo(settings.timezone) if settings.timezone else None
        self.floor = Floor(centre, clock=clock, tz=tz, source=source)
        self.metrics = Metrics(self.floor)
        self.hub = Hub(self.floor, clock=clock, metrics=self.metrics)
        self.audit = AuditLog(settings.audit_log, clock=clock)
        self.tokens = TokenBook(settings.tokens)
        self.server: HttpServer | None = None
        self.engine: Any = None  # the engine ``wrap_engine`` made: its intake closes first
        self._clock = clock

    def wrap_engine(self, make_engine: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap an engine factory: every event and timer timed into the histogram; the engine
        is kept, so the stop can close its intake (new calls get a busy signal)."""

        def make(*args: Any, **kwargs: Any) -> Any:
            self.engine = make_engine(*args, **kwargs)
            return TimedEngine(self.engine, self.metrics)

        return make

    def close_intake(self) -> None:
        if self.engine is not None:
            self.engine.close_intake()
            log.info("intake_stopped", hint="new calls get a busy signal until the engine is back")

    def watch(
        self,
        *,
        engine: Any = None,
        ami_counters: Callable[[], AmiCounts] | None = None,
        ami_link: Callable[[], LinkLike] | None = None,
        buffer_depth: Callable[[], int] | None = None,
        writer_stats: Callable[[], WriterLike] | None = None,
    ) -> None:
        """What the floor and the metrics read from the running parts (each optional).

        From ``engine`` (``ivr.engine.journey.Engine``, or a bare ``RoutingCore``): its routing
        core for exact positions and open seats, and each journey's context for calls not yet
        offered to a seat.
        """
        if engine is not None:
            routing: FloorSource = getattr(engine, "routing", engine)
            context_of: Callable[[str], Mapping[str, Any] | None] | None = getattr(
                engine, "call_context", None
            )
            self.floor.use_source(routing, context_of)
        if ami_counters is not None:
            self.metrics.watch_ami(ami_counters)
        if buffer_depth is not None:
            self.metrics.watch_buffer(buffer_depth)
        if ami_link is not None:
            self.metrics.watch_link(ami_link)
        self.hub.health.watch(link=ami_link, writer=writer_stats)

    async def start_http(self, control: Control) -> HttpServer:
        if not len(self.tokens):
            log.warning(
                "api_has_no_tokens",
                hint="add tokens to the configuration file: every API call is refused without one",
            )
        app = create_app(hub=self.hub, control=control, tokens=self.tokens, audit=self.audit)
        http = self.settings.http
        self.server = HttpServer(
            app,
            host=http.host,
            port=http.port,
            bus=self.hub.bus,
            change_port="set http.port in the configuration file, or $IVR_HTTP__PORT",
        )
        await self.server.start()
        log.info("http_listening", url=self.server.url, wallboard=f"{self.server.url}/wallboard")
        return self.server

    async def stop_http(self) -> None:
        if self.server is not None:
            await self.server.stop()

    def shutdown_plan(
        self,
        *,
        stop_intake: Callable[[], None] | None = None,
        close_ami: Callable[[], Awaitable[None]] = nothing,
        flush_records: Callable[[], Awaitable[None]] = nothing,
    ) -> ShutdownPlan:
        """The stop, with the menus counted from the floor and the times from the settings."""
        if stop_intake is None:
            stop_intake = self.close_intake
        return ShutdownPlan(
            stop_intake=stop_intake,
            calls_in_menus=self.floor.calls_in_menus,
            close_ami=close_ami,
            flush_records=flush_records,
            stop_http=self.stop_http,
            drain_s=self.settings.shutdown.drain_s,
            flush_s=self.settings.shutdown.flush_s,
        )
