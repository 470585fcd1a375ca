"""A seat's life in the routing core: log in and out, pause and ready, ring out, wrap up, become free.

When a seat becomes free it takes its best waiting call (see the order in
:mod:`ivr.routing.core`) or joins the free-seat index. A pause or a log-out
asked during a call waits for the call (and its wrap-up) to end.
"""

from __future__ import annotations

from ivr.errors import IllegalTransitionError
from ivr.model.commands import CancelOffer
from ivr.model.events import (
    SeatDeviceBusy,
    SeatLoggedIn,
    SeatLoggedOut,
    SeatPaused,
    SeatReady,
    SeatSkillsChanged,
)
from ivr.model.facts import SeatChanged, SeatState
from ivr.model.outputs import Output
from ivr.model.skills import Pool
from ivr.routing.base import CoreBase
from ivr.routing.seats_index import FreeSeats
from ivr.routing.state import Call, CallState, QueueState, Seat
from ivr.scheduling import Timer

WRAP = "wrap"
PENALTY = "penalty"


class SeatRules(CoreBase):
    def _on_login(self, ev: SeatLoggedIn, out: list[Output]) -> None:
        seat = self._seat(ev.seat_id)
        if seat.state is not SeatState.LOGGED_OUT:
            if seat.pending is not None and seat.pending[0] is SeatState.LOGGED_OUT:
                seat.pending = None  # logged back in before the call ended
            return
        self._set_state(seat, SeatState.AVAILABLE, "", out)
        self._seat_free(seat, out)

    def _on_logout(self, ev: SeatLoggedOut, out: list[Output]) -> None:
        seat = self._seat(ev.seat_id)
        state = seat.state
        if state is SeatState.LOGGED_OUT:
            return
        if state is SeatState.ON_CALL:
            seat.pending = (SeatState.LOGGED_OUT, "")
            return
        if state is SeatState.RINGING and seat.call is not None:
            call = seat.call
            if call.state is CallState.DIALING_BACK:
                seat.pending = (SeatState.LOGGED_OUT, "")
                return
            out.append(CancelOffer(call_id=call.id, seat_id=seat.id))
            self._return_to_queue(call, out)
        self._end_wrap(seat)
        self._cancel_penalty(seat)
        self._set_state(seat, SeatState.LOGGED_OUT, "", out)
        self._release_personal_line(seat, out)

    def _return_to_queue(self, call: Call, out: list[Output]) -> None:
        """An offer withdrawn without a no-answer (the seat logged out): the call keeps its place."""
        if call.ring_timer is not None:
            call.ring_timer.cancel()
            call.ring_timer = None
        seat = call.seat
        if seat is not None:
            seat.call = None
        call.seat = None
        call.state = CallState.WAITING
        call.queue.add(call)
        self._rearm_wait_timers(call, self._clock.now())
        self._place(call, out)

    def _release_personal_line(self, seat: Seat, out: list[Output]) -> None:
        while seat.personal:
            call: Call = seat.personal[0][1]
            seat.release(call)
            if call.fcr_timer is not None:
                call.fcr_timer.cancel()
                call.fcr_timer = None
            call.queue.add(call)
            self._place(call, out)

    def _on_pause(self, ev: SeatPaused, out: list[Output]) -> None:
        seat = self._seat(ev.seat_id)
        state = seat.state
        if state is SeatState.LOGGED_OUT:
            msg = f"seat {seat.id} is logged out: log it in before pausing it"
            raise IllegalTransitionError(
                msg, seat_id=seat.id, state=state.value, event="SeatPaused"
            )
        if state is SeatState.ON_CALL or state is SeatState.RINGING:
            seat.pending = (SeatState.PAUSED, ev.reason)
            return
        self._end_wrap(seat)
        self._set_state(seat, SeatState.PAUSED, ev.reason, out)

    def _on_ready(self, ev: SeatReady, out: list[Output]) -> None:
        seat = self._seat(ev.seat_id)
        state = seat.state
        if state is SeatState.LOGGED_OUT:
            msg = f"seat {seat.id} is logged out: log it in rather than making it ready"
            raise IllegalTransitionError(msg, seat_id=seat.id, state=state.value, event="SeatReady")
        if state is SeatState.ON_CALL or state is SeatState.RINGING:
            seat.pending = None
            return
        if state is SeatState.AVAILABLE:
            return
        self._end_wrap(seat)
        self._set_state(seat, SeatState.AVAILABLE, "", out)
        self._seat_free(seat, out)

    def _on_skills(self, ev: SeatSkillsChanged, out: list[Output]) -> None:
        seat = self._seat(ev.seat_id)
        was_open = seat.is_open
        if was_open:
            self._count_open(seat, -1, out)
        seat.skills = dict(ev.skills)
        seat.general = ev.general
        seat.level = ev.level
        self._compute_membership(seat)
        if was_open:
            self._count_open(seat, +1, out)
        if seat.offerable:
            self._seat_free(seat, out)

    def _on_device_busy(self, ev: SeatDeviceBusy, out: list[Output]) -> None:
        seat = self._seat(ev.seat_id)
        if seat.device_busy == ev.busy:
            return
        seat.device_busy = ev.busy
        if not ev.busy and seat.offerable:
            self._seat_free(seat, out)

    def _timer_wrap(self, timer: Timer, out: list[Output]) -> None:
        seat = self.seats[timer.owner]
        if seat.wrap_timer is not timer:
            return
        seat.wrap_timer = None
        self._after_call(seat, out)

    def _timer_penalty(self, timer: Timer, out: list[Output]) -> None:
        seat = self.seats[timer.owner]
        if seat.penalty_timer is not timer:
            return
        seat.penalty_timer = None
        self._seat_free(seat, out)

    def _wrap_up(self, seat: Seat, q: QueueState, out: list[Output]) -> None:
        wrap = q.config.wrap_up_s
        if wrap > 0:
            self._set_state(seat, SeatState.WRAP_UP, "", out)
            seat.wrap_timer = self._timer(self._clock.now() + wrap, WRAP, seat.id)
        else:
            self._after_call(seat, out)

    def _after_call(self, seat: Seat, out: list[Output]) -> None:
        if seat.pending is not None:
            self._apply_pending(seat, out)
            return
        self._set_state(seat, SeatState.AVAILABLE, "", out)
        self._seat_free(seat, out)

    def _apply_pending(self, seat: Seat, out: list[Output]) -> None:
        assert seat.pending is not None
        state, reason = seat.pending
        seat.pending = None
        self._end_wrap(seat)
        self._set_state(seat, state, reason, out)
        if state is SeatState.LOGGED_OUT:
            self._release_personal_line(seat, out)

    def _end_wrap(self, seat: Seat) -> None:
        if seat.wrap_timer is not None:
            seat.wrap_timer.cancel()
            seat.wrap_timer = None

    def _cancel_penalty(self, seat: Seat) -> None:
        if seat.penalty_timer is not None:
            seat.penalty_timer.cancel()
            seat.penalty_timer = None

    def _seat_free(self, seat: Seat, out: list[Output]) -> None:
        """The seat may take a call: give it the best one waiting, or index it as free."""
        if not seat.offerable:
            return
        call = self._best_call_for(seat)
        if call is not None:
            self._offer(call, seat, out)
            return
        seat.free_epoch += 1
        if self._uses_random:
            seat.random_key = self._rng.random()
        for free, level in self._seat_pools[seat.id]:
            free.push(seat, level, next(self._seq))

    def _best_call_for(self, seat: Seat) -> Call | None:
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

    def _set_state(self, seat: Seat, state: SeatState, reason: str, out: list[Output]) -> None:
        previous = seat.state
        if previous is state and seat.reason == reason:
            return
        now = self._clock.now()
        was_open = seat.is_open
        seat.state = state
        seat.reason = reason
        seat.since = now
        if state is SeatState.AVAILABLE and previous is not SeatState.AVAILABLE:
            seat.free_since = now
        out.append(
            SeatChanged(
                seat_id=seat.id,
                state=state,
                previous=previous,
                reason=reason,
                call_id=seat.call.id if seat.call is not None else None,
                at=now,
            )
        )
        if was_open != seat.is_open:
            self._count_open(seat, 1 if seat.is_open else -1, out)

    def _count_open(self, seat: Seat, delta: int, out: list[Output]) -> None:
        self.centre_open += delta
        for q, _after, _rank in seat.serves:
            q.open_seats += delta
            self._check_queue_alarm(q, out)
        self._check_centre_only(out)

    def _compute_membership(self, seat: Seat) -> None:
        """Which queues the seat serves (from how long a wait) and which free-seat heaps it joins."""
        serves: list[tuple[QueueState, float, int]] = []
        for q in self.queues.values():
            skill = q.config.skill
            after: float | None = None
            rank = 1
            for step in q.steps:
                if step.pool is Pool.SKILL and skill is None:
                    continue
                if seat.qualifies(step, skill):
                    if after is None or step.after_s < after:
                        after = step.after_s
                    if step.pool is not Pool.ALL:
                        rank = 0
            if after is not None:
                serves.append((q, after, rank))
        serves.sort(key=lambda item: (item[2], item[1], item[0].name))
        seat.serves = serves
        pools: list[tuple[FreeSeats, int]] = []
        for (_strategy, (pool, skill)), free in self._index.items():
            level = seat.level_in(pool, skill)
            if level is not None:
                pools.append((free, level))
        self._seat_pools[seat.id] = pools
