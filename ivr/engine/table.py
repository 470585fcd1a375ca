"""The engine's transition table: a journey's phases, and which handler takes each event in each.

:class:`~ivr.engine.journey.Engine` looks every driver event up here; this
module holds the rules of the journey as data, so they read (and are tested) as a table.

Theory of operation
-------------------

A journey is in one :class:`Phase` at a time; the engine holds no journey
before ``CallArrived`` and after ``JourneyEnded`` (written ``-`` below). Each
driver event meets one row of :data:`TABLE`, looked up by (event, phase)::

    event               -          MENU       WAITING    RINGING    TALKING    CALLBACK   CLOSING
    CallArrived         arrive     (here)     (here)     (here)     (here)     (here)     (here)
    PlaybackFinished    refuse     flow       (nothing)  (nothing)  (nothing)  refuse     next stage
    DigitsCollected,
    CustomerFound,
    PasswordChecked,
    ActionFailed        refuse     flow       refuse     refuse     refuse     refuse     refuse
    SeatAnswered,
    SeatDidNotAnswer    route?     refuse     route      route      route      route      refuse
    TransferRequested   refuse     refuse     refuse     refuse     transfer   refuse     refuse
    CallbackRequested   refuse     refuse     callback   refuse     refuse     refuse     refuse
    CallbackConnected,
    CallbackFailed      route?     refuse     refuse     refuse     refuse     route      refuse
    CallEnded           route?     menu end   route      route      route      kept/route last stage

``(here)``: a driver that saw the same call twice (a resync); it is already here.
``(nothing)``: an announcement ended while waiting; nothing to do. ``route``: the
routing core decides (and may itself refuse: a seat that was not ringing for the
call). ``route?``: only for a call the routing core still holds without a journey.
``callback``: only a waiting caller can take a callback; the engine hangs up the
caller's line and the place in the queue is kept. ``transfer``: to a queue or a
seat, or to what a seat dialled (``target``); a target nobody knows goes to the
general queue, so no caller is left in silence. ``kept``: the caller's own line
ending after taking a callback.

Seat events (``SeatLoggedIn`` … ``SeatDeviceBusy``) have no journey: they go to
the routing core, whose seat rules may refuse them (``ready`` on a logged-out seat).

Every **refusal** is a :class:`~ivr.model.facts.Refused` output, the only output of
that event, and nothing changes: never an exception, never a silent drop. The
API answers it with 409 (404 for a call or seat nobody knows); the AMI adapter
counts it and logs it once.

The phase follows what the routing core hands back: ``Queued``, ``CancelOffer``,
``RingNoAnswer`` and ``Transferred`` put the journey back to WAITING, ``OfferCall``
to RINGING, ``Answered`` to TALKING, ``CallbackQueued`` to CALLBACK::

    MENU ──ToQueue──▶ WAITING ◀─▶ RINGING ──Answered──▶ TALKING ──Completed──▶ - (answered)
      │                 │ ├─Abandoned (waiting or ringing) ───────────────────▶ - (abandoned)
      │                 │ ├─Divert(flow)─▶ MENU       TALKING ──Transferred──▶ WAITING
      │                 │ ├─Divert(queue)▶ WAITING (time waited kept)
      │                 │ ├─Divert(other)▶ CLOSING ─▶ - (diverted/voicemail/callback)
      │                 │ └─CallbackRequested─▶ CALLBACK ─▶ a seat dials back ─▶ TALKING ─▶ …
      └─FlowDone / hang-up ─▶ - (self-service, menu hang-up, transfer out, …)

A new call while the intake is closed
(:meth:`~ivr.engine.journey.Engine.close_intake`, a clean stop) gets a busy
signal and its journey's end at once. Each journey ends with exactly one
``JourneyEnded`` fact.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from ivr.flows.interpreter import FlowRun
from ivr.model.commands import CancelOffer, OfferCall
from ivr.model.events import (
    ActionFailed,
    CallArrived,
    CallbackConnected,
    CallbackFailed,
    CallbackRequested,
    CallEnded,
    CustomerFound,
    DigitsCollected,
    PasswordChecked,
    PlaybackFinished,
    SeatAnswered,
    SeatDeviceBusy,
    SeatDidNotAnswer,
    SeatLoggedIn,
    SeatLoggedOut,
    SeatPaused,
    SeatReady,
    SeatSkillsChanged,
    TransferRequested,
)
from ivr.model.facts import (
    Answered,
    CallbackQueued,
    Outcome,
    Queued,
    RingNoAnswer,
    Transferred,
)
from ivr.model.outputs import Output
from ivr.model.skills import Tier


class Phase(Enum):
    MENU = "menu"
    WAITING = "waiting"  # in a queue, no seat ringing for it
    RINGING = "ringing"  # offered to a seat
    TALKING = "talking"  # bridged to a seat
    CALLBACK = "callback"  # off the line, keeping a place in the queue (or being dialled back)
    CLOSING = "closing"  # a last prompt before the end


class Journey:
    """One call's way through the centre."""

    __slots__ = (
        "call_id",
        "caller",
        "closing",
        "context",
        "diverted_at_peak",
        "dnis",
        "language",
        "owner_seat",
        "phase",
        "priority",
        "queue",
        "run",
        "service",
        "started_at",
        "tier",
    )

    def __init__(self, call_id: str, caller: str, dnis: str, language: str, at: float) -> None:
        self.call_id = call_id
        self.caller = caller
        self.dnis = dnis
        self.language = language
        self.started_at = at
        self.phase = Phase.MENU
        self.run: FlowRun | None = None
        self.queue: str | None = None
        self.service: str | None = None
        self.tier = Tier.NORMAL
        self.priority: int | None = None  # a priority the flow's queue node gave
        self.owner_seat: str | None = None  # the seat that owns the caller's open request
        self.context: dict[str, Any] = {}
        self.diverted_at_peak = False  # offered a diversion at a peak alarm: not again
        # The stages still to play before the end (each but the last ends with a prompt).
        self.closing: tuple[Outcome, str, list[list[Output]]] | None = None

    @property
    def node(self) -> str | None:
        """The menu node the caller is at, while in a flow."""
        if self.phase is Phase.MENU and self.run is not None and self.run.node is not None:
            return self.run.node.id
        return None


SEAT_EVENTS: frozenset[type] = frozenset(
    {SeatLoggedIn, SeatLoggedOut, SeatPaused, SeatReady, SeatSkillsChanged, SeatDeviceBusy}
)
_FLOW_EVENTS = (DigitsCollected, CustomerFound, PasswordChecked, ActionFailed)
_RING_EVENTS = (SeatAnswered, SeatDidNotAnswer)
_CALLBACK_LEG_EVENTS = (CallbackConnected, CallbackFailed)
_HELD = (Phase.WAITING, Phase.RINGING, Phase.TALKING, Phase.CALLBACK)

#: (event type, phase) -> the name of the :class:`Engine` method that takes it; the
#: phase ``None`` is "no journey". A pair that is not here is refused. The module
#: docstring draws it.
TABLE: dict[tuple[type, Phase | None], str] = {}


def _rows(events: tuple[type, ...], phases: tuple[Phase | None, ...], handler: str) -> None:
    for event in events:
        for phase in phases:
            TABLE[(event, phase)] = handler


_rows((CallArrived,), (None,), "_arrived")
_rows((CallArrived,), tuple(Phase), "_already_here")
_rows((PlaybackFinished, *_FLOW_EVENTS), (Phase.MENU,), "_to_flow")
_rows((PlaybackFinished,), (Phase.WAITING, Phase.RINGING, Phase.TALKING), "_nothing")
_rows((PlaybackFinished,), (Phase.CLOSING,), "_closing_prompt_done")
_rows((*_RING_EVENTS, *_CALLBACK_LEG_EVENTS, CallEnded), (None,), "_route_held")
_rows(_RING_EVENTS, _HELD, "_route_call")
_rows((TransferRequested,), (Phase.TALKING,), "_transfer")
_rows((CallbackRequested,), (Phase.WAITING,), "_callback_requested")
_rows(_CALLBACK_LEG_EVENTS, (Phase.CALLBACK,), "_route_call")
_rows((CallEnded,), (Phase.MENU,), "_hung_up_in_menu")
_rows((CallEnded,), (Phase.WAITING, Phase.RINGING, Phase.TALKING), "_hung_up_in_queue")
_rows((CallEnded,), (Phase.CALLBACK,), "_line_ended_in_callback")
_rows((CallEnded,), (Phase.CLOSING,), "_hung_up_while_closing")

#: Why a call event is refused outside its phases, in the words a supervisor reads.
WHY: dict[type, str] = {
    PlaybackFinished: "no prompt was playing for it",
    DigitsCollected: "it is not in a menu",
    CustomerFound: "it is not in a menu",
    PasswordChecked: "it is not in a menu",
    ActionFailed: "it is not in a menu",
    SeatAnswered: "no seat is being offered it",
    SeatDidNotAnswer: "no seat is being offered it",
    TransferRequested: "only a call talking to a seat is transferred",
    CallbackRequested: "only a waiting caller can take a callback",
    CallbackConnected: "no callback is being placed for it",
    CallbackFailed: "no callback is being placed for it",
}

#: What the routing core hands back that moves a journey in a queue to another phase.
PHASE_AFTER: dict[type, Phase] = {
    Queued: Phase.WAITING,
    CancelOffer: Phase.WAITING,
    RingNoAnswer: Phase.WAITING,
    Transferred: Phase.WAITING,
    OfferCall: Phase.RINGING,
    Answered: Phase.TALKING,
    CallbackQueued: Phase.CALLBACK,
}
