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

Where it lives
--------------
:class:`RoutingCore` composes the parts and is the only surface: the queues
(:mod:`ivr.routing.state`), the seats and their free-seat index
(:mod:`ivr.routing.seat_pool`), the peak-alarm counts (:mod:`ivr.routing.alarms`),
the timers (:mod:`ivr.routing.timers`), the matching of calls and seats
(:mod:`ivr.routing.matching`), and the rules of a seat's and a call's life
(:mod:`ivr.routing.seat_life`, :mod:`ivr.routing.call_life`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import count
from typing import Any

from ivr.clock import Clock
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
from ivr.model.outputs import Output
from ivr.model.skills import CentreConfig, Tier
from ivr.routing.alarms import CENTRE, PeakAlarms
from ivr.routing.call_life import CallLife
from ivr.routing.matching import Matcher
from ivr.routing.seat_life import SeatLife
from ivr.routing.seat_pool import SeatPool
from ivr.routing.state import Call, CallState, QueueState, Seat
from ivr.routing.timers import TimerKind, Timers
from ivr.scheduling import Scheduler, Timer

_LAST = 2**62  # a sequence number after every real one: "behind everyone who came at that time"


class RoutingCore:
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
        seq = count(1)  # one order of everything that happened, for calls and seats alike
        self.queues: dict[str, QueueState] = {q.name: QueueState(q) for q in centre.queues}
        timers = Timers(scheduler)
        self.alarms = PeakAlarms(centre.alarm, clock)
        self.pool = SeatPool(
            centre,
            self.queues,
            alarms=self.alarms,
            clock=clock,
            rng=rng or random.Random(0),
            seq=seq,
        )
        self._match = Matcher(self.pool, timers=timers, clock=clock, seq=seq)
        seat_life = SeatLife(self.pool, self._match, timers=timers, clock=clock)
        call_life = CallLife(
            centre,
            self.queues,
            pool=self.pool,
            match=self._match,
            seats=seat_life,
            alarms=self.alarms,
            timers=timers,
            clock=clock,
            seq=seq,
        )
        self._calls = call_life
        self._handlers: dict[type, Callable[[Any, list[Output]], None]] = {
            CallEnqueued: call_life.enqueued,
            CallEnded: call_life.ended,
            SeatAnswered: call_life.answered,
            SeatDidNotAnswer: call_life.did_not_answer,
            TransferRequested: call_life.transfer,
            CallbackRequested: call_life.callback_requested,
            CallbackConnected: call_life.callback_connected,
            CallbackFailed: call_life.callback_failed,
            SeatLoggedIn: seat_life.logged_in,
            SeatLoggedOut: seat_life.logged_out,
            SeatPaused: seat_life.paused,
            SeatReady: seat_life.ready,
            SeatSkillsChanged: seat_life.skills_changed,
            SeatDeviceBusy: seat_life.device_busy,
        }
        self._timer_handlers: dict[str, Callable[[Timer, list[Output]], None]] = {
            TimerKind.RING: call_life.ring_timed_out,
            TimerKind.WIDEN: call_life.widened,
            TimerKind.MAX_WAIT: call_life.max_wait_reached,
            TimerKind.ANNOUNCE: call_life.announce_due,
            TimerKind.FIRST_CONTACT: call_life.first_contact_timed_out,
            TimerKind.WRAP: seat_life.wrap_ended,
            TimerKind.PENALTY: seat_life.penalty_ended,
        }

    # --- what the core holds, for the engine, the floor and the tests --------------

    @property
    def seats(self) -> dict[str, Seat]:
        return self.pool.seats

    @property
    def calls(self) -> dict[str, Call]:
        return self._calls.calls

    @property
    def centre_waiting(self) -> int:
        """Callers on the line in every queue, not yet answered (callbacks off the line excluded)."""
        return self.alarms.waiting

    @property
    def centre_open(self) -> int:
        """Seats logged in and not paused."""
        return self.alarms.open_seats

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
        return call_id in self._calls.calls

    # --- QueueView --------------------------------------------------------------

    def alarm_level(self, queue: str) -> int:
        if queue == CENTRE:
            return self.alarms.level
        return self._calls.queue(queue).alarm_level

    def seats_open(self, queue: str) -> int:
        if queue == CENTRE:
            return self.alarms.open_seats
        return self._calls.queue(queue).open_seats

    def waiting(self, queue: str) -> int:
        if queue == CENTRE:
            return self.alarms.waiting
        return self._calls.queue(queue).waiting

    def estimated_wait(self, queue: str, tier: Tier = Tier.NORMAL) -> float:
        """What a caller of ``tier`` entering ``queue`` now would wait, by the core's estimate."""
        q = self._calls.queue(queue)
        policy = self.centre.tiers.get(tier)
        priority = policy.priority if policy else 0
        head_start = policy.head_start_s if policy else 0.0
        now = self._clock.now()
        if q.total_listed() == 0 and self.pool.find(q, 0.0, head_start, tier) is not None:
            return 0.0
        ahead = q.ahead_of(priority, (now - head_start, _LAST))
        return q.estimate(ahead)

    def position(self, call_id: str) -> int:
        """1-based place of a waiting call in its queue (0 if it is not waiting in a queue)."""
        call = self._calls.call(call_id)
        if call.state not in (CallState.WAITING, CallState.CALLBACK) or call.personal is not None:
            return 0
        return call.queue.ahead_of(call.priority, call.key) + 1
