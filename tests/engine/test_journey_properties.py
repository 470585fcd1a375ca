"""Random interleavings of driver events through the engine never lose or duplicate a journey.

Every journey that starts ends with exactly one ``JourneyEnded``; a journey the
engine still holds is in exactly one phase, and the routing core holds a call
only while its journey waits for, rings at or talks to a seat (or keeps a
callback place); no output ever carries a password in clear.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ivr.engine.table import Phase
from ivr.model.events import (
    CallbackConnected,
    CallbackFailed,
    CallbackRequested,
    CallEnded,
    DigitsCollected,
    PlaybackFinished,
    SeatAnswered,
    SeatDidNotAnswer,
    SeatLoggedIn,
    SeatLoggedOut,
    TransferRequested,
)
from ivr.model.facts import CallStarted, JourneyEnded, Refused
from ivr.model.skills import AlarmConfig, Exit, ExitAction
from ivr.routing.state import CallState

from .test_journey import Run

SEATS = ["b1", "b2", "g1"]
PHASE_OF = {
    CallState.WAITING: Phase.WAITING,
    CallState.RINGING: Phase.RINGING,
    CallState.TALKING: Phase.TALKING,
    CallState.CALLBACK: Phase.CALLBACK,
    CallState.DIALING_BACK: Phase.CALLBACK,
}
ANY_EVENTS = [
    PlaybackFinished,
    DigitsCollected,
    SeatAnswered,
    SeatDidNotAnswer,
    TransferRequested,
    CallbackRequested,
    CallbackConnected,
    CallbackFailed,
]


def _an_event(kind: type, call_id: str) -> object:
    if kind is DigitsCollected:
        return DigitsCollected(call_id=call_id, digits="1")
    if kind in (SeatAnswered, SeatDidNotAnswer):
        return kind(call_id=call_id, seat_id="b1")
    if kind is TransferRequested:
        return TransferRequested(call_id=call_id, target="77")
    if kind is CallbackRequested:
        return CallbackRequested(call_id=call_id, number="0201234567")
    return kind(call_id=call_id)


ALARM = AlarmConfig(
    level1=1.5, level2=3.0, on_level1=Exit(action=ExitAction.FLOW, target="overflow")
)


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.run = Run(
            Path(self.tmp.name),
            alarm=ALARM,
            max_wait_s=120,
            exit=Exit(action=ExitAction.BUSY, prompt="custom/peak-offer"),
        )
        self.engine = self.run.engine
        self.n = 0

    def teardown(self) -> None:
        self.tmp.cleanup()

    def _journeys(self, *phases: Phase) -> list[str]:
        return sorted(cid for cid, j in self.engine.journeys.items() if j.phase in phases)

    def _routed(self, *states: CallState) -> list[str]:
        return sorted(c.id for c in self.engine.routing.calls.values() if c.state in states)

    @rule()
    def arrive(self) -> None:
        self.n += 1
        self.run.arrive(f"c{self.n}")

    @precondition(lambda self: self._journeys(Phase.MENU, Phase.CLOSING))
    @rule(data=st.data(), digits=st.sampled_from(["1", "0", "2", "9", ""]))
    def press(self, data: st.DataObject, digits: str) -> None:
        call_id = data.draw(st.sampled_from(self._journeys(Phase.MENU, Phase.CLOSING)))
        self.run.send(DigitsCollected(call_id=call_id, digits=digits))
        self.run.send(PlaybackFinished(call_id=call_id))

    @rule(seat=st.sampled_from(SEATS), login=st.booleans())
    def seat(self, seat: str, login: bool) -> None:
        self.run.send(SeatLoggedIn(seat_id=seat) if login else SeatLoggedOut(seat_id=seat))

    @precondition(lambda self: self._routed(CallState.RINGING))
    @rule(data=st.data(), answer=st.booleans())
    def respond(self, data: st.DataObject, answer: bool) -> None:
        call = self.engine.routing.calls[
            data.draw(st.sampled_from(self._routed(CallState.RINGING)))
        ]
        assert call.seat is not None
        event = SeatAnswered if answer else SeatDidNotAnswer
        self.run.send(event(call_id=call.id, seat_id=call.seat.id))

    @precondition(lambda self: self.engine.journeys)
    @rule(data=st.data(), by=st.sampled_from(["caller", "seat", "system"]))
    def hang_up(self, data: st.DataObject, by: str) -> None:
        call_id = data.draw(st.sampled_from(sorted(self.engine.journeys)))
        self.run.send(CallEnded(call_id=call_id, by=by))  # type: ignore[arg-type]

    @precondition(lambda self: self._routed(CallState.TALKING))
    @rule(data=st.data(), queue=st.sampled_from(["billing", "general"]))
    def transfer(self, data: st.DataObject, queue: str) -> None:
        call_id = data.draw(st.sampled_from(self._routed(CallState.TALKING)))
        self.run.send(TransferRequested(call_id=call_id, queue=queue))

    @precondition(lambda self: self._routed(CallState.WAITING))
    @rule(data=st.data())
    def take_callback(self, data: st.DataObject) -> None:
        call_id = data.draw(st.sampled_from(self._routed(CallState.WAITING)))
        self.run.send(CallbackRequested(call_id=call_id, number="0201234567"))
        self.run.send(CallEnded(call_id=call_id, by="caller"))

    @precondition(lambda self: self.engine.journeys)
    @rule(data=st.data(), kind=st.sampled_from(ANY_EVENTS))
    def anything_at_any_time(self, data: st.DataObject, kind: type) -> None:
        """Any event in any phase: taken by the table, or refused with nothing else."""
        call_id = data.draw(st.sampled_from(sorted(self.engine.journeys)))
        taken = self.engine.takes(kind, call_id)
        out = self.run.send(_an_event(kind, call_id))
        refused = [o for o in out if isinstance(o, Refused)]
        if not taken:
            assert len(out) == 1 and refused, out
        assert not refused or len(out) == 1, out

    @rule(seconds=st.sampled_from([1, 16, 61, 130]))
    def wait(self, seconds: float) -> None:
        self.run.advance(seconds)

    @invariant()
    def the_journeys_phase_is_the_routing_cores_state_of_the_call(self) -> None:
        for call_id, journey in self.engine.journeys.items():
            call = self.engine.routing.calls.get(call_id)
            if call is not None:
                assert journey.phase is PHASE_OF[call.state], (call_id, journey.phase, call.state)

    @invariant()
    def each_journey_ends_exactly_once(self) -> None:
        started = [o.call_id for o in self.run.outputs if isinstance(o, CallStarted)]
        ended = [o.call_id for o in self.run.outputs if isinstance(o, JourneyEnded)]
        assert len(ended) == len(set(ended)), "a journey ended twice"
        assert set(ended) | set(self.engine.journeys) == set(started)
        assert not set(ended) & set(self.engine.journeys)

    @invariant()
    def the_routing_core_holds_only_calls_of_journeys_in_a_queue(self) -> None:
        for call_id in self.engine.routing.calls:
            journey = self.engine.journeys.get(call_id)
            assert journey is not None, f"{call_id} is in the routing core without a journey"
            assert journey.phase in (Phase.WAITING, Phase.RINGING, Phase.TALKING, Phase.CALLBACK), (
                call_id,
                journey.phase,
            )
        for call_id in self._journeys(Phase.WAITING, Phase.RINGING, Phase.TALKING, Phase.CALLBACK):
            assert call_id in self.engine.routing.calls


EngineMachine.TestCase.settings = settings(
    max_examples=120,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_engine_properties = EngineMachine.TestCase
