"""What a driver tells the engine: one frozen dataclass per event.

Call media events (``CallArrived`` … ``ActionFailed``) answer the engine's
media commands; call routing events (``CallEnded``, ``SeatAnswered``,
``TransferRequested``, callbacks) come from the PBX or the simulated callers;
seat events (``SeatLoggedIn`` … ``SeatDeviceBusy``) from the supervisor's API,
Asterisk's device state or the simulator's shift plan. ``CallEnqueued`` is the
journey's own request to the routing core.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ivr.model.skills import Tier
from ivr.secret import Secret


@dataclass(frozen=True, slots=True, kw_only=True)
class CallArrived:
    """A call rang at the centre. ``dnis`` (the number dialled) picks the flow (REQUIREMENTS §1)."""

    call_id: str
    caller: str
    dnis: str
    language: str | None = None
    channel: str = ""  # live: Asterisk's channel name
    linkedid: str = ""  # live: Asterisk's linkedid (the conversation)
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackFinished:
    """A prompt (or a ``say``) ended; ``digit`` is the key that interrupted it, if any."""

    call_id: str
    digit: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DigitsCollected:
    """The digits a ``CollectDigits`` gathered; empty on time-out.

    A driver answers a ``CollectDigits(secret=True)`` with a :class:`Secret`,
    never a ``str``, so that the digits cannot reach a log through this event.
    """

    call_id: str
    digits: str | Secret


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerFound:
    """The answer to ``LookupCustomer``: ``None`` when nobody matched."""

    call_id: str
    customer: dict[str, Any] | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordChecked:
    """The answer to ``VerifyPassword``."""

    call_id: str
    outcome: Literal["ok", "wrong", "locked", "no_password"]
    failures: int = 0  # failed attempts so far, after this one


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionFailed:
    """The driver could not carry out a command for this call (Asterisk said error, a lookup failed)."""

    call_id: str
    command: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnqueued:
    """A call asks for a seat in ``queue``.

    ``priority`` overrides the tier's priority (a flow's ``queue`` node may
    set one). ``waited_s`` is time already spent waiting in an earlier queue
    of the same journey (an exit to another queue keeps the caller's place in
    time). ``owner_seat`` is the seat that owns the caller's open request
    (first-contact responsibility): it is offered the call first.
    ``peak_diversion`` is False once the journey was diverted at a peak alarm: a
    caller is offered a diversion once per call, and "keep waiting" means waiting.
    """

    call_id: str
    queue: str
    caller: str = ""
    dnis: str = ""
    service: str | None = None
    tier: Tier = Tier.NORMAL
    priority: int | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    owner_seat: str | None = None
    waited_s: float = 0.0
    peak_diversion: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnded:
    """The call is over on Asterisk's side: who hung up decides what it counts as.

    Waiting or ringing: an abandon. Talking: the end of the talk, and the seat
    goes to wrap-up. ``pbx``: the PBX itself cut the call (it restarted): a
    waiting caller is then not an abandon, and the journey ends as ``pbx_restart``.
    """

    call_id: str
    by: Literal["caller", "seat", "system", "pbx"] = "caller"


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatAnswered:
    call_id: str
    seat_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatDidNotAnswer:
    """The offered seat rang out, was busy, or could not be reached."""

    call_id: str
    seat_id: str
    reason: Literal["noanswer", "busy", "unreachable", "rejected"] = "noanswer"


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferRequested:
    """R3: the seat sends the caller on to another queue or a named seat, with top priority."""

    call_id: str
    queue: str | None = None
    seat_id: str | None = None
    note: str = ""
    by: str = ""  # who asked: the seat, or a supervisor
    # What the seat dialled, when the driver cannot tell a queue from a seat (a blind
    # transfer's code): the engine resolves it, and one nobody knows goes to the general queue.
    target: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackRequested:
    """A waiting caller takes a callback: they hang up but keep their place."""

    call_id: str
    number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackConnected:
    """The customer answered the callback placed for a seat: the seat now talks to them."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackFailed:
    """The callback could not reach the customer: the seat is freed, the callback is closed."""

    call_id: str
    reason: str = "no-answer"


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatLoggedIn:
    seat_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatLoggedOut:
    seat_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatPaused:
    seat_id: str
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatReady:
    seat_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatSkillsChanged:
    """New skills and levels for a seat, used from its next offer on."""

    seat_id: str
    skills: Mapping[str, int]
    general: bool = False
    level: int = 5


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatDeviceBusy:
    """Asterisk says the seat's phone is in use outside the engine (a private call), or free again."""

    seat_id: str
    busy: bool


RoutingEvent = (
    CallEnqueued
    | CallEnded
    | SeatAnswered
    | SeatDidNotAnswer
    | TransferRequested
    | CallbackRequested
    | CallbackConnected
    | CallbackFailed
    | SeatLoggedIn
    | SeatLoggedOut
    | SeatPaused
    | SeatReady
    | SeatSkillsChanged
    | SeatDeviceBusy
)
