"""After a reconnect: what Asterisk really has up, told to the engine.

Nothing that went out while the link was down is sent again on its own (a
duplicated Redirect is a real fault on a live call). Instead, ``CoreShowChannels``
says which channels are up and where, and each call the driver carries is
reconciled with it:

==============================  =============================================
what Asterisk shows             what the engine is told
==============================  =============================================
the caller's channel is gone    CallEnded(by=system), the reason logged;
                                by=pbx when Asterisk restarted
ringing a seat, now bridged     SeatAnswered
ringing a seat, back in AGI     SeatDidNotAnswer (unreachable if the offer's
                                Redirect went out as the link dropped)
talking, the seat's leg gone    CallEnded(by=seat)
in AGI, a command was out       nothing: the command goes again (a prompt
                                heard twice at worst)
a new call idling in AsyncAGI   CallArrived: it rang in while the link was down
==============================  =============================================

Callbacks whose legs went are closed by :meth:`ivr.live.callbacks.Callbacks.vanished`;
then the commands that waited on each call for the link are carried out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import structlog

from ivr.ami.codec import Message
from ivr.clock import monotonic
from ivr.errors import IvrError
from ivr.live.actions import CallActions
from ivr.live.agi_runner import AgiRunner
from ivr.live.ami_events import AmiEvents, EndedBy
from ivr.live.callbacks import Callbacks
from ivr.live.calls import CallBook, LiveCall
from ivr.live.engine_commands import EngineCommands
from ivr.live.settings import LiveSettings
from ivr.live.stats import DriverStats
from ivr.model.events import SeatAnswered, SeatDidNotAnswer

log = structlog.get_logger("ivr.live")


class Resync:
    def __init__(
        self,
        *,
        settings: LiveSettings,
        book: CallBook,
        actions: CallActions,
        runner: AgiRunner,
        events: AmiEvents,
        commands: EngineCommands,
        callbacks: Callbacks,
        to_engine: Callable[[object], object],
        stats: DriverStats,
    ) -> None:
        self._settings = settings
        self._book = book
        self._actions = actions
        self._runner = runner
        self._events = events
        self._commands = commands
        self._callbacks = callbacks
        self._to_engine = to_engine
        self._stats = stats

    async def run(self) -> None:
        """End the calls Asterisk no longer has, carry on with the others."""
        conn = self._actions.conn
        assert conn is not None
        self._stats.resyncs += 1
        try:
            result = await conn.send("CoreShowChannels")
        except IvrError as exc:
            log.warning("resync_failed", error=exc.error_id)
            return
        up = {e.get("Uniqueid") or "": e for e in result.events}
        restarted = conn.asterisk_restarted
        reason = "asterisk restarted" if restarted else "gone while the AMI link was down"
        # Cut by Asterisk's restart, a call is nobody's abandon (its journey: pbx_restart).
        by: EndedBy = "pbx" if restarted else "system"
        started = monotonic()
        for call in self._book:
            chan = up.get(call.call_id)
            if chan is None:
                self._vanished(call, reason, by)
            else:
                self._reconcile(call, chan, up)
        self._callbacks.vanished(up, reason)
        self._adopt(up)
        for call in self._book:
            self._commands.replay_deferred(call)
        log.info(
            "resync_done",
            calls=len(self._book),
            reason=reason,
            took_ms=round((monotonic() - started) * 1000, 2),
        )

    def _vanished(self, call: LiveCall, reason: str, by: EndedBy) -> None:
        self._stats.calls_vanished += 1
        self._book.pop(call.call_id)
        log.warning("call_vanished", call_id=call.call_id, reason=reason)
        self._events.line_gone(call, by)

    def _reconcile(self, call: LiveCall, chan: Message, up: Mapping[str, Message]) -> None:
        app = (chan.get("Application") or "").upper()
        bridged = bool(chan.get("BridgeId"))
        in_agi = app == "AGI"
        if call.offer_seat is not None:
            seat = call.offer_seat
            if bridged:
                self._book.answered(call)
                self._to_engine(SeatAnswered(call_id=call.call_id, seat_id=seat))
            elif in_agi:
                self._book.release_offer(call)
                self._to_engine(
                    SeatDidNotAnswer(
                        call_id=call.call_id,
                        seat_id=seat,
                        reason="unreachable" if call.offer_unsure else "noanswer",
                    )
                )
            call.offer_unsure = False
        elif call.talking_seat is not None and not bridged:
            seat_up = call.seat_uniqueid is not None and call.seat_uniqueid in up
            if not seat_up:
                self._book.release_seat(call)
                self._events.tell_ended(call, "seat")
                return
        if in_agi and call.step is not None:
            self._runner.rewind(call)
        call.in_agi = in_agi
        self._runner.pump(call)

    def _adopt(self, up: Mapping[str, Message]) -> None:
        for uid, chan in up.items():
            # A call that rang in while the link was down sits in AsyncAGI with nobody driving it.
            if (
                uid
                and uid not in self._book
                and not self._book.has_seat_leg(uid)
                and not self._callbacks.owns(uid)
                and (chan.get("Application") or "").upper() == "AGI"
                and chan.get("Context") == self._settings.entry_context
            ):
                log.info("call_adopted", call_id=uid, reason="arrived while the AMI link was down")
                self._events.arrive(
                    uid,
                    channel=chan.get("Channel") or "",
                    linkedid=chan.get("Linkedid") or uid,
                    caller=chan.get("CallerIDNum") or "",
                    dnis=chan.get("Exten") or "",
                )
