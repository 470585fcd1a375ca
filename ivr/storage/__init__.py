"""Records that last: customers, call records, queue log, seat sessions, tickets, callbacks.

SQLAlchemy 2 async; SQLite (aiosqlite, WAL) by default, PostgreSQL (asyncpg)
by URL. The engine never imports this package: a driver folds the engine's
facts with :class:`Recorder` and hands the records to a :class:`RecordWriter`::

    storage = await Storage.open(StorageSettings(...), clock=clock)
    recorder = Recorder.for_centre(centre, clock=clock)
    async with storage.writer() as writer:           # owns its task; flush() = durable
        outputs = engine.handle(event)               # or engine.fire(timer)
        writer.submit_all(recorder.feed_all(outputs))
        recorder.feed(call_arrived)                  # live: keeps Asterisk's linkedid
        recorder.link(call_id, uniqueid=..., recording_ref=...)
        ...
        writer.submit_all(recorder.drain(clock.now()))   # end of a simulated run
    found = await storage.customers.answer_lookup(lookup_customer)   # -> CustomerFound
    checked = await storage.customers.answer_verify(verify_password)  # -> PasswordChecked
    owner = await storage.tickets.owner_for(account)   # CallEnqueued.owner_seat
    metrics.watch_buffer(lambda: writer.stats.buffered)
    await storage.close()
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
