"""The simulator's virtual time: one heap of what is due when, and the loop that runs it.

The heap holds ``(time, seq, action, arg)``, like SimPy's core but without
generators: ``seq`` increases with every push, so items due at the same
instant come out in the order they were pushed and the same seed gives the
same run to the last digit. The engine's timers go on the same heap through
:class:`HeapScheduler`; a cancelled timer is dropped when it comes due, and so
is a cancelled :class:`Act` of a synthetic caller or seat.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any, Protocol

from ivr.clock import ManualClock
from ivr.scheduling import Timer

Action = Callable[[Any], None]


class Owner(Protocol):
    """Whoever a pending action belongs to: once it has ``ended``, its actions are void."""

    ended: bool


class Act:
    """A pending action of a synthetic caller or seat; cancelled lazily."""

    __slots__ = ("arg", "caller", "cancelled", "fn")

    def __init__(self, fn: Action, arg: Any, caller: Owner) -> None:
        self.fn = fn
        self.arg = arg
        self.caller = caller
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Timeline:
    """The heap of due items and the clock it moves; nothing else moves the clock."""

    __slots__ = ("_heap", "_seq", "clock")

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, Action, Any]] = []
        self._seq = 0

    @property
    def pending(self) -> int:
        """How many items are on the heap (cancelled ones included, until they come due)."""
        return len(self._heap)

    def push(self, when: float, fn: Action, arg: Any) -> None:
        """``fn(arg)`` at ``when`` (now, if ``when`` has passed)."""
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, fn, arg))

    def push_timer(self, timer: Timer, fire: Action) -> None:
        """``fire(timer)`` when it is due; the timer learns its place among equal times."""
        self._seq += 1
        timer.seq = self._seq
        heapq.heappush(self._heap, (timer.when, self._seq, fire, timer))

    def later(self, caller: Owner, delay: float, fn: Action, arg: Any = None) -> Act:
        """``fn(arg)`` (``arg`` defaults to ``caller``) in ``delay`` seconds, unless cancelled
        or ``caller`` has ended by then."""
        act = Act(fn, caller if arg is None else arg, caller)
        self._seq += 1
        heapq.heappush(self._heap, (self.clock.now() + delay, self._seq, _run_act, act))
        return act

    def run(
        self,
        until: float | None = None,
        progress: Callable[[float], None] | None = None,
        every: int = 20000,
    ) -> None:
        """Run what comes due, to the end (or ``until``); ``progress(now)`` every ``every`` steps."""
        heap = self._heap
        pop = heapq.heappop
        clock = self.clock
        now = clock.now()  # only this loop moves the clock
        steps = 0
        while heap:
            when = heap[0][0]
            if until is not None and when > until:
                break
            _, _, fn, arg = pop(heap)
            if when > now:  # an item due in the past (a zero delay) runs now
                clock.set(when)
                now = when
            fn(arg)
            steps += 1
            if progress is not None and steps % every == 0:
                progress(now)
        if progress is not None:
            progress(now)


def _run_act(act: Act) -> None:
    if act.cancelled or act.caller.ended:
        return
    act.cancelled = True
    act.fn(act.arg)


class HeapScheduler:
    """The engine's :class:`ivr.scheduling.Scheduler`: its timers go on the timeline."""

    __slots__ = ("_fire", "_timeline")

    def __init__(self, timeline: Timeline, fire: Action) -> None:
        self._timeline = timeline
        self._fire = fire

    def schedule(self, timer: Timer) -> None:
        self._timeline.push_timer(timer, self._fire)
