"""How a calendar is written in ``calendars.yaml``: weekday ranges, time spans, holiday dates.

Parsed here so the flow models can refuse a bad calendar with the field's
location, and the compiled calendar (:mod:`ivr.flows.timecal`) uses the same
reading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Span = tuple[int, int]  # minutes from midnight, [start, end)


def parse_days(key: str) -> list[int]:
    """``mon`` → [0]; ``mon-fri`` → [0..4]; ``sat-sun`` → [5, 6]; ``daily`` → all."""
    key = key.strip().lower()
    if key in ("daily", "every-day", "all"):
        return list(range(7))
    first, _, last = key.partition("-")
    if first not in DAYS or (last and last not in DAYS):
        msg = (
            f"'{key}' is not a weekday or a range of them; write mon, tue, ... or mon-fri or daily"
        )
        raise ValueError(msg)
    a = DAYS.index(first)
    b = DAYS.index(last) if last else a
    if b < a:
        msg = f"'{key}' runs backwards; write the earlier day first (e.g. mon-fri)"
        raise ValueError(msg)
    return list(range(a, b + 1))


def _minutes(text: str) -> int:
    hh, sep, mm = text.strip().partition(":")
    if not sep or not hh.isdigit() or not mm.isdigit() or len(mm) != 2:
        raise ValueError
    h, m = int(hh), int(mm)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError
    return h * 60 + m


def parse_span(text: str) -> Span:
    """``"08:00-20:00"`` → (480, 1200). ``24:00`` is the end of the day."""
    start, _, end = text.partition("-")
    try:
        span = (_minutes(start), _minutes(end))
    except ValueError:
        msg = f"'{text}' is not a time span; write HH:MM-HH:MM, e.g. 08:00-20:00"
        raise ValueError(msg) from None
    if span[1] <= span[0]:
        msg = f"'{text}' ends before it starts; split a span over midnight in two days"
        raise ValueError(msg)
    return span


def parse_holidays(items: Iterable[str]) -> frozenset[int]:
    """Dates (``2026-10-01``) and ranges (``2026-10-01..2026-10-07``) → day ordinals."""
    days: set[int] = set()
    for item in items:
        first, _, last = item.partition("..")
        try:
            a = dt.date.fromisoformat(first.strip())
            b = dt.date.fromisoformat(last.strip()) if last else a
        except ValueError:
            msg = f"'{item}' is not a date or a date range; write 2026-10-01 or 2026-10-01..2026-10-07"
            raise ValueError(msg) from None
        if b < a:
            msg = f"'{item}' runs backwards; write the earlier date first"
            raise ValueError(msg)
        days.update(range(a.toordinal(), b.toordinal() + 1))
    return frozenset(days)
