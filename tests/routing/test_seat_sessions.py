"""A seat's log-in and log-out around its calls: what was asked during a call, and what undoes it."""

from ivr.model.events import SeatLoggedIn, SeatLoggedOut, SeatReady
from ivr.model.facts import SeatChanged, SeatState
from ivr.routing.testing import Desk, centre

QUEUES = [{"name": "general"}, {"name": "billing", "skill": "billing", "wrap_up_s": 30}]
SEATS = [{"id": "a", "skills": {"billing": 5}}]


def _talking(desk: Desk) -> None:
    desk.login("a")
    desk.call("c1", "billing")
    desk.answer("c1")


def test_a_log_out_asked_during_a_call_waits_for_the_end_of_the_call_and_its_wrap_up() -> None:
    desk = Desk(centre(QUEUES, SEATS))
    _talking(desk)
    desk.send(SeatLoggedOut(seat_id="a"))
    assert desk.state_of("a") == "on_call"
    desk.hang_up("c1")
    assert desk.state_of("a") == "wrap_up"
    desk.advance(30)
    assert desk.state_of("a") == "logged_out"


def test_a_second_log_out_during_wrap_up_is_final_and_a_later_log_in_stays_logged_in() -> None:
    desk = Desk(centre(QUEUES, SEATS))
    _talking(desk)
    desk.send(SeatLoggedOut(seat_id="a"))  # kept until the call ends
    desk.hang_up("c1")
    desk.send(SeatLoggedOut(seat_id="a"))  # during wrap-up: now
    assert desk.state_of("a") == "logged_out"
    desk.send(SeatLoggedIn(seat_id="a"))
    desk.call("c2", "billing")
    desk.answer("c2")
    desk.hang_up("c2")
    desk.advance(30)
    # The log-out asked during c1 was spent by the second one: it does not come back now.
    assert desk.state_of("a") == "available"


def test_a_log_in_after_a_log_out_during_a_call_cancels_it() -> None:
    desk = Desk(centre(QUEUES, SEATS))
    _talking(desk)
    desk.send(SeatLoggedOut(seat_id="a"))
    desk.send(SeatLoggedIn(seat_id="a"))  # changed their mind before the call ended
    desk.hang_up("c1")
    desk.advance(30)
    assert desk.state_of("a") == "available"
    changes = [c.state for c in desk.of_type(SeatChanged)]
    assert SeatState.LOGGED_OUT not in changes[1:]


def test_ready_during_wrap_up_after_a_log_out_asked_during_the_call_cancels_the_log_out() -> None:
    desk = Desk(centre(QUEUES, SEATS))
    _talking(desk)
    desk.send(SeatLoggedOut(seat_id="a"))
    desk.hang_up("c1")
    desk.send(SeatReady(seat_id="a"))  # back to work before the wrap-up ended
    desk.call("c2", "billing")
    desk.answer("c2")
    desk.hang_up("c2")
    desk.advance(30)
    assert desk.state_of("a") == "available"
