"""The centre's seats: where each stands, which queues it serves, and the index of free ones.

A seat's state changes only through :meth:`SeatPool.set_state`, which records
the ``SeatChanged`` fact and keeps the open-seat counts of peak alarms true.
Which free seat a waiting call gets is :meth:`SeatPool.find`: it looks at the
free-seat index (:mod:`ivr.routing.seats_index`), never at every seat.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from itertools import count

from ivr.clock import Clock
from ivr.errors import UnknownSeatError
from ivr.model.facts import SeatChanged, SeatState
from ivr.model.outputs import Output
from ivr.model.skills import CentreConfig, Pool, Strategy, Tier
from ivr.routing.alarms import PeakAlarms
from ivr.routing.seats_index import FreeSeats, PoolKey, pool_key
from ivr.routing.state import QueueState, Seat


class SeatPool:
    """Every configured seat, its membership of queues and free-seat heaps, and its state changes."""

    def __init__(
        self,
        centre: CentreConfig,
        queues: dict[str, QueueState],
        *,
        alarms: PeakAlarms,
        clock: Clock,
        rng: random.Random,
        seq: count[int],
    ) -> None:
        self._queues = queues
        self._alarms = alarms
        self._clock = clock
        self._rng = rng
        self._seq = seq  # shared with the calls' keys: one order of everything that happened
        self.seats: dict[str, Seat] = {}
        self.index: dict[tuple[Strategy, PoolKey], FreeSeats] = {}
        for q in queues.values():
            for step in q.steps:
                if step.pool is Pool.SKILL and q.config.skill is None:
                    continue
                key = (q.config.strategy, pool_key(step.pool, q.config.skill))
                if key not in self.index:
                    self.index[key] = FreeSeats(q.config.strategy)
        self._uses_random = any(q.config.strategy is Strategy.RANDOM for q in queues.values())
        self._heaps: dict[str, list[tuple[FreeSeats, int]]] = {}
        for order, seat_config in enumerate(centre.seats):
            seat = Seat(seat_config, order)
            self.seats[seat.id] = seat
            self._compute_membership(seat)

    def seat(self, seat_id: str) -> Seat:
        seat = self.seats.get(seat_id)
        if seat is None:
            msg = f"seat '{seat_id}' is not configured: add it to skills/ or check the id"
            raise UnknownSeatError(msg, seat_id=seat_id)
        return seat

    def find(self, q: QueueState, waited: float, head_start: float, tier: Tier) -> Seat | None:
        """The free seat a caller of ``tier`` who has waited ``waited`` in ``q`` gets, if any.

        The open steps are tried in order; a VIP caller gets the highest level
        in the first step that has a free seat (R4).
        """
        by_level = tier is Tier.VIP
        skill = q.config.skill
        strategy = q.config.strategy
        for step in q.steps:
            if step.after_s > waited + head_start:
                continue
            free = self.index.get((strategy, pool_key(step.pool, skill)))
            if free is None:
                continue
            seat = free.best(step.min_level, by_level)
            if seat is not None:
                return seat
        return None

    def index_free(self, seat: Seat) -> None:
        """The seat is free and no call it may take waits: it joins its pools' free-seat heaps."""
        seat.free_epoch += 1
        if self._uses_random:
            seat.random_key = self._rng.random()
        for free, level in self._heaps[seat.id]:
            free.push(seat, level, next(self._seq))

    def set_state(self, seat: Seat, state: SeatState, reason: str, out: list[Output]) -> None:
        previous = seat.state
        if previous is state and seat.reason == reason:
            return
        now = self._clock.now()
        was_open = seat.is_open
        seat.state = state
        seat.reason = reason
        seat.since = now
        if state is SeatState.AVAILABLE and previous is not SeatState.AVAILABLE:
            seat.free_since = now
        out.append(
            SeatChanged(
                seat_id=seat.id,
                state=state,
                previous=previous,
                reason=reason,
                call_id=seat.call.id if seat.call is not None else None,
                at=now,
            )
        )
        if was_open != seat.is_open:
            self._alarms.seat_opened(seat, 1 if seat.is_open else -1, out)

    def change_skills(
        self, seat: Seat, skills: Mapping[str, int], general: bool, level: int, out: list[Output]
    ) -> None:
        """New skills: the seat leaves the open counts of its old queues and joins its new ones."""
        was_open = seat.is_open
        if was_open:
            self._alarms.seat_opened(seat, -1, out)
        seat.skills = dict(skills)
        seat.general = general
        seat.level = level
        self._compute_membership(seat)
        if was_open:
            self._alarms.seat_opened(seat, +1, out)

    def _compute_membership(self, seat: Seat) -> None:
        """Which queues the seat serves (from how long a wait) and which free-seat heaps it joins."""
        serves: list[tuple[QueueState, float, int]] = []
        for q in self._queues.values():
            skill = q.config.skill
            after: float | None = None
            rank = 1
            for step in q.steps:
                if step.pool is Pool.SKILL and skill is None:
                    continue
                if seat.qualifies(step, skill):
                    if after is None or step.after_s < after:
                        after = step.after_s
                    if step.pool is not Pool.ALL:
                        rank = 0
            if after is not None:
                serves.append((q, after, rank))
        serves.sort(key=lambda item: (item[2], item[1], item[0].name))
        seat.serves = serves
        pools: list[tuple[FreeSeats, int]] = []
        for (_strategy, (pool, skill)), free in self.index.items():
            level = seat.level_in(pool, skill)
            if level is not None:
                pools.append((free, level))
        self._heaps[seat.id] = pools
