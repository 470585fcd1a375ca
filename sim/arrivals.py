"""When callers arrive: drawn from the traffic's arrival streams, or replayed from a trace.

Only the next arrival of each stream is on the heap at any time, so memory
does not grow with the number of calls simulated.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator

from sim.callers import Caller
from sim.timeline import Timeline
from sim.trace import TraceCall
from sim.traffic import ArrivalStream, TrafficModel


class Arrivals:
    """Brings callers in and hands each to ``begin(caller, dnis)``; counts them.

    ``seed`` picks the arrival streams; ``caller_seed`` plus the call's number
    seeds the caller's own stream.
    """

    def __init__(
        self,
        traffic: TrafficModel,
        *,
        timeline: Timeline,
        begin: Callable[[Caller, str], None],
        seed: int,
        caller_seed: int,
    ) -> None:
        self._traffic = traffic
        self._push = timeline.push
        self._now = timeline.clock.now
        self._begin = begin
        self._streams = random.Random(f"arrivals-{seed}")
        self._caller_seed = caller_seed
        self._trace: Iterator[TraceCall] = iter(())
        self._replay_dnis: dict[str, str] = {}
        self._default_dnis = traffic.arrivals[0].dnis
        self.calls = 0

    def start(self, trace: Iterable[TraceCall] | None, replay_dnis: dict[str, str]) -> None:
        """The first arrivals on the heap: the trace's, or each stream's."""
        if trace is not None:
            self._trace = iter(trace)
            self._replay_dnis = replay_dnis
            self._next_trace()
            return
        for i, arr in enumerate(self._traffic.arrivals):
            stream = ArrivalStream(
                arr,
                origin=self._traffic.origin,
                days=self._traffic.days,
                rng=random.Random(f"{self._streams.random()}-{i}"),
            )
            self._next_arrival(stream)

    def _next_arrival(self, stream: ArrivalStream) -> None:
        t = stream.next()
        if t is not None:
            self._push(t, self._arrive, stream)

    def _arrive(self, stream: ArrivalStream) -> None:
        self._next_arrival(stream)
        self.calls += 1
        n = self.calls
        caller = Caller(
            f"c{n}",
            f"0{30_000_000 + (n * 7919) % 60_000_000:08d}",
            random.Random(self._caller_seed + n),
        )
        self._begin(caller, stream.arrivals.dnis)

    def _next_trace(self) -> None:
        call = next(self._trace, None)
        if call is not None:
            self._push(max(call.arrival, self._now()), self._arrive_traced, call)

    def _arrive_traced(self, call: TraceCall) -> None:
        self._next_trace()
        self.calls += 1
        n = self.calls
        caller = Caller(f"c{n}", call.caller or f"t{n}", random.Random(self._caller_seed + n))
        caller.digits = list(call.digits) if call.digits else None
        caller.handle_s = call.handle_s
        caller.patience_s = call.patience_s
        self._begin(caller, replayed_dnis(call, self._replay_dnis, self._default_dnis))


def replayed_dnis(call: TraceCall, replay_dnis: dict[str, str], default: str) -> str:
    """The number a replayed call dials: its own, else its service's in ``replay_dnis``,
    else ``default`` (the traffic's first number): queue_log and CDR traces have none."""
    return call.dnis or replay_dnis.get(call.service or "", default)
