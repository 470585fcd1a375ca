"""Free seats, indexed so that choosing one never scans every seat.

For each (strategy, pool) pair some queue uses, free seats sit in one heap
per level (1–10). A heap entry is ``(k1, k2, seq, seat, epoch)``:
``(k1, k2)`` is the strategy's order (smaller first), ``seq`` makes it total
and deterministic, and ``epoch`` is the seat's ``free_epoch`` when it was
pushed. A seat is never removed from a heap: when it stops being free its
entries go stale (the seat is no longer offerable, or its epoch moved on) and
are dropped when they reach the top. Choosing a seat for a normal caller
peeks at the head of each level at or above the step's minimum (at most ten
peeks); for a VIP caller (R4) or the ``highest_level`` strategy it takes the
highest level that has a free seat. Each is O(L + log n) amortised, L ≤ 10.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from ivr.routing.config import MAX_LEVEL, Pool, Strategy
from ivr.routing.state import Seat

Entry = tuple[float, float, int, Seat, int]
PoolKey = tuple[Pool, str | None]  # (pool, skill) — skill only for the skill pool


def pool_key(pool: Pool, skill: str | None) -> PoolKey:
    return (pool, skill if pool is Pool.SKILL else None)


class FreeSeats:
    """The free seats of one pool, ordered by one strategy, one heap per level."""

    __slots__ = ("_by_level", "_compact_at", "strategy")

    def __init__(self, strategy: Strategy) -> None:
        self.strategy = strategy
        self._by_level: list[list[Entry]] = [[] for _ in range(MAX_LEVEL + 1)]
        self._compact_at = 256

    def push(self, seat: Seat, level: int, seq: int) -> None:
        s = self.strategy
        if s is Strategy.LONGEST_IDLE or s is Strategy.HIGHEST_LEVEL:
            entry: Entry = (seat.free_since, 0.0, seq, seat, seat.free_epoch)
        elif s is Strategy.FEWEST_CALLS:
            entry = (float(seat.calls_today), seat.free_since, seq, seat, seat.free_epoch)
        elif s is Strategy.ROUND_ROBIN:
            entry = (float(seat.last_offer), 0.0, seq, seat, seat.free_epoch)
        else:
            entry = (seat.random_key, 0.0, seq, seat, seat.free_epoch)
        heap = self._by_level[level]
        heapq.heappush(heap, entry)
        if len(heap) > self._compact_at:
            self._compact(level)

    def _compact(self, level: int) -> None:
        """Drop stale entries when a heap has grown well past its live size."""
        live = [e for e in self._by_level[level] if _valid(e)]
        heapq.heapify(live)
        self._by_level[level] = live
        self._compact_at = max(256, 4 * len(live))

    def _head(self, level: int) -> Entry | None:
        heap = self._by_level[level]
        while heap:
            entry = heap[0]
            if _valid(entry):
                return entry
            heapq.heappop(heap)
        return None

    def best(self, min_level: int, by_level: bool) -> Seat | None:
        """The seat this pool offers next: by strategy, or the highest level first when ``by_level``."""
        if by_level or self.strategy is Strategy.HIGHEST_LEVEL:
            for level in range(MAX_LEVEL, min_level - 1, -1):
                entry = self._head(level)
                if entry is not None:
                    return entry[3]
            return None
        best: Entry | None = None
        for level in range(min_level, MAX_LEVEL + 1):
            entry = self._head(level)
            if entry is not None and (best is None or entry[:3] < best[:3]):
                best = entry
        return None if best is None else best[3]

    def free_seats(self) -> Iterable[Seat]:
        seen: set[str] = set()
        for heap in self._by_level:
            for entry in heap:
                if _valid(entry) and entry[3].id not in seen:
                    seen.add(entry[3].id)
                    yield entry[3]


def _valid(entry: Entry) -> bool:
    seat = entry[3]
    return seat.free_epoch == entry[4] and seat.offerable
