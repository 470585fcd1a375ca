"""Records that last: customers, call records, queue log, seat sessions, tickets, callbacks.

SQLAlchemy 2 async; SQLite (aiosqlite, WAL) by default, PostgreSQL (asyncpg)
by URL. The engine never imports this package: a driver folds the engine's
facts with :class:`Recorder` and hands the records to a :class:`RecordWriter`.
"""

from ivr.storage.recorder import Recorder
from ivr.storage.records import (
    AlarmRecord,
    CallbackRecord,
    CallRecord,
    QueueLogRow,
    Record,
    SeatInterval,
    VoicemailRecord,
)
from ivr.storage.settings import RetentionPolicy, StorageSettings
from ivr.storage.store import Storage
from ivr.storage.writer import RecordWriter, WriterStats

__all__ = [
    "AlarmRecord",
    "CallRecord",
    "CallbackRecord",
    "QueueLogRow",
    "Record",
    "RecordWriter",
    "Recorder",
    "RetentionPolicy",
    "SeatInterval",
    "Storage",
    "StorageSettings",
    "VoicemailRecord",
    "WriterStats",
]
