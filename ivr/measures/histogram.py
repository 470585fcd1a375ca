"""A fixed-bin histogram of waiting times: percentiles in constant memory, however many calls.

Bins are 0.25 s wide up to 2 minutes, 1 s up to 30 minutes, 10 s up to 4
hours, then one overflow bin; the exact maximum is kept apart. A percentile
is interpolated inside its bin, so it is off by at most one bin width (a
quarter of a second for the waits a service level cares about).
"""

from __future__ import annotations

# (upper edge of a segment in seconds, bin width in that segment)
_SEGMENTS: tuple[tuple[float, float], ...] = ((120.0, 0.25), (1800.0, 1.0), (14400.0, 10.0))


def _edges() -> list[float]:
    edges = [0.0]
    for upper, width in _SEGMENTS:
        while edges[-1] < upper - 1e-9:
            edges.append(round(edges[-1] + width, 6))
    return edges


_EDGES = _edges()
_N_FIRST = round(_SEGMENTS[0][0] / _SEGMENTS[0][1])
_N_SECOND = _N_FIRST + round((_SEGMENTS[1][0] - _SEGMENTS[0][0]) / _SEGMENTS[1][1])
_N_BINS = len(_EDGES)  # the last bin is the overflow, from the last edge up


class WaitHistogram:
    """Counts of waits per bin, with the count, sum and maximum kept exactly."""

    __slots__ = ("bins", "count", "maximum", "total")

    def __init__(self) -> None:
        self.bins = [0] * _N_BINS
        self.count = 0
        self.total = 0.0
        self.maximum = 0.0

    @staticmethod
    def bin_of(seconds: float) -> int:
        if seconds < _SEGMENTS[0][0]:
            return int(seconds * 4.0) if seconds > 0 else 0
        if seconds < _SEGMENTS[1][0]:
            return _N_FIRST + int(seconds - _SEGMENTS[0][0])
        if seconds < _SEGMENTS[2][0]:
            return _N_SECOND + int((seconds - _SEGMENTS[1][0]) / 10.0)
        return _N_BINS - 1

    def add(self, seconds: float) -> None:
        self.bins[self.bin_of(seconds)] += 1
        self.count += 1
        self.total += seconds
        if seconds > self.maximum:
            self.maximum = seconds

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    def percentile(self, p: float) -> float:
        """The ``p``-th percentile (0-100), interpolated in its bin; 0.0 with no data."""
        if not self.count:
            return 0.0
        rank = p / 100.0 * self.count
        seen = 0
        for i, n in enumerate(self.bins):
            if n and seen + n >= rank:
                low = _EDGES[i]
                high = _EDGES[i + 1] if i + 1 < len(_EDGES) else self.maximum
                high = min(high, self.maximum) if high > low else low
                frac = (rank - seen) / n
                return min(low + frac * (high - low), self.maximum)
            seen += n
        return self.maximum

    def coarse(self, edges: tuple[float, ...]) -> list[int]:
        """Counts between the given edges (for charts): ``len(edges)`` counts, the last open-ended."""
        out = [0] * len(edges)
        j = 0
        for i, n in enumerate(self.bins):
            if not n:
                continue
            low = _EDGES[i]
            while j + 1 < len(edges) and low >= edges[j + 1]:
                j += 1
            out[j] += n
        return out
