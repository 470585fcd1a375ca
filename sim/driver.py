"""The discrete-event driver: synthetic callers and seats around the real engine.

Theory of operation
===================

Everything that happens is an item on one heap in virtual time
(:mod:`sim.timeline`): the next arrival of each stream (:mod:`sim.arrivals`),
the seats' logins and logouts, what a synthetic person will do next, and the
engine's own timers, which reach the heap through :class:`HeapScheduler`.

The driver is a caller and a seat, never a router. It tells the engine what
callers and seats do (:mod:`ivr.model.events`) and carries out the engine's
commands the way a person would: :mod:`sim.callers` for the person on the
line (menus, lookups, patience, callbacks), :mod:`sim.seats` for the people
at the seats (ringing, talk, transfers, no-answer pauses, shifts). Each of
the engine's outputs then goes on to :class:`ivr.measures.Measures`
(:mod:`sim.outputs`), which collects the results. To see the other direction,
what the engine is told, :meth:`Driver.watch_events` shows each event as it is sent.

Memory holds the calls in progress, the heap and the measures' per-interval
counters: it does not grow with the number of calls simulated.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from ivr.clock import ManualClock
from ivr.measures import Measures
from ivr.model.skills import CentreConfig
from ivr.scheduling import Timer
from sim.arrivals import Arrivals
from sim.callers import Caller, CallerBehaviour
from sim.outputs import OutputDispatch
from sim.seats import SeatBehaviour, shift_plan
from sim.timeline import Action, HeapScheduler, Timeline
from sim.trace import TraceCall
from sim.traffic import TrafficModel

__all__ = ["Action", "Driver", "EngineLike", "HeapScheduler", "RunStats", "shift_plan"]


class EngineLike(Protocol):
    def handle(self, event: Any) -> list[Any]: ...

    def fire(self, timer: Timer) -> list[Any]: ...

    def takes(self, kind: type, call_id: str) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStats:
    calls: int
    events: int
    simulated_s: float


class Driver:
    """Runs one scenario through one engine. Build with :func:`sim.scenario.build_driver`.

    ``engine`` is looked up on every event, so it may be replaced (wrapped)
    before the run.
    """

    def __init__(
        self,
        *,
        centre: CentreConfig,
        traffic: TrafficModel,
        make_engine: Callable[[ManualClock, HeapScheduler, random.Random], EngineLike],
        measures: Measures | None = None,
        seed: int | None = None,
        trace: Iterable[TraceCall] | None = None,
        replay_dnis: dict[str, str] | None = None,
        menu_keys: Callable[[str, str], list[str] | None] | None = None,
        shifts: list[tuple[float, str, bool]] | None = None,
    ) -> None:
        self.centre = centre
        self.traffic = traffic
        seed = traffic.seed if seed is None else seed
        self.origin = traffic.origin
        self.clock = ManualClock(self.origin)
        self._timeline = Timeline(self.clock)
        self.scheduler = HeapScheduler(self._timeline, self._fire)
        self.engine = make_engine(self.clock, self.scheduler, random.Random(f"engine-{seed}"))
        self.measures = measures or Measures(centre=centre, origin=self.origin)
        self.events = 0
        self.path_report: Any = None  # the flows' menu path report, when the scenario has one
        self._calls: dict[str, Caller] = {}  # the calls in progress
        self._event_watchers: list[Callable[[Any], None]] = []
        rng = random.Random(f"callers-{seed}")
        caller_seed = rng.getrandbits(64)
        callers, seats = self._people(rng, menu_keys)
        self._outputs = OutputDispatch({**callers.handlers(), **seats.handlers()}, self.measures)
        self._arrivals = Arrivals(
            traffic,
            timeline=self._timeline,
            begin=callers.begin,
            seed=seed,
            caller_seed=caller_seed,
        )
        self._arrivals.start(trace, replay_dnis or traffic.replay_dnis)
        seats.start_shifts(shifts if shifts is not None else shift_plan(centre, traffic))

    def _people(
        self, rng: random.Random, menu_keys: Callable[[str, str], list[str] | None] | None
    ) -> tuple[CallerBehaviour, SeatBehaviour]:
        """The synthetic callers and seats, sharing the calls in progress and the ring time."""
        ring = self.traffic.seats.ring_time.sampler()
        seats = SeatBehaviour(
            self.centre,
            self.traffic,
            timeline=self._timeline,
            calls=self._calls,
            send=self._send,
            ring=ring,
        )
        callers = CallerBehaviour(
            self.traffic,
            timeline=self._timeline,
            calls=self._calls,
            send=self._send,
            takes=self._takes,
            talk=seats.talk,
            ring=ring,
            rng=rng,
            menu_keys=menu_keys,
        )
        return callers, seats

    def _fire(self, timer: Timer) -> None:
        if timer.cancelled:
            return
        self._outputs.handle(self.engine.fire(timer))

    def watch_events(self, watcher: Callable[[Any], None]) -> None:
        """Show ``watcher`` every event the synthetic callers and seats send, before the engine
        takes it: what the engine is told, which its outputs (``Measures.also_feed``) do not show."""
        self._event_watchers.append(watcher)

    def _send(self, event: Any) -> None:
        self.events += 1
        for watch in self._event_watchers:
            watch(event)
        self._outputs.handle(self.engine.handle(event))

    def _takes(self, kind: type, call_id: str) -> bool:
        return self.engine.takes(kind, call_id)

    def run(
        self,
        until: float | None = None,
        progress: Callable[[float], None] | None = None,
        every: int = 20000,
    ) -> RunStats:
        """Run to the end of the traffic (or ``until``); ``progress(now)`` every ``every`` steps."""
        self._timeline.run(until, progress, every)
        return RunStats(
            calls=self._arrivals.calls,
            events=self.events,
            simulated_s=self.clock.now() - self.origin,
        )

    @property
    def calls_in_progress(self) -> int:
        return len(self._calls)

    @property
    def pending(self) -> int:
        """Items still on the heap: timers, arrivals, actions not yet run (cancelled ones too, until due)."""
        return self._timeline.pending
