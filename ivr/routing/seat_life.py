"""A seat's life in the routing core: log in and out, pause and ready, wrap up, become free.

When a seat becomes free it takes its best waiting call (see the order in
:mod:`ivr.routing.core`) or joins the free-seat index. A pause or a log-out
asked during a call waits for the call (and its wrap-up) to end. However its
call ends, a seat goes through :meth:`SeatLife.end_call` (after talking) or
:meth:`SeatLife.release` (after an offer or a callback that came to nothing):
the one way a seat is given back.
"""

from __future__ import annotations

from ivr.clock import Clock
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
from ivr.model.facts import SeatState
from ivr.model.outputs import Output
from ivr.model.skills import NoAnswer
from ivr.routing.matching import Matcher
from ivr.routing.seat_pool import SeatPool
from ivr.routing.state import Call, CallState, QueueState, Seat
from ivr.routing.timers import TimerKind, Timers, stop
from ivr.scheduling import Timer


class SeatLife:
    """The seat events and seat timers of the routing core."""

    def __init__(self, pool: SeatPool, match: Matcher, *, timers: Timers, clock: Clock) -> None:
        self._pool = pool
        self._match = match
        self._timers = timers
        self._clock = clock

    # --- events ------------------------------------------------------------------

    def logged_in(self, ev: SeatLoggedIn, out: list[Output]) -> None:
        seat = self._pool.seat(ev.seat_id)
        if seat.state is not SeatState.LOGGED_OUT:
            if seat.pending is not None and seat.pending[0] is SeatState.LOGGED_OUT:
                seat.pending = None  # logged back in before the call ended
            return
        seat.pending = None
        self._pool.set_state(seat, SeatState.AVAILABLE, "", out)
        self._match.seat_free(seat, out)

    def logged_out(self, ev: SeatLoggedOut, out: list[Output]) -> None:
        seat = self._pool.seat(ev.seat_id)
        state = seat.state
        if state is SeatState.LOGGED_OUT:
            return
        if state is SeatState.ON_CALL:
            seat.pending = (SeatState.LOGGED_OUT, "")
            return
        withdrawn: Call | None = None
        if state is SeatState.RINGING and seat.call is not None:
            call = seat.call
            if call.state is CallState.DIALING_BACK:
                seat.pending = (SeatState.LOGGED_OUT, "")
                return
            # The offer is withdrawn without a no-answer: the call keeps its place.
            out.append(CancelOffer(call_id=call.id, seat_id=seat.id))
            stop(call.ring_timer)
            call.ring_timer = None
            seat.call = None
            self._match.return_to_line(call)
            withdrawn = call
        seat.pending = None  # a log-out now spends one asked during the last call
        self._end_wrap(seat)
        stop(seat.penalty_timer)
        seat.penalty_timer = None
        self._pool.set_state(seat, SeatState.LOGGED_OUT, "", out)
        # Every call the seat let go is back in line before any is matched, so each
        # free seat takes the best of them, not the first one handed back.
        self._release_personal_line(seat, out)
        if withdrawn is not None and withdrawn.state is CallState.WAITING and withdrawn.listed:
            self._match.place(withdrawn, out)

    def paused(self, ev: SeatPaused, out: list[Output]) -> None:
        seat = self._pool.seat(ev.seat_id)
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
        self._pool.set_state(seat, SeatState.PAUSED, ev.reason, out)

    def ready(self, ev: SeatReady, out: list[Output]) -> None:
        seat = self._pool.seat(ev.seat_id)
        state = seat.state
        if state is SeatState.LOGGED_OUT:
            msg = f"seat {seat.id} is logged out: log it in rather than making it ready"
            raise IllegalTransitionError(msg, seat_id=seat.id, state=state.value, event="SeatReady")
        if state is SeatState.ON_CALL or state is SeatState.RINGING:
            seat.pending = None
            return
        seat.pending = None  # ready now: what was asked during the last call is undone
        if state is SeatState.AVAILABLE:
            return
        self._end_wrap(seat)
        self._pool.set_state(seat, SeatState.AVAILABLE, "", out)
        self._match.seat_free(seat, out)

    def skills_changed(self, ev: SeatSkillsChanged, out: list[Output]) -> None:
        seat = self._pool.seat(ev.seat_id)
        self._pool.change_skills(seat, ev.skills, ev.general, ev.level, out)
        self._match.seat_free(seat, out)

    def device_busy(self, ev: SeatDeviceBusy, out: list[Output]) -> None:
        seat = self._pool.seat(ev.seat_id)
        if seat.device_busy == ev.busy:
            return
        seat.device_busy = ev.busy
        if not ev.busy:
            self._match.seat_free(seat, out)

    # --- timers ------------------------------------------------------------------

    def wrap_ended(self, timer: Timer, out: list[Output]) -> None:
        seat = self._pool.seats[timer.owner]
        if seat.wrap_timer is not timer:
            return
        seat.wrap_timer = None
        self.release(seat, out)

    def penalty_ended(self, timer: Timer, out: list[Output]) -> None:
        seat = self._pool.seats[timer.owner]
        if seat.penalty_timer is not timer:
            return
        seat.penalty_timer = None
        self._match.seat_free(seat, out)

    # --- how a seat is given back -------------------------------------------------

    def end_call(self, seat: Seat, q: QueueState, out: list[Output]) -> None:
        """The seat's talk ended (completed or transferred): wrap-up, then :meth:`release`."""
        seat.call = None
        wrap = q.config.wrap_up_s
        if wrap > 0:
            self._pool.set_state(seat, SeatState.WRAP_UP, "", out)
            seat.wrap_timer = self._timers.start(self._clock.now() + wrap, TimerKind.WRAP, seat.id)
        else:
            self.release(seat, out)

    def release(self, seat: Seat, out: list[Output]) -> None:
        """The seat has no call any more: it becomes what was asked during the call, or free."""
        seat.call = None
        if seat.pending is not None:
            self._apply_pending(seat, out)
            return
        self._pool.set_state(seat, SeatState.AVAILABLE, "", out)
        self._match.seat_free(seat, out)

    def after_no_answer(self, seat: Seat, policy: NoAnswer, out: list[Output]) -> None:
        """A seat that let an offer ring out is paused, or skipped for the queue's penalty."""
        seat.call = None
        if seat.pending is not None:
            self._apply_pending(seat, out)
        elif policy.action == "pause":
            self._pool.set_state(seat, SeatState.PAUSED, policy.reason, out)
        else:
            seat.penalty_timer = self._timers.start(
                self._clock.now() + policy.penalty_s, TimerKind.PENALTY, seat.id
            )
            self._pool.set_state(seat, SeatState.AVAILABLE, "", out)

    def _apply_pending(self, seat: Seat, out: list[Output]) -> None:
        assert seat.pending is not None
        state, reason = seat.pending
        seat.pending = None
        self._end_wrap(seat)
        self._pool.set_state(seat, state, reason, out)
        if state is SeatState.LOGGED_OUT:
            self._release_personal_line(seat, out)

    def _release_personal_line(self, seat: Seat, out: list[Output]) -> None:
        """A seat gone: the calls that waited for it by name join their queues' lines."""
        while seat.personal:
            call: Call = seat.personal[0][1]
            seat.release(call)
            stop(call.fcr_timer)
            call.fcr_timer = None
            call.queue.add(call)
            self._match.place(call, out)

    def _end_wrap(self, seat: Seat) -> None:
        stop(seat.wrap_timer)
        seat.wrap_timer = None
