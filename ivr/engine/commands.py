"""What the engine asks a driver to do on a call's media side.

The routing core's commands (:mod:`ivr.routing.outputs`: ``OfferCall``,
``CancelOffer``, ``PlaceCallback``, ``Announce``) come through the engine
unchanged and are carried out by the same drivers. Each command here is
answered by the event named in its docstring; the others are answered by
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ivr.routing.outputs import Command
from ivr.secret import Secret


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
