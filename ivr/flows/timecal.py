"""Opening hours and holiday calendars, in a named time zone (pure: the time is passed in).

A compiled :class:`OpenHours` answers ``is_open(t)`` and ``is_holiday(t)`` for
an epoch second; the answer is cached for the current minute, so a branch on
business hours costs a dict-free comparison on the hot path.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from ivr.model.calendar_text import Span, parse_days, parse_holidays, parse_span
from ivr.model.flow import Calendar


class OpenHours:
    """A compiled calendar."""

    __slots__ = (
        "_cache_holiday",
        "_cache_minute",
        "_cache_open",
        "holiday_spans",
        "holidays",
        "name",
        "week",
        "zone",
    )

    def __init__(self, name: str, calendar: Calendar) -> None:
        self.name = name
        self.zone = zoneinfo.ZoneInfo(calendar.timezone)
        week: list[list[Span]] = [[] for _ in range(7)]
        for key, spans in calendar.open.items():
            for day in parse_days(key):
                week[day].extend(parse_span(s) for s in spans)
        self.week: tuple[tuple[Span, ...], ...] = tuple(tuple(sorted(d)) for d in week)
        self.holidays = parse_holidays(calendar.holidays)
        self.holiday_spans = tuple(sorted(parse_span(s) for s in calendar.holiday_open))
        self._cache_minute = -1
        self._cache_open = False
        self._cache_holiday = False

    def _refresh(self, t: float) -> None:
        minute = int(t // 60)
        if minute == self._cache_minute:
            return
        local = dt.datetime.fromtimestamp(minute * 60, self.zone)
        holiday = local.toordinal() in self.holidays
        spans = self.holiday_spans if holiday else self.week[local.weekday()]
        m = local.hour * 60 + local.minute
        self._cache_open = any(a <= m < b for a, b in spans)
        self._cache_holiday = holiday
        self._cache_minute = minute

    def is_open(self, t: float) -> bool:
        self._refresh(t)
        return self._cache_open

    def is_holiday(self, t: float) -> bool:
        self._refresh(t)
        return self._cache_holiday
