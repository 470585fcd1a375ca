"""Free seats, indexed so that choosing one never scans every seat.

For each (strategy, pool) pair some queue uses, free seats sit in one heap
per level (1–10). A heap entry is ``(k1, k2, seq, seat, epoch)``:
``(k1, k2)`` is the strategy's order (smaller first), ``seq`` makes it total
and deterministic, and ``epoch`` is the seat's ``free_epoch`` when it was
pushed. A seat is never removed from a heap: when it stops being free its
entries go stale (the seat is no longer offerable, or its epoch moved on) and
are dropped when they reach the top. Choosing a seat for a normal caller
looks at the head of one heap that holds every level (or, for a step with a
minimum level, at the head of each level from that minimum: at most ten);
for a VIP caller (R4) or the ``highest_level`` strategy it takes the highest
level that has a free seat. Each is O(L + log n) amortised, L ≤ 10.
"""

from __future__ import annotations

import heapq

from ivr.model.facts import SeatState
from ivr.model.skills import MAX_LEVEL, Pool, Strategy
from ivr.routing.state import Seat

Entry = tuple[float, float, int, Seat, int]
PoolKey = tuple[Pool, str | None]  # (pool, skill) — skill only for the skill pool


def pool_key(pool: Pool, skill: str | None) -> PoolKey:
    return (pool, skill if pool is Pool.SKILL else None)


class FreeSeats:
    """The free seats of one pool, ordered by one strategy: one heap per level, and one for all.

    The heap of all levels answers the common question (any level, by the
    strategy) with one look at its head; the per-level heaps answer a VIP
    caller (highest level first) and steps with a minimum level.
    """

    __slots__ = ("_all", "_by_level", "_compact_at", "strategy")

    def __init__(self, strategy: Strategy) -> None:
        self.strategy = strategy
        self._by_level: list[list[Entry]] = [[] for _ in range(MAX_LEVEL + 1)]
        self._all: list[Entry] = []
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
        by_level = self._by_level[level]
        heapq.heappush(by_level, entry)
        heapq.heappush(self._all, entry)
        # The usual choice pops only the heap of all levels, so the per-level heaps
        # gather stale entries: compact when either has grown well past its live size.
        if len(self._all) > self._compact_at or len(by_level) > self._compact_at:
            self._compact()

    def size(self) -> int:
        """Entries held, live or stale (for tests that memory does not grow with calls)."""
        return len(self._all) + sum(len(h) for h in self._by_level)

    def _compact(self) -> None:
        """Drop stale entries when the heaps have grown well past their live size."""
        for level, heap in enumerate(self._by_level):
            live = [e for e in heap if _valid(e)]
            heapq.heapify(live)
            self._by_level[level] = live
        self._all = [e for e in self._all if _valid(e)]
        heapq.heapify(self._all)
        self._compact_at = max(256, 4 * len(self._all))

    def best(self, min_level: int, by_level: bool) -> Seat | None:
        """The seat this pool offers next: by strategy, or the highest level first when ``by_level``."""
        pop = heapq.heappop
        if by_level or self.strategy is Strategy.HIGHEST_LEVEL:
            for level in range(MAX_LEVEL, min_level - 1, -1):
                heap = self._by_level[level]
                while heap:
                    entry = heap[0]
                    if _valid(entry):
                        return entry[3]
                    pop(heap)
            return None
        if min_level <= 1:
            heap = self._all
            while heap:
                entry = heap[0]
                if _valid(entry):
                    return entry[3]
                pop(heap)
            return None
        best: Entry | None = None
        for level in range(min_level, MAX_LEVEL + 1):
            heap = self._by_level[level]
            while heap:
                entry = heap[0]
                if _valid(entry):
                    # seq (entry[2]) is unique, so the comparison never reaches the seat
                    if best is None or entry < best:
                        best = entry
                    break
                pop(heap)
        return None if best is None else best[3]


def _valid(entry: Entry) -> bool:
    seat = entry[3]
    return (
        seat.free_epoch == entry[4]
        and seat.state is SeatState.AVAILABLE
        and not seat.device_busy
        and seat.penalty_timer is None
    )
