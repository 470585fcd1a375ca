"""Piecewise-constant signals over time (callers waiting, seats in a state, an alarm level).

A :class:`Signal` is told each change; it keeps, per interval, the time
integral and the maximum, so averages and peaks per 15 minutes cost memory per
interval, never per call.
"""

from __future__ import annotations


class Signal:
    __slots__ = ("_origin", "_width", "integral", "maxima", "since", "total", "value")

    def __init__(self, origin: float, width: float, value: float = 0.0, since: float = 0.0) -> None:
        self._origin = origin
        self._width = width
        self.value = value
        self.since = since
        self.integral: dict[int, float] = {}
        self.maxima: dict[int, float] = {}
        self.total = 0.0

    def _interval(self, t: float) -> int:
        return int((t - self._origin) // self._width)

    def advance(self, t: float) -> None:
        """Account for the current value from ``since`` up to ``t``."""
        if t <= self.since:
            return
        value = self.value
        start = self.since
        k = self._interval(start)
        while True:
            end_k = self._origin + (k + 1) * self._width
            stop = t if t < end_k else end_k
            if value:
                self.integral[k] = self.integral.get(k, 0.0) + value * (stop - start)
                self.total += value * (stop - start)
                if value > self.maxima.get(k, 0.0):
                    self.maxima[k] = value
            if stop >= t:
                break
            start = stop
            k += 1
        self.since = t

    def set(self, t: float, value: float) -> None:
        self.advance(t)
        self.value = value
        if value:
            k = self._interval(t)
            if value > self.maxima.get(k, 0.0):
                self.maxima[k] = value

    def add(self, t: float, delta: float) -> None:
        self.set(t, self.value + delta)

    def mean_in(self, k: int) -> float:
        return self.integral.get(k, 0.0) / self._width
