"""The recorder on the real engine: a simulated morning of the bundled hotline, folded and stored."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ivr.model.facts import JourneyEnded
from ivr.storage import CallRecord, QueueLogRow, Record, Recorder, Storage

from .conftest import make_settings

# data fields of each event, as Asterisk writes them: "i" a whole number, "s" any text, "" empty
FIELDS = {
    "ENTERQUEUE": ("", "s", "i"),
    "CONNECT": ("i", "s", "i"),
    "COMPLETEAGENT": ("i", "i", "i"),
    "COMPLETECALLER": ("i", "i", "i"),
    "ABANDON": ("i", "i", "i"),
    "EXITWITHTIMEOUT": ("i", "i", "i"),
    "EXITEMPTY": ("i", "i", "i"),
    "RINGNOANSWER": ("i",),
    "RINGCANCELED": ("i",),
    "TRANSFER": ("s", "s", "i", "i", "i"),
    "ADDMEMBER": ("",),
    "REMOVEMEMBER": ("",),
    "PAUSE": ("s",),
    "UNPAUSE": ("",),
}


def _fits(row: QueueLogRow) -> bool:
    kinds = FIELDS.get(row.event)
    if kinds is None or len(kinds) != len(row.fields):
        return False
    return all(
        (k == "" and f == "") or (k == "i" and f.isdigit()) or k == "s"
        for k, f in zip(kinds, row.fields, strict=True)
    )


@pytest.fixture(scope="module")
def morning() -> tuple[list[Record], int]:
    from sim.scenario import build_driver, load

    driver = build_driver(load(), menu_paths=False)
    recorder = Recorder.for_centre(driver.centre, clock=driver.clock)
    records: list[Record] = []
    ended = 0

    def feed(item: object) -> None:
        nonlocal ended
        ended += isinstance(item, JourneyEnded)
        records.extend(recorder.feed(item))

    driver.measures.also_feed(feed)
    driver.run(until=driver.origin + 9.5 * 3600)  # to 09:30
    records.extend(recorder.drain(driver.clock.now()))
    return records, ended


def test_every_journey_gives_exactly_one_call_record(morning: tuple[list[Record], int]) -> None:
    records, ended = morning
    calls = [r.call_id for r in records if isinstance(r, CallRecord)]
    assert ended > 100 and len(calls) == ended == len(set(calls))


def test_every_queue_log_line_the_engine_causes_has_asterisks_fields(
    morning: tuple[list[Record], int],
) -> None:
    rows = [r for r in morning[0] if isinstance(r, QueueLogRow)]
    events = Counter(r.event for r in rows)
    assert {"ENTERQUEUE", "CONNECT", "ADDMEMBER"} <= set(events)
    assert [r.line() for r in rows if not _fits(r)] == []
    assert all(r.queue != "NONE" for r in rows if r.event == "ADDMEMBER")


async def test_a_simulated_morning_is_stored_and_exported(
    morning: tuple[list[Record], int], database_url: str, tmp_path: Path
) -> None:
    from ivr.clock import ManualClock

    records = morning[0]
    storage = await Storage.open(make_settings(database_url, tmp_path), clock=ManualClock(0))
    try:
        async with storage.writer() as writer:
            writer.submit_all(records)
        out = tmp_path / "queue_log"
        written = await storage.export_queue_log(out)
    finally:
        await storage.close()
    rows = [r for r in records if isinstance(r, QueueLogRow)]
    assert written == len(rows)
    exported = out.read_text().splitlines()
    assert sorted(exported) == sorted(r.line() for r in rows)
    times = [int(line.split("|", 1)[0]) for line in exported]
    assert times == sorted(times)
