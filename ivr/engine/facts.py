"""Facts about a call's journey outside the queue: arrival, the path through the flow, the end.

Together with the routing core's facts (:mod:`ivr.routing.outputs`) they are
everything the records, the simulator's measures and the menu path report
need. No fact ever holds a secret: ``MenuInput`` of a secret collect says
``secret=True`` and carries no digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ivr.routing.outputs import Fact


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
