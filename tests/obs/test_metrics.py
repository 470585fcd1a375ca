"""Prometheus metrics: counters from facts, gauges from the floor and the edges, timing."""

from __future__ import annotations

import random

from prometheus_client.parser import text_string_to_metric_families

from ivr.ami.connection import Counters as AmiCounters
from ivr.clock import ManualClock
from ivr.model.events import CallEnded, CallEnqueued, SeatAnswered, SeatLoggedIn
from ivr.obs.floor import Floor
from ivr.obs.metrics import Metrics, TimedEngine
from ivr.routing.core import RoutingCore
from ivr.routing.testing import centre
from ivr.scheduling import ListScheduler


def _samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(metrics.render().decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _engine() -> tuple[ManualClock, RoutingCore, Floor, Metrics, TimedEngine]:
    config = centre(
        queues=[
            {"name": "billing", "skill": "billing", "answer_time_limit_s": 15},
            {"name": "general"},
        ],
        seats=[{"id": "s1", "skills": {"billing": 5}}],
    )
    clock = ManualClock(1_790_000_000.0)
    core = RoutingCore(config, clock=clock, scheduler=ListScheduler(), rng=random.Random(0))
    floor = Floor(config, clock=clock, source=core)
    metrics = Metrics(floor)
    return clock, core, floor, metrics, TimedEngine(core, metrics)


def test_calls_are_counted_per_queue_with_answers_in_the_limit_apart() -> None:
    clock, _core, floor, metrics, engine = _engine()

    def send(event: object) -> None:
        outputs = engine.handle(event)
        floor.observe(outputs)
        metrics.observe(outputs)

    send(SeatLoggedIn(seat_id="s1"))
    send(CallEnqueued(call_id="c1", queue="billing"))
    send(SeatAnswered(call_id="c1", seat_id="s1"))
    send(CallEnqueued(call_id="c2", queue="billing"))
    clock.advance(30)
    send(CallEnded(call_id="c2", by="caller"))
    got = _samples(metrics)
    q = (("queue", "billing"),)
    assert got[("ivr_calls_offered_total", q)] == 2
    assert got[("ivr_calls_answered_total", q)] == 1
    assert got[("ivr_calls_answered_in_limit_total", q)] == 1
    assert got[("ivr_calls_abandoned_total", q)] == 1
    assert got[("ivr_seats", (("state", "on_call"),))] == 1
    assert got[("ivr_queue_waiting", q)] == 0
    assert (
        got[("ivr_queue_service_level_ratio", (("period", "today"), ("queue", "billing")))] == 0.5
    )
    assert got[("ivr_event_handling_seconds_count", (("event", "CallEnqueued"),))] == 2


def test_ami_reconnects_and_malformed_messages_are_read_from_the_connection() -> None:
    metrics = _engine()[3]
    counters = AmiCounters()
    metrics.watch_ami(lambda: counters)
    counters.sessions = 3  # logged in, lost it twice, logged in again each time
    counters.malformed = 4
    counters.connection_losses = 2
    counters.undecodable = 5
    got = _samples(metrics)
    assert got[("ivr_ami_undecodable_messages_total", ())] == 5
    assert got[("ivr_ami_reconnects_total", ())] == 2
    assert got[("ivr_ami_malformed_messages_total", ())] == 4
    assert got[("ivr_ami_connection_losses_total", ())] == 2


def test_the_database_buffer_depth_is_read_at_scrape_time() -> None:
    metrics = _engine()[3]
    buffered = [1, 2, 3]
    metrics.watch_buffer(lambda: len(buffered))
    assert _samples(metrics)[("ivr_db_buffer_depth", ())] == 3
    buffered.clear()
    assert _samples(metrics)[("ivr_db_buffer_depth", ())] == 0


def test_two_engines_in_one_process_do_not_share_counters() -> None:
    first = _engine()[3]
    second = _engine()[3]
    first.offered.labels("billing").inc()
    assert _samples(second).get(("ivr_calls_offered_total", (("queue", "billing"),)), 0) == 0
