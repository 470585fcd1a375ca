"""The routing core's memory does not grow with the number of calls it has routed."""

from ivr.model.events import CallEnded, CallEnqueued, SeatAnswered
from ivr.routing.testing import Desk, centre


def test_the_free_seat_index_stays_bounded_however_many_calls_pass() -> None:
    queues = [{"name": "general"}, {"name": "billing", "skill": "billing", "wrap_up_s": 0}]
    seats = [{"id": f"s{i}", "skills": {"billing": 1 + i % 10}} for i in range(20)]
    desk = Desk(centre(queues, seats))
    desk.login(*[f"s{i}" for i in range(20)])
    core = desk.core

    sizes = []
    for n in range(20_000):
        core.handle(CallEnqueued(call_id=f"c{n}", queue="billing"))
        seat = core.calls[f"c{n}"].seat
        assert seat is not None
        core.handle(SeatAnswered(call_id=f"c{n}", seat_id=seat.id))
        core.handle(CallEnded(call_id=f"c{n}", by="seat"))
        if n % 5_000 == 4_999:
            sizes.append(sum(free.size() for free in core.pool.index.values()))
    # Each heap may hold up to 256 stale entries before it is compacted (11 heaps per pool,
    # 2 pools here); without compaction it would hold one per call, 20,000 by the end.
    assert max(sizes) < 2 * 11 * 256, sizes
    assert sizes[-1] <= sizes[0], sizes
    assert core.calls == {}
