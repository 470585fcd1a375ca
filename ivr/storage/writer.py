"""The record writer: batched, bounded, never stalls the event loop, never drops in silence.

::

    submit(record) ──▶ buffer (deque, ``buffer_size``) ──▶ batch ──▶ one transaction
          │ full                                              │ fails: retried with backoff,
          ▼                                                   │ records stay in the buffer
    spill file (append-only JSON lines) ◀── flush()/close() while the database is down
          │
          └── replayed into the database after the next successful write

- ``submit`` is synchronous and O(1): it appends to the buffer, or, when the
  buffer is full, to the spill file (raising the ``storage_buffer_full`` alarm
  once per episode and counting in :class:`WriterStats`).
- ``await flush()`` returns when everything submitted before it is durable:
  committed to the database, or (database down: ``SPILL_AFTER`` failed
  attempts in a row) written to the spill file and fsynced. That is the
  acknowledgement: a crash after it loses nothing.
- Every write is idempotent: a record has a key (the call id, the alarm id, or
  a uid given at submit and kept in the spill file: a random prefix per writer
  and a counter, so index inserts append instead of landing at random), and inserts skip keys
  already present, so a replay after a crash never duplicates a row.
- A row the database refuses for its content (an integrity or data error) is
  not retried forever: it is written to ``<spill>.rejected.jsonl`` and logged.
- The writer owns its one task, in a TaskGroup opened by ``async with``, and
  its spill file (an exclusive lock on ``<spill>.lock``: a second writer on the
  same file is refused, since it would append to a file being replayed).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import json
import os
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import structlog
from sqlalchemy import Table, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ivr.backoff import Backoff
from ivr.clock import monotonic
from ivr.errors import StorageError
from ivr.storage import schema
from ivr.storage.records import (
    AlarmRecord,
    CallbackRecord,
    CallRecord,
    QueueLogRow,
    Record,
    SeatInterval,
    VoicemailRecord,
)
from ivr.storage.settings import StorageSettings

log = structlog.get_logger(__name__)

_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (CallRecord, QueueLogRow, SeatInterval, AlarmRecord, CallbackRecord, VoicemailRecord)
}
_TABLES: dict[type[Any], Table] = {
    CallRecord: schema.call_records,
    QueueLogRow: schema.queue_log,
    SeatInterval: schema.seat_sessions,
    AlarmRecord: schema.alarms,
    CallbackRecord: schema.callbacks,
    VoicemailRecord: schema.voicemails,
}
_KEYS: dict[str, str] = {"call_records": "call_id", "alarms": "alarm_id"}

Item = tuple[str, Record]  # (uid, record)
SPILL_AFTER = 3
"""Failed attempts in a row, while a flush or close waits, before the buffer goes to the spill file."""


_FIELDS: dict[type[Any], tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _TABLES
}


def _plain(record: Record) -> dict[str, Any]:
    """The record's fields as a dict (``dataclasses.asdict`` deep-copies: ten times slower)."""
    return {name: getattr(record, name) for name in _FIELDS[type(record)]}


_encode = json.JSONEncoder(separators=(", ", ": ")).encode


def _json_list(items: tuple[str, ...]) -> str:
    return _encode(list(items)) if items else "[]"


def to_row(uid: str, record: Record) -> dict[str, Any]:
    """The table row for a record."""
    match record:
        case CallRecord():
            row = _plain(record)
            row["path"] = _json_list(record.path)
            row["inputs"] = _json_list(record.inputs)
            row["transfers"] = _json_list(record.transfers)
            return row
        case QueueLogRow():
            return {
                "uid": uid,
                "time": record.time,
                "callid": record.callid,
                "queuename": record.queue,
                "agent": record.agent,
                "event": record.event,
                "data": record.data,
            }
        case CallbackRecord():
            row = _plain(record)
            row["context"] = json.dumps(row["context"], sort_keys=True, default=str)
            return {"uid": uid, **row}
        case AlarmRecord():
            return _plain(record)
        case SeatInterval() | VoicemailRecord():
            return {"uid": uid, **_plain(record)}
    msg = f"not a record: {type(record).__name__}"
    raise TypeError(msg)


def to_json(uid: str, record: Record) -> str:
    return json.dumps(
        {"t": type(record).__name__, "uid": uid, "r": _plain(record)},
        separators=(",", ":"),
        default=str,
    )


def from_json(line: str) -> Item:
    data = json.loads(line)
    cls = _TYPES[data["t"]]
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in data["r"].items()}
    return data["uid"], cls(**fields)


@dataclass(slots=True)
class WriterStats:
    """Counters for the metrics exporter (read them; the writer only adds)."""

    submitted: int = 0
    written: int = 0
    spilled: int = 0
    replayed: int = 0
    rejected: int = 0
    write_failures: int = 0
    overflow_alarms: int = 0
    buffered: int = 0
    # monotonic() of the first failure of the writes failing now; None while they succeed
    failing_since: float | None = None


class RecordWriter:
    """Use as ``async with RecordWriter(engine, settings) as writer: writer.submit(record)``."""

    def __init__(
        self, engine: AsyncEngine, settings: StorageSettings, *, spill_path: Path | None = None
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._buffer: deque[Item] = deque()
        self._spill_path = spill_path or settings.spill_file
        self._lock_path = self._spill_path.with_name(self._spill_path.name + ".lock")
        self._lock_fd: int | None = None
        self._replaying_path = self._spill_path.with_name(self._spill_path.name + ".replaying")
        self._rejected_path = self._spill_path.with_name(self._spill_path.name + ".rejected.jsonl")
        self._spill: IO[str] | None = None
        self._spill_dirty = False
        self._overflowing = False
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._flush_waiters = 0
        self._stopping = False
        self._tg: asyncio.TaskGroup | None = None
        self._dialect = engine.dialect.name
        self._sql: dict[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]] = {}
        # Keys: random per writer, increasing within it, so that index inserts append.
        self._uid_prefix = uuid.uuid4().hex[:16]
        self._seq = 0
        self.stats = WriterStats()

    # --- the surface ----------------------------------------------------------

    def submit(self, record: Record) -> None:
        """Hand one record over. Never blocks on the database."""
        self._seq += 1
        uid = f"{self._uid_prefix}{self._seq:012x}"
        self.stats.submitted += 1
        if len(self._buffer) >= self._settings.buffer_size:
            self._overflow((uid, record))
        else:
            self._buffer.append((uid, record))
            self.stats.buffered = len(self._buffer)
        self._idle.clear()
        if len(self._buffer) >= self._settings.batch_size:
            self._wake.set()

    def submit_all(self, records: Iterable[Record]) -> None:
        for record in records:
            self.submit(record)

    async def flush(self) -> None:
        """Return once everything submitted so far is committed, or spilled and fsynced."""
        self._flush_waiters += 1
        try:
            self._idle.clear()
            self._wake.set()
            await self._idle.wait()
        finally:
            self._flush_waiters -= 1

    async def __aenter__(self) -> RecordWriter:
        self._take_spill_lock()
        self._tg = asyncio.TaskGroup()
        await self._tg.__aenter__()
        self._tg.create_task(self._run(), name="storage-writer")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping = True
        self._wake.set()
        assert self._tg is not None
        try:
            await self._tg.__aexit__(exc_type, exc, tb)
        finally:
            self._close_spill()
            self._release_spill_lock()

    def _take_spill_lock(self) -> None:
        """One writer per spill file: a second one would append to a file being replayed."""
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            who = f"(pid {holder}) " if holder.isdigit() else ""
            if holder.isdigit() and int(holder) == os.getpid():
                who = "(this process) "
            msg = (
                f"another engine {who}is already running on the data directory "
                f"{self._spill_path.parent} (it holds {self._lock_path.name}): stop it first "
                "(systemctl stop ivr), or give this engine its own database.data_dir "
                "(or database.spill_path)"
            )
            raise StorageError(msg, spill_file=str(self._spill_path)) from exc
        # Who holds it, for the next one's message; the lock, not this text, is the guard.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def _release_spill_lock(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    # --- the loop -------------------------------------------------------------

    async def _run(self) -> None:
        retry = Backoff(initial_s=self._settings.retry_initial_s, max_s=self._settings.retry_max_s)
        delays = retry.delays()  # no jitter, as the loop always was
        delay = next(delays)  # the wait after the next failure; it grows only once waited
        failures_in_a_row = 0
        await self._replay()
        while True:
            if not self._buffer:
                self._fsync_spill()
                self._idle.set()
                if self._stopping:
                    return
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._settings.flush_interval_s)
                continue
            if len(self._buffer) < self._settings.batch_size and not (
                self._flush_waiters or self._stopping
            ):
                # let a batch fill up a little, but not beyond the flush interval
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._settings.flush_interval_s)
            batch = [
                self._buffer[i] for i in range(min(len(self._buffer), self._settings.batch_size))
            ]
            try:
                await self._write(batch)
            except Exception as exc:
                self.stats.write_failures += 1
                if self.stats.failing_since is None:
                    self.stats.failing_since = monotonic()
                failures_in_a_row += 1
                log.warning(
                    "storage_write_failed",
                    error=type(exc).__name__,
                    buffered=len(self._buffer),
                    retry_in_s=delay,
                )
                if (self._flush_waiters or self._stopping) and failures_in_a_row >= SPILL_AFTER:
                    # someone waits for durability and the database keeps refusing: the file
                    self._spill_buffer()
                    failures_in_a_row = 0
                    continue
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
                delay = next(delays)
                continue
            for _ in batch:
                self._buffer.popleft()
            self.stats.written += len(batch)
            self.stats.failing_since = None
            failures_in_a_row = 0
            self.stats.buffered = len(self._buffer)
            delays = retry.delays()  # a write went through: the next failure waits the least
            delay = next(delays)
            if self._overflowing and len(self._buffer) <= self._settings.buffer_size // 2:
                self._overflowing = False
                log.info("storage_buffer_recovered", spilled=self.stats.spilled)
            await self._replay()

    def _insert(self, table: Table) -> Any:
        dialect = postgresql if self._dialect == "postgresql" else sqlite
        stmt = dialect.insert(table)
        if table is schema.alarms:
            return stmt.on_conflict_do_update(
                index_elements=["alarm_id"],
                set_={"ended_at": func.coalesce(stmt.excluded.ended_at, table.c.ended_at)},
            )
        return stmt.on_conflict_do_nothing(index_elements=[_KEYS.get(table.name, "uid")])

    def _compiled(self, table: Table, keys: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
        """The insert's SQL for this dialect and the order of its parameters (compiled once)."""
        found = self._sql.get((table.name, keys))
        if found is None:
            compiled = self._insert(table).compile(
                dialect=self._engine.dialect, column_keys=list(keys)
            )
            assert compiled.positiontup is not None  # qmark (SQLite), $n (asyncpg)
            found = (str(compiled), tuple(compiled.positiontup))
            self._sql[(table.name, keys)] = found
        return found

    async def _insert_rows(self, conn: AsyncConnection, items: list[Item]) -> None:
        """One executemany per table, through the driver: the rows are plain values already."""
        groups: dict[tuple[Table, tuple[str, ...]], list[dict[str, Any]]] = {}
        for uid, record in items:
            row = to_row(uid, record)
            groups.setdefault((_TABLES[type(record)], tuple(row)), []).append(row)
        for (table, keys), rows in groups.items():
            sql, order = self._compiled(table, keys)
            await conn.exec_driver_sql(sql, [tuple(row[k] for k in order) for row in rows])

    async def _write(self, batch: list[Item]) -> None:
        try:
            async with asyncio.timeout(self._settings.write_timeout_s):
                async with self._engine.begin() as conn:
                    await self._insert_rows(conn, batch)
        except (IntegrityError, DataError):
            await self._write_one_by_one(batch)

    async def _write_one_by_one(self, batch: list[Item]) -> None:
        """A batch the database refused for its content: keep the good rows, set the bad aside."""
        for uid, record in batch:
            table = _TABLES[type(record)]
            try:
                async with asyncio.timeout(self._settings.write_timeout_s):
                    async with self._engine.begin() as conn:
                        await self._insert_rows(conn, [(uid, record)])
            except (IntegrityError, DataError) as exc:
                self.stats.rejected += 1
                log.error(
                    "storage_record_rejected",
                    table=table.name,
                    error=type(exc).__name__,
                    file=str(self._rejected_path),
                )
                await asyncio.to_thread(self._append_rejected, to_json(uid, record))

    def _append_rejected(self, line: str) -> None:
        self._rejected_path.parent.mkdir(parents=True, exist_ok=True)
        with self._rejected_path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    # --- spilling -------------------------------------------------------------

    def _open_spill(self) -> IO[str]:
        if self._spill is None:
            self._spill_path.parent.mkdir(parents=True, exist_ok=True)
            self._spill = self._spill_path.open("a", encoding="utf-8")
        self._spill_dirty = True
        return self._spill

    def _close_spill(self) -> None:
        if self._spill is not None:
            self._fsync_spill()
            self._spill.close()
            self._spill = None

    def _fsync_spill(self) -> None:
        if self._spill is not None and self._spill_dirty:
            self._spill.flush()
            os.fsync(self._spill.fileno())
            self._spill_dirty = False

    def _overflow(self, item: Item) -> None:
        if not self._overflowing:
            self._overflowing = True
            self.stats.overflow_alarms += 1
            log.warning(
                "storage_buffer_full",
                capacity=self._settings.buffer_size,
                spill_file=str(self._spill_path),
            )
        self._open_spill().write(to_json(*item) + "\n")
        self.stats.spilled += 1

    def _spill_buffer(self) -> None:
        """The database is down and someone waits for durability: move the buffer to the file."""
        spill = self._open_spill()
        count = len(self._buffer)
        while self._buffer:
            spill.write(to_json(*self._buffer.popleft()) + "\n")
        self._fsync_spill()
        self.stats.spilled += count
        self.stats.buffered = 0
        log.warning("storage_buffer_spilled", records=count, spill_file=str(self._spill_path))

    async def _replay(self) -> None:
        """Write the spilled records back, once the database takes writes again.

        The spill file is first renamed (``.replaying``), so records spilled
        meanwhile go to a fresh file; a crash mid-replay leaves the renamed file,
        replayed at the next start (the keys make that idempotent).
        """
        while True:
            if not self._replaying_path.exists():
                if self._spill is None and not self._spill_path.exists():
                    return
                self._close_spill()
                if self._spill_path.stat().st_size == 0:
                    self._spill_path.unlink()
                    return
                self._spill_path.rename(self._replaying_path)
            items = await asyncio.to_thread(self._read_replaying)
            try:
                for start in range(0, len(items), self._settings.batch_size):
                    await self._write(items[start : start + self._settings.batch_size])
            except Exception as exc:
                self.stats.write_failures += 1
                log.warning("storage_replay_failed", error=type(exc).__name__, records=len(items))
                return
            self._replaying_path.unlink()
            self.stats.replayed += len(items)
            log.info("storage_spill_replayed", records=len(items))

    def _read_replaying(self) -> list[Item]:
        items: list[Item] = []
        with self._replaying_path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.endswith("\n"):
                    # torn by a crash before it was fsynced: never acknowledged, but said aloud
                    log.warning("storage_spill_torn_line", line=number)
                    continue
                items.append(from_json(line))
        return items

    @property
    def spill_path(self) -> Path:
        return self._spill_path
