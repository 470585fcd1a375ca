"""The engine's commands carried out on Asterisk: AMI actions, AGI jobs, customer look-ups.

==========================  ===============================================
engine                      Asterisk (AMI)
==========================  ===============================================
PlayPrompts                 AGI STREAM FILE p "<escape keys>", one by one
CollectDigits               STREAM FILE for all but the last prompt, then
                            GET DATA last <timeout ms> <max digits>
SayValue                    AGI SAY DIGITS / SAY NUMBER
SetVariables                AGI SET VARIABLE
StartHold / Announce        AGI SET MUSIC on; STREAM FILE + SAY NUMBER, music again
OfferCall                   Setvar IVR_OFFER (endpoint|ring s|seat|music) and
                            __IVR_POP (the screen pop as JSON, inherited by
                            the seat's channel; never a secret), then
                            Redirect into the seat context, which dials
CancelOffer                 Redirect back into AsyncAGI (stops the Dial)
TransferOut                 Redirect into the outbound context
Hangup                      Hangup (cause 17 for busy)
LookupCustomer /            the customer service (storage), answered with
VerifyPassword              CustomerFound / PasswordChecked
PlaceCallback               Originate: the seat's phone, then the callback
                            context dials the customer (DialEnd ANSWER:
                            CallbackConnected; else CallbackFailed)
==========================  ===============================================

Why a Redirect and not ``EXEC Dial`` inside AGI: AsyncAGI runs one command at
a time, so a Dial would wait behind an announcement already playing, and the
caller would not be given to the seat "at once". A Redirect takes the channel
out of AGI immediately (``AsyncAGIEnd`` right away, as in the lab's
``blind_transfer`` capture), and the Dial options (ring time, music while it
rings, ``t`` for the seat's transfer key) stay in the dialplan the PBX owner
controls. A command met while the link is down waits on its call until the
resynchronisation after the reconnect.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import structlog

from ivr.errors import IvrError
from ivr.live.actions import CallActions
from ivr.live.agi_runner import AgiRunner
from ivr.live.callbacks import Callbacks
from ivr.live.calls import CallBook, LiveCall
from ivr.live.customers import CustomerService
from ivr.live.media import MediaCommand, job_for
from ivr.live.screenpop import as_json, screen_pop, screen_pop_variables
from ivr.live.settings import LiveSettings
from ivr.live.stats import DriverStats
from ivr.model.commands import (
    Announce,
    CancelOffer,
    CollectDigits,
    CreateCallback,
    Hangup,
    LookupCustomer,
    OfferCall,
    PlaceCallback,
    PlayPrompts,
    RecordVoicemail,
    SayValue,
    SetVariables,
    StartHold,
    TransferOut,
    VerifyPassword,
)
from ivr.model.events import ActionFailed, SeatDidNotAnswer

log = structlog.get_logger("ivr.live")

Spawn = Callable[[Coroutine[Any, Any, None], str], None]


class EngineCommands:
    def __init__(
        self,
        *,
        settings: LiveSettings,
        book: CallBook,
        actions: CallActions,
        runner: AgiRunner,
        callbacks: Callbacks,
        customers: CustomerService | None,
        to_engine: Callable[[object], object],
        done: Callable[[LiveCall], bool],
        spawn: Spawn,
        stats: DriverStats,
    ) -> None:
        self._settings = settings
        self._book = book
        self._actions = actions
        self._runner = runner
        self._callbacks = callbacks
        self._customers = customers
        self._to_engine = to_engine
        self._done = done
        self._spawn = spawn
        self._stats = stats

    def carry_out(self, cmd: object) -> None:
        if isinstance(cmd, PlaceCallback):
            conn = self._actions.conn
            send = conn.send_nowait if conn is not None and conn.connected else None
            self._stats.actions_sent += send is not None
            self._callbacks.place(cmd, send)
            return
        call_id = getattr(cmd, "call_id", None)
        call = self._book.get(call_id) if isinstance(call_id, str) else None
        if call is None:
            log.debug("command_for_gone_call", command=type(cmd).__name__, call_id=call_id)
            return
        if not self._actions.up and not isinstance(cmd, LookupCustomer | VerifyPassword):
            call.deferred.append(cmd)  # the customer service needs no AMI; the rest waits
            log.info(
                "command_deferred_until_reconnect", command=type(cmd).__name__, call_id=call_id
            )
            return
        self._on_call(call, cmd)

    def replay_deferred(self, call: LiveCall) -> None:
        """The link is back and the call still up: what the engine said meanwhile is done now."""
        deferred, call.deferred = call.deferred, []
        for cmd in deferred:
            self.carry_out(cmd)

    def _on_call(self, call: LiveCall, cmd: object) -> None:
        match cmd:
            case (
                PlayPrompts()
                | CollectDigits()
                | SayValue()
                | RecordVoicemail()
                | SetVariables()
                | StartHold()
            ):
                self._media(call, cmd)
            case Announce():
                self._runner.announce(call, cmd)
            case OfferCall():
                self._offer(call, cmd)
            case CancelOffer():
                self._cancel_offer(call, cmd)
            case TransferOut():
                self._runner.drop(call, everything=True)
                self._redirect(call, self._settings.outbound_context, cmd.number)
            case Hangup():
                self._runner.drop(call, everything=True)
                cause = 17 if cmd.cause == "busy" else 16
                self._actions.send(
                    call, "Hangup", {"Channel": call.channel, "Cause": cause}, quiet=True
                )
            case CreateCallback():
                pass  # the recorder (a sink) writes the task; the engine's Hangup follows
            case LookupCustomer() | VerifyPassword():
                self._ask_customers(call.call_id, cmd)
            case _:
                log.warning(
                    "command_not_supported_live", command=type(cmd).__name__, call_id=call.call_id
                )

    def _media(self, call: LiveCall, cmd: MediaCommand) -> None:
        try:
            job = job_for(cmd, call_id=call.call_id, settings=self._settings)
        except ValueError as exc:
            self._to_engine(
                ActionFailed(call_id=call.call_id, command=type(cmd).__name__, reason=str(exc))
            )
            return
        if isinstance(cmd, StartHold):
            call.hold_class = cmd.music_class or self._settings.music_class
        self._runner.add(call, job, getattr(cmd, "language", None))

    def _redirect(self, call: LiveCall, context: str, exten: str) -> None:
        """Out of the menu to ``exten`` in ``context``; if Asterisk refuses, the engine hears it."""
        self._actions.send(
            call,
            "Redirect",
            {"Channel": call.channel, "Context": context, "Exten": exten, "Priority": 1},
            on_failed=self._redirect_failed,
        )

    def _redirect_failed(self, call: LiveCall, reason: str) -> None:
        self._to_engine(ActionFailed(call_id=call.call_id, command="Redirect", reason=reason))

    # --- seats ----------------------------------------------------------------------

    def _offer(self, call: LiveCall, cmd: OfferCall) -> None:
        if cmd.endpoint is None:
            self._to_engine(
                SeatDidNotAnswer(call_id=call.call_id, seat_id=cmd.seat_id, reason="unreachable")
            )
            return
        if call.talking_seat is not None:
            # A transfer by the API: the old seat's leg is dropped by the Redirect.
            self._book.release_seat(call)
        self._book.ring(call, cmd.seat_id)
        self._runner.drop(call)
        for name, value in self._offer_variables(call, cmd, cmd.endpoint):
            self._actions.send(
                call,
                "Setvar",
                {"Channel": call.channel, "Variable": name, "Value": value},
                quiet=True,
            )
        seat = cmd.seat_id
        self._actions.send(
            call,
            "Redirect",
            {
                "Channel": call.channel,
                "Context": self._settings.seat_context,
                "Exten": "s",
                "Priority": 1,
            },
            on_failed=lambda failed, reason: self._offer_failed(failed, seat, reason),
            on_lost=lambda lost: self._offer_lost(lost, seat),
        )
        call.in_agi = False  # the Redirect takes it out of AGI at once

    def _offer_variables(
        self, call: LiveCall, cmd: OfferCall, endpoint: str
    ) -> list[tuple[str, str]]:
        """Two Setvars, not one per field: the seat context CUTs IVR_OFFER apart, and the seat's
        desktop reads the screen pop as JSON from __IVR_POP (inherited by the seat's channel)."""
        settings = self._settings
        ring = max(1, round(cmd.ring_timeout_s + settings.ring_grace_s))
        moh = call.hold_class or settings.music_class
        pop = {"call_id": call.call_id, "seat_id": cmd.seat_id, **screen_pop(cmd.context)}
        variables: list[tuple[str, str]] = [
            ("IVR_OFFER", f"{endpoint}|{ring}|{cmd.seat_id}|{moh}"),
            (f"__{settings.pop_prefix.rstrip('_')}", as_json(pop)),
        ]
        if settings.pop_each_variable:
            variables += [(f"__{settings.pop_prefix}{k}", v) for k, v in screen_pop_variables(pop)]
        return variables

    def _offer_failed(self, call: LiveCall, seat: str, reason: str) -> None:
        if call.offer_seat != seat:
            self._redirect_failed(call, reason)
            return
        self._book.release_offer(call)
        call.in_agi = True  # the Redirect did not happen: the caller is still in AGI
        self._to_engine(SeatDidNotAnswer(call_id=call.call_id, seat_id=seat, reason="unreachable"))
        self._runner.pump(call)

    def _offer_lost(self, call: LiveCall, seat: str) -> None:
        if call.offer_seat == seat:
            call.offer_unsure = True  # the resync asks Asterisk where the caller is

    def _cancel_offer(self, call: LiveCall, cmd: CancelOffer) -> None:
        if call.offer_seat != cmd.seat_id:
            return
        self._book.release_offer(call)
        # Back into AsyncAGI: the Dial stops, the caller waits again.
        self._actions.send(
            call,
            "Redirect",
            {
                "Channel": call.channel,
                "Context": self._settings.entry_context,
                "Exten": call.dnis,
                "Priority": 1,
            },
            quiet=True,
        )

    # --- customers ------------------------------------------------------------------

    def _ask_customers(self, call_id: str, cmd: LookupCustomer | VerifyPassword) -> None:
        if self._customers is None:
            self._to_engine(
                ActionFailed(
                    call_id=call_id,
                    command=type(cmd).__name__,
                    reason="no customer store configured",
                )
            )
            return
        self._spawn(self._customer_answer(call_id, cmd), f"customers-{call_id}")

    async def _customer_answer(self, call_id: str, cmd: LookupCustomer | VerifyPassword) -> None:
        assert self._customers is not None
        answer: object
        try:
            if isinstance(cmd, LookupCustomer):
                answer = await self._customers.answer_lookup(cmd)
            else:
                answer = await self._customers.answer_verify(cmd)
        except IvrError as exc:
            answer = ActionFailed(call_id=call_id, command=type(cmd).__name__, reason=exc.error_id)
        call = self._book.get(call_id)
        if call is not None and not self._done(call):
            self._to_engine(answer)
