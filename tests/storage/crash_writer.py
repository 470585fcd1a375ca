"""A writer process for the crash test: submits call records forever, flushing every 500.

``python crash_writer.py <database url> <data dir>`` prints ``acked N`` once the
first N records are acknowledged (flush returned), then goes on until killed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from ivr.clock import ManualClock
from ivr.storage import CallRecord, Storage, StorageSettings


def record(n: int) -> CallRecord:
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
    )


async def main(url: str, data_dir: str) -> None:
    settings = StorageSettings(
        database_url=url,
        data_dir=Path(data_dir),
        batch_size=200,
        flush_interval_s=0.01,
        retry_initial_s=0.01,
        retry_max_s=0.05,
        sqlite_busy_timeout_ms=50,
    )
    storage = await Storage.open(settings, clock=ManualClock(0))
    async with storage.writer() as writer:
        n = 0
        while True:
            for _ in range(500):
                writer.submit(record(n))
                n += 1
            await writer.flush()
            print(f"acked {n}", flush=True)
            for _ in range(137):  # more records in flight when the kill comes
                writer.submit(record(n))
                n += 1
            await asyncio.sleep(0)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
