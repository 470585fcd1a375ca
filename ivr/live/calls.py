"""What the live driver remembers about each call on Asterisk's side.

Only wiring: which channel, whether it is in AsyncAGI, which AGI command is
out, which seat leg belongs to it. Every decision about the call is the
engine's; the driver keeps just enough to turn Asterisk's events into the
engine's and back.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum


class JobKind(StrEnum):
    PLAY = "play"  # answered by PlaybackFinished (PlayPrompts, SayValue, RecordVoicemail)
    COLLECT = "collect"  # answered by DigitsCollected
    FIRE = "fire"  # answered by nothing (SetVariables, StartHold, Announce)


@dataclass(slots=True)
class MediaJob:
    """One engine command carried out as a sequence of AGI commands, one at a time."""

    kind: JobKind
    command_name: str
    steps: deque[str]
    interruptible: bool = True
    final: str | None = None  # COLLECT: the GET DATA still to send after the prompts
    timeout_s: float = 5.0
    max_digits: int = 1
    terminator: str | None = "#"
    secret: bool = False
    digits: str = ""
    on_hold: bool = False  # FIRE jobs of the waiting music: dropped when a seat takes the call


@dataclass(slots=True)
class LiveCall:
    call_id: str  # the caller channel's Uniqueid: stable across redirects and transfers
    channel: str
    linkedid: str
    dnis: str
    in_agi: bool = False
    jobs: deque[MediaJob] = field(default_factory=deque)
    step: str | None = None  # CommandID of the AGI command out, awaiting AsyncAGIExec
    step_line: str | None = None
    offer_seat: str | None = None  # the seat ringing for it (our offer)
    seat_uniqueid: str | None = None  # the seat's leg, once dialled
    talking_seat: str | None = None
    over: bool = False  # the journey ended (JourneyEnded): nothing more goes to the engine
    ended: bool = False  # CallEnded was sent
    hold_class: str | None = None  # waiting in a queue with this music class
    offer_unsure: bool = False  # the Redirect for the offer went out when the link dropped
    language: str | None = None  # the channel's language as last set
    caller: str = ""


@dataclass(slots=True)
class CallbackLeg:
    """A callback being placed: the seat's phone first, then the customer (Originate)."""

    call_id: str
    seat_id: str
    customer_uniqueid: str | None = None
    connected: bool = False
    action_id: str | None = None  # the Originate's: OriginateResponse carries it
