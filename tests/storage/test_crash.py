"""A crash loses nothing acknowledged: kill the writer process mid-stream, count the rows."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from ivr.clock import ManualClock
from ivr.errors import StorageError
from ivr.storage import Storage, schema

from .conftest import make_settings

SCRIPT = Path(__file__).with_name("crash_writer.py")


async def run_and_kill(url: str, data_dir: Path, *, acks: int) -> int:
    """Start the writer process, wait for ``acks`` acknowledgements, SIGKILL it; the last acked count."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), url, str(data_dir), stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    acked, seen = 0, 0
    try:
        while seen < acks:
            line = await proc.stdout.readline()
            assert line, f"the writer process ended early (exit {await proc.wait()})"
            if line.startswith(b"acked "):  # other lines are the writer's logs
                acked = int(line.split()[1])
                seen += 1
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return acked


async def stored_ids(url: str, data_dir: Path) -> list[str]:
    storage = await Storage.open(make_settings(url, data_dir), clock=ManualClock(0))
    try:
        async with storage.writer() as writer:  # replays whatever was spilled
            await writer.flush()
        async with storage.engine.connect() as conn:
            return list((await conn.execute(select(schema.call_records.c.call_id))).scalars())
    finally:
        await storage.close()


async def test_killing_the_writer_loses_no_acknowledged_record(
    database_url: str, tmp_path: Path
) -> None:
    acked = await run_and_kill(database_url, tmp_path, acks=8)
    ids = await stored_ids(database_url, tmp_path)
    assert len(ids) == len(set(ids))
    assert {f"call-{n:07d}" for n in range(acked)} <= set(ids)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_records_acknowledged_into_the_spill_file_survive_a_kill(
    database_url: str, tmp_path: Path
) -> None:
    await stored_ids(database_url, tmp_path)  # create the database
    holder = sqlite3.connect(tmp_path / "ivr.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # the database refuses every write: acks come from the spill
    try:
        acked = await run_and_kill(database_url, tmp_path, acks=3)
    finally:
        holder.rollback()
        holder.close()
    assert (tmp_path / "storage-spill.jsonl").exists()
    ids = await stored_ids(database_url, tmp_path)
    assert len(ids) == len(set(ids))
    assert {f"call-{n:07d}" for n in range(acked)} <= set(ids)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_second_engine_on_a_running_engines_data_directory_is_told_its_pid(
    database_url: str, tmp_path: Path
) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), database_url, str(tmp_path), stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    try:
        while not (await proc.stdout.readline()).startswith(b"acked "):
            pass  # the first engine's writer holds the data directory now
        storage = await Storage.open(make_settings(database_url, tmp_path), clock=ManualClock(0))
        try:
            with pytest.raises(StorageError) as refused:
                async with storage.writer():
                    pass
        finally:
            await storage.close()
        assert f"another engine (pid {proc.pid}) is already running" in refused.value.message
        assert str(tmp_path) in refused.value.message
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
