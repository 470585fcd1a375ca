"""The recorder: folds the engine's fact stream into the records that last.

Pure, like the engine: ``feed(item)`` takes anything the engine returns (facts,
commands, which it mostly ignores) or a driver sees (``CallArrived``) and
returns the records that are now complete. The simulator and the live driver
both feed it and hand what comes out to :class:`ivr.storage.writer.RecordWriter`.

What comes out, and when:

- :class:`CallRecord` at ``JourneyEnded``, or, for an answered call, once the
  seat that last talked to the caller has finished its wrap-up (so ``wrap_s``
  is known). ``drain(at)`` lets out the ones still waiting.
- :class:`QueueLogRow` as things happen, in Asterisk's ``queue_log`` shape:

  ===================  =========================================================
  fact                 queue_log line (data fields)
  ===================  =========================================================
  Queued               ENTERQUEUE  (url "", caller, position on entry)
  Answered             CONNECT     (hold s in this queue, callid, ring s)
  RingNoAnswer         RINGNOANSWER (ring ms); RINGCANCELED when the reason says
                       the caller went away
  Abandoned            RINGCANCELED for a seat still ringing, then
                       ABANDON (position, original position, wait s)
  Completed            COMPLETECALLER / COMPLETEAGENT (hold s, talk s, orig. pos.)
  Transferred          TRANSFER (target queue or seat, context "ivr", hold s,
                       talk s, original position)
  Diverted (in queue)  EXITWITHTIMEOUT on ``max_wait``, else EXITEMPTY
                       (position, original position, wait s); the current
                       position is not in the fact, so the original one is used
  SeatChanged          ADDMEMBER / REMOVEMEMBER (login, logout), PAUSE (reason),
                       UNPAUSE, once per queue the seat serves (``NONE`` when the
                       recorder was not told the seat's queues)
  ===================  =========================================================

  Seconds are whole, as Asterisk counts them: differences of whole epoch
  seconds. The call id is Asterisk's uniqueid when the live driver gave it
  (:meth:`Recorder.link`), else the engine's call id.
- :class:`SeatInterval` when a login session, a pause or a ready interval ends.
- :class:`AlarmRecord` when an alarm level starts (open) and when it ends.
- :class:`CallbackRecord` for ``CreateCallback`` (back office) and
  ``CallbackQueued`` (kept in a queue); :class:`VoicemailRecord` for
  ``RecordVoicemail``. Commands carry no time: the injected clock stamps them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ivr.clock import Clock
from ivr.model.commands import CreateCallback, RecordVoicemail
from ivr.model.events import CallArrived
from ivr.model.facts import (
    Abandoned,
    AlarmChanged,
    Answered,
    CallbackQueued,
    CallStarted,
    Completed,
    Diverted,
    JourneyEnded,
    MenuInput,
    NodeEntered,
    Outcome,
    Queued,
    RingNoAnswer,
    SeatChanged,
    SeatState,
    Transferred,
)
from ivr.model.skills import CentreConfig
from ivr.storage.records import (
    AlarmRecord,
    CallbackRecord,
    CallRecord,
    QueueLogRow,
    Record,
    SeatInterval,
    VoicemailRecord,
)

NONE = "NONE"
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


@dataclass(slots=True)
class _Seat:
    state: SeatState = SeatState.LOGGED_OUT
    session_start: float | None = None
    pause_start: float | None = None
    pause_reason: str = ""
    ready_start: float | None = None
    wrap_start: float | None = None
    call_id: str | None = None  # the call it last answered


@dataclass(slots=True)
class _Alarm:
    alarm_id: str
    level: int
    started_at: float
    waiting: int
    open_seats: int


def _secs(later: float, earlier: float) -> int:
    """Whole seconds between two times, as Asterisk counts them (whole epoch seconds)."""
    return max(0, int(later) - int(earlier))


class Recorder:
    """Folds facts into records. One per engine; no I/O."""

    def __init__(
        self,
        *,
        clock: Clock,
        queue_services: Mapping[str, str] | None = None,
        seat_queues: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._clock = clock
        self._queue_services = dict(queue_services or {})
        self._seat_queues = {k: tuple(v) for k, v in (seat_queues or {}).items()}
        self._calls: dict[str, _Call] = {}
        self._seats: dict[str, _Seat] = {}
        self._alarms: dict[str, _Alarm] = {}
        self._links: dict[str, tuple[str | None, str | None, str | None]] = {}

    @classmethod
    def for_centre(cls, centre: CentreConfig, *, clock: Clock) -> Recorder:
        """A recorder that knows the centre: each queue's service (its skill, ``general``
        for the general queue) and the queues each seat is a member of in the queue log
        (a specialist: the queues of its skills; a comprehensive seat: every queue)."""
        queue_services = {q.name: q.skill or "general" for q in centre.queues}
        seat_queues = {
            seat.id: [q.name for q in centre.queues if seat.general or (q.skill in seat.skills)]
            for seat in centre.seats
        }
        return cls(clock=clock, queue_services=queue_services, seat_queues=seat_queues)

    # --- what drivers call ----------------------------------------------------

    def link(
        self,
        call_id: str,
        *,
        uniqueid: str | None = None,
        linkedid: str | None = None,
        recording_ref: str | None = None,
    ) -> None:
        """The live driver names the call's Asterisk ids and its recording (any time before it ends)."""
        call = self._calls.get(call_id)
        if call is None:
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

    @property
    def open_calls(self) -> int:
        return len(self._calls)

    def feed(self, item: object) -> list[Record]:
        """Take one fact (or command, or driver event); return the records it completes."""
        out: list[Record] = []
        match item:
            case CallStarted():
                self._call_started(item)
            case NodeEntered():
                call = self._calls.get(item.call_id)
                if call is not None:
                    call.path.append(item.node)
            case MenuInput():
                call = self._calls.get(item.call_id)
                if call is not None:
                    choice = "*" if item.secret else item.choice
                    call.inputs.append(f"{item.node}={choice}")
            case Queued():
                self._queued(item, out)
            case Answered():
                self._answered(item, out)
            case RingNoAnswer():
                self._ring_no_answer(item, out)
            case Abandoned():
                self._abandoned(item, out)
            case Completed():
                self._completed(item, out)
            case Transferred():
                self._transferred(item, out)
            case Diverted():
                self._diverted(item, out)
            case SeatChanged():
                self._seat_changed(item, out)
            case AlarmChanged():
                self._alarm_changed(item, out)
            case CallbackQueued():
                out.append(
                    CallbackRecord(
                        call_id=item.call_id,
                        number=item.number,
                        queue=item.queue,
                        source="queue",
                        requested_at=item.at,
                    )
                )
            case JourneyEnded():
                self._journey_ended(item, out)
            case CreateCallback():
                out.append(
                    CallbackRecord(
                        call_id=item.call_id,
                        number=item.number,
                        queue=item.queue,
                        source="flow",
                        requested_at=self._clock.now(),
                        wished_at=item.wished_at,
                        context=dict(item.context),
                    )
                )
            case RecordVoicemail():
                call = self._calls.get(item.call_id)
                out.append(
                    VoicemailRecord(
                        call_id=item.call_id,
                        box=item.box,
                        caller=call.caller if call else "",
                        recorded_at=self._clock.now(),
                        recording_ref=call.recording_ref if call else None,
                    )
                )
            case CallArrived():
                if item.linkedid:
                    self.link(item.call_id, linkedid=item.linkedid)
            case _:
                pass
        return out

    def feed_all(self, items: Sequence[object]) -> list[Record]:
        out: list[Record] = []
        for item in items:
            out.extend(self.feed(item))
        return out

    def drain(self, at: float, *, open_calls: bool = False) -> list[Record]:
        """End of a run: let out call records still waiting for a wrap-up, and close open intervals.

        With ``open_calls`` (the engine stops while calls are still up), those calls'
        records are closed too, as ``interrupted`` at ``at``, so that none is lost.
        """
        out: list[Record] = []
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
        for seat_id, seat in self._seats.items():
            if seat.pause_start is not None:
                out.append(
                    self._interval(seat_id, "pause", seat.pause_start, at, seat.pause_reason)
                )
                seat.pause_start = None
            if seat.ready_start is not None:
                out.append(self._interval(seat_id, "ready", seat.ready_start, at))
                seat.ready_start = None
            if seat.session_start is not None:
                out.append(self._interval(seat_id, "session", seat.session_start, at))
                seat.session_start = at
        for scope, alarm in list(self._alarms.items()):
            out.append(self._alarm_record(scope, alarm, ended_at=at))
            del self._alarms[scope]
        return out

    # --- calls ----------------------------------------------------------------

    def _call_started(self, fact: CallStarted) -> None:
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

    def _call(self, call_id: str, at: float) -> _Call:
        call = self._calls.get(call_id)
        if call is None:  # a fact for a call that started before this recorder did
            call = _Call(call_id=call_id, arrived_at=at)
            self._calls[call_id] = call
        return call

    def _queued(self, fact: Queued, out: list[Record]) -> None:
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

    def _answered(self, fact: Answered, out: list[Record]) -> None:
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
        seat = self._seats.setdefault(fact.seat_id, _Seat())
        seat.call_id = fact.call_id
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

    def _ring_no_answer(self, fact: RingNoAnswer, out: list[Record]) -> None:
        call = self._call(fact.call_id, fact.at)
        call.ringing.pop(fact.seat_id, None)
        event = "RINGCANCELED" if fact.reason in CANCEL_REASONS else "RINGNOANSWER"
        out.append(
            QueueLogRow.of(
                fact.at, call.log_id, fact.queue, fact.seat_id, event, round(fact.ring_s * 1000)
            )
        )

    def _abandoned(self, fact: Abandoned, out: list[Record]) -> None:
        call = self._call(fact.call_id, fact.at)
        for seat_id, since in sorted(call.ringing.items()):
            ms = round((fact.at - since) * 1000)
            out.append(
                QueueLogRow.of(fact.at, call.log_id, fact.queue, seat_id, "RINGCANCELED", ms)
            )
        call.ringing.clear()
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

    def _completed(self, fact: Completed, out: list[Record]) -> None:
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

    def _transferred(self, fact: Transferred, out: list[Record]) -> None:
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

    def _diverted(self, fact: Diverted, out: list[Record]) -> None:
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

    def _journey_ended(self, fact: JourneyEnded, out: list[Record]) -> None:
        call = self._call(fact.call_id, fact.at)
        call.ended = fact
        if call.wrap_done or fact.outcome != Outcome.ANSWERED:
            out.append(self._record(call))
            del self._calls[call.call_id]

    def _finish_wrap(
        self, seat_id: str, call_id: str | None, wrap_s: float, out: list[Record]
    ) -> None:
        call = self._calls.get(call_id) if call_id else None
        if call is None or call.seat_id != seat_id or call.wrap_done:
            return
        call.wrap_s, call.wrap_done = wrap_s, True
        if call.ended is not None:
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

    # --- seats ----------------------------------------------------------------

    def _member_rows(self, fact: SeatChanged, event: str, *data: object) -> list[Record]:
        queues = self._seat_queues.get(fact.seat_id) or (NONE,)
        return [QueueLogRow.of(fact.at, NONE, q, fact.seat_id, event, *data) for q in queues]

    @staticmethod
    def _interval(
        seat_id: str, kind: str, start: float, end: float, reason: str = ""
    ) -> SeatInterval:
        return SeatInterval(
            seat_id=seat_id, kind=kind, started_at=start, ended_at=end, reason=reason
        )

    def _seat_changed(self, fact: SeatChanged, out: list[Record]) -> None:
        seat = self._seats.setdefault(fact.seat_id, _Seat())
        prev, state, at = fact.previous, fact.state, fact.at
        seat.state = state
        if state == SeatState.RINGING and fact.call_id is not None:
            call = self._calls.get(fact.call_id)
            if call is not None:
                call.ringing[fact.seat_id] = at
                if call.offered_at is None:
                    call.offered_at = at
        # wrap-up of the call this seat last answered
        if state == SeatState.WRAP_UP:
            seat.wrap_start = at
        if prev == SeatState.WRAP_UP and state != SeatState.WRAP_UP:
            self._finish_wrap(fact.seat_id, seat.call_id, at - (seat.wrap_start or at), out)
        elif prev == SeatState.ON_CALL and state not in (SeatState.WRAP_UP, SeatState.ON_CALL):
            self._finish_wrap(fact.seat_id, seat.call_id, 0.0, out)
        # intervals and member lines
        if prev == SeatState.AVAILABLE and state != SeatState.AVAILABLE:
            if seat.ready_start is not None:
                out.append(self._interval(fact.seat_id, "ready", seat.ready_start, at))
            seat.ready_start = None
        if prev == SeatState.PAUSED and state != SeatState.PAUSED:
            if seat.pause_start is not None:
                out.append(
                    self._interval(fact.seat_id, "pause", seat.pause_start, at, seat.pause_reason)
                )
            seat.pause_start = None
            if state != SeatState.LOGGED_OUT:
                out.extend(self._member_rows(fact, "UNPAUSE", ""))
        if prev == SeatState.LOGGED_OUT and state != SeatState.LOGGED_OUT:
            seat.session_start = at
            out.extend(self._member_rows(fact, "ADDMEMBER", ""))
        if state == SeatState.LOGGED_OUT and prev != SeatState.LOGGED_OUT:
            if seat.session_start is not None:
                out.append(self._interval(fact.seat_id, "session", seat.session_start, at))
            seat.session_start = None
            out.extend(self._member_rows(fact, "REMOVEMEMBER", ""))
        if state == prev == SeatState.PAUSED and fact.reason != seat.pause_reason:
            if seat.pause_start is not None:  # a new pause reason: a new pause interval
                out.append(
                    self._interval(fact.seat_id, "pause", seat.pause_start, at, seat.pause_reason)
                )
            seat.pause_start, seat.pause_reason = at, fact.reason
            out.extend(self._member_rows(fact, "PAUSE", fact.reason))
        if state == SeatState.PAUSED and prev != SeatState.PAUSED:
            seat.pause_start, seat.pause_reason = at, fact.reason
            out.extend(self._member_rows(fact, "PAUSE", fact.reason))
        if state == SeatState.AVAILABLE and prev != SeatState.AVAILABLE:
            seat.ready_start = at

    # --- alarms ---------------------------------------------------------------

    @staticmethod
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

    def _alarm_changed(self, fact: AlarmChanged, out: list[Record]) -> None:
        current = self._alarms.pop(fact.scope, None)
        if current is not None:
            out.append(self._alarm_record(fact.scope, current, ended_at=fact.at))
        if fact.level > 0:
            alarm = _Alarm(
                alarm_id=f"{fact.scope}:{fact.level}:{fact.at!r}",
                level=fact.level,
                started_at=fact.at,
                waiting=fact.waiting,
                open_seats=fact.open_seats,
            )
            self._alarms[fact.scope] = alarm
            out.append(self._alarm_record(fact.scope, alarm, ended_at=None))
