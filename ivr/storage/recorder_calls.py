"""The recorder's calls: each open call's state, its queue_log lines, its :class:`CallRecord`.

:class:`CallLedger` follows a call from ``CallStarted`` through its menu, its
queue legs and its seats, writes the queue_log line of each queue fact as it
comes (see :mod:`ivr.storage.recorder` for the table), and lets the call's
record out at ``JourneyEnded``, or, for an answered call, once the seat that
last talked to the caller has finished its wrap-up. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ivr.model.facts import (
    Abandoned,
    Answered,
    CallStarted,
    Completed,
    CutOff,
    Diverted,
    JourneyEnded,
    MenuInput,
    NodeEntered,
    Outcome,
    Queued,
    RingNoAnswer,
    Transferred,
)
from ivr.storage.records import NONE, CallRecord, QueueLogRow, Record

CANCEL_REASONS = frozenset({"cancelled", "canceled", "caller_hangup", "abandoned", "caller"})


@dataclass(slots=True)
class _Call:
    call_id: str
    caller: str = ""
    dnis: str = ""
    flow: str = ""
    flow_version: str = ""
    arrived_at: float = 0.0
    uniqueid: str | None = None
    linkedid: str | None = None
    recording_ref: str | None = None
    path: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    queue: str | None = None
    first_queue: str | None = None
    queued_at: float | None = None
    entered_at: float = 0.0  # entered the current queue
    orig_position: int = 1
    in_queue: bool = False
    offered_at: float | None = None
    ringing: dict[str, float] = field(default_factory=dict)
    answered_at: float | None = None
    leg_answered_at: float = 0.0
    leg_hold: int = 0
    wait_s: float | None = None
    talk_s: float | None = None
    seat_id: str | None = None
    wrap_s: float | None = None
    wrap_done: bool = True
    transfers: list[str] = field(default_factory=list)
    ended: JourneyEnded | None = None

    @property
    def log_id(self) -> str:
        return self.uniqueid or self.call_id


def _secs(later: float, earlier: float) -> int:
    """Whole seconds between two times, as Asterisk counts them (whole epoch seconds)."""
    return max(0, int(later) - int(earlier))


class CallLedger:
    """The calls whose record is not out yet, and the Asterisk ids named before they started."""

    def __init__(self, *, queue_services: Mapping[str, str]) -> None:
        self._queue_services = queue_services
        self._calls: dict[str, _Call] = {}
        self._links: dict[str, tuple[str | None, str | None, str | None]] = {}

    def __len__(self) -> int:
        return len(self._calls)

    def link(
        self,
        call_id: str,
        *,
        uniqueid: str | None = None,
        linkedid: str | None = None,
        recording_ref: str | None = None,
    ) -> None:
        call = self._calls.get(call_id)
        if call is None:  # kept until its CallStarted comes
            old = self._links.get(call_id, (None, None, None))
            self._links[call_id] = (
                uniqueid or old[0],
                linkedid or old[1],
                recording_ref or old[2],
            )
            return
        call.uniqueid = uniqueid or call.uniqueid
        call.linkedid = linkedid or call.linkedid
        call.recording_ref = recording_ref or call.recording_ref

    def caller_and_recording(self, call_id: str) -> tuple[str, str | None]:
        """What a voicemail record takes from its call; a call not seen gives ``("", None)``."""
        call = self._calls.get(call_id)
        return (call.caller, call.recording_ref) if call else ("", None)

    # --- the menu ---------------------------------------------------------------

    def started(self, fact: CallStarted) -> None:
        call = _Call(
            call_id=fact.call_id,
            caller=fact.caller,
            dnis=fact.dnis,
            flow=fact.flow,
            flow_version=fact.flow_version,
            arrived_at=fact.at,
        )
        uniqueid, linkedid, recording = self._links.pop(fact.call_id, (None, None, None))
        call.uniqueid, call.linkedid, call.recording_ref = uniqueid, linkedid, recording
        self._calls[fact.call_id] = call

    def node_entered(self, fact: NodeEntered) -> None:
        call = self._calls.get(fact.call_id)
        if call is not None:
            call.path.append(fact.node)

    def menu_input(self, fact: MenuInput) -> None:
        call = self._calls.get(fact.call_id)
        if call is not None:
            choice = "*" if fact.secret else fact.choice
            call.inputs.append(f"{fact.node}={choice}")

    def _call(self, call_id: str, at: float) -> _Call:
        call = self._calls.get(call_id)
        if call is None:  # a fact for a call that started before this recorder did
            call = _Call(call_id=call_id, arrived_at=at)
            self._calls[call_id] = call
        return call

    # --- queue legs and seats ---------------------------------------------------

    def queued(self, fact: Queued, out: list[Record]) -> None:
        call = self._call(fact.call_id, fact.at)
        call.queue = fact.queue
        call.first_queue = call.first_queue or fact.queue
        if call.queued_at is None:
            call.queued_at = fact.at
        call.entered_at = fact.at
        call.orig_position = fact.position
        call.in_queue = True
        out.append(
            QueueLogRow.of(
                fact.at, call.log_id, fact.queue, NONE, "ENTERQUEUE", "", call.caller, fact.position
            )
        )

    def ringing(self, call_id: str, seat_id: str, at: float) -> None:
        """A seat starts ringing for the call (told by the seat's ``SeatChanged``)."""
        call = self._calls.get(call_id)
        if call is not None:
            call.ringing[seat_id] = at
            if call.offered_at is None:
                call.offered_at = at

    def answered(self, fact: Answered, out: list[Record]) -> None:
        call = self._call(fact.call_id, fact.at)
        call.ringing.pop(fact.seat_id, None)
        hold = _secs(fact.at, call.entered_at)
        call.leg_hold = hold
        call.leg_answered_at = fact.at
        if call.answered_at is None:
            call.answered_at = fact.at
            call.wait_s = fact.wait_s
        if call.offered_at is None:
            call.offered_at = fact.at - fact.ring_s
        call.seat_id = fact.seat_id
        call.wrap_s, call.wrap_done = None, False
        call.in_queue = False
        out.append(
            QueueLogRow.of(
                fact.at,
                call.log_id,
                fact.queue,
                fact.seat_id,
                "CONNECT",
                hold,
                call.log_id,
                int(fact.ring_s),
            )
        )

    def ring_no_answer(self, fact: RingNoAnswer, out: list[Record]) -> None:
        call = self._call(fact.call_id, fact.at)
        call.ringing.pop(fact.seat_id, None)
        event = "RINGCANCELED" if fact.reason in CANCEL_REASONS else "RINGNOANSWER"
        out.append(
            QueueLogRow.of(
                fact.at, call.log_id, fact.queue, fact.seat_id, event, round(fact.ring_s * 1000)
            )
        )

    def _cancel_rings(self, call: _Call, at: float, queue: str, out: list[Record]) -> None:
        for seat_id, since in sorted(call.ringing.items()):
            ms = round((at - since) * 1000)
            out.append(QueueLogRow.of(at, call.log_id, queue, seat_id, "RINGCANCELED", ms))
        call.ringing.clear()

    def abandoned(self, fact: Abandoned, out: list[Record]) -> None:
        call = self._call(fact.call_id, fact.at)
        self._cancel_rings(call, fact.at, fact.queue, out)
        call.in_queue = False
        if call.answered_at is None:
            call.wait_s = fact.wait_s
        out.append(
            QueueLogRow.of(
                fact.at,
                call.log_id,
                fact.queue,
                NONE,
                "ABANDON",
                fact.position,
                call.orig_position,
                _secs(fact.at, call.entered_at),
            )
        )

    def cut_off(self, fact: CutOff, out: list[Record]) -> None:
        call = self._call(fact.call_id, fact.at)
        self._cancel_rings(call, fact.at, fact.queue, out)
        call.in_queue = False
        if call.answered_at is None:
            call.wait_s = fact.wait_s

    def completed(self, fact: Completed, out: list[Record]) -> None:
        call = self._call(fact.call_id, fact.at)
        call.talk_s = (call.talk_s or 0.0) + fact.talk_s
        event = "COMPLETECALLER" if fact.by == "caller" else "COMPLETEAGENT"
        out.append(
            QueueLogRow.of(
                fact.at,
                call.log_id,
                fact.queue,
                fact.seat_id,
                event,
                call.leg_hold,
                _secs(fact.at, call.leg_answered_at),
                call.orig_position,
            )
        )

    def transferred(self, fact: Transferred, out: list[Record]) -> None:
        call = self._call(fact.call_id, fact.at)
        call.talk_s = (call.talk_s or 0.0) + fact.talk_s
        target = fact.to_queue or fact.to_seat or ""
        call.transfers.append(f"{fact.from_seat}/{fact.from_queue}>{target}")
        out.append(
            QueueLogRow.of(
                fact.at,
                call.log_id,
                fact.from_queue,
                fact.from_seat,
                "TRANSFER",
                target,
                "ivr",
                call.leg_hold,
                _secs(fact.at, call.leg_answered_at),
                call.orig_position,
            )
        )

    def diverted(self, fact: Diverted, out: list[Record]) -> None:
        call = self._call(fact.call_id, fact.at)
        if not call.in_queue:
            return  # refused at arrival: it never entered the queue, Asterisk logs nothing
        call.in_queue = False
        for seat_id, since in sorted(call.ringing.items()):
            ms = round((fact.at - since) * 1000)
            out.append(
                QueueLogRow.of(fact.at, call.log_id, fact.queue, seat_id, "RINGCANCELED", ms)
            )
        call.ringing.clear()
        event = "EXITWITHTIMEOUT" if fact.reason == "max_wait" else "EXITEMPTY"
        out.append(
            QueueLogRow.of(
                fact.at,
                call.log_id,
                fact.queue,
                NONE,
                event,
                call.orig_position,
                call.orig_position,
                _secs(fact.at, call.entered_at),
            )
        )

    # --- the end: the call record ---------------------------------------------------

    def journey_ended(self, fact: JourneyEnded, out: list[Record]) -> None:
        call = self._call(fact.call_id, fact.at)
        call.ended = fact
        if call.wrap_done or fact.outcome != Outcome.ANSWERED:
            out.append(self._record(call))
            del self._calls[call.call_id]

    def finish_wrap(
        self, seat_id: str, call_id: str | None, wrap_s: float, out: list[Record]
    ) -> None:
        """The seat that last answered ``call_id`` is done with it after ``wrap_s``."""
        call = self._calls.get(call_id) if call_id else None
        if call is None or call.seat_id != seat_id or call.wrap_done:
            return
        call.wrap_s, call.wrap_done = wrap_s, True
        if call.ended is not None:
            out.append(self._record(call))
            del self._calls[call.call_id]

    def drain(self, at: float, out: list[Record], *, open_calls: bool) -> None:
        """Let out the records still waiting for a wrap-up; with ``open_calls``, end the
        calls still up as ``interrupted`` at ``at`` and let theirs out too."""
        for call in list(self._calls.values()):
            if call.ended is None and open_calls:
                call.ended = JourneyEnded(
                    call_id=call.call_id,
                    outcome=Outcome.INTERRUPTED,
                    reason="still up when the engine stopped",
                    at=at,
                )
            if call.ended is not None:
                call.wrap_done = True
                out.append(self._record(call))
                del self._calls[call.call_id]

    def _record(self, call: _Call) -> CallRecord:
        ended = call.ended
        assert ended is not None
        service = self._queue_services.get(call.queue) if call.queue else None
        return CallRecord(
            call_id=call.call_id,
            uniqueid=call.uniqueid,
            linkedid=call.linkedid,
            caller=call.caller,
            dnis=call.dnis,
            flow=call.flow,
            flow_version=call.flow_version,
            path=tuple(call.path),
            inputs=tuple(call.inputs),
            service=service,
            queue=call.queue,
            first_queue=call.first_queue,
            seat_id=call.seat_id,
            arrived_at=call.arrived_at,
            queued_at=call.queued_at,
            offered_at=call.offered_at,
            answered_at=call.answered_at,
            ended_at=ended.at,
            wait_s=call.wait_s,
            talk_s=call.talk_s,
            wrap_s=call.wrap_s,
            outcome=str(ended.outcome),
            reason=ended.reason,
            transfers=tuple(call.transfers),
            recording_ref=call.recording_ref,
        )
