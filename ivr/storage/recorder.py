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
  CutOff               RINGCANCELED for a seat still ringing, and no line of
                       its own: app_queue writes none when Asterisk restarts,
                       and the caller did not abandon (the record says
                       ``pbx_restart``)
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

:class:`Recorder` only routes each item: the calls are followed in
:mod:`ivr.storage.recorder_calls`, the seats in :mod:`ivr.storage.recorder_seats`,
the alarms in :mod:`ivr.storage.recorder_alarms`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
    CutOff,
    Diverted,
    JourneyEnded,
    MenuInput,
    NodeEntered,
    Queued,
    RingNoAnswer,
    SeatChanged,
    SeatState,
    Transferred,
)
from ivr.model.skills import CentreConfig
from ivr.storage.recorder_alarms import AlarmLedger
from ivr.storage.recorder_calls import CallLedger
from ivr.storage.recorder_seats import SeatLedger
from ivr.storage.records import CallbackRecord, Record, VoicemailRecord


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
        self._calls = CallLedger(queue_services=dict(queue_services or {}))
        self._seats = SeatLedger(seat_queues={k: tuple(v) for k, v in (seat_queues or {}).items()})
        self._alarms = AlarmLedger()

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

    def link(
        self,
        call_id: str,
        *,
        uniqueid: str | None = None,
        linkedid: str | None = None,
        recording_ref: str | None = None,
    ) -> None:
        """The live driver names the call's Asterisk ids and its recording (any time before it ends)."""
        self._calls.link(call_id, uniqueid=uniqueid, linkedid=linkedid, recording_ref=recording_ref)

    @property
    def open_calls(self) -> int:
        return len(self._calls)

    def feed(self, item: object) -> list[Record]:
        """Take one fact (or command, or driver event); return the records it completes."""
        out: list[Record] = []
        match item:
            case CallStarted():
                self._calls.started(item)
            case NodeEntered():
                self._calls.node_entered(item)
            case MenuInput():
                self._calls.menu_input(item)
            case Queued():
                self._calls.queued(item, out)
            case Answered():
                self._calls.answered(item, out)
                self._seats.answered(item.seat_id, item.call_id)
            case RingNoAnswer():
                self._calls.ring_no_answer(item, out)
            case Abandoned():
                self._calls.abandoned(item, out)
            case CutOff():
                self._calls.cut_off(item, out)
            case Completed():
                self._calls.completed(item, out)
            case Transferred():
                self._calls.transferred(item, out)
            case Diverted():
                self._calls.diverted(item, out)
            case SeatChanged():
                self._seat_changed(item, out)
            case AlarmChanged():
                self._alarms.changed(item, out)
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
                self._calls.journey_ended(item, out)
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
                caller, recording_ref = self._calls.caller_and_recording(item.call_id)
                out.append(
                    VoicemailRecord(
                        call_id=item.call_id,
                        box=item.box,
                        caller=caller,
                        recorded_at=self._clock.now(),
                        recording_ref=recording_ref,
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
        self._calls.drain(at, out, open_calls=open_calls)
        self._seats.drain(at, out)
        self._alarms.drain(at, out)
        return out

    def _seat_changed(self, fact: SeatChanged, out: list[Record]) -> None:
        if fact.state == SeatState.RINGING and fact.call_id is not None:
            self._calls.ringing(fact.call_id, fact.seat_id, fact.at)
        # the call record a finished wrap-up lets out comes before the seat's own rows
        wrapped = self._seats.wrap_ended(fact)
        if wrapped is not None:
            call_id, wrap_s = wrapped
            self._calls.finish_wrap(fact.seat_id, call_id, wrap_s, out)
        self._seats.changed(fact, out)
