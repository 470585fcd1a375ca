"""calendars.yaml: spans, weekday ranges and holidays parse, and mistakes are located."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.config.flow_files import read_flow_set
from ivr.flows.timecal import OpenHours, parse_days, parse_holidays, parse_span
from ivr.model.flow import Calendar

from .conftest import shanghai


def test_spans_days_and_holiday_ranges_parse() -> None:
    assert parse_span("08:00-21:00") == (480, 1260)
    assert parse_span("00:00-24:00") == (0, 1440)
    assert parse_days("mon-fri") == [0, 1, 2, 3, 4]
    assert parse_days("sun") == [6]
    assert len(parse_holidays(["2026-10-01..2026-10-07", "2026-01-01"])) == 8


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: parse_span("8-21"), "not a time span"),
        (lambda: parse_span("21:00-08:00"), "ends before it starts"),
        (lambda: parse_span("25:00-26:00"), "not a time span"),
        (lambda: parse_days("fri-mon"), "runs backwards"),
        (lambda: parse_days("monday"), "not a weekday"),
        (lambda: parse_holidays(["2026-13-01"]), "not a date"),
    ],
)
def test_mistakes_say_how_to_write_it(call, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        call()


def test_open_hours_in_the_calendars_zone() -> None:
    cal = OpenHours(
        "t",
        Calendar(
            open={"mon-fri": ["09:00-17:00"]}, holidays=["2026-10-01"], timezone="Asia/Shanghai"
        ),
    )
    assert cal.is_open(shanghai(2026, 11, 24, 9, 0))
    assert not cal.is_open(shanghai(2026, 11, 24, 17, 0))
    assert not cal.is_open(shanghai(2026, 11, 28, 10, 0))  # Saturday
    assert cal.is_holiday(shanghai(2026, 10, 1, 12, 0)) and not cal.is_open(
        shanghai(2026, 10, 1, 12, 0)
    )


def test_a_bad_calendar_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "calendars.yaml").write_text(
        "calendars:\n  hotline:\n    timezone: Asia/Shanghia\n    open:\n      mon-fri: 08:00-2100\n"
    )
    _, problems = read_flow_set(tmp_path)
    by_field = {p.field: p for p in problems}
    assert "not a known time zone" in by_field["calendars.hotline.timezone"].message
    assert by_field["calendars.hotline.timezone"].line == 3
    assert any("08:00-2100" in p.message for p in problems)
