"""Piecewise-constant signals over time (callers waiting, seats busy or staffed, an alarm level).

A :class:`Signal` is told each change; it keeps, per interval, the time
integral and the maximum, so averages and peaks per 15 minutes cost memory per
interval, never per call. A change within the current interval is a few
arithmetic operations (the hot path of a simulation).
"""

from __future__ import annotations


class Signal:
    __slots__ = (
        "_end",
        "_k",
        "_origin",
        "_width",
        "integral",
        "maxima",
        "since",
        "total",
        "value",
    )

    def __init__(self, origin: float, width: float, value: float = 0.0, since: float = 0.0) -> None:
        self._origin = origin
        self._width = width
        self.value = value
        self.since = since
        self.integral: dict[int, float] = {}
        self.maxima: dict[int, float] = {}
        self.total = 0.0
        self._k = int((since - origin) // width)  # the interval holding ``since``
        self._end = origin + (self._k + 1) * width

    def advance(self, t: float) -> None:
        """Account for the current value from ``since`` up to ``t``."""
        since = self.since
        if t <= since:
            return
        value = self.value
        if t <= self._end:  # the same interval: the common case
            if value:
                area = value * (t - since)
                k = self._k
                integral = self.integral
                integral[k] = integral.get(k, 0.0) + area
                self.total += area
            self.since = t
            return
        k = self._k
        start = since
        while True:
            end_k = self._origin + (k + 1) * self._width
            stop = t if t < end_k else end_k
            if value and stop > start:
                self.integral[k] = self.integral.get(k, 0.0) + value * (stop - start)
                self.total += value * (stop - start)
                if value > self.maxima.get(k, 0.0):
                    self.maxima[k] = value
            if stop >= t:
                break
            start = stop
            k += 1
        self.since = t
        self._k = k
        self._end = self._origin + (k + 1) * self._width

    def set(self, t: float, value: float) -> None:
        self.advance(t)
        self.value = value
        if value:
            k = self._k
            if t >= self._end:  # exactly on a boundary
                k = int((t - self._origin) // self._width)
            if value > self.maxima.get(k, 0.0):
                self.maxima[k] = value

    def add(self, t: float, delta: float) -> None:
        self.set(t, self.value + delta)

    def mean_in(self, k: int) -> float:
        return self.integral.get(k, 0.0) / self._width
