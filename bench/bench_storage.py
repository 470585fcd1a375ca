"""Sustained call records written per second, SQLite and PostgreSQL, against plain-driver peers.

The records have the engine's real shape: each call's facts (arrival, three
menu nodes, two inputs, one a secret, queued, ringing, answered, completed,
wrap-up, journey ended) are folded by :class:`ivr.storage.Recorder`, and the
call records and queue_log rows that come out are written through
:class:`ivr.storage.RecordWriter` (bounded buffer, batches, idempotent
inserts), ending with ``flush()`` so that every record is committed.

Peers, measured in the same run on the same records (turned into rows by the
same function, inside the timing, as the writer does), with no buffer, no
event loop hop and no idempotency bookkeeping beyond the same ON CONFLICT:

- SQLite: the stdlib ``sqlite3`` module, ``executemany`` of the same rows in
  batches of the same size, one commit per batch, same WAL file settings;
- PostgreSQL: ``asyncpg``'s ``executemany`` of the same rows, one transaction
  per batch.

Run (one core, as the target says)::

    taskset -c 0 .venv/bin/python bench/bench_storage.py
    IVR_TEST_PG_URL=postgresql+asyncpg://ivr:ivr@127.0.0.1/ivr_test \\
        taskset -c 0 .venv/bin/python bench/bench_storage.py --calls 50000

Target: at least 5,000 call records per second on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url

from ivr.clock import ManualClock, monotonic
from ivr.model.facts import (
    Answered,
    CallStarted,
    Completed,
    JourneyEnded,
    MenuInput,
    NodeEntered,
    Outcome,
    Queued,
    SeatChanged,
    SeatState,
)
from ivr.storage import CallRecord, QueueLogRow, Record, Recorder, Storage, StorageSettings, schema
from ivr.storage.writer import to_row

T0 = 1_795_468_168.0
S = SeatState


def facts_of_call(n: int) -> list[object]:
    call_id, seat = f"bench-{n:08d}", f"agent{n % 200:03d}"
    at = T0 + n * 0.5
    return [
        CallStarted(
            call_id=call_id,
            caller=f"0301{n:07d}",
            dnis="10000",
            flow="main",
            flow_version="7",
            at=at,
        ),
        NodeEntered(call_id=call_id, flow="main", node="welcome", at=at),
        NodeEntered(call_id=call_id, flow="main", node="menu", at=at + 4),
        MenuInput(call_id=call_id, flow="main", node="menu", choice="2", secret=False, at=at + 7),
        NodeEntered(call_id=call_id, flow="main", node="password", at=at + 7),
        MenuInput(
            call_id=call_id, flow="main", node="password", choice="", secret=True, at=at + 12
        ),
        Queued(
            call_id=call_id,
            queue="billing",
            position=3,
            priority=0,
            estimated_wait_s=20,
            at=at + 12,
        ),
        SeatChanged(
            seat_id=seat,
            state=S.RINGING,
            previous=S.AVAILABLE,
            reason="",
            call_id=call_id,
            at=at + 30,
        ),
        Answered(
            call_id=call_id, seat_id=seat, queue="billing", wait_s=21.0, ring_s=3.0, at=at + 33
        ),
        SeatChanged(
            seat_id=seat,
            state=S.ON_CALL,
            previous=S.RINGING,
            reason="",
            call_id=call_id,
            at=at + 33,
        ),
        Completed(
            call_id=call_id, seat_id=seat, queue="billing", talk_s=180.0, by="caller", at=at + 213
        ),
        SeatChanged(
            seat_id=seat, state=S.WRAP_UP, previous=S.ON_CALL, reason="", call_id=None, at=at + 213
        ),
        JourneyEnded(call_id=call_id, outcome=Outcome.ANSWERED, reason="completed", at=at + 213),
        SeatChanged(
            seat_id=seat,
            state=S.AVAILABLE,
            previous=S.WRAP_UP,
            reason="",
            call_id=None,
            at=at + 228,
        ),
    ]


def make_records(calls: int) -> tuple[list[Record], float]:
    recorder = Recorder(clock=ManualClock(T0), queue_services={"billing": "bill-enquiry"})
    records: list[Record] = []
    started = monotonic()
    for n in range(calls):
        for fact in facts_of_call(n):
            records.extend(recorder.feed(fact))
    fold_s = monotonic() - started
    return [r for r in records if isinstance(r, CallRecord | QueueLogRow)], fold_s


def count(records: list[Record]) -> int:
    return sum(isinstance(r, CallRecord) for r in records)


async def through_writer(settings: StorageSettings, records: list[Record]) -> float:
    storage = await Storage.open(settings, clock=ManualClock(T0))
    try:
        started = monotonic()
        async with storage.writer() as writer:
            writer.submit_all(records)
            await writer.flush()
        return monotonic() - started
    finally:
        await storage.close()


def grouped_rows(records: list[Record], batch: int) -> list[dict[str, list[tuple[Any, ...]]]]:
    """The same rows the writer writes, batch by batch, as tuples per table."""
    prefix, seq = uuid.uuid4().hex[:16], 0  # the writer's key scheme
    columns: dict[str, list[str]] = {}
    batches = []
    for start in range(0, len(records), batch):
        groups: dict[str, list[tuple[Any, ...]]] = {}
        for record in records[start : start + batch]:
            table = "call_records" if isinstance(record, CallRecord) else "queue_log"
            seq += 1
            row = to_row(f"{prefix}{seq:012x}", record)
            if table not in columns:
                columns[table] = _columns(table, record)
            groups.setdefault(table, []).append(tuple(row[c] for c in columns[table]))
        batches.append(groups)
    return batches


def _columns(table: str, record: Record) -> list[str]:
    row = to_row("x", record)
    return [c.name for c in schema.metadata.tables[table].columns if c.name in row]


def sqlite_peer(path: Path, records: list[Record], batch: int) -> float:
    create_sync_engine(f"sqlite:///{path}").dispose()
    engine = create_sync_engine(f"sqlite:///{path}")
    schema.metadata.create_all(engine)
    engine.dispose()
    sample = {
        "call_records": next(r for r in records if isinstance(r, CallRecord)),
        "queue_log": next(r for r in records if isinstance(r, QueueLogRow)),
    }
    sql = {
        t: f"INSERT OR IGNORE INTO {t} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        for t, cols in ((t, _columns(t, r)) for t, r in sample.items())
    }
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    started = monotonic()
    batches = grouped_rows(records, batch)  # the same conversion to rows, timed as ours is
    for groups in batches:
        for table, rows in groups.items():
            conn.executemany(sql[table], rows)
        conn.commit()
    elapsed = monotonic() - started
    conn.close()
    return elapsed


async def fresh_pg(url: str) -> tuple[str, str]:
    base = make_url(url)
    name = f"ivr_bench_{uuid.uuid4().hex[:8]}"
    dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return base.set(database=name).render_as_string(hide_password=False), name


async def drop_pg(url: str, name: str) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


async def pg_peer(url: str, records: list[Record], batch: int) -> float:
    sample = {
        "call_records": next(r for r in records if isinstance(r, CallRecord)),
        "queue_log": next(r for r in records if isinstance(r, QueueLogRow)),
    }
    sql = {}
    for table, record in sample.items():
        cols = _columns(table, record)
        key = "call_id" if table == "call_records" else "uid"
        marks = ", ".join(f"${i}" for i in range(1, len(cols) + 1))
        sql[table] = (
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks}) ON CONFLICT ({key}) DO NOTHING"
        )
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        started = monotonic()
        batches = grouped_rows(records, batch)  # the same conversion to rows, timed as ours is
        for groups in batches:
            async with conn.transaction():
                for table, rows in groups.items():
                    await conn.executemany(sql[table], rows)
        return monotonic() - started
    finally:
        await conn.close()


def line(label: str, calls: int, rows: int, seconds: float) -> str:
    return f"  {label:<44} {calls / seconds:>10,.0f} call records/s   {rows / seconds:>10,.0f} rows/s   ({seconds:.2f} s)"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--pg-url", default=os.environ.get("IVR_TEST_PG_URL"))
    args = parser.parse_args()

    records, fold_s = make_records(args.calls)
    calls, rows = count(records), len(records)
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpus visible, "
        f"affinity {sorted(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}"
    )
    print(
        f"{calls:,} calls -> {rows:,} rows (call records + queue_log); "
        f"recorder folded them at {calls / fold_s:,.0f} calls/s"
    )

    with tempfile.TemporaryDirectory() as tmp:
        settings = StorageSettings(
            data_dir=Path(tmp) / "ivr", batch_size=args.batch, buffer_size=rows + 1
        )
        ours = await through_writer(settings, records)
        peer = sqlite_peer(Path(tmp) / "peer.sqlite", records, args.batch)
    print("SQLite (aiosqlite, WAL, synchronous=NORMAL)")
    print(line("ivr RecordWriter", calls, rows, ours))
    print(line("peer: stdlib sqlite3 executemany", calls, rows, peer))
    print(
        f"  ratio ivr/peer throughput: {peer / ours:.2f}   target >= 5,000 call records/s: "
        f"{'met' if calls / ours >= 5_000 else 'NOT met'}"
    )

    if not args.pg_url:
        print("PostgreSQL: skipped (set IVR_TEST_PG_URL or --pg-url)")
        return
    for run in ("ours", "peer"):
        url, name = await fresh_pg(args.pg_url)
        try:
            if run == "ours":
                pg_settings = StorageSettings(
                    database_url=url,
                    data_dir=Path(tempfile.gettempdir()),
                    batch_size=args.batch,
                    buffer_size=rows + 1,
                )
                pg_ours = await through_writer(pg_settings, records)
            else:
                storage = await Storage.open(
                    StorageSettings(database_url=url), clock=ManualClock(T0)
                )
                await storage.close()
                pg_peer_s = await pg_peer(url, records, args.batch)
        finally:
            await drop_pg(args.pg_url, name)
    print("PostgreSQL (asyncpg)")
    print(line("ivr RecordWriter", calls, rows, pg_ours))
    print(line("peer: asyncpg executemany", calls, rows, pg_peer_s))
    print(f"  ratio ivr/peer throughput: {pg_peer_s / pg_ours:.2f}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
