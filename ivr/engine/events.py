"""What a driver tells the engine about a call's media side.

Seat events and call-level routing events are the routing core's own
(:mod:`ivr.routing.events`): the engine takes those unchanged and passes them
on, so a driver imports both modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

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
