"""A call's life in the routing core: waiting, offered, talking, transferred, called back, gone.

Every way a call starts waiting ends in :meth:`Matcher.place
<ivr.routing.matching.Matcher.place>`; every way its seat is given back goes
through :class:`~ivr.routing.seat_life.SeatLife`. The rules are in the module
docstring of :mod:`ivr.routing.core`.
"""

from __future__ import annotations

from itertools import count
from typing import NoReturn

from ivr.clock import Clock
from ivr.errors import IllegalTransitionError, UnknownCallError, UnknownQueueError
from ivr.model.commands import Announce, CancelOffer
from ivr.model.events import (
    CallbackConnected,
    CallbackFailed,
    CallbackRequested,
    CallEnded,
    CallEnqueued,
    SeatAnswered,
    SeatDidNotAnswer,
    TransferRequested,
)
from ivr.model.facts import (
    Abandoned,
    Answered,
    CallbackQueued,
    Completed,
    CutOff,
    Diverted,
    Queued,
    RingNoAnswer,
    SeatState,
    Transferred,
)
from ivr.model.outputs import Output
from ivr.model.skills import CentreConfig, Exit, ExitAction
from ivr.routing.alarms import PeakAlarms
from ivr.routing.exits import divert, exit_of, peak_diversion
from ivr.routing.matching import Matcher
from ivr.routing.seat_life import SeatLife
from ivr.routing.seat_pool import SeatPool
from ivr.routing.state import Call, CallState, QueueState, Seat
from ivr.routing.timers import TimerKind, Timers, stop
from ivr.scheduling import Timer


class CallLife:
    """The call events and call timers of the routing core, and the calls it holds."""

    def __init__(
        self,
        centre: CentreConfig,
        queues: dict[str, QueueState],
        *,
        pool: SeatPool,
        match: Matcher,
        seats: SeatLife,
        alarms: PeakAlarms,
        timers: Timers,
        clock: Clock,
        seq: count[int],
    ) -> None:
        self.centre = centre
        self.queues = queues
        self.calls: dict[str, Call] = {}
        self._pool = pool
        self._match = match
        self._seats = seats
        self._alarms = alarms
        self._timers = timers
        self._clock = clock
        self._seq = seq
        self._general = centre.general_queue

    def queue(self, name: str) -> QueueState:
        q = self.queues.get(name)
        if q is None:
            msg = f"queue '{name}' is not configured; queues are: {', '.join(sorted(self.queues))}"
            raise UnknownQueueError(msg, queue=name)
        return q

    def _exit_of(self, q: QueueState) -> Exit:
        return exit_of(q, self._general, self.queues)

    def call(self, call_id: str) -> Call:
        call = self.calls.get(call_id)
        if call is None:
            msg = f"call '{call_id}' is not waiting, ringing or talking in the routing core"
            raise UnknownCallError(msg, call_id=call_id)
        return call

    # --- entering a queue ----------------------------------------------------------

    def enqueued(self, ev: CallEnqueued, out: list[Output]) -> None:
        if ev.call_id in self.calls:
            msg = f"call {ev.call_id} is already in queue {self.calls[ev.call_id].queue.name}"
            raise IllegalTransitionError(msg, call_id=ev.call_id, event="CallEnqueued")
        q = self.queue(ev.queue)
        now = self._clock.now()
        policy = self.centre.tiers.get(ev.tier)
        priority = ev.priority if ev.priority is not None else (policy.priority if policy else 0)
        head_start = policy.head_start_s if policy else 0.0

        if (
            ev.peak_diversion
            and priority < self.centre.transfer_priority
            and ev.tier not in q.config.alarm.exempt_tiers
        ):
            diversion = peak_diversion(q, self._alarms.level, self.centre.alarm)
            if diversion is not None:
                reason, exit_ = diversion
                divert(ev.call_id, q, reason, exit_, ev.waited_s, now, out)
                return
        if q.config.max_length is not None and q.waiting >= q.config.max_length:
            divert(ev.call_id, q, "full", self._exit_of(q), ev.waited_s, now, out)
            return

        start = now - ev.waited_s
        call = Call(
            call_id=ev.call_id,
            queue=q,
            caller=ev.caller,
            dnis=ev.dnis,
            service=ev.service,
            tier=ev.tier,
            priority=priority,
            context=ev.context,
            owner_seat=ev.owner_seat,
            entered=now,
            eff=start - head_start,
            seq=next(self._seq),
        )
        call.leg_start = start
        self.calls[call.id] = call
        self._start_waiting(call, out)

    def _start_waiting(self, call: Call, out: list[Output]) -> None:
        """A call (new, transferred) starts waiting in ``call.queue``: count it, record it, match it."""
        q = call.queue
        self._alarms.line(q, +1)
        queued_at = len(out)  # the Queued fact goes before the offer it may lead to
        owner = self._pool.seats.get(call.owner_seat) if call.owner_seat else None
        if (
            owner is not None
            and owner.state is not SeatState.LOGGED_OUT
            and q.config.first_contact_wait_s > 0
        ):
            self._wait_for_owner(call, owner, q.config.first_contact_wait_s, out)
        else:
            seat = self._pool.find(q, call.entered - call.eff, 0.0, call.tier)
            if seat is not None and self._match.best_call_for(seat) is None:
                self._match.offer(call, seat, out)  # nobody else that seat may take waits
            else:
                q.add(call)
                self._match.place(call, out)
        if call.state is CallState.WAITING:
            config = q.config
            if config.max_wait_s is not None:
                when = call.leg_start + config.max_wait_s
                call.max_wait_timer = self._timers.start(
                    max(when, call.entered), TimerKind.MAX_WAIT, call.id
                )
            if config.announce_every_s is not None:
                call.announce_timer = self._timers.start(
                    call.entered + config.announce_every_s, TimerKind.ANNOUNCE, call.id
                )
            ahead = q.ahead_of(call.priority, call.key) if call.personal is None else 0
            position, estimate = ahead + 1, q.estimate(ahead)
        else:
            position, estimate = 1, 0.0
        out.insert(
            queued_at,
            Queued(
                call_id=call.id,
                queue=q.name,
                position=position,
                priority=call.priority,
                estimated_wait_s=estimate,
                at=call.entered,
            ),
        )
        self._alarms.check(q, out)

    def _wait_for_owner(self, call: Call, owner: Seat, window: float, out: list[Output]) -> None:
        """First-contact responsibility: the owner gets the call if free within ``window``."""
        if owner.offerable:
            self._match.offer(call, owner, out)
            return
        owner.hold(call)
        call.fcr_timer = self._timers.start(
            self._clock.now() + window, TimerKind.FIRST_CONTACT, call.id
        )

    # --- offered -------------------------------------------------------------------

    def answered(self, ev: SeatAnswered, out: list[Output]) -> None:
        call = self.call(ev.call_id)
        seat = self._pool.seat(ev.seat_id)
        if call.state is not CallState.RINGING or call.seat is not seat:
            _illegal(call, "SeatAnswered", f"seat {seat.id} was not ringing for it")
        self._connect(call, seat, out)

    def _connect(self, call: Call, seat: Seat, out: list[Output]) -> None:
        now = self._clock.now()
        stop(call.ring_timer)
        call.ring_timer = None
        call.state = CallState.TALKING
        call.talk_start = now
        seat.calls_today += 1
        q = call.queue
        self._alarms.line(q, -1)
        out.append(
            Answered(
                call_id=call.id,
                seat_id=seat.id,
                queue=q.name,
                wait_s=now - call.leg_start,
                ring_s=now - call.offered_at,
                at=now,
            )
        )
        self._pool.set_state(seat, SeatState.ON_CALL, "", out)
        self._alarms.check(q, out)

    def did_not_answer(self, ev: SeatDidNotAnswer, out: list[Output]) -> None:
        call = self.call(ev.call_id)
        seat = self._pool.seat(ev.seat_id)
        if call.state is not CallState.RINGING or call.seat is not seat:
            _illegal(call, "SeatDidNotAnswer", f"seat {seat.id} was not ringing for it")
        self._no_answer(call, seat, ev.reason, out)

    def ring_timed_out(self, timer: Timer, out: list[Output]) -> None:
        call = self.calls.get(timer.owner)
        if call is None or call.ring_timer is not timer or call.seat is None:
            return
        out.append(CancelOffer(call_id=call.id, seat_id=call.seat.id))
        self._no_answer(call, call.seat, "noanswer", out)

    def _no_answer(self, call: Call, seat: Seat, reason: str, out: list[Output]) -> None:
        now = self._clock.now()
        stop(call.ring_timer)
        call.ring_timer = None
        q = call.queue
        out.append(
            RingNoAnswer(
                call_id=call.id,
                seat_id=seat.id,
                queue=q.name,
                ring_s=now - call.offered_at,
                reason=reason,
                at=now,
            )
        )
        call.seat = None
        call.state = CallState.WAITING
        self._seats.after_no_answer(seat, q.config.no_answer, out)
        self._match.requeue(call, out)

    # --- ending --------------------------------------------------------------------

    def ended(self, ev: CallEnded, out: list[Output]) -> None:
        call = self.call(ev.call_id)
        state = call.state
        if state is CallState.WAITING or state is CallState.RINGING:
            self._abandoned(call, out, cut=ev.by == "pbx")
        elif state is CallState.TALKING:
            self._completed(call, ev.by, out)
        elif state is CallState.CALLBACK:
            if ev.by == "caller":
                return  # the caller's own line ending after taking a callback: expected
            self._drop_callback(call, "callback-cancelled", out)
        else:  # DIALING_BACK: the callback leg ended before a seat talked
            self._callback_failed(call, "callback-hangup", out)

    def _abandoned(self, call: Call, out: list[Output], *, cut: bool = False) -> None:
        now = self._clock.now()
        q = call.queue
        position = (
            q.ahead_of(call.priority, call.key) + 1
            if call.state is CallState.WAITING and call.personal is None
            else 1
        )
        seat = call.seat
        self._leave(call)
        if seat is not None:
            out.append(CancelOffer(call_id=call.id, seat_id=seat.id))
        if cut:  # the PBX restarted: the caller did not give up
            out.append(CutOff(call_id=call.id, queue=q.name, wait_s=now - call.leg_start, at=now))
        else:
            out.append(
                Abandoned(
                    call_id=call.id,
                    queue=q.name,
                    wait_s=now - call.leg_start,
                    position=position,
                    at=now,
                )
            )
        if seat is not None:
            self._seats.release(seat, out)
        self._alarms.check(q, out)

    def _completed(self, call: Call, by: str, out: list[Output]) -> None:
        now = self._clock.now()
        seat = call.seat
        assert seat is not None
        talk = now - call.talk_start
        q = call.queue
        del self.calls[call.id]
        out.append(
            Completed(call_id=call.id, seat_id=seat.id, queue=q.name, talk_s=talk, by=by, at=now)
        )
        q.handle_ewma += self.centre.wait_estimate_alpha * (
            talk + q.config.wrap_up_s - q.handle_ewma
        )
        self._seats.end_call(seat, q, out)

    def _leave(self, call: Call) -> None:
        """Take a waiting or ringing call out of every structure (it is over for the core)."""
        call.unlist()
        if call.state is not CallState.CALLBACK and call.state is not CallState.DIALING_BACK:
            self._alarms.line(call.queue, -1)
        call.cancel_wait_timers()
        stop(call.ring_timer)
        call.ring_timer = None
        del self.calls[call.id]

    # --- transfers -----------------------------------------------------------------

    def transfer(self, ev: TransferRequested, out: list[Output]) -> None:
        call = self.call(ev.call_id)
        if call.state is not CallState.TALKING or call.seat is None:
            _illegal(call, "TransferRequested", "only a call talking to a seat is transferred")
        assert call.seat is not None
        if ev.queue is None and ev.seat_id is None:
            msg = "a transfer needs a target: a queue or a seat"
            raise IllegalTransitionError(msg, call_id=call.id, event="TransferRequested")
        target_q = self.queue(ev.queue) if ev.queue is not None else call.queue
        target_seat = self._pool.seat(ev.seat_id) if ev.seat_id is not None else None
        now = self._clock.now()
        seat, from_q = call.seat, call.queue
        talk = now - call.talk_start
        out.append(
            Transferred(
                call_id=call.id,
                from_seat=seat.id,
                from_queue=from_q.name,
                to_queue=target_q.name,
                to_seat=ev.seat_id,
                talk_s=talk,
                at=now,
            )
        )
        call.history.append(
            {
                "from_seat": seat.id,
                "from_queue": from_q.name,
                "to_queue": target_q.name,
                "to_seat": ev.seat_id,
                "note": ev.note,
                "by": ev.by or seat.id,
                "at": now,
            }
        )
        self._seats.end_call(seat, from_q, out)
        # R3: top priority in the target, with its whole context; a new leg starts now.
        call.queue = target_q
        call.priority = self.centre.transfer_priority
        call.entered = call.leg_start = call.eff = now
        call.key = (now, next(self._seq))
        call.state = CallState.WAITING
        call.seat = None
        call.owner_seat = ev.seat_id
        if target_seat is not None and target_seat.state is not SeatState.LOGGED_OUT:
            self._wait_for_named_seat(call, target_seat, out)
        else:
            self._start_waiting(call, out)

    def _wait_for_named_seat(self, call: Call, seat: Seat, out: list[Output]) -> None:
        """A transfer to a named seat: it waits for that seat, then joins the queue at top priority."""
        q = call.queue
        window = max(q.config.first_contact_wait_s, q.config.ring_timeout_s)
        self._alarms.line(q, +1)
        out.append(
            Queued(
                call_id=call.id,
                queue=q.name,
                position=1,
                priority=call.priority,
                estimated_wait_s=0.0,
                at=call.entered,
            )
        )
        self._wait_for_owner(call, seat, window, out)
        self._alarms.check(q, out)

    def first_contact_timed_out(self, timer: Timer, out: list[Output]) -> None:
        call = self.calls.get(timer.owner)
        if call is None or call.fcr_timer is not timer or call.personal is None:
            return
        call.fcr_timer = None
        call.personal.release(call)
        call.queue.add(call)
        self._match.place(call, out)

    # --- callbacks -----------------------------------------------------------------

    def callback_requested(self, ev: CallbackRequested, out: list[Output]) -> None:
        call = self.call(ev.call_id)
        if call.state is not CallState.WAITING:
            _illegal(call, "CallbackRequested", "only a waiting caller can take a callback")
        if call.personal is not None:
            call.personal.release(call)
            call.queue.add(call)
        # Off the line: no maximum wait and no announcements, but the steps still widen.
        for timer in (call.max_wait_timer, call.announce_timer, call.fcr_timer):
            stop(timer)
        call.max_wait_timer = call.announce_timer = call.fcr_timer = None
        call.state = CallState.CALLBACK
        call.callback_number = ev.number
        q = call.queue
        self._alarms.line(q, -1)  # off the line: no longer counts toward the peak alarm
        out.append(
            CallbackQueued(call_id=call.id, queue=q.name, number=ev.number, at=self._clock.now())
        )
        self._alarms.check(q, out)
        # It may have come out of a personal line into a queue with free seats.
        self._match.place(call, out)

    def callback_connected(self, ev: CallbackConnected, out: list[Output]) -> None:
        call = self.call(ev.call_id)
        if call.state is not CallState.DIALING_BACK or call.seat is None:
            _illegal(call, "CallbackConnected", "no callback was being placed")
        assert call.seat is not None
        # Counted back as waiting for the instant of the connect, as if the caller had waited.
        self._alarms.line(call.queue, +1)
        self._connect(call, call.seat, out)

    def callback_failed(self, ev: CallbackFailed, out: list[Output]) -> None:
        call = self.call(ev.call_id)
        if call.state is not CallState.DIALING_BACK:
            _illegal(call, "CallbackFailed", "no callback was being placed")
        self._callback_failed(call, ev.reason, out)

    def _callback_failed(self, call: Call, reason: str, out: list[Output]) -> None:
        seat = call.seat
        self._drop_callback(call, reason, out)
        if seat is not None:
            self._seats.release(seat, out)

    def _drop_callback(self, call: Call, reason: str, out: list[Output]) -> None:
        now = self._clock.now()
        self._leave(call)
        out.append(
            Diverted(
                call_id=call.id,
                queue=call.queue.name,
                reason=reason,
                action=ExitAction.CALLBACK.value,
                target=None,
                waited_s=now - call.leg_start,
                at=now,
            )
        )

    # --- waiting timers ------------------------------------------------------------

    def widened(self, timer: Timer, out: list[Output]) -> None:
        call = self.calls.get(timer.owner)
        if call is None or call.widen_timer is not timer:
            return
        if call.state is not CallState.WAITING and call.state is not CallState.CALLBACK:
            return
        call.widen_timer = None
        if call.personal is None:
            self._match.place(call, out)

    def max_wait_reached(self, timer: Timer, out: list[Output]) -> None:
        call = self.calls.get(timer.owner)
        if call is None or call.max_wait_timer is not timer or call.state is not CallState.WAITING:
            return
        call.max_wait_timer = None
        q = call.queue
        now = self._clock.now()
        self._leave(call)
        divert(call.id, q, "max_wait", self._exit_of(q), now - call.leg_start, now, out)
        self._alarms.check(q, out)

    def announce_due(self, timer: Timer, out: list[Output]) -> None:
        call = self.calls.get(timer.owner)
        if call is None or call.announce_timer is not timer or call.state is not CallState.WAITING:
            return
        q = call.queue
        ahead = q.ahead_of(call.priority, call.key) if call.personal is None else 0
        out.append(
            Announce(
                call_id=call.id,
                queue=q.name,
                position=ahead + 1,
                estimated_wait_s=q.estimate(ahead),
            )
        )
        every = q.config.announce_every_s
        assert every is not None
        call.announce_timer = self._timers.start(
            self._clock.now() + every, TimerKind.ANNOUNCE, call.id
        )


def _illegal(call: Call, event: str, why: str) -> NoReturn:
    msg = f"{event} for call {call.id} in state {call.state.value}: {why}"
    raise IllegalTransitionError(msg, call_id=call.id, state=call.state.value, event=event)
