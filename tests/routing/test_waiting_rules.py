"""Ring-no-answer, abandonment, queue exits, first-contact responsibility, callbacks, the wait estimate."""

import pytest

from ivr.errors import IllegalTransitionError, UnknownQueueError
from ivr.model.commands import Announce, CancelOffer, Divert, PlaceCallback
from ivr.model.events import (
    CallbackConnected,
    CallbackRequested,
    CallEnded,
    SeatDeviceBusy,
    SeatDidNotAnswer,
    SeatPaused,
    SeatReady,
)
from ivr.model.facts import Abandoned, Answered, CutOff, Queued, RingNoAnswer, SeatState
from ivr.model.skills import Exit, ExitAction, NoAnswer
from ivr.routing.testing import Desk, centre

GENERAL = {"name": "general"}


def billing(**kw: object) -> dict[str, object]:
    return {"name": "billing", "skill": "billing", **kw}


def seats(*ids: str, level: int = 5) -> list[dict[str, object]]:
    return [{"id": i, "skills": {"billing": level}} for i in ids]


def test_a_seat_that_lets_an_offer_ring_out_is_paused_and_the_call_keeps_its_place() -> None:
    desk = Desk(centre([GENERAL, billing(ring_timeout_s=15)], seats("sleepy", "b")))
    desk.login("sleepy")
    desk.call("first", "billing")
    desk.advance(1)
    desk.call("second", "billing")
    desk.advance(15)
    assert desk.of_type(RingNoAnswer)[0].seat_id == "sleepy"
    assert desk.of_type(CancelOffer)[0].call_id == "first"
    assert desk.core.seats["sleepy"].state is SeatState.PAUSED
    assert desk.core.position("first") == 1  # back at the head, ahead of "second"
    desk.login("b")
    assert desk.offers()[-1] == ("first", "b")


def test_a_busy_or_unreachable_seat_is_reported_and_the_call_is_offered_elsewhere_at_once() -> None:
    desk = Desk(centre([GENERAL, billing()], seats("a", "b")))
    desk.login("a", "b")
    desk.call("c1", "billing")
    first = desk.offered_to("c1")
    desk.send(SeatDidNotAnswer(call_id="c1", seat_id=first, reason="busy"))
    assert desk.offered_to("c1") != first


def test_ring_no_answer_can_give_a_short_penalty_instead_of_a_pause() -> None:
    queue = billing(no_answer=NoAnswer(action="penalty", penalty_s=30), ring_timeout_s=10)
    desk = Desk(centre([GENERAL, queue], seats("a")))
    desk.login("a")
    desk.call("c1", "billing")
    desk.advance(10)
    assert desk.core.seats["a"].state is SeatState.AVAILABLE
    desk.advance(29)
    assert desk.offers() == [("c1", "a")]
    desk.advance(2)
    assert desk.offers() == [("c1", "a"), ("c1", "a")]


def test_a_caller_who_hangs_up_while_waiting_leaves_the_queue_and_is_counted_as_abandoned() -> None:
    desk = Desk(centre([GENERAL, billing()], seats("a")))
    desk.call("c1", "billing")
    desk.call("c2", "billing")
    desk.advance(42)
    desk.hang_up("c1")
    [abandon] = desk.of_type(Abandoned)
    assert abandon.wait_s == 42 and abandon.position == 1
    assert desk.core.waiting("billing") == 1
    assert desk.core.position("c2") == 1


def test_a_caller_who_hangs_up_while_a_seat_rings_frees_the_seat() -> None:
    desk = Desk(centre([GENERAL, billing()], seats("a")))
    desk.login("a")
    desk.call("c1", "billing")
    desk.advance(3)
    desk.hang_up("c1")
    assert desk.of_type(CancelOffer)[-1].seat_id == "a"
    assert desk.of_type(Abandoned)[-1].call_id == "c1"
    assert desk.core.seats["a"].state is SeatState.AVAILABLE


def test_a_call_that_reaches_the_maximum_wait_takes_the_queues_exit() -> None:
    exit_ = Exit(action=ExitAction.QUEUE, target="general")
    desk = Desk(centre([GENERAL, billing(max_wait_s=60, exit=exit_)], seats("a")))
    desk.call("c1", "billing")
    desk.advance(60)
    [divert] = desk.of_type(Divert)
    assert divert.reason == "max_wait" and divert.exit == exit_ and divert.waited_s == 60
    assert not desk.core.holds("c1")


def test_a_full_queue_refuses_the_call_through_its_exit() -> None:
    desk = Desk(centre([GENERAL, billing(max_length=2)], seats("a")))
    desk.call("c1", "billing")
    desk.call("c2", "billing")
    desk.call("c3", "billing")
    [divert] = desk.of_type(Divert)
    assert divert.call_id == "c3" and divert.reason == "full"
    assert divert.exit.action is ExitAction.QUEUE and divert.exit.target == "general"


def test_first_contact_the_seat_that_owns_the_request_is_offered_the_call_first() -> None:
    desk = Desk(
        centre([GENERAL, billing(first_contact_wait_s=30, wrap_up_s=0)], seats("owner", "other"))
    )
    desk.login("owner", "other")
    desk.call("busy", "billing")
    desk.answer("busy")
    assert desk.offered_to("busy") == "owner"
    desk.call("c1", "billing", owner_seat="owner")
    assert desk.offers() == [("busy", "owner")]  # "other" is free but does not get it
    desk.advance(10)
    desk.hang_up("busy", by="seat")
    assert desk.offers()[-1] == ("c1", "owner")


def test_first_contact_falls_back_to_the_queue_when_the_owner_stays_busy() -> None:
    desk = Desk(centre([GENERAL, billing(first_contact_wait_s=30)], seats("owner", "other")))
    desk.login("owner")
    desk.call("busy", "billing")
    desk.answer("busy")
    desk.login("other")
    desk.call("c1", "billing", owner_seat="owner")
    desk.advance(29)
    assert desk.offers() == [("busy", "owner")]
    desk.advance(2)
    assert desk.offers()[-1] == ("c1", "other")


def test_a_callback_keeps_the_callers_place_and_is_placed_when_it_reaches_the_head() -> None:
    desk = Desk(centre([GENERAL, billing()], seats("a")))
    desk.call("c1", "billing")
    desk.advance(5)
    desk.call("c2", "billing")
    desk.send(CallbackRequested(call_id="c1", number="02055550101"))
    desk.hang_up("c1")  # the caller's own line ends: that is not an abandon
    assert desk.of_type(Abandoned) == []
    assert desk.core.waiting("billing") == 1  # off the line: not counted for the peak alarm
    desk.advance(100)
    desk.login("a")
    [place] = desk.of_type(PlaceCallback)
    assert place.call_id == "c1" and place.seat_id == "a" and place.number == "02055550101"
    desk.advance(8)
    desk.send(CallbackConnected(call_id="c1"))
    answered = desk.of_type(Answered)[-1]
    assert answered.call_id == "c1" and answered.wait_s == 113  # as if the caller had waited


def test_the_estimated_wait_follows_position_and_staffing() -> None:
    queue = billing(expected_handle_s=120)
    desk = Desk(centre([GENERAL, queue], seats("a", "b")))
    desk.login("a", "b")
    for i in range(2):
        desk.call(f"busy{i}", "billing")
        desk.answer(f"busy{i}")
    for i in range(4):
        desk.call(f"w{i}", "billing")
    # Two seats, 120 s handle time: one frees every 60 s; the 4th in line waits about 4 × 60 s.
    assert [q.estimated_wait_s for q in desk.of_type(Queued)[-4:]] == pytest.approx(
        [60, 120, 180, 240]
    )
    # A fifth caller entering now (what a flow's branch on the wait asks) would be 5th in line.
    assert desk.core.estimated_wait("billing") == pytest.approx(300)


def test_waiting_callers_hear_their_position_and_estimated_wait_periodically() -> None:
    desk = Desk(centre([GENERAL, billing(announce_every_s=30)], seats("a")))
    desk.call("c1", "billing")
    desk.call("c2", "billing")
    desk.advance(61)
    announces = [(a.call_id, a.position) for a in desk.of_type(Announce)]
    assert announces == [("c1", 1), ("c2", 2), ("c1", 1), ("c2", 2)]
    desk.login("a")
    desk.advance(30)
    assert [a.call_id for a in desk.of_type(Announce)][4:] == ["c2"]  # given up once offered


def test_wrap_up_follows_each_call_then_the_seat_is_available() -> None:
    desk = Desk(centre([GENERAL, billing(wrap_up_s=20)], seats("a")))
    desk.login("a")
    desk.call("c1", "billing")
    desk.answer("c1")
    desk.hang_up("c1", by="seat")
    assert desk.core.seats["a"].state is SeatState.WRAP_UP
    desk.call("c2", "billing")
    desk.advance(19.9)
    assert desk.offers() == [("c1", "a")]
    desk.advance(0.2)
    assert desk.offers()[-1] == ("c2", "a")


def test_a_pause_asked_during_a_call_takes_effect_after_the_calls_wrap_up() -> None:
    desk = Desk(centre([GENERAL, billing(wrap_up_s=5)], seats("a")))
    desk.login("a")
    desk.call("c1", "billing")
    desk.answer("c1")
    desk.send(SeatPaused(seat_id="a", reason="lunch"))
    assert desk.core.seats["a"].state is SeatState.ON_CALL
    desk.hang_up("c1", by="seat")
    assert desk.core.seats["a"].state is SeatState.WRAP_UP
    desk.advance(5)
    assert desk.core.seats["a"].state is SeatState.PAUSED
    assert desk.core.seats["a"].reason == "lunch"
    desk.call("c2", "billing")
    desk.advance(60)
    assert desk.offers() == [("c1", "a")]
    desk.send(SeatReady(seat_id="a"))
    assert desk.offers()[-1] == ("c2", "a")


def test_a_seat_busy_on_a_private_call_is_not_offered_queue_calls() -> None:
    desk = Desk(centre([GENERAL, billing()], seats("a")))
    desk.login("a")
    desk.send(SeatDeviceBusy(seat_id="a", busy=True))
    desk.call("c1", "billing")
    assert desk.offers() == []
    desk.send(SeatDeviceBusy(seat_id="a", busy=False))
    assert desk.offers() == [("c1", "a")]


def test_an_answer_from_a_seat_that_was_not_ringing_names_the_state_and_the_event() -> None:
    desk = Desk(centre([GENERAL, billing()], seats("a", "b")))
    desk.login("a")
    desk.call("c1", "billing")
    from ivr.model.events import SeatAnswered

    with pytest.raises(IllegalTransitionError, match=r"SeatAnswered for call c1 in state ringing"):
        desk.send(SeatAnswered(call_id="c1", seat_id="b"))


def test_an_unknown_queue_is_refused_with_the_list_of_queues() -> None:
    desk = Desk(centre([GENERAL, billing()], seats("a")))
    with pytest.raises(UnknownQueueError, match="queues are: billing, general"):
        desk.call("c1", "biling")


def test_a_caller_the_pbx_cuts_off_while_waiting_or_ringing_is_not_an_abandon() -> None:
    desk = Desk(centre([GENERAL, billing()], seats("a")))
    desk.login("a")
    desk.call("ringing", "billing")
    desk.call("waiting", "billing")
    desk.advance(5)
    desk.send(CallEnded(call_id="waiting", by="pbx"))
    desk.send(CallEnded(call_id="ringing", by="pbx"))
    assert desk.of_type(Abandoned) == []
    assert sorted(c.call_id for c in desk.of_type(CutOff)) == ["ringing", "waiting"]
    assert desk.state_of("a") == "available" and desk.core.calls == {}
