"""The recorder's alarms: an :class:`AlarmRecord` when a level starts, and again when it ends.

:class:`AlarmLedger` keeps the open alarm of each scope (a queue, or the
centre); an ``AlarmChanged`` ends the open one and, above level 0, opens the
next. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr.model.facts import AlarmChanged
from ivr.storage.records import AlarmRecord, Record


@dataclass(slots=True)
class _Alarm:
    alarm_id: str
    level: int
    started_at: float
    waiting: int
    open_seats: int


def _alarm_record(scope: str, alarm: _Alarm, *, ended_at: float | None) -> AlarmRecord:
    return AlarmRecord(
        alarm_id=alarm.alarm_id,
        scope=scope,
        level=alarm.level,
        started_at=alarm.started_at,
        ended_at=ended_at,
        waiting=alarm.waiting,
        open_seats=alarm.open_seats,
    )


class AlarmLedger:
    """The open alarm of each scope."""

    def __init__(self) -> None:
        self._alarms: dict[str, _Alarm] = {}

    def changed(self, fact: AlarmChanged, out: list[Record]) -> None:
        current = self._alarms.pop(fact.scope, None)
        if current is not None:
            out.append(_alarm_record(fact.scope, current, ended_at=fact.at))
        if fact.level > 0:
            alarm = _Alarm(
                alarm_id=f"{fact.scope}:{fact.level}:{fact.at!r}",
                level=fact.level,
                started_at=fact.at,
                waiting=fact.waiting,
                open_seats=fact.open_seats,
            )
            self._alarms[fact.scope] = alarm
            out.append(_alarm_record(fact.scope, alarm, ended_at=None))

    def drain(self, at: float, out: list[Record]) -> None:
        """End every open alarm at ``at``."""
        for scope, alarm in list(self._alarms.items()):
            out.append(_alarm_record(scope, alarm, ended_at=at))
            del self._alarms[scope]
