"""The journey of a call: arrival → flow → queue → seat → transfers → end, in one place.

:class:`Engine` is the only component that knows a call's whole journey. It
feeds the flow interpreter while the call is in a menu and the routing core
while it waits for or talks to a seat, and turns what one hands back into
work for the other: a flow's ``ToQueue`` becomes a ``CallEnqueued``; a
queue's ``Divert`` (a peak alarm, a maximum wait, a full queue) becomes
another queue, a self-service flow, a voicemail, a callback or a busy signal.
The simulator and the AMI adapter are two drivers of it: they hold no flow or
routing rule of their own, so the simulator measures this very engine.

The phases and the table of (event, phase) → handler that is its theory of
operation are in :mod:`ivr.engine.table`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ivr.clock import Clock
from ivr.engine.table import PHASE_AFTER, SEAT_EVENTS, TABLE, WHY, Journey, Phase
from ivr.errors import IllegalTransitionError, RoutingError, UnknownCallError
from ivr.flows.catalog import FlowCatalog
from ivr.flows.interpreter import FlowInterpreter
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
    CallArrived,
    CallbackRequested,
    CallEnded,
    CallEnqueued,
    TransferRequested,
)
from ivr.model.facts import (
    Abandoned,
    CallStarted,
    Completed,
    CutOff,
    Diverted,
    JourneyEnded,
    Outcome,
    Refused,
)
from ivr.model.outputs import Output
from ivr.model.skills import CentreConfig, Exit, ExitAction
from ivr.routing.core import RoutingCore
from ivr.scheduling import Scheduler, Timer

#: The reasons the routing core gives for a diversion at a peak alarm (once per call).
_PEAK_REASONS = frozenset({"alarm1", "alarm2"})


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
        self.intake_open = True
        self._queues = {q.name for q in centre.queues}
        self._seats = {s.id for s in centre.seats}
        self._table: dict[tuple[type, Phase | None], Callable[[Any, Any, list[Output]], None]] = {
            key: getattr(self, name) for key, name in TABLE.items()
        }
        self._call_events = frozenset(event for event, _phase in TABLE)

    # --- the surface ---------------------------------------------------------------

    def handle(self, event: object) -> list[Output]:
        """Apply one driver event; returns the commands to carry out and the facts to record.

        An event the call's or seat's state does not take returns a single
        :class:`~ivr.model.facts.Refused`; an object that is no event at all is a
        programming error (``TypeError``).
        """
        kind = type(event)
        out: list[Output] = []
        journey: Journey | None = None
        try:
            if kind in SEAT_EVENTS:
                self._route(event, out)
                return out
            if kind not in self._call_events:
                msg = f"the engine does not take {kind.__name__} events"
                raise TypeError(msg)
            journey = self.journeys.get(event.call_id)  # type: ignore[attr-defined]
            handler = self._table.get((kind, journey.phase if journey is not None else None))
            if handler is None:
                return [self._refusal(event, journey, WHY.get(kind, "not now"))]
            handler(journey, event, out)
        except RoutingError as exc:
            # The routing core checks before it changes anything: the refusal is all there is.
            return [self._refusal(event, journey, exc.message, exc.error_id)]
        return out

    def fire(self, timer: Timer) -> list[Output]:
        """A timer the engine asked for is due."""
        if timer.cancelled:
            return []
        routed = self.routing.fire(timer)
        out: list[Output] = []
        self._absorb(routed, out)
        return out

    def takes(self, kind: type, call_id: str) -> bool:
        """Would the engine take an event of ``kind`` for this call now (not refuse it)?

        For a driver that must choose before it acts: the simulated caller who runs out
        of patience takes a callback only if the engine would give one.
        """
        journey = self.journeys.get(call_id)
        return (kind, journey.phase if journey is not None else None) in self._table

    def phase(self, call_id: str) -> Phase | None:
        """The phase of the call's journey; ``None`` before it arrived and once it ended."""
        journey = self.journeys.get(call_id)
        return journey.phase if journey is not None else None

    def close_intake(self) -> None:
        """A clean stop begins: a new call now gets a busy signal; the calls already in go on."""
        self.intake_open = False

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

    # --- refusals ----------------------------------------------------------------------

    def _refusal(
        self,
        event: object,
        journey: Journey | None,
        reason: str,
        error_id: str | None = None,
    ) -> Refused:
        call_id = getattr(event, "call_id", None)
        if error_id is None:
            known = journey is not None or (call_id is not None and self.routing.holds(call_id))
            error_id = IllegalTransitionError.error_id if known else UnknownCallError.error_id
            if not known:
                reason = "the engine holds no such call (it has ended, or never was)"
        return Refused(
            event=type(event).__name__,
            call_id=call_id,
            seat_id=getattr(event, "seat_id", None),
            phase=journey.phase.value if journey is not None else None,
            error_id=error_id,
            reason=reason,
            at=self.clock.now(),
        )

    # --- arrival and the flow --------------------------------------------------------

    def _arrived(self, _journey: None, ev: CallArrived, out: list[Output]) -> None:
        now = self.clock.now()
        if not self.intake_open:
            out.append(Hangup(call_id=ev.call_id, reason="engine_stopping", cause="busy"))
            out.append(
                JourneyEnded(
                    call_id=ev.call_id, outcome=Outcome.FAILED, reason="engine_stopping", at=now
                )
            )
            return
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

    def _already_here(self, _journey: Journey, _ev: CallArrived, _out: list[Output]) -> None:
        """A driver that saw the same call twice (a resync): it is already here."""

    def _nothing(self, _journey: Journey, _ev: object, _out: list[Output]) -> None:
        """An announcement ended while the caller waits or talks: nothing to do."""

    def _to_flow(self, journey: Journey, ev: object, out: list[Output]) -> None:
        assert journey.run is not None
        self._from_flow(journey, self.flows.handle(journey.run, ev), out)

    def _closing_prompt_done(self, journey: Journey, _ev: object, out: list[Output]) -> None:
        self._next_stage(journey, out)

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
        journey.phase = Phase.WAITING
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
                peak_diversion=not journey.diverted_at_peak,
            ),
            out,
        )

    # --- the queue ---------------------------------------------------------------------

    def _route_call(self, _journey: Journey, ev: object, out: list[Output]) -> None:
        self._route(ev, out)

    def _route_held(self, journey: None, ev: Any, out: list[Output]) -> None:
        """A call the routing core still holds without a journey (none today: kept for safety)."""
        if not self.routing.holds(ev.call_id):
            out.append(self._refusal(ev, journey, "", None))
            return
        self._route(ev, out)

    def _transfer(self, _journey: Journey, ev: TransferRequested, out: list[Output]) -> None:
        if ev.target is not None and ev.queue is None and ev.seat_id is None:
            ev = self._resolve_transfer(ev)
        self._route(ev, out)

    def _resolve_transfer(self, ev: TransferRequested) -> TransferRequested:
        """What a seat dialled: a queue, else a seat, else the general queue, so no caller is
        left in silence by a code nobody knows."""
        target = ev.target or ""
        if target in self._queues:
            return replace(ev, queue=target)
        if target in self._seats:
            return replace(ev, seat_id=target)
        note = f"{ev.note}; " if ev.note else ""
        return replace(
            ev,
            queue=self.centre.general_queue,
            note=f"{note}{target or 'an empty code'} is no queue or seat: the general queue takes it",
        )

    def _callback_requested(
        self, journey: Journey, ev: CallbackRequested, out: list[Output]
    ) -> None:
        """The caller keeps the place and leaves the line: the engine hangs it up."""
        self._route(ev, out)
        out.append(
            Hangup(call_id=journey.call_id, reason="callback requested: the place in line is kept")
        )

    def _route(self, ev: object, out: list[Output]) -> None:
        routed: list[Output] = []
        self.routing.handle_into(ev, routed)
        self._absorb(routed, out)

    def _absorb(self, routed: list[Output], out: list[Output]) -> None:
        """Pass the routing core's outputs on, acting on those that change a journey."""
        journeys = self.journeys
        for item in routed:
            if isinstance(item, Divert):
                self._divert(item, out)
                continue
            out.append(item)
            phase = PHASE_AFTER.get(type(item))
            if phase is not None:
                journey = journeys.get(item.call_id)  # type: ignore[union-attr]
                if journey is not None:
                    journey.phase = phase
                continue
            if isinstance(item, Completed):
                self._end_by_id(item.call_id, Outcome.ANSWERED, "completed", out)
            elif isinstance(item, Abandoned):
                self._end_by_id(item.call_id, Outcome.ABANDONED, "caller hung up waiting", out)
            elif isinstance(item, CutOff):
                self._end_by_id(item.call_id, Outcome.PBX_RESTART, "cut by the PBX waiting", out)
            elif isinstance(item, Diverted) and item.action == ExitAction.CALLBACK.value:
                journey = self.journeys.get(item.call_id)
                if journey is not None and journey.phase is Phase.CALLBACK:
                    self._end(journey, Outcome.CALLBACK, item.reason, out)

    def _divert(self, divert: Divert, out: list[Output]) -> None:
        journey = self.journeys.get(divert.call_id)
        if journey is None:
            return
        if divert.reason in _PEAK_REASONS:
            journey.diverted_at_peak = True
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

    def _hung_up_while_closing(self, journey: Journey, _ev: object, out: list[Output]) -> None:
        """The caller left during a closing prompt: what was promised (a callback) still happens."""
        assert journey.closing is not None
        outcome, reason, stages = journey.closing
        for stage in stages:
            out.extend(item for item in stage if isinstance(item, CreateCallback))
        self._end(journey, outcome, reason, out)

    # --- the end -------------------------------------------------------------------------

    def _hung_up_in_menu(self, journey: Journey, ev: CallEnded, out: list[Output]) -> None:
        if journey.run is not None:
            out.extend(self.flows.hangup(journey.run))
        if ev.by == "pbx":  # the PBX restarted: not the caller's hang-up
            self._end(journey, Outcome.PBX_RESTART, "cut by the PBX in the menu", out)
            return
        reason = "caller hung up in the menu" if ev.by == "caller" else f"ended by {ev.by}"
        self._end(journey, Outcome.MENU_HANGUP, reason, out)

    def _hung_up_in_queue(self, journey: Journey, ev: CallEnded, out: list[Output]) -> None:
        """Waiting or ringing: an abandon; talking: the end of the talk (the routing core says)."""
        if self.routing.holds(ev.call_id):
            self._route(ev, out)
        else:
            self._end(journey, Outcome.FAILED, f"ended by {ev.by} outside any queue", out)

    def _line_ended_in_callback(self, journey: Journey, ev: CallEnded, out: list[Output]) -> None:
        if ev.by == "caller":
            return  # the caller's own line, ended after taking a callback: the place is kept
        self._hung_up_in_queue(journey, ev, out)

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
