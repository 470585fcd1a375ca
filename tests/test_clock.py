import pytest

from ivr.clock import ManualClock
from ivr.scheduling import ListScheduler, Timer


def test_manual_clock_refuses_to_go_backwards() -> None:
    clock = ManualClock(100.0)
    clock.advance(5)
    assert clock.now() == 105.0
    with pytest.raises(ValueError, match="time can't go backwards"):
        clock.set(104.0)


def test_timers_due_at_the_same_instant_come_out_in_the_order_they_were_scheduled() -> None:
    scheduler = ListScheduler()
    first, second, cancelled = Timer(10, "a", "x"), Timer(10, "b", "y"), Timer(5, "c", "z")
    for t in (first, second, cancelled):
        scheduler.schedule(t)
    cancelled.cancel()
    assert scheduler.due(10) == [first, second]
