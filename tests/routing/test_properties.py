"""Properties over random sequences of arrivals, seat changes, answers, hang-ups and transfers.

After every step: no seat holds two calls; every call is in exactly one place
(waiting, ringing, talking, called back, or ended by one fact); the counters
agree with a recount; a free seat never idles while a call it may take is
waiting; and every offer goes to the best call the seat could take.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ivr.model.commands import OfferCall, PlaceCallback
from ivr.model.events import (
    CallbackRequested,
    SeatDeviceBusy,
    SeatDidNotAnswer,
    SeatLoggedIn,
    SeatLoggedOut,
    SeatPaused,
    SeatReady,
)
from ivr.model.facts import Abandoned, Completed, Diverted, Queued, SeatState, Transferred
from ivr.model.outputs import Output
from ivr.model.skills import Pool, Step, Tier
from ivr.routing.state import CallState
from ivr.routing.testing import Desk, centre

QUEUES = [
    {"name": "general", "steps": [Step(pool=Pool.GENERAL), Step(pool=Pool.ALL, after_s=45)]},
    {"name": "billing", "skill": "billing", "wrap_up_s": 5, "max_wait_s": 300},
    {
        "name": "complaint",
        "skill": "complaint",
        "steps": [
            Step(pool=Pool.SKILL, min_level=7),
            Step(pool=Pool.SKILL, after_s=20),
            Step(pool=Pool.GENERAL, after_s=40),
        ],
        "max_length": 6,
        "ring_timeout_s": 10,
    },
    {"name": "topup", "skill": "topup", "weight": 2.0, "strategy": "fewest_calls", "wrap_up_s": 0},
]
SEATS = [
    {"id": "b1", "skills": {"billing": 3}},
    {"id": "b2", "skills": {"billing": 8, "topup": 4}},
    {"id": "c1", "skills": {"complaint": 9}},
    {"id": "c2", "skills": {"complaint": 4, "billing": 2}},
    {"id": "t1", "skills": {"topup": 5}},
    {"id": "g1", "general": True, "level": 6},
    {"id": "g2", "general": True, "level": 3},
]
SEAT_IDS = [s["id"] for s in SEATS]
QUEUE_NAMES = [q["name"] for q in QUEUES]


class RoutingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.desk = Desk(centre(QUEUES, SEATS))
        self.desk.observer = self._apply
        self.core = self.desk.core
        self.next_id = 0
        self.entered: set[str] = set()
        self.ended: dict[str, str] = {}

    def _apply(self, out: list[Output]) -> None:
        # The check runs after the batch; calls that only started waiting later in the
        # same batch (a transfer, after its seat was freed) were not there to be chosen.
        for i, o in enumerate(out):
            if isinstance(o, OfferCall | PlaceCallback):
                later = {x.call_id for x in out[i:] if isinstance(x, Queued | Transferred)}
                self._check_offer_is_the_best(o.call_id, o.seat_id, later)
            if isinstance(o, Abandoned | Completed | Diverted):
                assert o.call_id not in self.ended, f"{o.call_id} ended twice"
                self.ended[o.call_id] = type(o).__name__
            if isinstance(o, Transferred):
                assert o.call_id not in self.ended

    def _check_offer_is_the_best(self, call_id: str, seat_id: str, later: set[str]) -> None:
        """No waiting call of the same queue that this seat may take should have gone first."""
        call = self.core.calls[call_id]
        seat = self.core.seats[seat_id]
        if call.owner_seat == seat_id:
            return  # first contact and named transfers go to their seat by rule
        now = self.desk.clock.now()
        for prio in call.queue.priorities:
            for key, other in call.queue.by_priority[prio]:
                if other is call or other.state not in (CallState.WAITING, CallState.CALLBACK):
                    continue
                if other.id in later:
                    continue
                for q, after, _rank in seat.serves:
                    if q is call.queue and key[0] <= now - after:
                        better = (prio, -key[0]) > (call.priority, -call.eff)
                        assert not better, (
                            f"{other.id} should have gone to {seat_id} before {call_id}"
                        )

    def _send(self, event: object) -> None:
        self.desk.send(event)

    @rule(
        queue=st.sampled_from(QUEUE_NAMES),
        tier=st.sampled_from(list(Tier)),
        owner=st.none() | st.sampled_from(SEAT_IDS),
    )
    def arrive(self, queue: str, tier: Tier, owner: str | None) -> None:
        call_id = f"c{self.next_id}"
        self.next_id += 1
        self.entered.add(call_id)
        self.desk.call(call_id, queue, tier=tier, owner_seat=owner)

    @rule(seat=st.sampled_from(SEAT_IDS))
    def login(self, seat: str) -> None:
        self._send(SeatLoggedIn(seat_id=seat))

    @rule(seat=st.sampled_from(SEAT_IDS))
    def logout(self, seat: str) -> None:
        self._send(SeatLoggedOut(seat_id=seat))

    @rule(seat=st.sampled_from(SEAT_IDS))
    def pause(self, seat: str) -> None:
        if self.core.seats[seat].state is not SeatState.LOGGED_OUT:
            self._send(SeatPaused(seat_id=seat, reason="break"))

    @rule(seat=st.sampled_from(SEAT_IDS))
    def ready(self, seat: str) -> None:
        if self.core.seats[seat].state is not SeatState.LOGGED_OUT:
            self._send(SeatReady(seat_id=seat))

    @rule(seat=st.sampled_from(SEAT_IDS), busy=st.booleans())
    def device(self, seat: str, busy: bool) -> None:
        self._send(SeatDeviceBusy(seat_id=seat, busy=busy))

    def _calls_in(self, *states: CallState) -> list[str]:
        return sorted(c.id for c in self.core.calls.values() if c.state in states)

    @precondition(lambda self: self._calls_in(CallState.RINGING))
    @rule(data=st.data(), answer=st.booleans())
    def respond(self, data: st.DataObject, answer: bool) -> None:
        call_id = data.draw(st.sampled_from(self._calls_in(CallState.RINGING)))
        if answer:
            self.desk.answer(call_id)
        else:
            seat = self.core.calls[call_id].seat
            assert seat is not None
            self._send(SeatDidNotAnswer(call_id=call_id, seat_id=seat.id))

    @precondition(lambda self: self.core.calls)
    @rule(data=st.data(), by=st.sampled_from(["caller", "seat"]))
    def hang_up(self, data: st.DataObject, by: str) -> None:
        call_id = data.draw(st.sampled_from(sorted(self.core.calls)))
        self.desk.hang_up(call_id, by=by)

    @precondition(lambda self: self._calls_in(CallState.TALKING))
    @rule(data=st.data(), to_queue=st.booleans())
    def transfer(self, data: st.DataObject, to_queue: bool) -> None:
        call_id = data.draw(st.sampled_from(self._calls_in(CallState.TALKING)))
        if to_queue:
            self.desk.transfer(call_id, queue=data.draw(st.sampled_from(QUEUE_NAMES)))
        else:
            self.desk.transfer(call_id, seat_id=data.draw(st.sampled_from(SEAT_IDS)))

    @precondition(lambda self: self._calls_in(CallState.WAITING))
    @rule(data=st.data())
    def take_callback(self, data: st.DataObject) -> None:
        call_id = data.draw(st.sampled_from(self._calls_in(CallState.WAITING)))
        self._send(CallbackRequested(call_id=call_id, number="0200000000"))

    @rule(seconds=st.sampled_from([0.5, 3, 11, 25, 61]))
    def wait(self, seconds: float) -> None:
        self.desk.advance(seconds)

    @invariant()
    def no_seat_holds_two_calls_and_links_agree(self) -> None:
        holders: dict[str, str] = {}
        for seat in self.core.seats.values():
            if seat.call is not None:
                assert seat.call.id not in holders, f"{seat.call.id} held by two seats"
                holders[seat.call.id] = seat.id
                assert seat.call.seat is seat
                assert seat.state in (SeatState.RINGING, SeatState.ON_CALL)
            else:
                assert seat.state not in (SeatState.RINGING, SeatState.ON_CALL)
        for call in self.core.calls.values():
            if call.state in (CallState.RINGING, CallState.TALKING, CallState.DIALING_BACK):
                assert call.seat is not None and holders.get(call.id) == call.seat.id
            else:
                assert call.seat is None and call.listed

    @invariant()
    def every_call_is_in_exactly_one_place(self) -> None:
        live = set(self.core.calls)
        assert not (live & set(self.ended)), live & set(self.ended)
        assert live | set(self.ended) == self.entered

    @invariant()
    def counters_agree_with_a_recount(self) -> None:
        for q in self.core.queues.values():
            on_line = [
                c
                for c in self.core.calls.values()
                if c.queue is q and c.state in (CallState.WAITING, CallState.RINGING)
            ]
            assert q.waiting == len(on_line)
            open_seats = sum(
                1
                for s in self.core.seats.values()
                if s.is_open and any(x[0] is q for x in s.serves)
            )
            assert q.open_seats == open_seats
        assert self.core.centre_waiting == sum(q.waiting for q in self.core.queues.values())

    @invariant()
    def a_free_seat_never_idles_while_a_call_it_may_take_is_waiting(self) -> None:
        now = self.desk.clock.now()
        for seat in self.core.seats.values():
            if not seat.offerable:
                continue
            assert not seat.personal, f"{seat.id} is free with a call in its personal line"
            for q, after, _rank in seat.serves:
                for prio in q.priorities:
                    for key, call in q.by_priority[prio]:
                        assert key[0] > now - after + 1e-9, (
                            f"{seat.id} is free while {call.id} waits in {q.name}"
                        )


RoutingMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_routing_properties = RoutingMachine.TestCase
