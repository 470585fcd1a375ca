"""What the live driver remembers about each call on Asterisk's side, and how it finds them.

Only wiring: which channel, whether it is in AsyncAGI, which AGI command is
out, which seat leg belongs to it, what waits for the link to come back. Every
decision about the call is the engine's, and so is the journey's phase: the
driver asks the engine (``Engine.phase``) rather than keep a copy that could
drift. It keeps just enough to turn Asterisk's events into the engine's and back.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
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
    # The seat our Dial is for: which DialEnd and which leg's Hangup belong to this call.
    # Not the journey's phase (the engine's): the channel's side of it.
    offer_seat: str | None = None  # the seat ringing for it (our offer)
    seat_uniqueid: str | None = None  # the seat's leg, once dialled
    talking_seat: str | None = None
    ended: bool = False  # CallEnded was sent
    hold_class: str | None = None  # waiting in a queue with this music class
    offer_unsure: bool = False  # the Redirect for the offer went out when the link dropped
    language: str | None = None  # the channel's language as last set
    caller: str = ""
    deferred: list[object] = field(default_factory=list)  # commands met while disconnected


class CallBook:
    """The calls the driver carries, by call id, and the seat legs that lead back to them.

    A call's seat fields change only through here, so the seat-leg index cannot
    drift from them.
    """

    def __init__(self) -> None:
        self._calls: dict[str, LiveCall] = {}
        self._by_seat_leg: dict[str, str] = {}  # seat leg uniqueid -> call id

    @property
    def calls(self) -> Mapping[str, LiveCall]:
        return self._calls

    def get(self, call_id: str) -> LiveCall | None:
        return self._calls.get(call_id)

    def add(self, call: LiveCall) -> None:
        self._calls[call.call_id] = call

    def pop(self, call_id: str) -> LiveCall | None:
        return self._calls.pop(call_id, None)

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._calls

    def __iter__(self) -> Iterator[LiveCall]:
        return iter(list(self._calls.values()))

    def __len__(self) -> int:
        return len(self._calls)

    # --- seats -----------------------------------------------------------------------

    def engaged_seats(self) -> frozenset[str]:
        """Seats ringing or talking for one of these calls."""
        return frozenset(
            seat
            for call in self._calls.values()
            for seat in (call.offer_seat, call.talking_seat)
            if seat is not None
        )

    def engages(self, seat_id: str) -> bool:
        return any(
            c.offer_seat == seat_id or c.talking_seat == seat_id for c in self._calls.values()
        )

    def has_seat_leg(self, uniqueid: str) -> bool:
        return uniqueid in self._by_seat_leg

    def take_seat_leg(self, uniqueid: str) -> LiveCall | None:
        """The call a seat leg that just went belonged to (the leg is forgotten)."""
        call_id = self._by_seat_leg.pop(uniqueid, None)
        return self._calls.get(call_id) if call_id else None

    def ring(self, call: LiveCall, seat_id: str) -> None:
        """We offered the call to this seat: the Redirect into the seat context goes out."""
        call.offer_seat = seat_id

    def dialled(self, call: LiveCall, uniqueid: str) -> None:
        """The seat's leg of our offer exists: its DialEnd and Hangup lead back to the call."""
        call.seat_uniqueid = uniqueid
        self._by_seat_leg[uniqueid] = call.call_id

    def answered(self, call: LiveCall) -> str | None:
        """The seat ringing for the call answered: it now talks. Returns that seat."""
        seat = call.offer_seat
        call.offer_seat, call.talking_seat = None, seat
        return seat

    def release_offer(self, call: LiveCall | None) -> None:
        if call is None or call.offer_seat is None:
            return
        call.offer_seat = None
        self._forget_seat_leg(call)

    def release_seat(self, call: LiveCall) -> None:
        call.talking_seat = None
        self._forget_seat_leg(call)

    def _forget_seat_leg(self, call: LiveCall) -> None:
        if call.seat_uniqueid is not None:
            self._by_seat_leg.pop(call.seat_uniqueid, None)
            call.seat_uniqueid = None


@dataclass(slots=True)
class CallbackLeg:
    """A callback being placed: the seat's phone first, then the customer (Originate)."""

    call_id: str
    seat_id: str
    customer_uniqueid: str | None = None
    connected: bool = False
    action_id: str | None = None  # the Originate's: OriginateResponse carries it
