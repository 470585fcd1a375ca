"""The routing core's state and the small helpers every part of it uses.

:class:`CoreBase` holds seats, queues, calls and counters, reads the clock and
asks for timers; :mod:`ivr.routing.seat_rules` (a seat's life: log in, pause,
wrap-up, becoming free) and :mod:`ivr.routing.core` (a call's life: waiting,
offered, talking, transferred, gone) build on it. The split is by subject;
together they are one :class:`~ivr.routing.core.RoutingCore`.
"""

from __future__ import annotations

import random
from itertools import count

from ivr.clock import Clock
from ivr.errors import (
    IllegalTransitionError,
    UnknownCallError,
    UnknownQueueError,
    UnknownSeatError,
)
from ivr.model.facts import AlarmChanged
from ivr.model.outputs import Output
from ivr.model.skills import AlarmConfig, CentreConfig, Strategy
from ivr.routing.alarms import next_level
from ivr.routing.seats_index import FreeSeats, PoolKey
from ivr.routing.state import Call, QueueState, Seat
from ivr.scheduling import Scheduler, Timer

CENTRE = "*"


class CoreBase:
    centre: CentreConfig
    queues: dict[str, QueueState]
    seats: dict[str, Seat]
    calls: dict[str, Call]
    centre_waiting: int
    centre_open: int
    centre_alarm: int
    _clock: Clock
    _scheduler: Scheduler
    _rng: random.Random
    _seq: count[int]
    _index: dict[tuple[Strategy, PoolKey], FreeSeats]
    _seat_pools: dict[str, list[tuple[FreeSeats, int]]]
    _uses_random: bool

    # Matching, defined by the call side (RoutingCore) and used by the seat side.
    def _offer(self, call: Call, seat: Seat, out: list[Output]) -> None:
        raise NotImplementedError

    def _place(self, call: Call, out: list[Output]) -> None:
        raise NotImplementedError

    def _rearm_wait_timers(self, call: Call, now: float) -> None:
        raise NotImplementedError

    def _check_alarms(self, q: QueueState, out: list[Output]) -> None:
        """Re-evaluate the queue's and the centre's alarm after a count changed."""
        self._check_queue_alarm(q, out)
        self._check_centre_only(out)

    def _check_queue_alarm(self, q: QueueState, out: list[Output]) -> None:
        q.alarm_level = self._alarm(
            q.name, q.config.alarm, q.alarm_level, q.waiting, q.open_seats, out
        )

    def _check_centre_only(self, out: list[Output]) -> None:
        self.centre_alarm = self._alarm(
            CENTRE, self.centre.alarm, self.centre_alarm, self.centre_waiting, self.centre_open, out
        )

    def _alarm(
        self,
        scope: str,
        config: AlarmConfig,
        current: int,
        waiting: int,
        open_seats: int,
        out: list[Output],
    ) -> int:
        """The alarm level of ``scope`` now; a change is a fact."""
        # Quiet is the usual case: no alarm and under level 1, nothing to compute.
        if not current and waiting < config.level1 * open_seats:
            return 0
        level = next_level(config, current, waiting, open_seats)
        if level != current:
            out.append(
                AlarmChanged(
                    scope=scope,
                    level=level,
                    previous=current,
                    waiting=waiting,
                    open_seats=open_seats,
                    at=self._clock.now(),
                )
            )
        return level

    def _estimate(self, q: QueueState, ahead: int) -> float:
        """Seconds until a seat takes a caller with ``ahead`` callers before it.

        With every seat that may take the call busy, one frees on average every
        ``handle / open seats`` seconds, and ``ahead + 1`` must free. The
        handle time is the queue's recent average (an exponentially weighted
        mean of talk plus wrap-up), not a day-long one.
        """
        seats = max(q.open_seats, 1)
        return (ahead + 1) * q.handle_ewma / seats

    def _unlist(self, call: Call) -> None:
        """Take the call out of whichever line holds it, if any."""
        if not call.listed:
            return
        if call.personal is not None:
            call.personal.release(call)
        else:
            call.queue.remove(call)

    def _timer(self, when: float, kind: str, owner: str) -> Timer:
        timer = Timer(when, kind, owner)
        self._scheduler.schedule(timer)
        return timer

    def _queue(self, name: str) -> QueueState:
        q = self.queues.get(name)
        if q is None:
            msg = f"queue '{name}' is not configured; queues are: {', '.join(sorted(self.queues))}"
            raise UnknownQueueError(msg, queue=name)
        return q

    def _seat(self, seat_id: str) -> Seat:
        seat = self.seats.get(seat_id)
        if seat is None:
            msg = f"seat '{seat_id}' is not configured: add it to skills/ or check the id"
            raise UnknownSeatError(msg, seat_id=seat_id)
        return seat

    def _call(self, call_id: str) -> Call:
        call = self.calls.get(call_id)
        if call is None:
            msg = f"call '{call_id}' is not waiting, ringing or talking in the routing core"
            raise UnknownCallError(msg, call_id=call_id)
        return call

    def _illegal(self, call: Call, event: str, why: str) -> None:
        msg = f"{event} for call {call.id} in state {call.state.value}: {why}"
        raise IllegalTransitionError(msg, call_id=call.id, state=call.state.value, event=event)
