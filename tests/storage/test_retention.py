"""Retention: records purged by policy; recordings never before three months."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from ivr.clock import ManualClock
from ivr.storage import CallRecord, QueueLogRow, RetentionPolicy, Storage, StorageSettings, schema

DAY = 86_400.0


def record(call_id: str, ended_at: float, recording: str | None) -> CallRecord:
    return CallRecord(
        call_id=call_id,
        caller="0301",
        dnis="10000",
        flow="main",
        flow_version="1",
        arrived_at=ended_at - 60,
        ended_at=ended_at,
        outcome="answered",
        reason="completed",
        recording_ref=recording,
    )


async def test_recordings_younger_than_three_months_are_kept_and_older_ones_released(
    settings: StorageSettings, clock: ManualClock
) -> None:
    settings = settings.model_copy(
        update={"retention": RetentionPolicy(call_records_days=365, recordings_days=92)}
    )
    storage = await Storage.open(settings, clock=clock)
    now = clock.now()
    try:
        async with storage.writer() as writer:
            writer.submit(record("91-days", now - 91 * DAY, "rec/91.wav"))
            writer.submit(record("93-days", now - 93 * DAY, "rec/93.wav"))
            writer.submit(record("400-days", now - 400 * DAY, "rec/400.wav"))
            writer.submit(
                QueueLogRow.of(now - 500 * DAY, "x", "billing", "NONE", "ENTERQUEUE", "", "1", 1)
            )
        dry = await storage.purge(dry_run=True)
        assert (dry.call_records, dry.recordings, dry.queue_log) == (
            1,
            ("rec/400.wav", "rec/93.wav"),
            1,
        )
        report = await storage.purge()
        assert dataclasses.replace(report, dry_run=True) == dry
        async with storage.engine.connect() as conn:
            c = schema.call_records.c
            rows = dict((await conn.execute(select(c.call_id, c.recording_ref))).all())
        assert rows == {"91-days": "rec/91.wav", "93-days": None}
        assert (await storage.purge()).recordings == ()
    finally:
        await storage.close()
