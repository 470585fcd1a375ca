"""The recorder folds the engine's facts into call records, queue_log rows, seat intervals, alarms."""

from __future__ import annotations

import re
from pathlib import Path

from ivr.clock import ManualClock
from ivr.model.commands import CreateCallback, RecordVoicemail
from ivr.model.facts import (
    Abandoned,
    AlarmChanged,
    Answered,
    CallStarted,
    Completed,
    Diverted,
    JourneyEnded,
    MenuInput,
    NodeEntered,
    Outcome,
    Queued,
    RingNoAnswer,
    SeatChanged,
    SeatState,
    Transferred,
)
from ivr.storage import (
    AlarmRecord,
    CallbackRecord,
    CallRecord,
    QueueLogRow,
    Recorder,
    SeatInterval,
    VoicemailRecord,
)

SAMPLE = Path(__file__).parent.parent / "fixtures" / "storage" / "queue_log.sample"
T0 = 1_795_468_168.0
S = SeatState


def seat(
    seat_id: str,
    prev: SeatState,
    state: SeatState,
    at: float,
    call_id: str | None = None,
    reason: str = "",
) -> SeatChanged:
    return SeatChanged(
        seat_id=seat_id, state=state, previous=prev, reason=reason, call_id=call_id, at=at
    )


def answered_call(call_id: str = "c1", at: float = T0) -> list[object]:
    """A call through a menu (with a secret password) to billing, answered by agent14, wrapped up."""
    return [
        CallStarted(
            call_id=call_id,
            caller="03018904282",
            dnis="10000",
            flow="main",
            flow_version="7",
            at=at,
        ),
        NodeEntered(call_id=call_id, flow="main", node="welcome", at=at),
        NodeEntered(call_id=call_id, flow="main", node="menu", at=at + 1),
        MenuInput(call_id=call_id, flow="main", node="menu", choice="2", secret=False, at=at + 3),
        NodeEntered(call_id=call_id, flow="main", node="password", at=at + 3),
        MenuInput(call_id=call_id, flow="main", node="password", choice="", secret=True, at=at + 8),
        Queued(
            call_id=call_id, queue="billing", position=1, priority=0, estimated_wait_s=10, at=at + 9
        ),
        seat("agent14", S.AVAILABLE, S.RINGING, at + 9.2, call_id),
        Answered(
            call_id=call_id,
            seat_id="agent14",
            queue="billing",
            wait_s=2.4,
            ring_s=1.2,
            at=at + 10.4,
        ),
        seat("agent14", S.RINGING, S.ON_CALL, at + 10.4, call_id),
        Completed(
            call_id=call_id,
            seat_id="agent14",
            queue="billing",
            talk_s=22.0,
            by="seat",
            at=at + 32.4,
        ),
        seat("agent14", S.ON_CALL, S.WRAP_UP, at + 32.4, None),
        JourneyEnded(call_id=call_id, outcome=Outcome.ANSWERED, reason="completed", at=at + 32.4),
        seat("agent14", S.WRAP_UP, S.AVAILABLE, at + 47.4, None),
    ]


def recorder(**kw: object) -> Recorder:
    return Recorder(clock=ManualClock(T0), **kw)  # type: ignore[arg-type]


def test_an_answered_call_is_recorded_once_its_wrap_up_is_over() -> None:
    rec = recorder(queue_services={"billing": "bill-enquiry"})
    rec.link("c1", uniqueid="1795468168.0", linkedid="1795468168.0", recording_ref="rec/c1.wav")
    facts = answered_call()
    before_wrap_end = rec.feed_all(facts[:-1])
    assert not [r for r in before_wrap_end if isinstance(r, CallRecord)]
    [record] = [r for r in rec.feed(facts[-1]) if isinstance(r, CallRecord)]
    assert record == CallRecord(
        call_id="c1",
        uniqueid="1795468168.0",
        linkedid="1795468168.0",
        caller="03018904282",
        dnis="10000",
        flow="main",
        flow_version="7",
        path=("welcome", "menu", "password"),
        inputs=("menu=2", "password=*"),
        service="bill-enquiry",
        queue="billing",
        first_queue="billing",
        seat_id="agent14",
        arrived_at=T0,
        queued_at=T0 + 9,
        offered_at=T0 + 9.2,
        answered_at=T0 + 10.4,
        ended_at=T0 + 32.4,
        wait_s=2.4,
        talk_s=22.0,
        wrap_s=15.0,
        outcome="answered",
        reason="completed",
        transfers=(),
        recording_ref="rec/c1.wav",
    )
    assert rec.open_calls == 0


def test_a_secret_collect_never_reaches_a_record() -> None:
    rec = recorder()
    records = rec.feed_all(answered_call()) + rec.drain(T0 + 100)
    assert all(
        "*" in i
        for r in records
        if isinstance(r, CallRecord)
        for i in r.inputs
        if i.startswith("password")
    )


def test_answered_call_writes_enterqueue_connect_and_complete_like_asterisk() -> None:
    rec = recorder()
    rec.link("c1", uniqueid="1795468168.0")
    lines = [r.line() for r in rec.feed_all(answered_call()) if isinstance(r, QueueLogRow)]
    assert lines == [
        "1795468177|1795468168.0|billing|NONE|ENTERQUEUE||03018904282|1",
        "1795468178|1795468168.0|billing|agent14|CONNECT|1|1795468168.0|1",
        "1795468200|1795468168.0|billing|agent14|COMPLETEAGENT|1|22|1",
    ]


def test_caller_hanging_up_while_a_seat_rings_gives_ringcanceled_then_abandon() -> None:
    rec = recorder()
    at = T0 + 25
    rows = rec.feed_all(
        [
            CallStarted(
                call_id="c2",
                caller="03019594064",
                dnis="10000",
                flow="main",
                flow_version="7",
                at=at,
            ),
            Queued(
                call_id="c2", queue="billing", position=1, priority=0, estimated_wait_s=3, at=at
            ),
            seat("agent11", S.AVAILABLE, S.RINGING, at + 0.5, "c2"),
            Abandoned(call_id="c2", queue="billing", wait_s=1.952, position=1, at=at + 1.952),
            seat("agent11", S.RINGING, S.AVAILABLE, at + 1.952),
            JourneyEnded(
                call_id="c2", outcome=Outcome.ABANDONED, reason="caller hung up", at=at + 1.952
            ),
        ]
    )
    lines = [r.line() for r in rows if isinstance(r, QueueLogRow)]
    assert lines[1:] == [
        "1795468194|c2|billing|agent11|RINGCANCELED|1452",
        "1795468194|c2|billing|NONE|ABANDON|1|1|1",
    ]
    [record] = [r for r in rows if isinstance(r, CallRecord)]
    assert (record.outcome, record.wait_s, record.seat_id) == ("abandoned", 1.952, None)


def test_ring_no_answer_is_in_milliseconds() -> None:
    rec = recorder()
    rows = rec.feed_all(
        [
            CallStarted(call_id="c3", caller="1", dnis="2", flow="f", flow_version="1", at=T0),
            Queued(
                call_id="c3", queue="billing", position=1, priority=0, estimated_wait_s=0, at=T0
            ),
            RingNoAnswer(
                call_id="c3",
                seat_id="agent13",
                queue="billing",
                ring_s=15.0,
                reason="noanswer",
                at=T0 + 15,
            ),
        ]
    )
    assert rows[-1].line() == "1795468183|c3|billing|agent13|RINGNOANSWER|15000"  # type: ignore[union-attr]


def test_a_transfer_is_logged_and_kept_in_the_call_records_chain() -> None:
    rec = recorder()
    facts = [
        *answered_call()[:10],
        Transferred(
            call_id="c1",
            from_seat="agent14",
            from_queue="billing",
            to_queue="generalq",
            to_seat=None,
            talk_s=5.0,
            at=T0 + 15.4,
        ),
        seat("agent14", S.ON_CALL, S.WRAP_UP, T0 + 15.4),
        Queued(
            call_id="c1",
            queue="generalq",
            position=1,
            priority=100,
            estimated_wait_s=0,
            at=T0 + 15.4,
        ),
        seat("agent14", S.WRAP_UP, S.AVAILABLE, T0 + 20),
        Answered(
            call_id="c1", seat_id="agent22", queue="generalq", wait_s=2.4, ring_s=2.0, at=T0 + 18.4
        ),
        Completed(
            call_id="c1",
            seat_id="agent22",
            queue="generalq",
            talk_s=10.0,
            by="caller",
            at=T0 + 28.4,
        ),
        seat("agent22", S.ON_CALL, S.AVAILABLE, T0 + 28.4),
        JourneyEnded(call_id="c1", outcome=Outcome.ANSWERED, reason="completed", at=T0 + 28.4),
    ]
    rows = rec.feed_all(facts)
    events = [r.event for r in rows if isinstance(r, QueueLogRow)]
    assert events == [
        "ENTERQUEUE",
        "CONNECT",
        "TRANSFER",
        "ENTERQUEUE",
        "CONNECT",
        "COMPLETECALLER",
    ]
    transfer = next(r for r in rows if isinstance(r, QueueLogRow) and r.event == "TRANSFER")
    assert transfer.fields == ("generalq", "ivr", "1", "5", "1")
    [record] = [r for r in rows if isinstance(r, CallRecord)]
    assert record.transfers == ("agent14/billing>generalq",)
    assert (record.seat_id, record.queue, record.first_queue, record.talk_s, record.wrap_s) == (
        "agent22",
        "generalq",
        "billing",
        15.0,
        0.0,
    )


def test_leaving_on_max_wait_is_exitwithtimeout_and_a_refusal_at_arrival_logs_nothing() -> None:
    rec = recorder()
    rows = rec.feed_all(
        [
            CallStarted(call_id="c4", caller="1", dnis="2", flow="f", flow_version="1", at=T0),
            Diverted(
                call_id="c4",
                queue="billing",
                reason="alarm2",
                action="callback",
                target=None,
                waited_s=0,
                at=T0,
            ),
            CallStarted(call_id="c5", caller="1", dnis="2", flow="f", flow_version="1", at=T0),
            Queued(
                call_id="c5", queue="billing", position=5, priority=0, estimated_wait_s=0, at=T0
            ),
            Diverted(
                call_id="c5",
                queue="billing",
                reason="max_wait",
                action="queue",
                target="generalq",
                waited_s=60,
                at=T0 + 60,
            ),
        ]
    )
    lines = [r.line() for r in rows if isinstance(r, QueueLogRow)]
    assert lines == [
        "1795468168|c5|billing|NONE|ENTERQUEUE||1|5",
        "1795468228|c5|billing|NONE|EXITWITHTIMEOUT|5|5|60",
    ]


def test_seat_login_pause_and_logout_give_member_lines_and_intervals() -> None:
    rec = recorder(seat_queues={"agent12": ["billing", "generalq"]})
    rows = rec.feed_all(
        [
            seat("agent12", S.LOGGED_OUT, S.AVAILABLE, T0),
            seat("agent12", S.AVAILABLE, S.PAUSED, T0 + 60, reason="break"),
            seat("agent12", S.PAUSED, S.PAUSED, T0 + 90, reason="training"),
            seat("agent12", S.PAUSED, S.AVAILABLE, T0 + 120),
            seat("agent12", S.AVAILABLE, S.LOGGED_OUT, T0 + 300),
        ]
    )
    lines = [r.line() for r in rows if isinstance(r, QueueLogRow)]
    assert lines == [
        "1795468168|NONE|billing|agent12|ADDMEMBER|",
        "1795468168|NONE|generalq|agent12|ADDMEMBER|",
        "1795468228|NONE|billing|agent12|PAUSE|break",
        "1795468228|NONE|generalq|agent12|PAUSE|break",
        "1795468258|NONE|billing|agent12|PAUSE|training",
        "1795468258|NONE|generalq|agent12|PAUSE|training",
        "1795468288|NONE|billing|agent12|UNPAUSE|",
        "1795468288|NONE|generalq|agent12|UNPAUSE|",
        "1795468468|NONE|billing|agent12|REMOVEMEMBER|",
        "1795468468|NONE|generalq|agent12|REMOVEMEMBER|",
    ]
    intervals = [
        (i.kind, i.started_at - T0, i.ended_at - T0, i.reason)
        for i in rows
        if isinstance(i, SeatInterval)
    ]
    assert intervals == [
        ("ready", 0, 60, ""),
        ("pause", 60, 90, "break"),
        ("pause", 90, 120, "training"),
        ("ready", 120, 300, ""),
        ("session", 0, 300, ""),
    ]


def test_an_alarm_is_written_when_raised_and_again_when_it_ends() -> None:
    rec = recorder()
    rows = rec.feed_all(
        [
            AlarmChanged(scope="*", level=1, previous=0, waiting=30, open_seats=10, at=T0),
            AlarmChanged(scope="*", level=2, previous=1, waiting=40, open_seats=10, at=T0 + 60),
            AlarmChanged(scope="*", level=0, previous=2, waiting=5, open_seats=10, at=T0 + 600),
        ]
    )
    assert [
        (a.level, a.started_at - T0, None if a.ended_at is None else a.ended_at - T0)
        for a in rows
        if isinstance(a, AlarmRecord)
    ] == [
        (1, 0, None),
        (1, 0, 60),
        (2, 60, None),
        (2, 60, 600),
    ]


def test_callbacks_and_voicemails_are_stamped_by_the_injected_clock() -> None:
    clock = ManualClock(T0 + 5)
    rec = Recorder(clock=clock)
    rec.feed(
        CallStarted(call_id="c6", caller="0301", dnis="10000", flow="f", flow_version="1", at=T0)
    )
    [cb] = rec.feed(CreateCallback(call_id="c6", number="0301", wished_at=None, queue="billing"))
    [vm] = rec.feed(RecordVoicemail(call_id="c6", box="complaints", prompt=None, language="en"))
    assert isinstance(cb, CallbackRecord) and (cb.source, cb.requested_at) == ("flow", T0 + 5)
    assert isinstance(vm, VoicemailRecord) and (vm.caller, vm.recorded_at) == ("0301", T0 + 5)


# --- shapes against the real Asterisk sample -----------------------------------------------


def _kind(field: str) -> str:
    if field == "":
        return "empty"
    if field.isdigit():
        return "int"
    if re.fullmatch(r"\d+\.\d+", field):
        return "uniqueid"
    return "text"


def _shape(row: QueueLogRow) -> tuple[str, ...]:
    head = (
        _kind(str(row.time)),
        _kind(row.callid) if row.callid != "NONE" else "NONE",
        _kind(row.queue),
        "NONE" if row.agent == "NONE" else _kind(row.agent),
    )
    return (*head, row.event, *(_kind(f) for f in row.fields))


# Shapes of events the three-minute sample does not contain, from Asterisk's documented layout.
DOCUMENTED = {
    ("int", "uniqueid", "text", "NONE", "EXITWITHTIMEOUT", "int", "int", "int"),
    ("int", "uniqueid", "text", "text", "TRANSFER", "text", "text", "int", "int", "int"),
    ("int", "NONE", "text", "text", "ADDMEMBER", "empty"),
    ("int", "NONE", "text", "text", "REMOVEMEMBER", "empty"),
    ("int", "NONE", "text", "text", "PAUSE", "text"),
    ("int", "NONE", "text", "text", "UNPAUSE", "empty"),
}


def test_every_line_the_recorder_writes_has_a_shape_asterisk_writes() -> None:
    sample = {_shape(QueueLogRow.parse(line)) for line in SAMPLE.read_text().splitlines()}
    rec = recorder(seat_queues={"agent14": ["billing"], "agent11": ["billing"]})
    script = [seat("agent14", S.LOGGED_OUT, S.AVAILABLE, T0 - 10)]
    script += answered_call("c1")
    script += [
        CallStarted(
            call_id="c2",
            caller="03019594064",
            dnis="10000",
            flow="main",
            flow_version="7",
            at=T0 + 25,
        ),
        Queued(
            call_id="c2", queue="billing", position=1, priority=0, estimated_wait_s=3, at=T0 + 25
        ),
        seat("agent11", S.AVAILABLE, S.RINGING, T0 + 25.5, "c2"),
        RingNoAnswer(
            call_id="c2",
            seat_id="agent11",
            queue="billing",
            ring_s=15.0,
            reason="noanswer",
            at=T0 + 40.5,
        ),
        seat("agent11", S.RINGING, S.RINGING, T0 + 41, "c2"),
        Abandoned(call_id="c2", queue="billing", wait_s=20, position=1, at=T0 + 45),
        CallStarted(
            call_id="c3",
            caller="03019594065",
            dnis="10000",
            flow="main",
            flow_version="7",
            at=T0 + 50,
        ),
        Queued(
            call_id="c3", queue="billing", position=2, priority=0, estimated_wait_s=3, at=T0 + 50
        ),
        Diverted(
            call_id="c3",
            queue="billing",
            reason="max_wait",
            action="queue",
            target="generalq",
            waited_s=60,
            at=T0 + 110,
        ),
        Queued(
            call_id="c3", queue="generalq", position=1, priority=0, estimated_wait_s=3, at=T0 + 110
        ),
        Answered(
            call_id="c3", seat_id="agent21", queue="generalq", wait_s=62, ring_s=1, at=T0 + 112
        ),
        Transferred(
            call_id="c3",
            from_seat="agent21",
            from_queue="generalq",
            to_queue="billing",
            to_seat=None,
            talk_s=5,
            at=T0 + 117,
        ),
        seat("agent14", S.AVAILABLE, S.PAUSED, T0 + 120, reason="break"),
        seat("agent14", S.PAUSED, S.AVAILABLE, T0 + 130),
        seat("agent14", S.AVAILABLE, S.LOGGED_OUT, T0 + 140),
    ]
    calls = {"c1": "1795468168.0", "c2": "1795468193.24", "c3": "1795468200.36"}
    for call_id, uniqueid in calls.items():
        rec.link(call_id, uniqueid=uniqueid)
    rows = [r for r in rec.feed_all(script) if isinstance(r, QueueLogRow)]
    events = {r.event for r in rows}
    assert {
        "ENTERQUEUE",
        "CONNECT",
        "COMPLETEAGENT",
        "RINGNOANSWER",
        "RINGCANCELED",
        "ABANDON",
        "EXITWITHTIMEOUT",
        "TRANSFER",
        "ADDMEMBER",
        "PAUSE",
        "UNPAUSE",
        "REMOVEMEMBER",
    } <= events
    unknown = [r.line() for r in rows if _shape(r) not in sample | DOCUMENTED]
    assert unknown == []


def test_a_stop_closes_the_records_of_calls_still_up_as_interrupted_so_none_is_lost() -> None:
    recorder = Recorder(clock=ManualClock(T0))
    recorder.feed(
        CallStarted(
            call_id="up", caller="13900000001", dnis="10000", flow="f", flow_version="1", at=T0
        )
    )
    recorder.feed(
        Queued(
            call_id="up", queue="billing", position=1, priority=0, estimated_wait_s=0.0, at=T0 + 5
        )
    )
    assert [r for r in recorder.drain(T0 + 60) if isinstance(r, CallRecord)] == []  # a run's end
    [record] = [r for r in recorder.drain(T0 + 60, open_calls=True) if isinstance(r, CallRecord)]
    assert (record.call_id, record.outcome, record.ended_at) == ("up", "interrupted", T0 + 60)
    assert record.queue == "billing"
