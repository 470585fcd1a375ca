"""Matching a waiting call and a free seat: the one place the idle-seat rule is kept.

"No free seat that may take a waiting call is left idle while it waits" holds
because every way a call starts waiting ends in :meth:`Matcher.place` and
every way a seat becomes free ends in :meth:`Matcher.seat_free`; each matches
at once or leaves a reason (a widening step not reached: a timer for it).
``tests/routing/test_properties.py`` checks the rule after every event.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from ivr.clock import Clock
from ivr.model.commands import OfferCall, PlaceCallback
from ivr.model.facts import SeatState
from ivr.model.outputs import Output
from ivr.routing.seat_pool import SeatPool
from ivr.routing.state import Call, CallState, Seat
from ivr.routing.timers import TimerKind, Timers


class Matcher:
    """Offers calls to seats: the best seat for a call that starts waiting, the best call for a freed seat."""

    def __init__(self, pool: SeatPool, *, timers: Timers, clock: Clock, seq: count[int]) -> None:
        self._pool = pool
        self._timers = timers
        self._clock = clock
        self._seq = seq

    def place(self, call: Call, out: list[Output]) -> None:
        """Offer a waiting call to the best free seat of its open steps, or wait for the next step."""
        q = call.queue
        now = self._clock.now()
        waited = now - call.eff
        while True:
            seat = self._pool.find(q, waited, 0.0, call.tier)
            if seat is None:
                break
            # The seat may take other calls too, some better than this one (a step of a
            # higher-priority caller opening at the same instant): it chooses, by its own rule.
            chosen = self.best_call_for(seat) or call
            self.offer(chosen, seat, out)
            if chosen is call:
                return
        next_after: float | None = None
        for step in q.steps:
            if step.after_s > waited and (next_after is None or step.after_s < next_after):
                next_after = step.after_s
        if next_after is not None:
            if call.widen_timer is not None:
                call.widen_timer.cancel()
            call.widen_timer = self._timers.start(call.eff + next_after, TimerKind.WIDEN, call.id)

    def requeue(self, call: Call, out: list[Output]) -> None:
        """An offer that came to nothing: the call is back where it stood and is matched again."""
        self.return_to_line(call)
        self.place(call, out)

    def return_to_line(self, call: Call) -> None:
        """Back in its queue's line, where it stood, with no seat; :meth:`place` must follow.

        Its key is unchanged, so its place in line is too; its maximum wait and
        announcements run again from now.
        """
        call.seat = None
        call.state = CallState.WAITING
        call.queue.add(call)
        now = self._clock.now()
        config = call.queue.config
        if config.max_wait_s is not None:
            call.max_wait_timer = self._timers.start(
                max(call.leg_start + config.max_wait_s, now), TimerKind.MAX_WAIT, call.id
            )
        if config.announce_every_s is not None:
            call.announce_timer = self._timers.start(
                now + config.announce_every_s, TimerKind.ANNOUNCE, call.id
            )

    def seat_free(self, seat: Seat, out: list[Output]) -> None:
        """The seat may take a call: give it the best one waiting, or index it as free."""
        if not seat.offerable:
            return
        call = self.best_call_for(seat)
        if call is not None:
            self.offer(call, seat, out)
            return
        self._pool.index_free(seat)

    def best_call_for(self, seat: Seat) -> Call | None:
        """Its personal line first; then the best head among the queues it serves (core docstring)."""
        if seat.personal:
            call: Call = seat.personal[0][1]
            return call
        now = self._clock.now()
        best: Call | None = None
        best_key: tuple[int, int, float, int] | None = None
        for q, after, rank in seat.serves:
            horizon = now - after
            for prio in q.priorities:
                lst = q.by_priority[prio]
                if not lst:
                    continue
                key, call = lst[0]
                if key[0] <= horizon:
                    candidate = (rank, -prio, -q.config.weight * (now - key[0]), key[1])
                    if best_key is None or candidate < best_key:
                        best_key, best = candidate, call
                    break
        return best

    def offer(self, call: Call, seat: Seat, out: list[Output]) -> None:
        """Ring ``seat`` for ``call``, or dial the customer back for a callback that reached it."""
        now = self._clock.now()
        call.unlist()
        call.cancel_wait_timers()
        seat.last_offer = next(self._seq)
        seat.call = call
        call.seat = seat
        call.offered_at = now
        self._pool.set_state(seat, SeatState.RINGING, "", out)
        if call.state is CallState.CALLBACK:
            call.state = CallState.DIALING_BACK
            out.append(
                PlaceCallback(call_id=call.id, seat_id=seat.id, number=call.callback_number or "")
            )
            return
        call.state = CallState.RINGING
        ring_timeout = call.queue.config.ring_timeout_s
        call.ring_timer = self._timers.start(now + ring_timeout, TimerKind.RING, call.id)
        out.append(
            OfferCall(
                call_id=call.id,
                seat_id=seat.id,
                queue=call.queue.name,
                endpoint=seat.config.endpoint,
                ring_timeout_s=ring_timeout,
                context=_screen_pop(call, now),
            )
        )


def _screen_pop(call: Call, now: float) -> dict[str, Any]:
    """What the seat sees (R3, screen pop): the context, who is calling, and the transfers."""
    pop = dict(call.context)
    pop["caller"] = call.caller
    pop["dnis"] = call.dnis
    pop["tier"] = call.tier.value
    pop["service"] = call.service
    pop["queue"] = call.queue.name
    pop["waited_s"] = round(now - call.leg_start, 3)
    if call.history:
        pop["transfers"] = [dict(h) for h in call.history]
    return pop
