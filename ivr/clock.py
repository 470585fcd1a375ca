"""Time, injected.

The routing core, the flow interpreter and the journey never ask the system
for the time: they are handed a :class:`Clock`. The live engine hands them a
:class:`WallClock`; the simulator and the tests hand them a
:class:`ManualClock` that only moves when told to. This module is the only
place in the package that reads the system clock.

Times are seconds since the Unix epoch, as floats, everywhere: a simulated day
starts at the epoch second of its first midnight, so business hours and
holiday calendars work the same in both worlds.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Something that says what time it is (seconds since the epoch)."""

    def now(self) -> float: ...


class WallClock:
    """The real time, for the live engine."""

    def now(self) -> float:
        return time.time()


def monotonic() -> float:
    """Seconds from an arbitrary origin that never jumps: for measuring durations at the edges."""
    return time.perf_counter()


class ManualClock:
    """A clock that moves only when told, and never backwards (like trio's MockClock)."""

    __slots__ = ("_now",)

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            msg = f"time can't go backwards: asked to advance by {seconds} s"
            raise ValueError(msg)
        self._now += seconds

    def set(self, when: float) -> None:
        if when < self._now:
            msg = f"time can't go backwards: asked to set {when} while it is {self._now}"
            raise ValueError(msg)
        self._now = float(when)
