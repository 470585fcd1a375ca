"""The synthetic seats: what the people at the seats do when the engine offers them a call.

============================  ==============================================
command or fact               what the synthetic seat does
============================  ==============================================
``OfferCall``                 ``SeatAnswered`` after a ring time, unless the
                              seat lets it ring (the engine times it out)
``Answered``                  the caller's patience stops; after the handle
                              time: ``CallEnded(by=seat)`` or, by the
                              service's transfer share, ``TransferRequested``
``SeatChanged`` to paused     ``SeatReady`` after ``no_answer_pause_s``, when
 after a ring-no-answer       the pause was the queue's no-answer pause
shift plan                    ``SeatLoggedIn`` / ``SeatLoggedOut``
============================  ==============================================

Wrap-up is the engine's (the queue's ``wrap_up_s``): a seat does nothing
for it.
"""

from __future__ import annotations

from ivr.model.commands import CancelOffer, OfferCall
from ivr.model.events import (
    CallEnded,
    SeatAnswered,
    SeatLoggedIn,
    SeatLoggedOut,
    SeatReady,
    TransferRequested,
)
from ivr.model.facts import Answered, RingNoAnswer, SeatChanged, SeatState
from ivr.model.skills import CentreConfig
from sim.callers import Caller
from sim.distributions import Sampler
from sim.timeline import Action, Timeline
from sim.traffic import TrafficModel, clock_seconds

Shift = tuple[float, str, bool]  # (when, seat, login?)


class SeatBehaviour:
    """The seats' side of every call: ringing, talk, transfers, coming back from a pause.

    ``calls`` is the calls in progress by id, shared with :mod:`sim.callers`;
    ``send`` tells the engine an event.
    """

    def __init__(
        self,
        centre: CentreConfig,
        traffic: TrafficModel,
        *,
        timeline: Timeline,
        calls: dict[str, Caller],
        send: Action,
        ring: Sampler,
    ) -> None:
        self._timeline = timeline
        self._later = timeline.later
        self._now = timeline.clock.now
        self._calls = calls
        self._send = send
        self._ring = ring
        self._no_answer = traffic.seats.ring_no_answer
        self._no_answer_pause_s = traffic.seats.no_answer_pause_s
        self._pause_reasons = {q.no_answer.reason for q in centre.queues}
        self._seat_states: dict[str, tuple[SeatState, str]] = {}
        self._handle, self._transfer, self._default_handle = _talk_times(centre, traffic)
        self._callback_handle = (
            traffic.callback_handle_time.sampler() if traffic.callback_handle_time else None
        )

    def handlers(self) -> dict[type, Action]:
        """The engine's commands and facts the seats act on."""
        return {
            OfferCall: self._offer,
            CancelOffer: self._cancel_offer,
            Answered: self._answered,
            RingNoAnswer: self._rang_out,
            SeatChanged: self._seat_changed,
        }

    def start_shifts(self, plan: list[Shift]) -> None:
        """Log the seats in and out as ``plan`` says."""
        push = self._timeline.push
        for when, seat_id, login in plan:
            event = SeatLoggedIn(seat_id=seat_id) if login else SeatLoggedOut(seat_id=seat_id)
            push(when, self._send, event)

    # --- ringing ----------------------------------------------------------------------

    def _offer(self, cmd: OfferCall) -> None:
        caller = self._calls.get(cmd.call_id)
        if caller is None:
            return
        caller.ringing = True
        rng = caller.rng
        if self._no_answer and rng.random() < self._no_answer:
            return  # the seat lets it ring; the engine's ring time-out acts
        ring = self._ring(rng)
        if ring >= cmd.ring_timeout_s:
            return
        caller.ring_act = self._later(caller, ring, self._seat_answers, (caller, cmd.seat_id))

    def _seat_answers(self, arg: tuple[Caller, str]) -> None:
        caller, seat_id = arg
        caller.ring_act = None
        self._send(SeatAnswered(call_id=caller.call_id, seat_id=seat_id))

    def _cancel_offer(self, cmd: CancelOffer) -> None:
        caller = self._calls.get(cmd.call_id)
        if caller is not None:
            caller.ringing = False
            if caller.ring_act is not None:
                caller.ring_act.cancel()
                caller.ring_act = None

    def _rang_out(self, fact: RingNoAnswer) -> None:
        caller = self._calls.get(fact.call_id)
        if caller is not None:
            caller.ringing = False

    # --- talk -----------------------------------------------------------------------------

    def _answered(self, fact: Answered) -> None:
        caller = self._calls.get(fact.call_id)
        if caller is None:
            return
        caller.answered = True
        caller.ringing = False
        caller.waiting_since = None
        if caller.patience_act is not None:
            caller.patience_act.cancel()
            caller.patience_act = None
        self.talk(caller, fact.queue, False)

    def talk(self, caller: Caller, queue: str, callback: bool) -> None:
        """The seat talks with ``caller`` for a handle time, then hangs up or transfers."""
        rng = caller.rng
        if caller.handle_s is not None:
            talk, caller.handle_s = caller.handle_s, None
        elif callback and self._callback_handle is not None:
            talk = self._callback_handle(rng)
        else:
            talk = self._handle.get(queue, self._default_handle)(rng)
        transfer = self._transfer.get(queue)
        if transfer is not None and caller.transfers == 0 and rng.random() < transfer[0]:
            self._later(caller, talk, self._transfer_call, (caller, transfer[1]))
        else:
            self._later(caller, talk, self._seat_hangs_up)

    def _seat_hangs_up(self, caller: Caller) -> None:
        if caller.callback_only:  # the journey ended when the caller left the queue
            self._calls.pop(caller.call_id, None)
        self._send(CallEnded(call_id=caller.call_id, by="seat"))

    def _transfer_call(self, arg: tuple[Caller, str]) -> None:
        caller, queue = arg
        caller.transfers += 1
        self._send(TransferRequested(call_id=caller.call_id, queue=queue, by="seat"))

    # --- pauses -----------------------------------------------------------------------------

    def _seat_changed(self, fact: SeatChanged) -> None:
        self._seat_states[fact.seat_id] = (fact.state, fact.reason)
        if fact.state is SeatState.PAUSED and fact.reason in self._pause_reasons:
            self._timeline.push(self._now() + self._no_answer_pause_s, self._unpause, fact.seat_id)

    def _unpause(self, seat_id: str) -> None:
        """The seat's person comes back from a no-answer pause, if still in it (not logged out)."""
        state, reason = self._seat_states.get(seat_id, (SeatState.LOGGED_OUT, ""))
        if state is SeatState.PAUSED and reason in self._pause_reasons:
            self._send(SeatReady(seat_id=seat_id))


def _talk_times(
    centre: CentreConfig, traffic: TrafficModel
) -> tuple[dict[str, Sampler], dict[str, tuple[float, str]], Sampler]:
    """Per queue: its handle time and ``(transfer share, queue transferred to)``; the default."""
    handle: dict[str, Sampler] = {}
    transfer: dict[str, tuple[float, str]] = {}
    default = traffic.handle_time.sampler()
    for q in centre.queues:
        svc = traffic.services.get(q.name) or traffic.services.get(q.skill or "")
        handle[q.name] = (
            svc.handle_time.sampler() if svc and svc.handle_time is not None else default
        )
        if svc and svc.transfer_share > 0:
            transfer[q.name] = (svc.transfer_share, svc.transfer_to or centre.general_queue)
    return handle, transfer, default


def shift_plan(centre: CentreConfig, traffic: TrafficModel) -> list[Shift]:
    """``(when, seat, login?)`` for every day: the shifts, or every seat all the time."""
    seats = [s.id for s in centre.seats]
    plan: list[Shift] = []
    shifts = traffic.seats.shifts
    if not shifts:
        return [(traffic.origin, s, True) for s in seats]
    for day in range(traffic.days):
        base = traffic.origin + day * 86400.0
        for shift in shifts:
            chosen = [
                s
                for s in seats
                if any(s == p or (p.endswith("*") and s.startswith(p[:-1])) for p in shift.seats)
            ]
            for s in chosen:
                plan.append((base + clock_seconds(shift.start), s, True))
                plan.append((base + clock_seconds(shift.end), s, False))
    plan.sort(key=lambda x: (x[0], not x[2], x[1]))
    return plan
