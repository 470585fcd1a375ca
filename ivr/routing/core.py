"""The ACD core: which seat takes which call, and when.

Theory of operation
===================

The core holds seats, queues and the calls that have asked for a seat. It is
told events (:mod:`ivr.model.events`) and timers it asked for, and answers
with commands and facts (:mod:`ivr.model.facts`). It does no I/O, reads
the time only from the injected clock, asks for timers only from the injected
scheduler, and draws randomness only from the injected generator: the same
inputs always give the same decisions.

The invariant: after every event, no free seat that may take a waiting call is
left idle while that call waits, except where a rule delays it on purpose (a
widening step not yet reached, a first-contact window, a ring-no-answer
penalty). Only three things can break it, and each is followed by a match at
once: a call starts waiting (arrival, transfer, return after no answer, a
step widening, a first-contact window closing), or a seat becomes free (log
in, ready, end of wrap-up, end of a penalty, the phone free again, new
skills).

Who may take a call (R1, R2)
----------------------------
A queue has *steps* in order of preference. A step opens when the caller has
waited ``after_s`` and adds a pool of seats: ``skill`` (specialists with the
queue's skill at ``min_level`` or above), ``general`` (comprehensive seats),
or ``all``. Without steps, a service queue is ``[skill at 0 s, general at
0 s]`` — a free specialist first, else a comprehensive seat, at once (R1) —
and the general queue is ``[general at 0 s]`` (R2).

Order of callers
----------------
Within a queue, callers are ordered by priority (higher first), then by the
time they count as having started to wait (earlier first: first in, first
out). A transferred call has ``transfer_priority``, above every tier (R3). A
tier may have a priority class, a head start in seconds (it counts as having
waited that much longer, for order and for widening steps), or both (R4).

When a call starts waiting
--------------------------
The open steps are tried in order; in each, the pool's free seats are
ordered by the queue's strategy (longest idle, fewest calls, highest level,
round robin, random). A VIP caller gets the free seat with the highest level
in the first step that has one (R4).

When a seat becomes free
------------------------
It takes, in this order:

1. the best call in its personal line: transfers to it by name, then callers
   whose open request it owns (first-contact responsibility);
2. otherwise the best call among all the queues it serves, compared on one
   key: ``(rank, -priority, -weight × time waited)``. ``rank`` is 0 for a
   queue the seat serves as a specialist or a comprehensive seat and 1 for a
   queue it only helps (an ``all`` step), so a specialist serves its own
   skills before it helps out; ``weight`` is the queue's, so a manager can
   tilt a seat toward one service without starving the others (a caller in a
   quiet queue still ages and wins). In each queue only the head of each
   priority is looked at, and only if the seat's step is open for it.
3. otherwise it goes into the free-seat index (:mod:`ivr.routing.seats_index`).

Ring, no answer
---------------
An offered seat that does not answer within the queue's ``ring_timeout_s``
(or that the driver reports busy or unreachable) is paused with a reason, or
skipped for ``penalty_s``; the call goes back to its queue with its original
key, so it is again where it stood, and is matched again at once.

Complexity
----------
Placing a call peeks at ≤ 10 heap heads per open step: O(S·L + log n). A
freed seat peeks at the head of each priority of each queue it serves:
O(Q·P·log n) with Q its queues and P the distinct priorities. Neither scans
the waiting calls or the seats. Positions (for announcements and the wait
estimate) are O(P·log n) by bisection.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import count
from typing import Any

from ivr.clock import Clock
from ivr.errors import (
    IllegalTransitionError,
)
from ivr.model.commands import Announce, CancelOffer, Divert, OfferCall, PlaceCallback
from ivr.model.events import (
    CallbackConnected,
    CallbackFailed,
    CallbackRequested,
    CallEnded,
    CallEnqueued,
    SeatAnswered,
    SeatDeviceBusy,
    SeatDidNotAnswer,
    SeatLoggedIn,
    SeatLoggedOut,
    SeatPaused,
    SeatReady,
    SeatSkillsChanged,
    TransferRequested,
)
from ivr.model.facts import (
    Abandoned,
    Answered,
    CallbackQueued,
    Completed,
    Diverted,
    Queued,
    RingNoAnswer,
    SeatState,
    Transferred,
)
from ivr.model.outputs import Output
from ivr.model.skills import (
    CentreConfig,
    Exit,
    ExitAction,
    Pool,
    Strategy,
    Tier,
)
from ivr.routing.base import CENTRE
from ivr.routing.seat_rules import PENALTY, WRAP, SeatRules
from ivr.routing.seats_index import FreeSeats, PoolKey, pool_key
from ivr.routing.state import Call, CallState, QueueState, Seat
from ivr.scheduling import Scheduler, Timer

_LAST = 2**62  # a sequence number after every real one: "behind everyone who came at that time"

# Timer kinds
_RING = "ring"
_WIDEN = "widen"
_MAX_WAIT = "max_wait"
_ANNOUNCE = "announce"
_FIRST_CONTACT = "first_contact"


class RoutingCore(SeatRules):
    """Seats, queues and waiting calls, and the rules that match them. See the module docstring."""

    def __init__(
        self,
        centre: CentreConfig,
        *,
        clock: Clock,
        scheduler: Scheduler,
        rng: random.Random | None = None,
    ) -> None:
        self.centre = centre
        self._clock = clock
        self._scheduler = scheduler
        self._rng = rng or random.Random(0)
        self._seq = count(1)
        self.queues: dict[str, QueueState] = {q.name: QueueState(q) for q in centre.queues}
        self.seats: dict[str, Seat] = {}
        self.calls: dict[str, Call] = {}
        self.centre_waiting = 0
        self.centre_open = 0
        self.centre_alarm = 0
        self._general = centre.general_queue
        self._vip = Tier.VIP
        self._index: dict[tuple[Strategy, PoolKey], FreeSeats] = {}
        for q in self.queues.values():
            for step in q.steps:
                if step.pool is Pool.SKILL and q.config.skill is None:
                    continue
                key = (q.config.strategy, pool_key(step.pool, q.config.skill))
                if key not in self._index:
                    self._index[key] = FreeSeats(q.config.strategy)
        self._uses_random = any(q.config.strategy is Strategy.RANDOM for q in self.queues.values())
        self._seat_pools: dict[str, list[tuple[FreeSeats, int]]] = {}
        for order, seat_config in enumerate(centre.seats):
            seat = Seat(seat_config, order)
            self.seats[seat.id] = seat
            self._compute_membership(seat)
        self._handlers: dict[type, Callable[[Any, list[Output]], None]] = {
            CallEnqueued: self._on_enqueued,
            CallEnded: self._on_ended,
            SeatAnswered: self._on_answered,
            SeatDidNotAnswer: self._on_did_not_answer,
            TransferRequested: self._on_transfer,
            CallbackRequested: self._on_callback_requested,
            CallbackConnected: self._on_callback_connected,
            CallbackFailed: self._on_callback_failed,
            SeatLoggedIn: self._on_login,
            SeatLoggedOut: self._on_logout,
            SeatPaused: self._on_pause,
            SeatReady: self._on_ready,
            SeatSkillsChanged: self._on_skills,
            SeatDeviceBusy: self._on_device_busy,
        }
        self._timer_handlers: dict[str, Callable[[Timer, list[Output]], None]] = {
            _RING: self._timer_ring,
            WRAP: self._timer_wrap,
            _WIDEN: self._timer_widen,
            _MAX_WAIT: self._timer_max_wait,
            _ANNOUNCE: self._timer_announce,
            _FIRST_CONTACT: self._timer_first_contact,
            PENALTY: self._timer_penalty,
        }

    # --- the surface -----------------------------------------------------------

    def handle(self, event: object) -> list[Output]:
        """Apply one event; returns the commands to carry out and the facts to record."""
        handler = self._handlers.get(type(event))
        if handler is None:
            msg = f"the routing core does not take {type(event).__name__} events"
            raise TypeError(msg)
        out: list[Output] = []
        handler(event, out)
        return out

    def handle_into(self, event: object, out: list[Output]) -> None:
        """Like :meth:`handle`, appending to ``out`` (the journey's hot path)."""
        self._handlers[type(event)](event, out)

    def fire(self, timer: Timer, out: list[Output] | None = None) -> list[Output]:
        """A timer this core asked for is due."""
        if out is None:
            out = []
        if not timer.cancelled:
            self._timer_handlers[timer.kind](timer, out)
        return out

    def holds(self, call_id: str) -> bool:
        return call_id in self.calls

    # --- QueueView --------------------------------------------------------------

    def alarm_level(self, queue: str) -> int:
        if queue == CENTRE:
            return self.centre_alarm
        return self._queue(queue).alarm_level

    def seats_open(self, queue: str) -> int:
        if queue == CENTRE:
            return self.centre_open
        return self._queue(queue).open_seats

    def waiting(self, queue: str) -> int:
        if queue == CENTRE:
            return self.centre_waiting
        return self._queue(queue).waiting

    def estimated_wait(self, queue: str, tier: Tier = Tier.NORMAL) -> float:
        """What a caller of ``tier`` entering ``queue`` now would wait, by the core's estimate."""
        q = self._queue(queue)
        policy = self.centre.tiers.get(tier)
        priority = policy.priority if policy else 0
        head_start = policy.head_start_s if policy else 0.0
        now = self._clock.now()
        if q.total_listed() == 0 and self._find_seat(q, 0.0, head_start, tier) is not None:
            return 0.0
        ahead = q.ahead_of(priority, (now - head_start, _LAST))
        return self._estimate(q, ahead)

    def position(self, call_id: str) -> int:
        """1-based place of a waiting call in its queue (0 if it is not waiting in a queue)."""
        call = self._call(call_id)
        if call.state not in (CallState.WAITING, CallState.CALLBACK) or call.personal is not None:
            return 0
        return call.queue.ahead_of(call.priority, call.key) + 1

    def call_estimated_wait(self, call_id: str) -> float:
        call = self._call(call_id)
        if call.state is not CallState.WAITING:
            return 0.0
        return self._estimate(call.queue, call.queue.ahead_of(call.priority, call.key))

    # --- calls ------------------------------------------------------------------

    def _on_enqueued(self, ev: CallEnqueued, out: list[Output]) -> None:
        if ev.call_id in self.calls:
            msg = f"call {ev.call_id} is already in queue {self.calls[ev.call_id].queue.name}"
            raise IllegalTransitionError(msg, call_id=ev.call_id, event="CallEnqueued")
        q = self._queue(ev.queue)
        now = self._clock.now()
        policy = self.centre.tiers.get(ev.tier)
        priority = ev.priority if ev.priority is not None else (policy.priority if policy else 0)
        head_start = policy.head_start_s if policy else 0.0

        if priority < self.centre.transfer_priority and ev.tier not in q.config.alarm.exempt_tiers:
            diversion = self._peak_diversion(q)
            if diversion is not None:
                reason, exit_ = diversion
                self._emit_divert(ev.call_id, q, reason, exit_, ev.waited_s, out)
                return
        if q.config.max_length is not None and q.waiting >= q.config.max_length:
            self._emit_divert(ev.call_id, q, "full", self._exit_of(q), ev.waited_s, out)
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
        q.waiting += 1
        self.centre_waiting += 1
        queued_at = len(out)  # the Queued fact goes before the offer it may lead to
        owner = self.seats.get(call.owner_seat) if call.owner_seat else None
        if (
            owner is not None
            and owner.state is not SeatState.LOGGED_OUT
            and q.config.first_contact_wait_s > 0
        ):
            self._wait_for_owner(call, owner, q.config.first_contact_wait_s, out)
        else:
            seat = self._find_seat(q, call.entered - call.eff, 0.0, call.tier)
            if seat is not None and self._best_call_for(seat) is None:
                self._offer(call, seat, out)  # nobody else that seat may take waits: straight there
            else:
                q.add(call)
                self._place(call, out)
        if call.state is CallState.WAITING:
            config = q.config
            if config.max_wait_s is not None:
                when = call.leg_start + config.max_wait_s
                call.max_wait_timer = self._timer(max(when, call.entered), _MAX_WAIT, call.id)
            if config.announce_every_s is not None:
                call.announce_timer = self._timer(
                    call.entered + config.announce_every_s, _ANNOUNCE, call.id
                )
            ahead = q.ahead_of(call.priority, call.key) if call.personal is None else 0
            position, estimate = ahead + 1, self._estimate(q, ahead)
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
        self._check_alarms(q, out)

    def _wait_for_owner(self, call: Call, owner: Seat, window: float, out: list[Output]) -> None:
        """First-contact responsibility: the owner gets the call if free within ``window``."""
        if owner.offerable:
            self._offer(call, owner, out)
            return
        owner.hold(call)
        call.fcr_timer = self._timer(self._clock.now() + window, _FIRST_CONTACT, call.id)

    def _place(self, call: Call, out: list[Output]) -> None:
        """Offer a waiting call to the best free seat of its open steps, or wait for the next step."""
        q = call.queue
        now = self._clock.now()
        waited = now - call.eff
        while True:
            seat = self._find_seat(q, waited, 0.0, call.tier)
            if seat is None:
                break
            # The seat may take other calls too, some better than this one (a step of a
            # higher-priority caller opening at the same instant): it chooses, by its own rule.
            chosen = self._best_call_for(seat) or call
            self._offer(chosen, seat, out)
            if chosen is call:
                return
        next_after: float | None = None
        for step in q.steps:
            if step.after_s > waited and (next_after is None or step.after_s < next_after):
                next_after = step.after_s
        if next_after is not None:
            if call.widen_timer is not None:
                call.widen_timer.cancel()
            call.widen_timer = self._timer(call.eff + next_after, _WIDEN, call.id)

    def _find_seat(
        self, q: QueueState, waited: float, head_start: float, tier: Tier
    ) -> Seat | None:
        by_level = tier is self._vip
        skill = q.config.skill
        strategy = q.config.strategy
        for step in q.steps:
            if step.after_s > waited + head_start:
                continue
            free = self._index.get((strategy, pool_key(step.pool, skill)))
            if free is None:
                continue
            seat = free.best(step.min_level, by_level)
            if seat is not None:
                return seat
        return None

    def _offer(self, call: Call, seat: Seat, out: list[Output]) -> None:
        now = self._clock.now()
        self._unlist(call)
        call.cancel_wait_timers()
        seat.last_offer = next(self._seq)
        seat.call = call
        call.seat = seat
        call.offered_at = now
        self._set_state(seat, SeatState.RINGING, "", out)
        if call.state is CallState.CALLBACK:
            call.state = CallState.DIALING_BACK
            out.append(
                PlaceCallback(call_id=call.id, seat_id=seat.id, number=call.callback_number or "")
            )
            return
        call.state = CallState.RINGING
        call.ring_timer = self._timer(now + call.queue.config.ring_timeout_s, _RING, call.id)
        out.append(
            OfferCall(
                call_id=call.id,
                seat_id=seat.id,
                queue=call.queue.name,
                endpoint=seat.config.endpoint,
                ring_timeout_s=call.queue.config.ring_timeout_s,
                context=self._screen_pop(call, now),
            )
        )

    def _screen_pop(self, call: Call, now: float) -> dict[str, Any]:
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

    def _on_answered(self, ev: SeatAnswered, out: list[Output]) -> None:
        call = self._call(ev.call_id)
        seat = self._seat(ev.seat_id)
        if call.state is not CallState.RINGING or call.seat is not seat:
            self._illegal(call, "SeatAnswered", f"seat {seat.id} was not ringing for it")
        self._connect(call, seat, out)

    def _connect(self, call: Call, seat: Seat, out: list[Output]) -> None:
        now = self._clock.now()
        if call.ring_timer is not None:
            call.ring_timer.cancel()
            call.ring_timer = None
        call.state = CallState.TALKING
        call.talk_start = now
        seat.calls_today += 1
        q = call.queue
        q.waiting -= 1
        self.centre_waiting -= 1
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
        self._set_state(seat, SeatState.ON_CALL, "", out)
        self._check_alarms(q, out)

    def _on_did_not_answer(self, ev: SeatDidNotAnswer, out: list[Output]) -> None:
        call = self._call(ev.call_id)
        seat = self._seat(ev.seat_id)
        if call.state is not CallState.RINGING or call.seat is not seat:
            self._illegal(call, "SeatDidNotAnswer", f"seat {seat.id} was not ringing for it")
        self._no_answer(call, seat, ev.reason, out)

    def _timer_ring(self, timer: Timer, out: list[Output]) -> None:
        call = self.calls.get(timer.owner)
        if call is None or call.ring_timer is not timer or call.seat is None:
            return
        out.append(CancelOffer(call_id=call.id, seat_id=call.seat.id))
        self._no_answer(call, call.seat, "noanswer", out)

    def _no_answer(self, call: Call, seat: Seat, reason: str, out: list[Output]) -> None:
        now = self._clock.now()
        if call.ring_timer is not None:
            call.ring_timer.cancel()
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
        seat.call = None
        call.seat = None
        call.state = CallState.WAITING
        policy = q.config.no_answer
        if seat.pending is not None:
            self._apply_pending(seat, out)
        elif policy.action == "pause":
            self._set_state(seat, SeatState.PAUSED, policy.reason, out)
        else:
            seat.penalty_timer = self._timer(now + policy.penalty_s, PENALTY, seat.id)
            self._set_state(seat, SeatState.AVAILABLE, "", out)
        # Back where it stood: its key is unchanged, so its place in line is too.
        q.add(call)
        self._rearm_wait_timers(call, now)
        self._place(call, out)

    def _rearm_wait_timers(self, call: Call, now: float) -> None:
        config = call.queue.config
        if config.max_wait_s is not None:
            call.max_wait_timer = self._timer(
                max(call.leg_start + config.max_wait_s, now), _MAX_WAIT, call.id
            )
        if config.announce_every_s is not None:
            call.announce_timer = self._timer(now + config.announce_every_s, _ANNOUNCE, call.id)

    def _on_ended(self, ev: CallEnded, out: list[Output]) -> None:
        call = self._call(ev.call_id)
        now = self._clock.now()
        state = call.state
        if state is CallState.WAITING or state is CallState.RINGING:
            q = call.queue
            position = (
                q.ahead_of(call.priority, call.key) + 1
                if state is CallState.WAITING and call.personal is None
                else 1
            )
            seat = call.seat
            self._leave(call)
            if seat is not None:
                out.append(CancelOffer(call_id=call.id, seat_id=seat.id))
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
                seat.call = None
                if seat.pending is not None:
                    self._apply_pending(seat, out)
                else:
                    self._set_state(seat, SeatState.AVAILABLE, "", out)
                    self._seat_free(seat, out)
            self._check_alarms(q, out)
        elif state is CallState.TALKING:
            seat = call.seat
            assert seat is not None
            talk = now - call.talk_start
            q = call.queue
            del self.calls[call.id]
            out.append(
                Completed(
                    call_id=call.id,
                    seat_id=seat.id,
                    queue=q.name,
                    talk_s=talk,
                    by=ev.by,
                    at=now,
                )
            )
            q.handle_ewma += self.centre.wait_estimate_alpha * (
                talk + q.config.wrap_up_s - q.handle_ewma
            )
            seat.call = None
            self._wrap_up(seat, q, out)
        elif state is CallState.CALLBACK:
            if ev.by == "caller":
                return  # the caller's own line ending after taking a callback: expected
            self._drop_callback(call, "callback-cancelled", out)
        else:  # DIALING_BACK: the callback leg ended before a seat talked
            self._callback_failed(call, "callback-hangup", out)

    def _leave(self, call: Call) -> None:
        """Take a waiting or ringing call out of every structure (it is over for the core)."""
        self._unlist(call)
        if call.state is not CallState.CALLBACK and call.state is not CallState.DIALING_BACK:
            call.queue.waiting -= 1
            self.centre_waiting -= 1
        call.cancel_wait_timers()
        if call.ring_timer is not None:
            call.ring_timer.cancel()
            call.ring_timer = None
        del self.calls[call.id]

    def _on_transfer(self, ev: TransferRequested, out: list[Output]) -> None:
        call = self._call(ev.call_id)
        if call.state is not CallState.TALKING or call.seat is None:
            self._illegal(call, "TransferRequested", "only a call talking to a seat is transferred")
        assert call.seat is not None
        if ev.queue is None and ev.seat_id is None:
            msg = "a transfer needs a target: a queue or a seat"
            raise IllegalTransitionError(msg, call_id=call.id, event="TransferRequested")
        target_q = self._queue(ev.queue) if ev.queue is not None else call.queue
        target_seat = self._seat(ev.seat_id) if ev.seat_id is not None else None
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
        seat.call = None
        self._wrap_up(seat, from_q, out)
        # R3: top priority in the target, with its whole context; a new leg starts now.
        call.queue = target_q
        call.priority = self.centre.transfer_priority
        call.entered = call.leg_start = call.eff = now
        call.key = (now, next(self._seq))
        call.state = CallState.WAITING
        call.seat = None
        call.owner_seat = ev.seat_id
        if target_seat is not None and target_seat.state is not SeatState.LOGGED_OUT:
            self._count_waiting_and_wait_for(call, target_seat, out)
        else:
            self._start_waiting(call, out)

    def _count_waiting_and_wait_for(self, call: Call, seat: Seat, out: list[Output]) -> None:
        """A transfer to a named seat: it waits for that seat, then joins the queue at top priority."""
        window = max(call.queue.config.first_contact_wait_s, call.queue.config.ring_timeout_s)
        q = call.queue
        q.waiting += 1
        self.centre_waiting += 1
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
        self._check_alarms(q, out)

    def _timer_first_contact(self, timer: Timer, out: list[Output]) -> None:
        call = self.calls.get(timer.owner)
        if call is None or call.fcr_timer is not timer or call.personal is None:
            return
        call.fcr_timer = None
        call.personal.release(call)
        call.queue.add(call)
        self._place(call, out)

    def _on_callback_requested(self, ev: CallbackRequested, out: list[Output]) -> None:
        call = self._call(ev.call_id)
        if call.state is not CallState.WAITING:
            self._illegal(call, "CallbackRequested", "only a waiting caller can take a callback")
        if call.personal is not None:
            call.personal.release(call)
            call.queue.add(call)
        # Off the line: no maximum wait and no announcements, but the steps still widen.
        for timer in (call.max_wait_timer, call.announce_timer, call.fcr_timer):
            if timer is not None:
                timer.cancel()
        call.max_wait_timer = call.announce_timer = call.fcr_timer = None
        call.state = CallState.CALLBACK
        call.callback_number = ev.number
        q = call.queue
        q.waiting -= 1  # off the line: no longer counts toward the peak alarm
        self.centre_waiting -= 1
        out.append(
            CallbackQueued(call_id=call.id, queue=q.name, number=ev.number, at=self._clock.now())
        )
        self._check_alarms(q, out)
        self._place(
            call, out
        )  # it may have come out of a personal line into a queue with free seats

    def _on_callback_connected(self, ev: CallbackConnected, out: list[Output]) -> None:
        call = self._call(ev.call_id)
        if call.state is not CallState.DIALING_BACK or call.seat is None:
            self._illegal(call, "CallbackConnected", "no callback was being placed")
        assert call.seat is not None
        # Counted back as waiting for the instant of the connect, as if the caller had waited.
        call.queue.waiting += 1
        self.centre_waiting += 1
        self._connect(call, call.seat, out)

    def _on_callback_failed(self, ev: CallbackFailed, out: list[Output]) -> None:
        call = self._call(ev.call_id)
        if call.state is not CallState.DIALING_BACK:
            self._illegal(call, "CallbackFailed", "no callback was being placed")
        self._callback_failed(call, ev.reason, out)

    def _callback_failed(self, call: Call, reason: str, out: list[Output]) -> None:
        seat = call.seat
        self._drop_callback(call, reason, out)
        if seat is not None:
            seat.call = None
            if seat.pending is not None:
                self._apply_pending(seat, out)
            else:
                self._set_state(seat, SeatState.AVAILABLE, "", out)
                self._seat_free(seat, out)

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

    def _timer_widen(self, timer: Timer, out: list[Output]) -> None:
        call = self.calls.get(timer.owner)
        if call is None or call.widen_timer is not timer:
            return
        if call.state is not CallState.WAITING and call.state is not CallState.CALLBACK:
            return
        call.widen_timer = None
        if call.personal is None:
            self._place(call, out)

    def _timer_max_wait(self, timer: Timer, out: list[Output]) -> None:
        call = self.calls.get(timer.owner)
        if call is None or call.max_wait_timer is not timer or call.state is not CallState.WAITING:
            return
        call.max_wait_timer = None
        q = call.queue
        waited = self._clock.now() - call.leg_start
        self._leave(call)
        self._emit_divert(call.id, q, "max_wait", self._exit_of(q), waited, out)
        self._check_alarms(q, out)

    def _timer_announce(self, timer: Timer, out: list[Output]) -> None:
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
                estimated_wait_s=self._estimate(q, ahead),
            )
        )
        every = q.config.announce_every_s
        assert every is not None
        call.announce_timer = self._timer(self._clock.now() + every, _ANNOUNCE, call.id)

    # --- peaks and exits --------------------------------------------------------

    def _peak_diversion(self, q: QueueState) -> tuple[str, Exit] | None:
        """At an alarm, normal diversion becomes forced diversion (REQUIREMENTS §4)."""
        for level, config in (
            (q.alarm_level, q.config.alarm),
            (self.centre_alarm, self.centre.alarm),
        ):
            forced = config.on_level2 or config.on_level1 if level >= 2 else None
            if forced is not None:
                return "alarm2", forced
            if level >= 1 and config.on_level1 is not None:
                return "alarm1", config.on_level1
        return None

    def _exit_of(self, q: QueueState) -> Exit:
        if q.config.exit is not None:
            return q.config.exit
        if q.name != self._general and self._general in self.queues:
            return Exit(action=ExitAction.QUEUE, target=self._general)
        return Exit(action=ExitAction.BUSY)

    def _emit_divert(
        self,
        call_id: str,
        q: QueueState,
        reason: str,
        exit_: Exit,
        waited: float,
        out: list[Output],
    ) -> None:
        out.append(
            Diverted(
                call_id=call_id,
                queue=q.name,
                reason=reason,
                action=exit_.action.value,
                target=exit_.target,
                waited_s=waited,
                at=self._clock.now(),
            )
        )
        out.append(
            Divert(call_id=call_id, queue=q.name, reason=reason, exit=exit_, waited_s=waited)
        )
