"""What happened, for the records, the measures and the wallboard: one frozen dataclass per fact.

Every fact carries ``at`` (the injected clock's time). The journey's facts
(``CallStarted``, ``NodeEntered``, ``MenuInput``, ``JourneyEnded``) and the
routing core's (``Queued`` … ``AlarmChanged``) together are everything the call
records, the queue log, the simulator's measures and the menu path report need.
No fact ever holds a secret: ``MenuInput`` of a secret collect says
``secret=True`` and carries no digits. Each journey ends with exactly one
``JourneyEnded``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Fact:
    """Something that happened, for the records."""

    __slots__ = ()


class SeatState(StrEnum):
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    RINGING = "ringing"  # offered a call (reserved for it)
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"  # after-call work for the queue's wrap_up_s
    PAUSED = "paused"


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
class CutOff(Fact):
    """The PBX cut a caller who was waiting (or ringing a seat): it restarted.

    Neither answered nor abandoned: the caller did not give up, so it counts in
    no abandon rate and no service level, and is reported on its own.
    """

    call_id: str
    queue: str
    wait_s: float
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


class Outcome(StrEnum):
    """How a journey ended (one per call, whatever its legs)."""

    ANSWERED = "answered"  # a seat talked to the caller
    ABANDONED = "abandoned"  # the caller hung up while waiting for a seat
    SELF_SERVICE = "self_service"  # the flow finished the business without a seat
    MENU_HANGUP = "menu_hangup"  # the caller hung up in the menu before asking for a seat
    DIVERTED = "diverted"  # a peak alarm or a queue exit sent the call away (busy, other site)
    CALLBACK = "callback"  # the caller left a callback request
    VOICEMAIL = "voicemail"
    TRANSFERRED_OUT = "transferred_out"  # sent to an outside number
    FAILED = "failed"  # the engine could not serve the call (a driver error)
    PBX_RESTART = "pbx_restart"  # the PBX cut the call (it restarted): nobody's doing here
    INTERRUPTED = (
        "interrupted"  # still up when the engine stopped: its record is closed at the stop
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class CallStarted(Fact):
    call_id: str
    caller: str
    dnis: str
    flow: str
    flow_version: str
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeEntered(Fact):
    call_id: str
    flow: str
    node: str
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class MenuInput(Fact):
    """What the caller did at a menu or collect node: ``choice`` is the digits, ``timeout`` or ``invalid``."""

    call_id: str
    flow: str
    node: str
    choice: str
    secret: bool
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class JourneyEnded(Fact):
    call_id: str
    outcome: Outcome
    reason: str
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Refused(Fact):
    """An event the engine does not take in the call's or seat's present state.

    Never an exception and never a silent drop: the API answers it with a 409 (404
    for a call or seat it does not know) carrying ``error_id`` and ``reason``; the
    AMI adapter counts it and logs it once. Nothing changed: a refused event has no
    other output.
    """

    event: str  # the event's type name, e.g. "TransferRequested"
    call_id: str | None
    seat_id: str | None
    phase: str | None  # the journey's phase, None when the engine holds no journey for it
    error_id: str  # stable, as in :mod:`ivr.errors`
    reason: str
    at: float
