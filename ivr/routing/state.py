"""The routing core's mutable state: seats, calls and queues as they are now.

Plain slotted classes, not dataclasses: they are created and touched on every
routing decision, and only the core changes them. Nothing here decides
anything; :mod:`ivr.routing.core` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from sortedcontainers import SortedList

from ivr.model.facts import SeatState
from ivr.model.skills import Pool, QueueConfig, SeatConfig, Step, Tier
from ivr.scheduling import Timer


class CallState(Enum):
    WAITING = "waiting"  # on the line, in a queue or a seat's personal line
    RINGING = "ringing"  # offered to a seat
    TALKING = "talking"
    CALLBACK = "callback"  # off the line, keeping its place until it reaches the head
    DIALING_BACK = "dialing_back"  # a seat is reserved and the customer is being called back


class Call:
    """A call the core holds, from entering a queue to the end of its talk."""

    __slots__ = (
        "announce_timer",
        "callback_number",
        "caller",
        "context",
        "dnis",
        "eff",
        "entered",
        "fcr_timer",
        "history",
        "id",
        "key",
        "leg_start",
        "listed",
        "max_wait_timer",
        "offered_at",
        "owner_seat",
        "personal",
        "priority",
        "queue",
        "ring_timer",
        "seat",
        "service",
        "state",
        "talk_start",
        "tier",
        "widen_timer",
    )

    def __init__(
        self,
        *,
        call_id: str,
        queue: QueueState,
        caller: str,
        dnis: str,
        service: str | None,
        tier: Tier,
        priority: int,
        context: Mapping[str, Any],
        owner_seat: str | None,
        entered: float,
        eff: float,
        seq: int,
    ) -> None:
        self.id = call_id
        self.queue = queue
        self.caller = caller
        self.dnis = dnis
        self.service = service
        self.tier = tier
        self.priority = priority
        self.context = dict(context)
        self.owner_seat = owner_seat
        self.entered = entered  # when this leg entered its queue (for the caller's wait)
        self.leg_start = entered
        # The time the ordering counts from: earlier for a head start or time
        # already waited in another queue. Calls of one priority are served by it.
        self.eff = eff
        self.key = (eff, seq)
        self.state = CallState.WAITING
        self.seat: Seat | None = None
        self.personal: Seat | None = None  # waiting in this seat's personal line
        self.listed = False  # in its queue's lines or a personal line (not while offered)
        self.offered_at = 0.0
        self.talk_start = 0.0
        self.callback_number: str | None = None
        self.history: list[dict[str, Any]] = []
        self.ring_timer: Timer | None = None
        self.widen_timer: Timer | None = None
        self.max_wait_timer: Timer | None = None
        self.announce_timer: Timer | None = None
        self.fcr_timer: Timer | None = None

    def unlist(self) -> None:
        """Take the call out of whichever line holds it (its queue or a seat's personal line)."""
        if not self.listed:
            return
        if self.personal is not None:
            self.personal.release(self)
        else:
            self.queue.remove(self)

    def cancel_wait_timers(self) -> None:
        for timer in (self.widen_timer, self.max_wait_timer, self.announce_timer, self.fcr_timer):
            if timer is not None:
                timer.cancel()
        self.widen_timer = self.max_wait_timer = self.announce_timer = self.fcr_timer = None

    def __repr__(self) -> str:
        return f"Call({self.id} {self.state.value} in {self.queue.name} prio={self.priority})"


class Seat:
    """A seat (agent) and where it stands now."""

    __slots__ = (
        "call",
        "calls_today",
        "config",
        "device_busy",
        "free_epoch",
        "free_since",
        "general",
        "id",
        "last_offer",
        "level",
        "penalty_timer",
        "pending",
        "personal",
        "random_key",
        "reason",
        "serves",
        "since",
        "skills",
        "state",
        "wrap_timer",
    )

    def __init__(self, config: SeatConfig, order: int) -> None:
        self.id = config.id
        self.config = config
        self.skills: dict[str, int] = dict(config.skills)
        self.general = config.general
        self.level = config.level
        self.state = SeatState.LOGGED_OUT
        self.since = 0.0
        self.reason = ""
        self.call: Call | None = None
        self.calls_today = 0
        self.free_since = 0.0
        self.free_epoch = 0
        self.last_offer = order  # round robin: the seat offered longest ago first
        self.random_key = 0.0
        self.device_busy = False
        self.penalty_timer: Timer | None = None
        self.wrap_timer: Timer | None = None
        # What the seat becomes at the end of its current call: a pause asked
        # for during a call, or a log-out, waits for the call to end.
        self.pending: tuple[SeatState, str] | None = None
        # Calls waiting for this seat only: transfers to it by name and callers
        # whose open request it owns (first-contact responsibility).
        self.personal: SortedList = SortedList()
        # (queue, seconds of waiting from which this seat may take its calls, rank)
        self.serves: list[tuple[QueueState, float, int]] = []

    def hold(self, call: Call) -> None:
        """Keep ``call`` in this seat's personal line."""
        self.personal.add(((-call.priority, *call.key), call))
        call.personal = self
        call.listed = True

    def release(self, call: Call) -> None:
        self.personal.remove(((-call.priority, *call.key), call))
        call.personal = None
        call.listed = False

    @property
    def is_open(self) -> bool:
        """Logged in and not paused: counted among the open seats of peak alarms."""
        return self.state is not SeatState.LOGGED_OUT and self.state is not SeatState.PAUSED

    @property
    def offerable(self) -> bool:
        return (
            self.state is SeatState.AVAILABLE
            and not self.device_busy
            and self.penalty_timer is None
        )

    def level_in(self, pool: Pool, skill: str | None) -> int | None:
        """The seat's level in ``pool`` for ``skill``, or None when it is not in that pool."""
        if pool is Pool.SKILL:
            return self.skills.get(skill) if skill is not None else None
        if pool is Pool.GENERAL:
            return self.level if self.general else None
        return self.level

    def qualifies(self, step: Step, skill: str | None) -> bool:
        level = self.level_in(step.pool, skill)
        return level is not None and level >= step.min_level

    def __repr__(self) -> str:
        return f"Seat({self.id} {self.state.value})"


class QueueState:
    """A queue's waiting calls, ordered, and its counters."""

    __slots__ = (
        "alarm_level",
        "by_priority",
        "config",
        "handle_ewma",
        "name",
        "open_seats",
        "priorities",
        "steps",
        "waiting",
    )

    def __init__(self, config: QueueConfig) -> None:
        self.config = config
        self.name = config.name
        self.steps = config.effective_steps()
        # priority -> calls of that priority ordered by (eff, seq): FIFO with head starts.
        self.by_priority: dict[int, SortedList] = {}
        self.priorities: list[int] = []  # the keys of by_priority, highest first
        self.waiting = 0  # callers on the line not yet answered (not callbacks)
        self.open_seats = 0
        self.alarm_level = 0
        self.handle_ewma = config.expected_handle_s

    def add(self, call: Call) -> None:
        lst = self.by_priority.get(call.priority)
        if lst is None:
            lst = self.by_priority[call.priority] = SortedList()
            self.priorities = sorted(self.by_priority, reverse=True)
        lst.add((call.key, call))
        call.listed = True

    def remove(self, call: Call) -> None:
        self.by_priority[call.priority].remove((call.key, call))
        call.listed = False

    def ahead_of(self, priority: int, key: tuple[float, int]) -> int:
        """How many calls of this queue would be served before one with ``priority`` and ``key``."""
        ahead = 0
        for prio in self.priorities:
            lst = self.by_priority[prio]
            if prio > priority:
                ahead += len(lst)
            elif prio == priority:
                ahead += lst.bisect_left((key,))
            else:
                break
        return ahead

    def estimate(self, ahead: int) -> float:
        """Seconds until a seat takes a caller with ``ahead`` callers before it.

        With every seat that may take the call busy, one frees on average every
        ``handle / open seats`` seconds, and ``ahead + 1`` must free. The
        handle time is the queue's recent average (an exponentially weighted
        mean of talk plus wrap-up), not a day-long one.
        """
        return (ahead + 1) * self.handle_ewma / max(self.open_seats, 1)

    def total_listed(self) -> int:
        return sum(len(lst) for lst in self.by_priority.values())
