"""``ivr export queue-log``: the stored queue log, written as Asterisk writes ``queue_log``.

Each row becomes ``time|callid|queue|agent|EVENT|data`` + ``\\n``, in the
order the events happened (time, then the order they were stored), so tools
that read Asterisk's file read this one the same way. The file is written in
chunks off the event loop.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ivr.storage import schema
from ivr.storage.records import QueueLogRow

CHUNK = 5_000


def _query(
    since: float | None, until: float | None
) -> Select[tuple[int, str, str, str, str, str | None]]:
    q = schema.queue_log
    query = select(q.c.time, q.c.callid, q.c.queuename, q.c.agent, q.c.event, q.c.data)
    if since is not None:
        query = query.where(q.c.time >= int(since))
    if until is not None:
        query = query.where(q.c.time < int(until))
    return query.order_by(q.c.time, q.c.id)


def _row(row: Any) -> QueueLogRow:
    return QueueLogRow(
        time=row[0], callid=row[1], queue=row[2], agent=row[3], event=row[4], data=row[5]
    )


async def export_queue_log(
    engine: AsyncEngine,
    out: Path | IO[bytes],
    *,
    since: float | None = None,
    until: float | None = None,
) -> int:
    """Write the queue log to ``out`` (a path, or a binary file); return the lines written."""
    if isinstance(out, Path):
        fh: IO[bytes] = await asyncio.to_thread(out.open, "wb")
        owned = True
    else:
        fh, owned = out, False
    count = 0
    try:
        async with engine.connect() as conn:
            result = await conn.stream(_query(since, until))
            async for chunk in result.partitions(CHUNK):
                data = "".join(_row(r).line() + "\n" for r in chunk).encode("utf-8")
                await asyncio.to_thread(fh.write, data)
                count += len(chunk)
        await asyncio.to_thread(fh.flush)
    finally:
        if owned:
            await asyncio.to_thread(fh.close)
    return count
