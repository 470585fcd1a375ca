"""The records that last: plain frozen dataclasses, built by the recorder, written by the writer.

Pure: no I/O, no time of their own (every time is a fact's ``at``). None of
them can hold a secret: menu inputs of secret collects are recorded as ``*``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRecord:
    """One call's journey from arrival to end, written once when it is over (and wrapped up)."""

    call_id: str
    caller: str
    dnis: str
    flow: str
    flow_version: str
    arrived_at: float
    ended_at: float
    outcome: str
    reason: str
    uniqueid: str | None = None
    linkedid: str | None = None
    path: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()  # "node=choice"; a secret collect gives "node=*"
    service: str | None = None
    queue: str | None = None
    first_queue: str | None = None
    seat_id: str | None = None
    queued_at: float | None = None
    offered_at: float | None = None
    answered_at: float | None = None
    wait_s: float | None = None
    talk_s: float | None = None
    wrap_s: float | None = None
    transfers: tuple[str, ...] = ()  # "seat/queue>queue-or-seat"
    recording_ref: str | None = None


NONE = "NONE"  # what queue_log writes for no call id, no queue or no agent


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueLogRow:
    """One line of Asterisk's ``queue_log``: ``time|callid|queue|agent|event|data``.

    ``data`` is everything after the fifth ``|`` exactly as written (the data
    fields joined by ``|``); ``None`` when the line has no data part at all.
    Keeping it whole is what makes a parsed line write back byte for byte.
    """

    time: int
    callid: str
    queue: str
    agent: str
    event: str
    data: str | None

    @classmethod
    def of(
        cls, at: float, callid: str, queue: str, agent: str, event: str, *fields: object
    ) -> QueueLogRow:
        return cls(
            time=int(at),
            callid=callid,
            queue=queue,
            agent=agent,
            event=event,
            data="|".join(str(f) for f in fields),
        )

    @classmethod
    def parse(cls, line: str) -> QueueLogRow:
        parts = line.rstrip("\n").split("|", 5)
        if len(parts) < 5 or not parts[0].isdigit():
            msg = f"not a queue_log line (epoch|callid|queue|agent|EVENT|data...): {line[:80]!r}"
            raise ValueError(msg)
        return cls(
            time=int(parts[0]),
            callid=parts[1],
            queue=parts[2],
            agent=parts[3],
            event=parts[4],
            data=parts[5] if len(parts) == 6 else None,
        )

    @property
    def fields(self) -> tuple[str, ...]:
        return () if self.data is None else tuple(self.data.split("|"))

    def line(self) -> str:
        head = f"{self.time}|{self.callid}|{self.queue}|{self.agent}|{self.event}"
        return head if self.data is None else f"{head}|{self.data}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatInterval:
    """A seat's login session, a pause (with its reason) or a ready (idle) interval."""

    seat_id: str
    kind: str  # "session" | "pause" | "ready"
    started_at: float
    ended_at: float
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AlarmRecord:
    """A peak alarm at one level; written when raised (``ended_at`` None) and again when it ends."""

    alarm_id: str
    scope: str
    level: int
    started_at: float
    ended_at: float | None
    waiting: int
    open_seats: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackRecord:
    """A callback for the back office (``source="flow"``) or kept in a queue (``"queue"``)."""

    call_id: str
    number: str
    queue: str | None
    source: str
    requested_at: float
    wished_at: float | None = None
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class VoicemailRecord:
    call_id: str
    box: str
    caller: str
    recorded_at: float
    recording_ref: str | None = None


Record = CallRecord | QueueLogRow | SeatInterval | AlarmRecord | CallbackRecord | VoicemailRecord
