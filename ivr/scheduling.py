"""Timers, asked of an injected scheduler.

The routing core and the journey need to be woken later (a ring timeout, a
widening step, the end of wrap-up, a maximum wait). They never sleep and never
start a task: they create a :class:`Timer` and hand it to the
:class:`Scheduler` they were given. The simulator's scheduler puts it on its
event heap; the live engine's puts it on the asyncio loop. When it is due the
driver hands it back to the engine (``Engine.fire(timer)``), unless it was
cancelled.

Cancellation is lazy (a flag), like SimPy and asyncio: cheap, and a cancelled
timer that comes due is simply dropped by the driver.
"""

from __future__ import annotations

from typing import Protocol


class Timer:
    """A wake-up at ``when`` for ``owner`` (a call or seat id) of a given ``kind``.

    ``seq`` orders timers that fall due at the same instant, so that the same
    inputs always give the same run.
    """

    __slots__ = ("cancelled", "data", "kind", "owner", "seq", "when")

    def __init__(self, when: float, kind: str, owner: str, data: object = None, seq: int = 0):
        self.when = when
        self.kind = kind
        self.owner = owner
        self.data = data
        self.seq = seq
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __lt__(self, other: Timer) -> bool:
        return (self.when, self.seq) < (other.when, other.seq)

    def __repr__(self) -> str:
        state = " cancelled" if self.cancelled else ""
        return f"Timer({self.kind} {self.owner} at {self.when:.3f}{state})"


class Scheduler(Protocol):
    def schedule(self, timer: Timer) -> None:
        """Arrange for ``timer`` to be handed back to the engine at ``timer.when``."""
        ...


class ListScheduler:
    """Keeps timers in a heap for tests and small drivers: ``due(now)`` pops those that are due."""

    def __init__(self) -> None:
        import heapq

        self._heap: list[Timer] = []
        self._push = heapq.heappush
        self._pop = heapq.heappop
        self._seq = 0

    def schedule(self, timer: Timer) -> None:
        self._seq += 1
        timer.seq = self._seq
        self._push(self._heap, timer)

    def next_when(self) -> float | None:
        while self._heap and self._heap[0].cancelled:
            self._pop(self._heap)
        return self._heap[0].when if self._heap else None

    def due(self, now: float) -> list[Timer]:
        out: list[Timer] = []
        while self._heap and self._heap[0].when <= now:
            timer = self._pop(self._heap)
            if not timer.cancelled:
                out.append(timer)
        return out
