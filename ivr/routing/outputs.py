"""What the routing core answers: commands a driver must carry out, and facts for the records.

Commands (:class:`Command`) ask the driver to do something on a real or
simulated call. Facts (:class:`Fact`) say what happened, stamped with the
injected clock's time, for the call records, the queue log, the simulator's
measures and the wallboard. A driver that does not care about a fact ignores
it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ivr.routing.config import Exit


class SeatState(StrEnum):
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    RINGING = "ringing"  # offered a call (reserved for it)
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"  # after-call work for the queue's wrap_up_s
    PAUSED = "paused"


class Command:
    """Something the driver must do."""

    __slots__ = ()


class Fact:
    """Something that happened, for the records."""

    __slots__ = ()


# --- commands -----------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferCall(Command):
    """Ring ``seat_id`` for the call (live: dial ``endpoint``); the screen pop is ``context``."""

    call_id: str
    seat_id: str
    queue: str
    endpoint: str | None
    ring_timeout_s: float
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelOffer(Command):
    """Stop ringing the seat: the caller hung up while it rang."""

    call_id: str
    seat_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Divert(Command):
    """The call leaves the queue (or is refused by it) and goes to ``exit``.

    ``reason``: ``alarm1`` or ``alarm2`` (peak diversion at arrival),
    ``max_wait``, ``full``.
    """

    call_id: str
    queue: str
    reason: str
    exit: Exit
    waited_s: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceCallback(Command):
    """A callback reached the head of its queue and ``seat_id`` is reserved: call the customer."""

    call_id: str
    seat_id: str
    number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Announce(Command):
    """Tell the waiting caller their position and estimated wait."""

    call_id: str
    queue: str
    position: int
    estimated_wait_s: float


# --- facts --------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Queued(Fact):
    call_id: str
    queue: str
    position: int
    priority: int
    estimated_wait_s: float
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Answered(Fact):
    """A seat answered: ``wait_s`` counts from entering the first queue of this leg."""

    call_id: str
    seat_id: str
    queue: str
    wait_s: float
    ring_s: float
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RingNoAnswer(Fact):
    call_id: str
    seat_id: str
    queue: str
    ring_s: float
    reason: str
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Abandoned(Fact):
    """The caller hung up while waiting (or while a seat rang)."""

    call_id: str
    queue: str
    wait_s: float
    position: int
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Completed(Fact):
    """The talk ended; ``by`` says who hung up first."""

    call_id: str
    seat_id: str
    queue: str
    talk_s: float
    by: str
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Transferred(Fact):
    call_id: str
    from_seat: str
    from_queue: str
    to_queue: str | None
    to_seat: str | None
    talk_s: float
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Diverted(Fact):
    call_id: str
    queue: str
    reason: str
    action: str
    target: str | None
    waited_s: float
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackQueued(Fact):
    call_id: str
    queue: str
    number: str
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatChanged(Fact):
    seat_id: str
    state: SeatState
    previous: SeatState
    reason: str
    call_id: str | None
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class AlarmChanged(Fact):
    """A peak alarm was raised or cleared; ``scope`` is a queue's name or ``"*"`` for the centre."""

    scope: str
    level: int
    previous: int
    waiting: int
    open_seats: int
    at: float


Output = Command | Fact
