"""Calling hours in the customer's local time, and the public holidays when no one is called.

Pure: the time is passed in. A customer's day is read in their own zone
(:mod:`zoneinfo`), so a customer two hours west of the centre is first called
two hours later by the centre's clock. Holidays are the centre's calendar
dates, read as the customer's local date.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping, Sequence

from ivr.model.calendar_text import DAYS, Span, parse_days, parse_span

# How far ahead the next opening is looked for: past a year of holidays, nobody is called.
_LOOKAHEAD_DAYS = 370


def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)  # ZoneInfo caches one instance per name


def local(t: float, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(t, tz)


def when(t: float, tz: zoneinfo.ZoneInfo) -> str:
    """``2026-03-02 10:20 +08:00``: a moment as a supervisor reads it, with the offset."""
    text = local(t, tz).isoformat(sep=" ", timespec="minutes")
    return f"{text[:16]} {text[16:]}"


def _span_text(span: Span) -> str:
    a, b = span
    return f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"


class CallingHours:
    """When customers may be called: spans per weekday, no calls on holidays unless allowed."""

    __slots__ = ("call_on_holidays", "holidays", "week")

    def __init__(
        self,
        hours: Mapping[str, Sequence[str]],
        *,
        holidays: frozenset[int] = frozenset(),
        call_on_holidays: bool = False,
    ) -> None:
        week: list[list[Span]] = [[] for _ in range(7)]
        for key, spans in hours.items():
            for day in parse_days(key):
                week[day].extend(parse_span(s) for s in spans)
        self.week: tuple[tuple[Span, ...], ...] = tuple(tuple(sorted(d)) for d in week)
        self.holidays = holidays
        self.call_on_holidays = call_on_holidays

    def is_holiday(self, day: dt.date) -> bool:
        return not self.call_on_holidays and day.toordinal() in self.holidays

    def next_open(self, t: float, tz: zoneinfo.ZoneInfo) -> float | None:
        """``t`` itself when a call may be made then, else the next moment one may; None: never."""
        first = local(t, tz).date()
        for offset in range(_LOOKAHEAD_DAYS):
            day = first + dt.timedelta(days=offset)
            if self.is_holiday(day):
                continue
            midnight = dt.datetime.combine(day, dt.time())
            for a, b in self.week[day.weekday()]:
                start = (midnight + dt.timedelta(minutes=a)).replace(tzinfo=tz).timestamp()
                end = (midnight + dt.timedelta(minutes=b)).replace(tzinfo=tz).timestamp()
                if end > t:
                    return max(start, t)
        return None

    def refusal(self, t: float, tz: zoneinfo.ZoneInfo) -> tuple[str, str] | None:
        """``(rule, reason)`` when no call may be made at ``t`` in zone ``tz``; None when one may."""
        if self.next_open(t, tz) == t:
            return None
        now = local(t, tz)
        where = f"for the customer ({tz.key})"
        if self.is_holiday(now.date()):
            return "holiday", f"{now.date()} is a public holiday {where}; no outbound calls then"
        spans = self.week[now.weekday()]
        allowed = ", ".join(_span_text(s) for s in spans) or "never"
        day = DAYS[now.weekday()]
        return (
            "quiet_hours",
            f"it is {now:%H:%M} on {day} {now.date()} {where}; calls are allowed {allowed} on {day}",
        )
