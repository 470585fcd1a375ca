"""The recorder's seats: login sessions, pauses and ready time, and the queue_log member lines.

:class:`SeatLedger` folds each ``SeatChanged`` into the :class:`SeatInterval`
that it closes (a session, a pause with its reason, a ready interval) and the
``ADDMEMBER`` / ``REMOVEMEMBER`` / ``PAUSE`` / ``UNPAUSE`` lines, one per queue
the seat serves. It also keeps which call each seat last answered, so the
recorder can tell the call's ledger when that call's wrap-up is over. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ivr.model.facts import SeatChanged, SeatState
from ivr.storage.records import NONE, QueueLogRow, Record, SeatInterval


@dataclass(slots=True)
class _Seat:
    session_start: float | None = None
    pause_start: float | None = None
    pause_reason: str = ""
    ready_start: float | None = None
    wrap_start: float | None = None
    call_id: str | None = None  # the call it last answered


def _interval(seat_id: str, kind: str, start: float, end: float, reason: str = "") -> SeatInterval:
    return SeatInterval(seat_id=seat_id, kind=kind, started_at=start, ended_at=end, reason=reason)


class SeatLedger:
    """Each seat's open intervals and last answered call."""

    def __init__(self, *, seat_queues: Mapping[str, tuple[str, ...]]) -> None:
        self._seat_queues = seat_queues
        self._seats: dict[str, _Seat] = {}

    def answered(self, seat_id: str, call_id: str) -> None:
        self._seats.setdefault(seat_id, _Seat()).call_id = call_id

    def wrap_ended(self, fact: SeatChanged) -> tuple[str | None, float] | None:
        """The seat's last call and its wrap-up seconds, if this change ends that wrap-up.

        Leaving the call straight (not through ``WRAP_UP``) is a wrap-up of 0 s.
        """
        seat = self._seats.setdefault(fact.seat_id, _Seat())
        prev, state, at = fact.previous, fact.state, fact.at
        if state == SeatState.WRAP_UP:
            seat.wrap_start = at
        if prev == SeatState.WRAP_UP and state != SeatState.WRAP_UP:
            return seat.call_id, at - (seat.wrap_start or at)
        if prev == SeatState.ON_CALL and state not in (SeatState.WRAP_UP, SeatState.ON_CALL):
            return seat.call_id, 0.0
        return None

    def changed(self, fact: SeatChanged, out: list[Record]) -> None:
        """The intervals this change closes and the member lines it writes."""
        seat = self._seats.setdefault(fact.seat_id, _Seat())
        prev, state, at = fact.previous, fact.state, fact.at
        if prev == SeatState.AVAILABLE and state != SeatState.AVAILABLE:
            if seat.ready_start is not None:
                out.append(_interval(fact.seat_id, "ready", seat.ready_start, at))
            seat.ready_start = None
        if prev == SeatState.PAUSED and state != SeatState.PAUSED:
            if seat.pause_start is not None:
                out.append(
                    _interval(fact.seat_id, "pause", seat.pause_start, at, seat.pause_reason)
                )
            seat.pause_start = None
            if state != SeatState.LOGGED_OUT:
                out.extend(self._member_rows(fact, "UNPAUSE", ""))
        if prev == SeatState.LOGGED_OUT and state != SeatState.LOGGED_OUT:
            seat.session_start = at
            out.extend(self._member_rows(fact, "ADDMEMBER", ""))
        if state == SeatState.LOGGED_OUT and prev != SeatState.LOGGED_OUT:
            if seat.session_start is not None:
                out.append(_interval(fact.seat_id, "session", seat.session_start, at))
            seat.session_start = None
            out.extend(self._member_rows(fact, "REMOVEMEMBER", ""))
        if state == prev == SeatState.PAUSED and fact.reason != seat.pause_reason:
            if seat.pause_start is not None:  # a new pause reason: a new pause interval
                out.append(
                    _interval(fact.seat_id, "pause", seat.pause_start, at, seat.pause_reason)
                )
            seat.pause_start, seat.pause_reason = at, fact.reason
            out.extend(self._member_rows(fact, "PAUSE", fact.reason))
        if state == SeatState.PAUSED and prev != SeatState.PAUSED:
            seat.pause_start, seat.pause_reason = at, fact.reason
            out.extend(self._member_rows(fact, "PAUSE", fact.reason))
        if state == SeatState.AVAILABLE and prev != SeatState.AVAILABLE:
            seat.ready_start = at

    def drain(self, at: float, out: list[Record]) -> None:
        """Close the open pauses and ready intervals, and cut each open session at ``at``
        (the session goes on: a later logout closes the rest)."""
        for seat_id, seat in self._seats.items():
            if seat.pause_start is not None:
                out.append(_interval(seat_id, "pause", seat.pause_start, at, seat.pause_reason))
                seat.pause_start = None
            if seat.ready_start is not None:
                out.append(_interval(seat_id, "ready", seat.ready_start, at))
                seat.ready_start = None
            if seat.session_start is not None:
                out.append(_interval(seat_id, "session", seat.session_start, at))
                seat.session_start = at

    def _member_rows(self, fact: SeatChanged, event: str, *data: object) -> list[Record]:
        queues = self._seat_queues.get(fact.seat_id) or (NONE,)
        return [QueueLogRow.of(fact.at, NONE, q, fact.seat_id, event, *data) for q in queues]
