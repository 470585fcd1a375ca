"""The journey of a call: arrival → flow → queue → seat → transfers → end, in one place.

:class:`Engine` is the only component that knows a call's whole journey. It
feeds the flow interpreter while the call is in a menu and the routing core
while it waits for or talks to a seat, and turns what one hands back into
work for the other: a flow's ``ToQueue`` becomes a ``CallEnqueued``; a
queue's ``Divert`` (a peak alarm, a maximum wait, a full queue) becomes
another queue, a self-service flow, a voicemail, a callback or a busy signal.
The simulator and the AMI adapter are two drivers of it: they hold no flow or
routing rule of their own, so the simulator measures this very engine.

Phases of a journey::

    menu ──ToQueue──▶ queue ──Completed──▶ (ended: answered)
      │                 │ ├─Abandoned────▶ (ended: abandoned)
      │                 │ ├─Divert(flow)─▶ menu
      │                 │ ├─Divert(queue)▶ queue (time waited kept)
      │                 │ ├─Divert(other)▶ closing ─▶ (ended: diverted/voicemail/callback)
      │                 │ └─CallbackRequested─▶ callback ─▶ queue (a seat dials back) ─▶ …
      └─FlowDone / hang-up ─▶ (ended: self-service, menu hang-up, transfer out, …)

Each journey ends with exactly one ``JourneyEnded`` fact.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from enum import Enum
from typing import Any

from ivr.clock import Clock
from ivr.flows.catalog import FlowCatalog
from ivr.flows.interpreter import FlowInterpreter, FlowRun
from ivr.model.commands import (
    CreateCallback,
    Divert,
    Hangup,
    PlayPrompts,
    RecordVoicemail,
    StartHold,
)
from ivr.model.directives import FlowDone, ToQueue
from ivr.model.events import (
    ActionFailed,
    CallArrived,
    CallbackConnected,
    CallbackFailed,
    CallbackRequested,
    CallEnded,
    CallEnqueued,
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
from ivr.model.facts import Abandoned, CallStarted, Completed, Diverted, JourneyEnded, Outcome
from ivr.model.outputs import Output
from ivr.model.skills import CentreConfig, Exit, ExitAction, Tier
from ivr.routing.core import RoutingCore
from ivr.scheduling import Scheduler, Timer


class Phase(Enum):
    MENU = "menu"
    QUEUE = "queue"  # waiting for, ringing or talking to a seat
    CALLBACK = "callback"  # off the line, keeping a place in the queue
    CLOSING = "closing"  # a last prompt before the end


class Journey:
    """One call's way through the centre."""

    __slots__ = (
        "call_id",
        "caller",
        "closing",
        "context",
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
        # The stages still to play before the end (each but the last ends with a prompt).
        self.closing: tuple[Outcome, str, list[list[Output]]] | None = None

    @property
    def node(self) -> str | None:
        """The menu node the caller is at, while in a flow."""
        if self.phase is Phase.MENU and self.run is not None and self.run.node is not None:
            return self.run.node.id
        return None


_SEAT_EVENTS: tuple[type, ...] = (
    SeatLoggedIn,
    SeatLoggedOut,
    SeatPaused,
    SeatReady,
    SeatSkillsChanged,
    SeatDeviceBusy,
)
_MEDIA_EVENTS: tuple[type, ...] = (
    PlaybackFinished,
    DigitsCollected,
    CustomerFound,
    PasswordChecked,
    ActionFailed,
)
_CALL_ROUTING_EVENTS: tuple[type, ...] = (
    SeatAnswered,
    SeatDidNotAnswer,
    TransferRequested,
    CallbackConnected,
    CallbackFailed,
)


class Engine:
    """The journey of every call. See the module docstring."""

    def __init__(
        self,
        *,
        centre: CentreConfig,
        flows: FlowCatalog,
        clock: Clock,
        scheduler: Scheduler,
        rng: random.Random | None = None,
        default_language: str = "zh",
    ) -> None:
        self.centre = centre
        self.clock = clock
        self.routing = RoutingCore(centre, clock=clock, scheduler=scheduler, rng=rng)
        self.catalog = flows
        self.flows = FlowInterpreter(flows, clock=clock, queues=self.routing)
        self.journeys: dict[str, Journey] = {}
        self.default_language = default_language
        handlers: dict[type, Callable[[Any, list[Output]], None]] = {CallArrived: self._arrived}
        handlers.update(dict.fromkeys(_SEAT_EVENTS, self._route))
        handlers.update(dict.fromkeys(_MEDIA_EVENTS, self._media))
        handlers.update(dict.fromkeys(_CALL_ROUTING_EVENTS, self._call_to_routing))
        handlers[CallEnded] = self._ended
        handlers[CallbackRequested] = self._callback_requested
        self._handlers = handlers

    # --- the surface ---------------------------------------------------------------

    def handle(self, event: object) -> list[Output]:
        """Apply one driver event; returns the commands to carry out and the facts to record."""
        handler = self._handlers.get(type(event))
        if handler is None:
            msg = f"the engine does not take {type(event).__name__} events"
            raise TypeError(msg)
        out: list[Output] = []
        handler(event, out)
        return out

    def fire(self, timer: Timer) -> list[Output]:
        """A timer the engine asked for is due."""
        if timer.cancelled:
            return []
        routed = self.routing.fire(timer)
        out: list[Output] = []
        self._absorb(routed, out)
        return out

    def journey(self, call_id: str) -> Journey | None:
        return self.journeys.get(call_id)

    def call_context(self, call_id: str) -> dict[str, Any] | None:
        """What a seat or a supervisor may see of a call now (never a secret).

        In a menu, what the flow has collected so far; in a queue or after, the
        context it was queued with. ``None`` for a call the engine does not hold.
        """
        journey = self.journeys.get(call_id)
        if journey is None:
            return None
        if journey.phase is Phase.MENU and journey.run is not None:
            return journey.run.screen_pop()
        return dict(journey.context)

    # --- arrival and the flow --------------------------------------------------------

    def _arrived(self, ev: CallArrived, out: list[Output]) -> None:
        if ev.call_id in self.journeys:
            return  # a driver that saw the same call twice (a resync): it is already here
        now = self.clock.now()
        journey = Journey(ev.call_id, ev.caller, ev.dnis, ev.language or self.default_language, now)
        self.journeys[ev.call_id] = journey
        run, flow_out = self.flows.start(
            call_id=ev.call_id, caller=ev.caller, dnis=ev.dnis, language=ev.language
        )
        journey.run = run
        journey.language = run.language
        out.append(
            CallStarted(
                call_id=ev.call_id,
                caller=ev.caller,
                dnis=ev.dnis,
                flow=run.flow.name,
                flow_version=run.version,
                at=now,
            )
        )
        self._from_flow(journey, flow_out, out)

    def _media(self, ev: Any, out: list[Output]) -> None:
        journey = self.journeys.get(ev.call_id)
        if journey is None:
            return  # a late answer for a call that has ended
        if journey.phase is Phase.MENU and journey.run is not None:
            self._from_flow(journey, self.flows.handle(journey.run, ev), out)
        elif journey.phase is Phase.CLOSING and type(ev) is PlaybackFinished:
            self._next_stage(journey, out)
        # In a queue a prompt ending (an announcement) needs nothing.

    def _from_flow(self, journey: Journey, flow_out: list[Any], out: list[Output]) -> None:
        for item in flow_out:
            kind = type(item)
            if kind is ToQueue:
                self._enter_queue(journey, item, out)
            elif kind is FlowDone:
                self._end(journey, item.outcome, item.reason, out)
            else:
                out.append(item)

    def _enter_queue(self, journey: Journey, directive: ToQueue, out: list[Output]) -> None:
        journey.phase = Phase.QUEUE
        journey.run = None
        journey.queue = directive.queue
        journey.service = directive.service
        journey.tier = directive.tier
        journey.context = directive.context
        journey.priority = directive.priority
        journey.owner_seat = directive.owner_seat
        out.append(StartHold(call_id=journey.call_id, queue=directive.queue))
        self._enqueue(journey, directive.queue, 0.0, out)

    def _enqueue(self, journey: Journey, queue: str, waited_s: float, out: list[Output]) -> None:
        """Ask the routing core for a seat, with all the journey knows (a queue exit keeps it all)."""
        self._route(
            CallEnqueued(
                call_id=journey.call_id,
                queue=queue,
                caller=journey.caller,
                dnis=journey.dnis,
                service=journey.service,
                tier=journey.tier,
                priority=journey.priority,
                context=journey.context,
                owner_seat=journey.owner_seat,
                waited_s=waited_s,
            ),
            out,
        )

    # --- the queue ---------------------------------------------------------------------

    def _call_to_routing(self, ev: Any, out: list[Output]) -> None:
        journey = self.journeys.get(ev.call_id)
        if journey is not None and type(ev) is CallbackConnected:
            journey.phase = Phase.QUEUE
        self._route(ev, out)

    def _callback_requested(self, ev: CallbackRequested, out: list[Output]) -> None:
        journey = self.journeys.get(ev.call_id)
        self._route(ev, out)
        if journey is not None and journey.phase is Phase.QUEUE:
            journey.phase = Phase.CALLBACK

    def _route(self, ev: object, out: list[Output]) -> None:
        routed: list[Output] = []
        self.routing.handle_into(ev, routed)
        self._absorb(routed, out)

    def _absorb(self, routed: list[Output], out: list[Output]) -> None:
        """Pass the routing core's outputs on, acting on those that change a journey."""
        for item in routed:
            if isinstance(item, Divert):
                self._divert(item, out)
                continue
            out.append(item)
            if isinstance(item, Completed):
                self._end_by_id(item.call_id, Outcome.ANSWERED, "completed", out)
            elif isinstance(item, Abandoned):
                self._end_by_id(item.call_id, Outcome.ABANDONED, "caller hung up waiting", out)
            elif isinstance(item, Diverted) and item.action == ExitAction.CALLBACK.value:
                journey = self.journeys.get(item.call_id)
                if journey is not None and journey.phase is Phase.CALLBACK:
                    self._end(journey, Outcome.CALLBACK, item.reason, out)

    def _divert(self, divert: Divert, out: list[Output]) -> None:
        journey = self.journeys.get(divert.call_id)
        if journey is None:
            return
        exit_ = divert.exit
        action = exit_.action
        if action is ExitAction.QUEUE:
            assert exit_.target is not None
            journey.queue = exit_.target
            self._enqueue(journey, exit_.target, divert.waited_s, out)
        elif action is ExitAction.FLOW:
            variables = dict(journey.context)
            variables["diverted_from"] = divert.queue
            variables["divert_reason"] = divert.reason
            journey.phase = Phase.MENU
            run, flow_out = self.flows.start(
                call_id=journey.call_id,
                caller=journey.caller,
                dnis=journey.dnis,
                language=journey.language,
                flow=exit_.target,
                variables=variables,
            )
            journey.run = run
            self._from_flow(journey, flow_out, out)
        else:
            self._leave_by_exit(journey, divert, exit_, out)

    def _leave_by_exit(
        self, journey: Journey, divert: Divert, exit_: Exit, out: list[Output]
    ) -> None:
        """Voicemail, a callback task or a busy signal: played out in stages, each ended by its prompt."""
        call_id = journey.call_id
        stages: list[list[Output]] = []
        if exit_.prompt:
            stages.append(
                [
                    PlayPrompts(
                        call_id=call_id,
                        prompts=(exit_.prompt,),
                        language=journey.language,
                        interruptible=False,
                    )
                ]
            )
        if exit_.action is ExitAction.VOICEMAIL:
            outcome = Outcome.VOICEMAIL
            box = exit_.target or divert.queue
            stages.append(
                [RecordVoicemail(call_id=call_id, box=box, prompt=None, language=journey.language)]
            )
            stages.append([Hangup(call_id=call_id, reason=f"voicemail after {divert.reason}")])
        elif exit_.action is ExitAction.CALLBACK:
            outcome = Outcome.CALLBACK
            stages.append(
                [
                    CreateCallback(
                        call_id=call_id,
                        number=journey.caller,
                        wished_at=None,
                        queue=divert.queue,
                        context=dict(journey.context),
                    ),
                    Hangup(call_id=call_id, reason=f"callback after {divert.reason}"),
                ]
            )
        else:
            outcome = Outcome.DIVERTED
            stages.append([Hangup(call_id=call_id, reason=divert.reason, cause="busy")])
        journey.phase = Phase.CLOSING
        journey.closing = (outcome, divert.reason, stages)
        self._next_stage(journey, out)

    def _next_stage(self, journey: Journey, out: list[Output]) -> None:
        assert journey.closing is not None
        outcome, reason, stages = journey.closing
        out.extend(stages.pop(0))
        if not stages:
            self._end(journey, outcome, reason, out)

    def _hung_up_while_closing(self, journey: Journey, out: list[Output]) -> None:
        """The caller left during a closing prompt: what was promised (a callback) still happens."""
        assert journey.closing is not None
        outcome, reason, stages = journey.closing
        for stage in stages:
            out.extend(item for item in stage if isinstance(item, CreateCallback))
        self._end(journey, outcome, reason, out)

    # --- the end -------------------------------------------------------------------------

    def _ended(self, ev: CallEnded, out: list[Output]) -> None:
        """A hang-up anywhere: what it counts as depends on where the journey stands."""
        journey = self.journeys.get(ev.call_id)
        if journey is None:
            if self.routing.holds(ev.call_id):
                self._route(ev, out)
            return
        phase = journey.phase
        if phase is Phase.MENU:
            if journey.run is not None:
                out.extend(self.flows.hangup(journey.run))
            reason = "caller hung up in the menu" if ev.by == "caller" else f"ended by {ev.by}"
            self._end(journey, Outcome.MENU_HANGUP, reason, out)
        elif phase is Phase.CLOSING:
            self._hung_up_while_closing(journey, out)
        elif phase is Phase.CALLBACK and ev.by == "caller":
            return  # the caller's own line, ended after taking a callback: the place is kept
        elif self.routing.holds(ev.call_id):
            self._route(ev, out)
        else:
            self._end(journey, Outcome.FAILED, f"ended by {ev.by} outside any queue", out)

    def _end_by_id(self, call_id: str, outcome: Outcome, reason: str, out: list[Output]) -> None:
        journey = self.journeys.get(call_id)
        if journey is not None:
            self._end(journey, outcome, reason, out)

    def _end(self, journey: Journey, outcome: Outcome, reason: str, out: list[Output]) -> None:
        if self.journeys.pop(journey.call_id, None) is None:
            return
        if journey.run is not None:
            journey.run.finish()
        out.append(
            JourneyEnded(
                call_id=journey.call_id, outcome=outcome, reason=reason, at=self.clock.now()
            )
        )
