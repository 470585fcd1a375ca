"""What the recorder folds reaches the tables: callbacks and voicemails wait for the back office."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from ivr.clock import ManualClock
from ivr.errors import StorageError
from ivr.model.commands import CreateCallback, RecordVoicemail
from ivr.model.facts import AlarmChanged, CallStarted, JourneyEnded, Outcome
from ivr.storage import Recorder, Storage, schema

from .test_recorder import answered_call


async def test_callbacks_and_voicemails_wait_until_the_back_office_closes_them(
    storage: Storage, clock: ManualClock
) -> None:
    recorder = Recorder(clock=clock)
    start = clock.now()
    async with storage.writer() as writer:
        writer.submit_all(
            recorder.feed_all(
                [
                    CallStarted(
                        call_id="c7",
                        caller="0301",
                        dnis="10000",
                        flow="main",
                        flow_version="1",
                        at=start,
                    ),
                    CreateCallback(
                        call_id="c7",
                        number="0301",
                        wished_at=start + 3600,
                        queue="billing",
                        context={"menu": "2"},
                    ),
                    CallStarted(
                        call_id="c8",
                        caller="0302",
                        dnis="10000",
                        flow="main",
                        flow_version="1",
                        at=start,
                    ),
                    RecordVoicemail(call_id="c8", box="complaints", prompt=None, language="en"),
                    JourneyEnded(
                        call_id="c8", outcome=Outcome.VOICEMAIL, reason="after hours", at=start + 60
                    ),
                ]
            )
        )
    [callback] = await storage.backoffice.waiting_callbacks()
    assert (callback.number, callback.wished_at, callback.context) == (
        "0301",
        start + 3600,
        {"menu": "2"},
    )
    [voicemail] = await storage.backoffice.waiting_voicemails()
    assert (voicemail.box, voicemail.caller) == ("complaints", "0302")
    await storage.backoffice.close_callback(callback.id, status="done", by="bo1")
    await storage.backoffice.close_voicemail(voicemail.id, by="bo1")
    assert await storage.backoffice.waiting_callbacks() == []
    assert await storage.backoffice.waiting_voicemails() == []
    with pytest.raises(StorageError, match="not waiting"):
        await storage.backoffice.close_callback(callback.id, status="done", by="bo1")


async def test_a_whole_call_and_an_alarm_land_in_their_tables(
    storage: Storage, clock: ManualClock
) -> None:
    recorder = Recorder(clock=clock)
    start = answered_call()[0].at  # type: ignore[attr-defined]
    async with storage.writer() as writer:
        writer.submit_all(recorder.feed_all(answered_call()))
        writer.submit_all(
            recorder.feed(
                AlarmChanged(scope="*", level=1, previous=0, waiting=30, open_seats=10, at=start)
            )
        )
        await writer.flush()
        writer.submit_all(
            recorder.feed(
                AlarmChanged(
                    scope="*", level=0, previous=1, waiting=3, open_seats=10, at=start + 90
                )
            )
        )
    async with storage.engine.connect() as conn:
        call = (await conn.execute(select(schema.call_records))).one()
        alarm = (await conn.execute(select(schema.alarms))).one()
        events = (
            (await conn.execute(select(schema.queue_log.c.event).order_by(schema.queue_log.c.id)))
            .scalars()
            .all()
        )
    assert (call.outcome, call.seat_id, call.wrap_s, json.loads(call.inputs)) == (
        "answered",
        "agent14",
        15.0,
        ["menu=2", "password=*"],
    )
    assert (alarm.level, alarm.started_at, alarm.ended_at) == (1, start, start + 90)
    assert events == ["ENTERQUEUE", "CONNECT", "COMPLETEAGENT"]
