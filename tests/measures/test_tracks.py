"""Calls still in progress when a report is made are reported by where they stand, so that
calls and offered calls add up."""

import pytest

from ivr.measures import Measures
from ivr.model.facts import (
    Abandoned,
    Answered,
    CallbackQueued,
    CallStarted,
    JourneyEnded,
    Outcome,
    Queued,
    Transferred,
)
from ivr.model.skills import CentreConfig, QueueConfig, SeatConfig

CENTRE = CentreConfig(
    queues=(QueueConfig(name="general"), QueueConfig(name="billing", skill="billing")),
    seats=(SeatConfig(id="s1", general=True),),
)


def _start(m: Measures, cid: str, at: float) -> None:
    m.observe(CallStarted(call_id=cid, caller="1", dnis="10000", flow="f", flow_version="1", at=at))


def _queue(m: Measures, cid: str, at: float, queue: str = "general") -> None:
    m.observe(Queued(call_id=cid, queue=queue, position=1, priority=0, estimated_wait_s=0, at=at))


def _answer(m: Measures, cid: str, at: float, wait: float, queue: str = "general") -> None:
    m.observe(Answered(call_id=cid, seat_id="s1", queue=queue, wait_s=wait, ring_s=1, at=at))


def _sum(scope: dict, *keys: str) -> int:
    return sum(scope[k] for k in keys)


ENDS = ("answered", "abandoned", "short_abandoned", "diverted", "callbacks", "unfinished_waiting")


def test_calls_in_progress_are_reported_by_where_they_stand_and_the_counts_add_up() -> None:
    m = Measures(centre=CENTRE)
    _start(m, "menu", 0)  # still in the flow
    _start(m, "wait", 10)
    _queue(m, "wait", 20)  # waiting since 20
    _start(m, "talk", 0)
    _queue(m, "talk", 5)
    _answer(m, "talk", 8, 3)
    _start(m, "moved", 0)  # answered, transferred, waiting in billing: a transfer leg
    _queue(m, "moved", 1)
    _answer(m, "moved", 2, 1)
    m.observe(
        Transferred(
            call_id="moved",
            from_seat="s1",
            from_queue="general",
            to_queue="billing",
            to_seat=None,
            talk_s=5,
            at=7,
        )
    )
    _queue(m, "moved", 7, "billing")
    _start(m, "cb", 0)
    _queue(m, "cb", 1)
    m.observe(CallbackQueued(call_id="cb", queue="general", number="1", at=30))
    _start(m, "gone", 0)  # finished: abandoned
    _queue(m, "gone", 1)
    m.observe(Abandoned(call_id="gone", queue="general", wait_s=40, position=1, at=41))
    m.observe(JourneyEnded(call_id="gone", outcome=Outcome.ABANDONED, reason="", at=41))

    report = m.report(now=100)
    o = report["overall"]
    assert o["unfinished"] == {"in_menus": 1, "waiting": 1, "awaiting_callback": 1, "answered": 2}
    assert o["unfinished_waiting"] == 1 and o["unfinished_wait_max_s"] == pytest.approx(80)
    assert o["calls"] == sum(o["outcomes"].values()) + sum(o["unfinished"].values()) == 6
    assert o["offered"] == _sum(o, *ENDS) == 5
    general, billing = report["queues"]["general"], report["queues"]["billing"]
    assert general["offered"] == _sum(general, *ENDS) == 5
    assert (general["unfinished_waiting"], general["unfinished_wait_max_s"]) == (1, 80)
    # the transferred caller waits in billing as a transfer, not as a call billing was offered
    assert (billing["transfers_in"], billing["offered"], billing["unfinished_waiting"]) == (1, 0, 0)


def test_a_report_after_every_call_ended_has_nothing_unfinished() -> None:
    m = Measures(centre=CENTRE)
    _start(m, "a", 0)
    _queue(m, "a", 0)
    _answer(m, "a", 3, 3)
    m.observe(JourneyEnded(call_id="a", outcome=Outcome.ANSWERED, reason="", at=100))
    o = m.report()["overall"]
    assert sum(o["unfinished"].values()) == 0 and o["unfinished_wait_max_s"] == 0.0
