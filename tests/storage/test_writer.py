"""The writer batches, survives a database that is down, spills when full, and drops nothing."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg
import pytest
import structlog
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from ivr.clock import ManualClock
from ivr.errors import StorageError
from ivr.storage import CallRecord, QueueLogRow, Storage, StorageSettings, schema
from ivr.storage.writer import RecordWriter

from .conftest import make_settings


def call_record(n: int) -> CallRecord:
    return CallRecord(
        call_id=f"call-{n:07d}",
        caller="03018904282",
        dnis="10000",
        flow="main",
        flow_version="7",
        arrived_at=1e9 + n,
        ended_at=1e9 + n + 60,
        outcome="answered",
        reason="completed",
        path=("welcome", "menu"),
        queue="billing",
        seat_id="agent14",
        wait_s=3.0,
        talk_s=50.0,
    )


def queue_row(n: int) -> QueueLogRow:
    return QueueLogRow.of(1e9 + n, f"{n}.0", "billing", "NONE", "ENTERQUEUE", "", "0301", 1)


async def count(storage: Storage, table: str) -> int:
    async with storage.engine.connect() as conn:
        return (
            await conn.execute(select(func.count()).select_from(schema.metadata.tables[table]))
        ).scalar_one()


async def test_records_submitted_are_all_written_in_batches(storage: Storage) -> None:
    async with storage.writer() as writer:
        for n in range(2_500):
            writer.submit(call_record(n))
            writer.submit(queue_row(n))
        await writer.flush()
        assert writer.stats.written == 5_000
    assert await count(storage, "call_records") == 2_500
    assert await count(storage, "queue_log") == 2_500


async def test_two_writers_on_one_database_lose_nothing(
    settings: StorageSettings, clock: ManualClock
) -> None:
    first = await Storage.open(settings, clock=clock)
    second = await Storage.open(settings, clock=clock)
    try:
        spill = settings.spill_file
        async with first.writer() as a, second.writer(spill_path=spill.with_suffix(".2")) as b:
            for n in range(1_000):
                (a if n % 2 else b).submit(call_record(n))
                (b if n % 2 else a).submit(queue_row(n))
                if n % 100 == 0:
                    await asyncio.sleep(0)
        assert await count(first, "call_records") == 1_000
        assert await count(first, "queue_log") == 1_000
    finally:
        await first.close()
        await second.close()


async def test_the_same_record_replayed_twice_is_stored_once(storage: Storage) -> None:
    async with storage.writer() as writer:
        writer.submit(call_record(1))
        writer.submit(call_record(1))
    assert await count(storage, "call_records") == 1


def _lock(path: Path) -> sqlite3.Connection:
    """Another process's long write transaction: the database refuses our writes meanwhile."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    return holder


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_locked_database_fills_the_buffer_then_spills_with_an_alarm_and_catches_up(
    tmp_path: Path, database_url: str, clock: ManualClock
) -> None:
    settings = make_settings(database_url, tmp_path, buffer_size=100, batch_size=50)
    storage = await Storage.open(settings, clock=clock)
    holder = _lock(tmp_path / "ivr.sqlite")
    try:
        with structlog.testing.capture_logs() as logs:
            async with storage.writer() as writer:
                for n in range(250):
                    writer.submit(call_record(n))
                while writer.stats.write_failures < 3:  # let it try, and fail, a few times
                    await asyncio.sleep(0.01)
                assert writer.stats.buffered == 100
                assert writer.stats.spilled == 150
                assert writer.stats.overflow_alarms == 1
                assert writer.stats.failing_since is not None  # /healthz says 503 meanwhile
                holder.rollback()
                await writer.flush()
                assert writer.stats.written + writer.stats.replayed == 250
                assert writer.stats.failing_since is None
        events = [e["event"] for e in logs]
        assert events.count("storage_buffer_full") == 1
        assert "storage_write_failed" in events and "storage_spill_replayed" in events
        assert await count(storage, "call_records") == 250
        assert not settings.spill_file.exists()
    finally:
        holder.close()
        await storage.close()


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_closing_while_the_database_is_down_spills_everything_and_the_next_start_replays_it(
    tmp_path: Path, database_url: str, clock: ManualClock
) -> None:
    settings = make_settings(database_url, tmp_path)
    storage = await Storage.open(settings, clock=clock)
    holder = _lock(tmp_path / "ivr.sqlite")
    try:
        async with storage.writer() as writer:
            writer.submit_all(call_record(n) for n in range(40))
        assert writer.stats.spilled == 40
        assert len(settings.spill_file.read_text().splitlines()) == 40
        holder.rollback()
        async with storage.writer() as again:
            await again.flush()
        assert again.stats.replayed == 40
        assert await count(storage, "call_records") == 40
    finally:
        holder.close()
        await storage.close()


async def test_a_record_the_database_refuses_is_set_aside_not_retried_forever(
    storage: Storage, settings: StorageSettings
) -> None:
    fields = {f: getattr(call_record(2), f) for f in CallRecord.__dataclass_fields__}
    refused = CallRecord(**fields | {"outcome": None})  # NOT NULL in the table
    with structlog.testing.capture_logs() as logs:
        async with storage.writer() as writer:
            writer.submit(call_record(1))
            writer.submit(refused)
            writer.submit(call_record(3))
        assert writer.stats.rejected == 1
    assert await count(storage, "call_records") == 2
    rejected = settings.spill_file.with_name(settings.spill_file.name + ".rejected.jsonl")
    assert "call-0000002" in rejected.read_text()
    assert [e for e in logs if e["event"] == "storage_record_rejected"]


def test_the_writer_owns_its_task(settings: StorageSettings) -> None:
    async def main() -> int:
        storage = await Storage.open(settings, clock=ManualClock(0))
        async with RecordWriter(storage.engine, settings):
            inside = len(asyncio.all_tasks())
        outside = len(asyncio.all_tasks())
        await storage.close()
        return inside - outside

    assert asyncio.run(main()) == 1


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_postgres_table_locked_by_another_session_delays_writes_without_losing_any(
    tmp_path: Path, database_url: str, clock: ManualClock
) -> None:
    settings = make_settings(database_url, tmp_path, write_timeout_s=0.2, batch_size=20)
    storage = await Storage.open(settings, clock=clock)
    holder = await asyncpg.connect(
        make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        locked = holder.transaction()
        await locked.start()
        await holder.execute("LOCK TABLE call_records IN ACCESS EXCLUSIVE MODE")
        async with storage.writer() as writer:
            writer.submit_all(call_record(n) for n in range(100))
            while writer.stats.write_failures < 2:
                await asyncio.sleep(0.01)
            assert writer.stats.written == 0
            await locked.rollback()
            await writer.flush()
            assert writer.stats.written + writer.stats.replayed == 100
        assert await count(storage, "call_records") == 100
    finally:
        await holder.close()
        await storage.close()


async def test_a_second_engine_on_the_same_data_directory_is_refused_saying_so(
    storage: Storage,
) -> None:
    async with storage.writer():
        with pytest.raises(
            StorageError,
            match=r"another engine \(this process\) is already running on the data directory "
            r".*stop it first .* its own database.data_dir",
        ):
            async with storage.writer():
                pass
    async with storage.writer():  # free again once the first is closed
        pass
