"""What the engine asks a driver to do: one frozen dataclass per command.

The routing core's commands (``OfferCall``, ``CancelOffer``, ``Divert``,
``PlaceCallback``, ``Announce``) ring seats and place callbacks; the flow's
media commands (``PlayPrompts`` … ``Hangup``) act on the caller's channel.
Each media command is answered by the event named in its docstring; the others
are answered by nothing. A driver carries out every command it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ivr.model.skills import Exit
from ivr.secret import Secret


class Command:
    """Something the driver must do."""

    __slots__ = ()


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


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayPrompts(Command):
    """Play the prompts in order. Answered by ``PlaybackFinished``."""

    call_id: str
    prompts: tuple[str, ...]
    language: str
    interruptible: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectDigits(Command):
    """Play the prompts and gather digits. Answered by ``DigitsCollected``.

    Collection ends at ``max_digits``, at ``terminator`` (not included), or
    ``timeout_s`` after the last key (or after the prompt, if none).
    """

    call_id: str
    prompts: tuple[str, ...]
    language: str
    min_digits: int = 1
    max_digits: int = 1
    timeout_s: float = 5.0
    terminator: str | None = "#"
    secret: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SayValue(Command):
    """Speak a value. Answered by ``PlaybackFinished``."""

    call_id: str
    kind: Literal["digits", "number", "amount"]
    value: str
    language: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LookupCustomer(Command):
    """Find the customer. Answered by ``CustomerFound``."""

    call_id: str
    by: Literal["caller", "account"]
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyPassword(Command):
    """Check the account's 6-digit password. Answered by ``PasswordChecked``."""

    call_id: str
    account: str
    password: Secret


@dataclass(frozen=True, slots=True, kw_only=True)
class StartHold(Command):
    """The caller waits in a queue: music on hold until a seat is offered the call."""

    call_id: str
    queue: str
    music_class: str = "default"


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferOut(Command):
    """Send the call to an outside number; the journey ends here."""

    call_id: str
    number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateCallback(Command):
    """Record a callback task for the back office; the caller's line is then ended."""

    call_id: str
    number: str
    wished_at: float | None
    queue: str | None
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordVoicemail(Command):
    """Record a message for the back office. Answered by ``PlaybackFinished`` when done."""

    call_id: str
    box: str
    prompt: str | None
    language: str
    max_s: float = 120.0


@dataclass(frozen=True, slots=True, kw_only=True)
class SetVariables(Command):
    """Write variables on the call's channel (the screen pop for the seat's channel, say)."""

    call_id: str
    variables: dict[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Hangup(Command):
    """End the call. ``cause``: ``normal`` or ``busy`` (a busy signal first)."""

    call_id: str
    reason: str
    cause: Literal["normal", "busy"] = "normal"
