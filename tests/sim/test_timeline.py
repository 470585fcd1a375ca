"""The simulator's heap in virtual time: order, lazy cancellation, the clock it moves."""

from typing import Any

from ivr.clock import ManualClock
from ivr.scheduling import Timer
from sim.timeline import HeapScheduler, Timeline


class _Owner:
    ended = False


def test_items_due_together_run_in_the_order_they_were_pushed_and_the_clock_follows() -> None:
    timeline = Timeline(ManualClock(100.0))
    seen: list[tuple[str, float]] = []

    def note(arg: Any) -> None:
        seen.append((arg, timeline.clock.now()))

    timeline.push(110.0, note, "b")
    timeline.push(105.0, note, "a")
    timeline.push(110.0, note, "c")
    timeline.push(50.0, note, "late")  # due in the past: runs now, the clock stays
    timeline.run()
    assert seen == [("late", 100.0), ("a", 105.0), ("b", 110.0), ("c", 110.0)]
    assert timeline.pending == 0


def test_a_cancelled_act_or_one_whose_owner_ended_is_dropped_when_due() -> None:
    timeline = Timeline(ManualClock(0.0))
    seen: list[str] = []
    owner, gone = _Owner(), _Owner()
    timeline.later(owner, 1.0, seen.append, "kept")
    timeline.later(owner, 2.0, seen.append, "cancelled").cancel()
    timeline.later(gone, 3.0, seen.append, "owner ended")
    gone.ended = True
    assert timeline.pending == 3
    timeline.run()
    assert seen == ["kept"]


def test_run_stops_before_until_and_leaves_the_rest_pending() -> None:
    timeline = Timeline(ManualClock(0.0))
    seen: list[str] = []
    timeline.push(5.0, seen.append, "early")
    timeline.push(50.0, seen.append, "late")
    timeline.run(until=10.0)
    assert seen == ["early"] and timeline.pending == 1 and timeline.clock.now() == 5.0


def test_engine_timers_share_the_heap_in_time_order_with_everything_else() -> None:
    timeline = Timeline(ManualClock(0.0))
    seen: list[str] = []
    scheduler = HeapScheduler(timeline, lambda t: seen.append(t.kind))
    timeline.push(7.0, seen.append, "pushed")
    scheduler.schedule(Timer(10, "timer at 10", "x"))
    scheduler.schedule(Timer(5, "timer at 5", "y"))
    timeline.run()
    assert seen == ["timer at 5", "pushed", "timer at 10"]
