"""What each of Asterisk's AMI events means for the engine: the driver's way in.

==========================  ===============================================
Asterisk (AMI)              engine
==========================  ===============================================
AsyncAGIStart, new call     CallArrived (DNIS = agi_extension, else agi_dnid)
AsyncAGIExec                PlaybackFinished / DigitsCollected (read by
                            :mod:`ivr.live.agi_runner`)
DialEnd ANSWER              SeatAnswered
DialEnd NOANSWER/BUSY/...   SeatDidNotAnswer(noanswer/busy/unreachable)
Hangup of the caller        CallEnded(by=caller)
Hangup of the talking seat  CallEnded(by=seat)
BlindTransfer by a seat     TransferRequested (extension -> queue or seat)
DTMFEnd of the callback     CallbackRequested (only if the engine would give
key, while waiting          one: ``Engine.takes``)
DeviceStateChange /         SeatDeviceBusy (only for use the engine did not
ExtensionStatus             cause: a private call)
==========================  ===============================================

The events of a callback's legs go to :class:`ivr.live.callbacks.Callbacks`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from ivr.ami.codec import Message
from ivr.live import agi
from ivr.live.agi_runner import AgiRunner
from ivr.live.callbacks import Callbacks
from ivr.live.calls import CallBook, LiveCall
from ivr.live.settings import LiveSettings
from ivr.model.events import (
    CallArrived,
    CallbackRequested,
    CallEnded,
    SeatAnswered,
    SeatDeviceBusy,
    SeatDidNotAnswer,
    TransferRequested,
)
from ivr.model.skills import SeatConfig

DIAL_FAILURES: dict[str, Literal["noanswer", "busy", "unreachable", "rejected"]] = {
    "NOANSWER": "noanswer",
    "BUSY": "busy",
    "CHANUNAVAIL": "unreachable",
    "CONGESTION": "unreachable",
    "DONTCALL": "rejected",
    "TORTURE": "rejected",
    "INVALIDARGS": "unreachable",
}
BUSY_STATES = frozenset({"INUSE", "BUSY", "RINGING", "RINGINUSE", "ONHOLD"})
FREE_STATES = frozenset({"NOT_INUSE"})

EndedBy = Literal["caller", "seat", "system", "pbx"]


class AmiEvents:
    def __init__(
        self,
        *,
        settings: LiveSettings,
        seats: Sequence[SeatConfig],
        book: CallBook,
        runner: AgiRunner,
        callbacks: Callbacks,
        to_engine: Callable[[object], object],
        takes: Callable[[type, str], bool],
        done: Callable[[LiveCall], bool],
        engaged: Callable[[str], bool],
    ) -> None:
        self._settings = settings
        self._seat_ids = {s.id for s in seats}
        self._seat_by_device = {s.endpoint: s.id for s in seats if s.endpoint}
        self._book = book
        self._runner = runner
        self._callbacks = callbacks
        self._to_engine = to_engine
        self._takes = takes  # would the engine take this event for this call now?
        self._done = done  # nothing more of this call goes to the engine
        self._engaged = engaged  # a seat busy with a call of ours: the engine knows
        self._device_busy: dict[str, bool] = {}  # seat id -> busy, as last told
        self._handlers: dict[str, Callable[[Message], None]] = {
            "AsyncAGIStart": self._agi_start,
            "AsyncAGIExec": self._agi_exec,
            "AsyncAGIEnd": self._agi_end,
            "DialBegin": self._dial_begin,
            "DialEnd": self._dial_end,
            "Hangup": self._hangup,
            "BlindTransfer": self._blind_transfer,
            "DeviceStateChange": self._device_state,
            "ExtensionStatus": self._extension_status,
            "DTMFEnd": self._dtmf,
            "OriginateResponse": callbacks.on_originate_response,
        }

    def on_event(self, msg: Message) -> None:
        handler = self._handlers.get(msg.event or "")
        if handler is not None:
            handler(msg)

    def arrive(self, uid: str, *, channel: str, linkedid: str, caller: str, dnis: str) -> None:
        """A call the driver did not have: into the book, and the engine is told."""
        caller = "" if caller in ("<unknown>", "unknown") else caller
        call = LiveCall(
            call_id=uid, channel=channel, linkedid=linkedid, dnis=dnis, in_agi=True, caller=caller
        )
        self._book.add(call)
        self._to_engine(
            CallArrived(call_id=uid, caller=caller, dnis=dnis, channel=channel, linkedid=linkedid)
        )

    def line_gone(self, call: LiveCall, by: EndedBy) -> None:
        """The caller's channel is gone: its jobs and seats go, and the engine hears it once."""
        self._runner.drop(call, everything=True)
        self._book.release_offer(call)
        self._book.release_seat(call)
        self.tell_ended(call, by)

    def tell_ended(self, call: LiveCall, by: EndedBy) -> None:
        if not self._done(call):
            call.ended = True
            self._to_engine(CallEnded(call_id=call.call_id, by=by))

    # --- AsyncAGI --------------------------------------------------------------------

    def _agi_start(self, msg: Message) -> None:
        uid = msg.get("Uniqueid") or ""
        env = agi.parse_env(msg.get("Env") or "")
        call = self._book.get(uid)
        channel = msg.get("Channel") or env.get("agi_channel", "")
        if call is None:
            dnis = env.get("agi_extension") or ""
            if not dnis or dnis == "s":
                dnid = env.get("agi_dnid", "")
                dnis = dnid if dnid not in ("", "unknown") else dnis
            self.arrive(
                uid,
                channel=channel,
                linkedid=msg.get("Linkedid") or uid,
                caller=msg.get("CallerIDNum") or env.get("agi_callerid", ""),
                dnis=dnis,
            )
            return
        # A call coming back into AGI: after a seat did not answer, a cancelled offer, a transfer.
        call.channel = channel or call.channel
        self._runner.back_in_agi(call)

    def _agi_exec(self, msg: Message) -> None:
        self._runner.on_exec(self._book.get(msg.get("Uniqueid") or ""), msg)

    def _agi_end(self, msg: Message) -> None:
        call = self._book.get(msg.get("Uniqueid") or "")
        if call is not None:
            self._runner.left_agi(call)

    # --- seats' dials ----------------------------------------------------------------

    def _dial_begin(self, msg: Message) -> None:
        if self._callbacks.on_dial_begin(msg):
            return
        call = self._book.get(msg.get("Uniqueid") or "")
        if call is None or call.offer_seat is None:
            return
        self._book.dialled(call, msg.get("DestUniqueid") or "")

    def _dial_end(self, msg: Message) -> None:
        if self._callbacks.on_dial_end(msg):
            return
        call = self._book.get(msg.get("Uniqueid") or "")
        if call is None or call.offer_seat is None:
            return
        if msg.get("DestUniqueid") != call.seat_uniqueid:
            return  # the end of an earlier dial
        status = (msg.get("DialStatus") or "").upper()
        seat = call.offer_seat
        if status == "ANSWER":
            self._book.answered(call)
            call.hold_class = None
            self._to_engine(SeatAnswered(call_id=call.call_id, seat_id=seat))
        elif status == "CANCEL":
            return  # our Redirect, or the caller hung up: the Hangup event says which
        else:
            self._book.release_offer(call)
            self._to_engine(
                SeatDidNotAnswer(
                    call_id=call.call_id,
                    seat_id=seat,
                    reason=DIAL_FAILURES.get(status, "unreachable"),
                )
            )

    def _hangup(self, msg: Message) -> None:
        uid = msg.get("Uniqueid") or ""
        if self._callbacks.on_hangup(uid):
            return
        call = self._book.pop(uid)
        if call is not None:
            self.line_gone(call, "caller")
            return
        call = self._book.take_seat_leg(uid)
        if call is None:
            return
        if call.talking_seat is not None and call.seat_uniqueid == uid:
            call.seat_uniqueid = None
            self._book.release_seat(call)
            self.tell_ended(call, "seat")

    def _blind_transfer(self, msg: Message) -> None:
        call = self._book.get(msg.get("TransfereeUniqueid") or "")
        if call is None or call.talking_seat is None:
            return
        seat = call.talking_seat
        self._book.release_seat(call)  # its leg hangs up next: not the end of the call
        code = msg.get("Extension") or ""
        # What the seat dialled, by the transfer codes the wiring names; the engine decides
        # whether it is a queue or a seat, and sends a code nobody knows to the general queue.
        target = self._settings.transfer_targets.get(code, code)
        self._to_engine(
            TransferRequested(
                call_id=call.call_id, target=target, by=seat, note=f"blind transfer to {code}"
            )
        )

    def _dtmf(self, msg: Message) -> None:
        key = self._settings.hold_callback_key
        if key is None or msg.get("Digit") != key or (msg.get("Direction") or "") != "Received":
            return
        call = self._book.get(msg.get("Uniqueid") or "")
        if call is None or not self._takes(CallbackRequested, call.call_id):
            return  # only a waiting caller can take a callback: the engine says who waits
        # The place in the queue stays; the engine hangs up the caller's line.
        self._to_engine(CallbackRequested(call_id=call.call_id, number=call.caller))

    # --- seats' phones ---------------------------------------------------------------

    def _device_state(self, msg: Message) -> None:
        seat = self._seat_by_device.get(msg.get("Device") or "")
        if seat is None:
            return
        self._device(seat, (msg.get("State") or "").upper())

    def _extension_status(self, msg: Message) -> None:
        exten = msg.get("Exten") or ""
        seat = exten if exten in self._seat_ids else None
        if seat is None:
            return
        try:
            status = int(msg.get("Status") or "0")
        except ValueError:
            return
        state = (
            "NOT_INUSE"
            if status == 0
            else ("INUSE" if status > 0 and status & (1 | 2 | 8 | 16) else "")
        )
        self._device(seat, state)

    def _device(self, seat: str, state: str) -> None:
        if self._engaged(seat):
            return  # busy with our own call: the engine knows
        if state in BUSY_STATES:
            busy = True
        elif state in FREE_STATES:
            busy = False
        else:
            return
        if self._device_busy.get(seat, False) != busy:
            self._device_busy[seat] = busy
            self._to_engine(SeatDeviceBusy(seat_id=seat, busy=busy))
