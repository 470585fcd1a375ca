"""What the floor shows: one call, one seat, one queue and the whole centre, as values.

:class:`ivr.obs.floor.Floor` keeps :class:`CallNow` and :class:`SeatNow` up to date
from the engine's outputs and builds :class:`QueueNow`, :class:`CentreNow` and their
:class:`Counts` when asked; the API's schemas, the wallboard and the metrics read them.
They live apart from the floor so that a reader needs only the shapes, not the projection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ivr.measures import MeasuresConfig
from ivr.measures.counters import Counters
from ivr.model.facts import SeatState


@dataclass(slots=True)
class CallNow:
    call_id: str
    state: str  # menu | waiting | ringing | talking
    since: float
    caller: str = ""
    dnis: str = ""
    flow: str | None = None
    node: str | None = None
    queue: str | None = None
    queued_at: float | None = None
    priority: int = 0
    seat_id: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    seq: int = 0


@dataclass(slots=True)
class SeatNow:
    seat_id: str
    name: str
    state: SeatState
    since: float
    reason: str = ""
    call_id: str | None = None
    calls_today: int = 0


@dataclass(frozen=True, slots=True)
class Counts:
    """One queue over one period, as :mod:`ivr.measures` counts it."""

    offered: int = 0
    answered: int = 0
    answered_in_limit: int = 0
    abandoned: int = 0
    diverted: int = 0
    service_level: float | None = None
    connection_rate: float | None = None

    @classmethod
    def of(
        cls, counters: Counters | None, config: MeasuresConfig, *, centre: bool = False
    ) -> Counts:
        if counters is None:
            return cls()
        k = counters.kpis(config, centre=centre)
        return cls(
            offered=k["offered"],
            answered=k["answered"],
            answered_in_limit=k["answered_within_limit"],
            abandoned=k["abandoned"],
            diverted=k["diverted"],
            service_level=k["service_level"],
            connection_rate=k["connection_rate"],
        )


@dataclass(frozen=True, slots=True)
class QueueNow:
    name: str
    skill: str | None
    answer_time_limit_s: float
    waiting: int
    longest_wait_s: float
    oldest_queued_at: float | None
    seats_open: int
    seats_by_state: Mapping[str, int]
    alarm_level: int
    today: Counts
    interval: Counts
    interval_start: float


@dataclass(frozen=True, slots=True)
class CentreNow:
    waiting: int
    calls_active: int
    calls_in_menus: int
    seats_by_state: Mapping[str, int]
    alarm_level: int
    today: Counts
    interval: Counts
    interval_start: float
