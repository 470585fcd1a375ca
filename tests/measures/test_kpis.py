"""The hotline's measures, fed facts by hand."""

import pytest

from ivr.measures import Measures, MeasuresConfig, ServiceLevelBasis
from ivr.model.facts import (
    Abandoned,
    AlarmChanged,
    Answered,
    CallbackQueued,
    CallStarted,
    CutOff,
    JourneyEnded,
    Outcome,
    Queued,
    SeatChanged,
    SeatState,
    Transferred,
)
from ivr.model.skills import CentreConfig, QueueConfig, SeatConfig

CENTRE = CentreConfig(
    queues=(
        QueueConfig(name="general", answer_time_limit_s=15),
        QueueConfig(name="billing", skill="billing", answer_time_limit_s=20),
    ),
    seats=(SeatConfig(id="s1", general=True), SeatConfig(id="s2", skills={"billing": 5})),
)


def _call(m: Measures, cid: str, at: float, queue: str = "general", estimate: float = 0.0) -> None:
    m.observe(CallStarted(call_id=cid, caller="1", dnis="10000", flow="f", flow_version="1", at=at))
    m.observe(
        Queued(call_id=cid, queue=queue, position=1, priority=0, estimated_wait_s=estimate, at=at)
    )


def _answer(m: Measures, cid: str, at: float, wait: float, queue: str = "general") -> None:
    m.observe(Answered(call_id=cid, seat_id="s1", queue=queue, wait_s=wait, ring_s=1, at=at))


def _end(m: Measures, cid: str, at: float, outcome: Outcome) -> None:
    m.observe(JourneyEnded(call_id=cid, outcome=outcome, reason="", at=at))


def _four_calls(config: MeasuresConfig | None = None) -> dict:
    m = Measures(centre=CENTRE, config=config)
    _call(m, "a", 0)
    _answer(m, "a", 3, 3)  # in time
    _call(m, "b", 10)
    _answer(m, "b", 30, 20)  # late
    _call(m, "c", 20)
    m.observe(Abandoned(call_id="c", queue="general", wait_s=2, position=1, at=22))  # short
    _call(m, "d", 30)
    m.observe(Abandoned(call_id="d", queue="general", wait_s=40, position=1, at=70))
    for cid, outcome in (
        ("a", "answered"),
        ("b", "answered"),
        ("c", "abandoned"),
        ("d", "abandoned"),
    ):
        _end(m, cid, 100, Outcome(outcome))
    return m.report()


def test_short_abandons_leave_the_service_level_basis_by_default() -> None:
    q = _four_calls()["queues"]["general"]
    assert (q["offered"], q["answered"], q["answered_within_limit"]) == (4, 2, 1)
    assert q["short_abandoned"] == 1 and q["abandoned"] == 1
    assert q["service_level"] == pytest.approx(1 / 3)
    assert q["abandon_rate"] == pytest.approx(1 / 3)
    assert q["answer_overdue_rate"] == pytest.approx(1 / 2)
    assert q["connection_rate"] == pytest.approx(2 / 4)
    assert q["asa_s"] == pytest.approx(11.5)
    assert q["wait_max_s"] == 20


def test_callers_the_pbx_cut_off_count_apart_and_in_no_abandon_rate_or_service_level() -> None:
    m = Measures(centre=CENTRE)
    _call(m, "a", 0)
    _answer(m, "a", 3, 3)
    _call(m, "b", 10)
    m.observe(CutOff(call_id="b", queue="general", wait_s=30, at=40))  # Asterisk restarted
    _end(m, "a", 100, Outcome.ANSWERED)
    _end(m, "b", 40, Outcome.PBX_RESTART)
    report = m.report()
    for q in (report["queues"]["general"], report["overall"]):
        assert (q["offered"], q["answered"], q["abandoned"], q["cut_off"]) == (2, 1, 0, 1)
        assert q["service_level"] == pytest.approx(1.0)
        assert q["abandon_rate"] == 0.0


def test_service_level_over_offered_when_configured_so() -> None:
    cfg = MeasuresConfig(
        service_level_basis=ServiceLevelBasis.OFFERED, short_abandons_are_abandons=True
    )
    report = _four_calls(cfg)
    q = report["queues"]["general"]
    assert q["service_level"] == pytest.approx(1 / 4)
    assert q["abandoned"] == 2
    assert "answered within the limit / offered" in report["definitions"]["service_level"]


def test_each_queue_has_its_own_answer_time_limit() -> None:
    m = Measures(centre=CENTRE)
    _call(m, "a", 0, queue="billing")
    _answer(m, "a", 18, 18, queue="billing")
    assert m.report()["queues"]["billing"]["answered_within_limit"] == 1


def test_a_transferred_journey_counts_once_for_the_caller() -> None:
    m = Measures(centre=CENTRE)
    _call(m, "a", 0)
    _answer(m, "a", 5, 5)
    m.observe(
        Transferred(
            call_id="a",
            from_seat="s1",
            from_queue="general",
            to_queue="billing",
            to_seat=None,
            talk_s=30,
            at=35,
        )
    )
    m.observe(
        Queued(call_id="a", queue="billing", position=1, priority=100, estimated_wait_s=0, at=35)
    )
    _answer(m, "a", 60, 25, queue="billing")
    _end(m, "a", 200, Outcome.ANSWERED)
    report = m.report()
    assert report["overall"]["offered"] == 1 and report["overall"]["answered"] == 1
    assert report["overall"]["asa_s"] == 5
    assert report["overall"]["transfers_out"] == 1
    assert report["queues"]["billing"]["offered"] == 0
    assert report["queues"]["billing"]["transfers_in"] == 1
    assert report["queues"]["general"]["transfers_out"] == 1


def test_calls_count_in_the_interval_they_entered_the_queue() -> None:
    m = Measures(centre=CENTRE)
    _call(m, "a", 890)
    _answer(m, "a", 910, 20)
    rows = m.report()["intervals"]
    assert [r["offered"] for r in rows] == [1, 0]
    assert [r["answered"] for r in rows] == [1, 0]
    assert rows[0]["waiting_mean"] == pytest.approx(10 / 900)
    assert rows[1]["waiting_mean"] == pytest.approx(10 / 900)


def test_occupancy_is_busy_time_over_staffed_time_per_seat_group() -> None:
    m = Measures(centre=CENTRE)

    def seat(state: SeatState, previous: SeatState, at: float) -> None:
        m.observe(
            SeatChanged(
                seat_id="s1", state=state, previous=previous, reason="", call_id=None, at=at
            )
        )

    seat(SeatState.AVAILABLE, SeatState.LOGGED_OUT, 0)
    seat(SeatState.ON_CALL, SeatState.AVAILABLE, 100)
    seat(SeatState.WRAP_UP, SeatState.ON_CALL, 250)
    seat(SeatState.AVAILABLE, SeatState.WRAP_UP, 300)
    seat(SeatState.PAUSED, SeatState.AVAILABLE, 400)
    seat(SeatState.LOGGED_OUT, SeatState.PAUSED, 1000)
    report = m.report(now=1000)
    assert report["occupancy"]["general"] == pytest.approx(200 / 400)
    assert report["intervals"][0]["open_seats_mean"] == pytest.approx(400 / 900)


def test_alarm_time_is_counted_per_level() -> None:
    m = Measures(centre=CENTRE)
    for level, prev, at in ((1, 0, 100), (2, 1, 160), (1, 2, 200), (0, 1, 400)):
        m.observe(
            AlarmChanged(scope="*", level=level, previous=prev, waiting=0, open_seats=1, at=at)
        )
    alarms = m.report()["alarms"]["*"]
    assert alarms["level1_s"] == 300 and alarms["level2_s"] == 40
    assert [p["level"] for p in alarms["periods"]] == [1, 2, 1]


def test_wait_estimate_error_compares_the_estimate_with_the_wait_then_had() -> None:
    m = Measures(centre=CENTRE)
    _call(m, "a", 0, estimate=30)
    _answer(m, "a", 10, 10)
    _call(m, "b", 0, estimate=10)
    _answer(m, "b", 20, 20)
    est = m.report()["overall"]["wait_estimate"]
    assert est["mean_error_s"] == pytest.approx(5) and est["mean_abs_error_s"] == pytest.approx(15)


def test_callbacks_leave_the_basis_unless_counted_as_abandons() -> None:
    m = Measures(centre=CENTRE)
    _call(m, "a", 0)
    m.observe(CallbackQueued(call_id="a", queue="general", number="1", at=40))
    _call(m, "b", 0)
    _answer(m, "b", 1, 1)
    q = m.report()["queues"]["general"]
    assert q["callbacks"] == 1 and q["service_level"] == 1.0 and q["abandoned"] == 0


def test_memory_does_not_grow_with_calls_seen() -> None:
    m = Measures(centre=CENTRE)
    for i in range(2000):
        cid = f"c{i}"
        _call(m, cid, float(i))
        _answer(m, cid, i + 1.0, 1.0 + i % 7)
        _end(m, cid, i + 2.0, Outcome.ANSWERED)
    assert m.calls_in_progress == 0
    overall = m.report()["overall"]
    assert overall["offered"] == 2000
    assert overall["wait_p50_s"] == pytest.approx(4.0, abs=0.25)


def test_a_live_reader_gets_a_queues_counts_for_the_day_and_for_the_interval_without_a_report() -> (
    None
):
    m = Measures(centre=CENTRE)
    _call(m, "early", 0, queue="billing")
    _answer(m, "early", 5, 5, queue="billing")
    _call(m, "later", 1_000, queue="billing")  # the next 15-minute interval
    day, now = m.counters("billing"), m.interval_counters(1_000, "billing")
    assert day is not None and now is not None
    assert (day.offered, day.answered) == (2, 1)
    assert (now.offered, now.answered) == (1, 0)
    assert m.interval_counters(1_000, "general") is None
    centre = m.counters("*")
    assert centre is not None and centre.offered == 2
