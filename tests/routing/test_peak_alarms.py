"""Peak alarms (REQUIREMENTS §4): waiting callers against open seats, and forced diversion."""

from ivr.model.commands import Divert
from ivr.model.events import SeatPaused
from ivr.model.facts import AlarmChanged, Queued
from ivr.model.skills import AlarmConfig, Exit, ExitAction, Tier
from ivr.routing.alarms import next_level
from ivr.routing.testing import Desk, centre

OVERFLOW = Exit(action=ExitAction.FLOW, target="overflow-callback")
BUSY = Exit(action=ExitAction.BUSY)


def desk_with(alarm: AlarmConfig, seat_count: int = 2) -> Desk:
    queues = [{"name": "general"}, {"name": "billing", "skill": "billing", "alarm": alarm}]
    seats = [{"id": f"s{i}", "skills": {"billing": 5}} for i in range(seat_count)]
    desk = Desk(centre(queues, seats))
    desk.login(*[f"s{i}" for i in range(seat_count)])
    for i in range(seat_count):  # every seat busy
        desk.call(f"busy{i}", "billing")
        desk.answer(f"busy{i}")
    return desk


def billing_alarms(desk: Desk) -> list[tuple[int, int]]:
    return [(a.previous, a.level) for a in desk.of_type(AlarmChanged) if a.scope == "billing"]


def test_level_1_is_raised_when_waiting_callers_reach_2_5_times_the_open_seats() -> None:
    desk = desk_with(AlarmConfig())
    for i in range(4):
        desk.call(f"w{i}", "billing")
    assert billing_alarms(desk) == []
    desk.call("w4", "billing")  # 5 waiting / 2 seats = 2.5
    assert billing_alarms(desk) == [(0, 1)]


def test_level_2_is_raised_at_3_5_times_the_open_seats() -> None:
    desk = desk_with(AlarmConfig())
    for i in range(7):  # 7 / 2 = 3.5
        desk.call(f"w{i}", "billing")
    assert billing_alarms(desk) == [(0, 1), (1, 2)]
    assert desk.core.alarm_level("billing") == 2


def test_an_alarm_is_cleared_only_well_below_its_threshold_so_it_does_not_flap() -> None:
    desk = desk_with(AlarmConfig(level1=2.5, level2=3.5, clear_factor=0.8))
    for i in range(5):
        desk.call(f"w{i}", "billing")
    desk.hang_up("w4")  # 4 / 2 = 2.0: not below 0.8 × 2.5
    desk.call("w5", "billing")
    desk.hang_up("w5")
    assert billing_alarms(desk) == [(0, 1)]
    desk.hang_up("w3")  # 3 / 2 = 1.5 < 2.0: cleared
    assert billing_alarms(desk) == [(0, 1), (1, 0)]


def test_seats_going_on_pause_count_against_the_open_seats() -> None:
    desk = desk_with(AlarmConfig(), seat_count=4)
    for i in range(5):  # 5 / 4
        desk.call(f"w{i}", "billing")
    assert billing_alarms(desk) == []
    for i in range(2):  # on pause after their call: 5 / 2 open
        desk.send(SeatPaused(seat_id=f"s{i}", reason="meeting"))
        desk.hang_up(f"busy{i}", by="seat")
    desk.advance(10)  # the end of wrap-up puts them on pause
    assert billing_alarms(desk)[-1][1] >= 1


def test_during_an_alarm_new_callers_are_diverted_as_configured() -> None:
    desk = desk_with(AlarmConfig(on_level1=OVERFLOW, on_level2=BUSY))
    for i in range(5):
        desk.call(f"w{i}", "billing")
    desk.call("late", "billing")
    [divert] = desk.of_type(Divert)
    assert divert.call_id == "late" and divert.reason == "alarm1" and divert.exit == OVERFLOW


def test_forced_diversion_at_level_2() -> None:
    desk = desk_with(AlarmConfig(level1=2.5, level2=3.0, on_level1=OVERFLOW, on_level2=BUSY))
    for i in range(5):
        desk.call(f"w{i}", "billing")
    desk.call("late1", "billing", tier=Tier.VIP)  # VIPs are never diverted: 6 / 2 = 3.0
    desk.call("late2", "billing")
    divert = desk.of_type(Divert)[-1]
    assert divert.call_id == "late2" and divert.reason == "alarm2" and divert.exit == BUSY
    assert "late1" in {q.call_id for q in desk.of_type(Queued)}


def test_the_centre_wide_alarm_counts_every_queue() -> None:
    desk = desk_with(AlarmConfig(level1=100, level2=200))
    for i in range(7):
        desk.call(f"w{i}", "billing")
    centre_alarms = [(a.previous, a.level) for a in desk.of_type(AlarmChanged) if a.scope == "*"]
    assert centre_alarms == [(0, 1), (1, 2)]


def test_with_no_seat_open_any_waiting_caller_is_level_2() -> None:
    assert next_level(AlarmConfig(), 0, waiting=1, open_seats=0) == 2
    assert next_level(AlarmConfig(), 2, waiting=0, open_seats=0) == 0
