"""A clean stop for ``ivr serve``: SIGTERM drains, a second signal exits at once.

systemd (``docs/ivr.service``) sends SIGTERM on ``systemctl stop``; a person
presses Ctrl-C (SIGINT). On the first signal :class:`GracefulShutdown` runs
the :class:`ShutdownPlan`, step by step, each logged as it starts and ends:

1. ``stop_intake``: no new call is taken: the engine
   (:meth:`~ivr.engine.journey.Engine.close_intake`) answers a new call with a busy
   signal and its journey's end;
2. ``drain``: calls still in a voice menu are given up to ``drain_s`` seconds
   to reach a queue or a safe end (a caller typing a password is not cut off);
3. ``close_ami``: the AMI connection is closed, so no more events (and no more
   records) can arrive;
4. ``flush_records``: the storage writer's buffer is written out, within
   ``flush_s`` (what cannot be written goes to its spill file);
5. ``stop_http``: the wallboards' streams end and the API stops.

A step that fails or overruns is logged and the next one runs: a stop always
finishes. A second signal while this runs exits the process at once with
``128 + signal``, like a shell does, after one log line.

The plan is a set of callables, so ``ivr serve`` wires in whatever driver,
writer and server it composed, and the tests wire in their own.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import structlog

from ivr.clock import monotonic

log = structlog.get_logger("ivr.shutdown")

SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def nothing() -> None:
    return None


@dataclass(slots=True, kw_only=True)
class ShutdownPlan:
    stop_intake: Callable[[], None] = lambda: None
    calls_in_menus: Callable[[], int] = lambda: 0
    close_ami: Callable[[], Awaitable[None]] = nothing
    flush_records: Callable[[], Awaitable[None]] = nothing
    stop_http: Callable[[], Awaitable[None]] = nothing
    drain_s: float = 60.0
    flush_s: float = 10.0
    poll_s: float = 0.1


@dataclass(slots=True)
class ShutdownReport:
    signal: str = ""
    left_in_menus: int = 0  # calls still in a menu when the drain time ran out
    failed_steps: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not self.failed_steps and self.left_in_menus == 0


class GracefulShutdown:
    def __init__(
        self,
        plan: ShutdownPlan,
        *,
        exit_now: Callable[[int], None] = os._exit,
    ) -> None:
        self.plan = plan
        self.requested = asyncio.Event()
        self.report = ShutdownReport()
        self._exit_now = exit_now
        self._installed: list[int] = []

    # --- signals -------------------------------------------------------------

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Handle SIGTERM and SIGINT on the running loop (the main thread's)."""
        loop = loop or asyncio.get_running_loop()
        for sig in SIGNALS:
            loop.add_signal_handler(sig, self.signalled, sig)
            self._installed.append(sig)

    def uninstall(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        loop = loop or asyncio.get_running_loop()
        for sig in self._installed:
            loop.remove_signal_handler(sig)
        self._installed.clear()

    def signalled(self, sig: int) -> None:
        name = signal.Signals(sig).name
        if not self.requested.is_set():
            self.report.signal = name
            log.info("shutdown_requested", signal=name, hint="send it again to exit at once")
            self.requested.set()
            return
        log.warning("shutdown_forced", signal=name, exit_code=128 + sig)
        sys.stderr.flush()
        sys.stdout.flush()
        self._exit_now(128 + sig)

    def request(self) -> None:
        """Start a clean stop without a signal (an API call, a test)."""
        if not self.requested.is_set():
            self.report.signal = "request"
            self.requested.set()

    async def wait(self) -> None:
        await self.requested.wait()

    # --- the stop --------------------------------------------------------------

    async def run(self) -> ShutdownReport:
        plan = self.plan
        start = monotonic()
        await self._step("stop_intake", self._call(plan.stop_intake), None)
        await self._step("drain", self._drain(), None)
        await self._step("close_ami", plan.close_ami(), plan.flush_s)
        await self._step("flush_records", plan.flush_records(), plan.flush_s)
        await self._step("stop_http", plan.stop_http(), plan.flush_s)
        self.report.seconds = monotonic() - start
        log.info(
            "shutdown_done",
            clean=self.report.clean,
            left_in_menus=self.report.left_in_menus,
            failed_steps=self.report.failed_steps,
            seconds=round(self.report.seconds, 3),
        )
        return self.report

    @staticmethod
    async def _call(fn: Callable[[], None]) -> None:
        fn()

    async def _drain(self) -> None:
        plan = self.plan
        deadline = monotonic() + plan.drain_s
        waiting = plan.calls_in_menus()
        if waiting:
            log.info("shutdown_draining", calls_in_menus=waiting, drain_s=plan.drain_s)
        while waiting and monotonic() < deadline:
            await asyncio.sleep(plan.poll_s)
            waiting = plan.calls_in_menus()
        self.report.left_in_menus = waiting
        if waiting:
            log.warning("shutdown_drain_timeout", calls_in_menus=waiting, drain_s=plan.drain_s)

    async def _step(self, name: str, work: Awaitable[None], timeout_s: float | None) -> None:
        log.info("shutdown_step", step=name)
        try:
            async with asyncio.timeout(timeout_s):
                await work
        except TimeoutError:
            self.report.failed_steps.append(name)
            log.error("shutdown_step_timeout", step=name, timeout_s=timeout_s)
        except Exception as exc:  # a stop always finishes: log and go on
            self.report.failed_steps.append(name)
            log.error("shutdown_step_failed", step=name, error=repr(exc))
