"""`ivr export queue-log` writes what Asterisk writes, byte for byte."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ivr.storage import QueueLogRow, Storage

SAMPLE = Path(__file__).parent.parent / "fixtures" / "storage" / "queue_log.sample"


def test_every_sample_line_parses_and_writes_back_identically() -> None:
    raw = SAMPLE.read_bytes()
    lines = raw.decode().splitlines(keepends=True)
    assert "".join(QueueLogRow.parse(line).line() + "\n" for line in lines).encode() == raw


def test_a_line_with_no_data_part_keeps_having_none() -> None:
    assert QueueLogRow.parse("1|NONE|NONE|NONE|QUEUESTART").line() == "1|NONE|NONE|NONE|QUEUESTART"
    assert (
        QueueLogRow.parse("1|NONE|NONE|NONE|QUEUESTART|").line() == "1|NONE|NONE|NONE|QUEUESTART|"
    )


async def test_the_real_sample_stored_and_exported_is_byte_identical(
    storage: Storage, tmp_path: Path
) -> None:
    raw = SAMPLE.read_bytes()
    async with storage.writer() as writer:
        writer.submit_all(QueueLogRow.parse(line) for line in raw.decode().splitlines())
        await writer.flush()
    out = tmp_path / "queue_log"
    assert await storage.export_queue_log(out) == raw.count(b"\n")
    assert out.read_bytes() == raw


async def test_export_can_be_limited_to_a_time_window(storage: Storage) -> None:
    lines = SAMPLE.read_text().splitlines()
    async with storage.writer() as writer:
        writer.submit_all(QueueLogRow.parse(line) for line in lines)
    buffer = io.BytesIO()
    await storage.export_queue_log(buffer, since=1795468190, until=1795468200)
    expected = [ln for ln in lines if 1795468190 <= int(ln.split("|")[0]) < 1795468200]
    assert buffer.getvalue().decode().splitlines() == expected


_field = st.text(alphabet=st.characters(blacklist_characters="|\n\r", blacklist_categories=("Cs",)))


@given(
    time=st.integers(min_value=0, max_value=2**40),
    head=st.lists(_field, min_size=4, max_size=4),
    data=st.none() | st.lists(_field, min_size=1, max_size=6).map("|".join),
)
def test_any_queue_log_line_parses_and_writes_back_the_same(
    time: int, head: list[str], data: str | None
) -> None:
    row = QueueLogRow(
        time=time, callid=head[0], queue=head[1], agent=head[2], event=head[3], data=data
    )
    assert QueueLogRow.parse(row.line()) == row
