"""The live driver: Asterisk's AMI events into the journey engine, its commands back out as actions.

Like the simulator, it is a driver of :class:`ivr.engine.journey.Engine` and
holds no flow or routing logic: it only translates.

==========================  ===============================================
Asterisk (AMI)              engine
==========================  ===============================================
AsyncAGIStart, new call     CallArrived (DNIS = agi_extension, else agi_dnid)
AsyncAGIExec                PlaybackFinished / DigitsCollected (Result is
                            URL-encoded; STREAM FILE gives the key's ASCII
                            code, GET DATA the digits; -1 is a hang-up)
DialEnd ANSWER              SeatAnswered
DialEnd NOANSWER/BUSY/...   SeatDidNotAnswer(noanswer/busy/unreachable)
Hangup of the caller        CallEnded(by=caller)
Hangup of the talking seat  CallEnded(by=seat)
BlindTransfer by a seat     TransferRequested (extension -> queue or seat)
DeviceStateChange /         SeatDeviceBusy (only for use the engine did not
ExtensionStatus             cause: a private call)
vanished after a reconnect  CallEnded(by=system), the reason logged
==========================  ===============================================

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
controls. Actions that are not idempotent (Redirect, Hangup, Originate) are
never sent again on their own: after a reconnect, :meth:`LiveDriver.resync`
looks at what is really up and tells the engine.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

import structlog

from ivr.ami.codec import Message
from ivr.ami.connection import ActionResult
from ivr.clock import Clock, monotonic
from ivr.errors import AmiActionError, AmiConnectionError, AmiError, IvrError
from ivr.live import agi
from ivr.live.callbacks import Callbacks
from ivr.live.calls import JobKind, LiveCall, MediaJob
from ivr.live.customers import CustomerService
from ivr.live.media import announce_job, hold_job, job_for
from ivr.live.screenpop import as_json, screen_pop, screen_pop_variables
from ivr.live.settings import LiveSettings
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
from ivr.model.events import (
    ActionFailed,
    CallArrived,
    CallbackRequested,
    CallEnded,
    DigitsCollected,
    PlaybackFinished,
    SeatAnswered,
    SeatDeviceBusy,
    SeatDidNotAnswer,
    TransferRequested,
)
from ivr.model.facts import Fact, JourneyEnded, Refused
from ivr.model.skills import SeatConfig
from ivr.scheduling import Timer
from ivr.secret import Secret

log = structlog.get_logger("ivr.live")

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


class AmiSender(Protocol):
    @property
    def connected(self) -> bool: ...

    asterisk_restarted: bool

    def send(
        self, action: str, headers: Any = (), *, timeout_s: float | None = None
    ) -> asyncio.Future[ActionResult]: ...

    def send_nowait(
        self,
        action: str,
        headers: Any = (),
        *,
        on_error: Callable[[AmiError], None] | None = None,
        timeout_s: float | None = None,
    ) -> str | None: ...


class EngineLike(Protocol):
    def handle(self, event: Any) -> Sequence[object]: ...

    def takes(self, kind: type, call_id: str) -> bool: ...

    def fire(self, timer: Timer) -> Sequence[object]: ...


@dataclass(slots=True)
class DriverStats:
    ami_events: int = 0
    engine_events: int = 0
    engine_errors: int = 0  # an error the engine raised (a bug): logged with its message
    engine_refusals: int = 0  # events the engine refused in the call's or seat's state
    actions_sent: int = 0
    action_errors: int = 0
    resyncs: int = 0
    calls_vanished: int = 0


class LiveDriver:
    def __init__(
        self,
        engine: EngineLike,
        *,
        seats: Sequence[SeatConfig],
        queues: Iterable[str],
        clock: Clock,
        settings: LiveSettings | None = None,
        customers: CustomerService | None = None,
        sinks: Sequence[Callable[[Sequence[object]], None]] = (),
    ) -> None:
        self._engine = engine
        self._settings = settings or LiveSettings()
        self._clock = clock
        self._customers = customers
        self._sinks = list(sinks)
        self._queues = set(queues)
        self._seat_ids = {s.id for s in seats}
        self._seat_by_device = {s.endpoint: s.id for s in seats if s.endpoint}
        endpoints = {s.id: s.endpoint for s in seats if s.endpoint}
        self._conn: AmiSender | None = None
        self.calls: dict[str, LiveCall] = {}
        self._by_seat_leg: dict[str, str] = {}  # seat leg uniqueid -> call id
        self._engaged: dict[str, str] = {}  # seat id -> call id (rung or talking for us)
        self._device_busy: dict[str, bool] = {}
        self._steps: dict[str, str] = {}  # AGI CommandID -> call id
        self._step_ids = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._deferred: list[tuple[str, object]] = []  # commands met while disconnected
        self._resyncing = False
        self.stats = DriverStats()
        self._callbacks = Callbacks(
            settings=self._settings,
            endpoints=endpoints,
            engaged=self._engaged,
            to_engine=self._to_engine,
        )
        self.on_action: Callable[[str, Mapping[str, object]], None] | None = None  # bench hook

    # --- wiring ------------------------------------------------------------------

    def attach(self, conn: AmiSender) -> None:
        self._conn = conn

    def add_sink(self, sink: Callable[[Sequence[object]], None]) -> None:
        self._sinks.append(sink)

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _spawn(self, coro: Any, what: str) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro, name=what)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("driver_task_failed", task=task.get_name(), error=repr(task.exception()))

    # --- the engine side ------------------------------------------------------------

    def submit(self, event: object) -> Sequence[object]:
        """An event from outside Asterisk (the supervisor's API: a transfer, a seat login).

        Returns what the engine answered, so the API can turn a ``Refused`` into a 409.
        """
        return self._to_engine(event)

    def fire(self, timer: Timer) -> None:
        try:
            outputs = self._engine.fire(timer)
        except IvrError as exc:
            self.stats.engine_errors += 1
            log.error(
                "engine_failed_timer", timer=repr(timer), error=exc.error_id, message=exc.message
            )
            return
        self._carry_out(outputs)

    def _to_engine(self, event: object) -> Sequence[object]:
        self.stats.engine_events += 1
        try:
            outputs = self._engine.handle(event)
        except IvrError as exc:
            # Refusals come back as Refused outputs; an error raised is a fault: logged, skipped.
            self.stats.engine_errors += 1
            log.error(
                "engine_failed_event",
                event_type=type(event).__name__,
                call_id=getattr(event, "call_id", None),
                error=exc.error_id,
                message=exc.message,
            )
            return ()
        self._carry_out(outputs)
        return outputs

    def _refused(self, refusal: Refused) -> None:
        """An event the engine would not take (a race with Asterisk, a late answer): one line."""
        self.stats.engine_refusals += 1
        log.info(
            "engine_refused_event",
            event_type=refusal.event,
            call_id=refusal.call_id,
            seat_id=refusal.seat_id,
            phase=refusal.phase,
            error=refusal.error_id,
            reason=refusal.reason,
        )

    def _carry_out(self, outputs: Sequence[object]) -> None:
        for sink in self._sinks:
            sink(outputs)
        skip_cancel = {o.call_id for o in outputs if isinstance(o, OfferCall)}
        for out in outputs:
            if isinstance(out, Refused):
                self._refused(out)
            elif isinstance(out, JourneyEnded):
                if out.reason == "engine_stopping":  # the engine's intake is closed
                    log.info("call_refused_while_stopping", call_id=out.call_id)
                call = self.calls.get(out.call_id)
                if call is not None:
                    call.over = True
            elif isinstance(out, CancelOffer) and out.call_id in skip_cancel:
                # A new offer follows at once: its Redirect also stops this Dial.
                self._release_offer(self.calls.get(out.call_id))
            elif not _is_fact(out):
                self._command(out)

    def _command(self, cmd: object) -> None:
        if isinstance(cmd, PlaceCallback):
            conn = self._conn
            send = conn.send_nowait if conn is not None and conn.connected else None
            self.stats.actions_sent += send is not None
            self._callbacks.place(cmd, send)
            return
        call_id = getattr(cmd, "call_id", None)
        call = self.calls.get(call_id) if isinstance(call_id, str) else None
        if call is None:
            log.debug("command_for_gone_call", command=type(cmd).__name__, call_id=call_id)
            return
        if self._conn is None or not self._conn.connected:
            if isinstance(cmd, LookupCustomer | VerifyPassword):
                pass  # no AMI needed
            else:
                self._deferred.append((call.call_id, cmd))
                log.info(
                    "command_deferred_until_reconnect",
                    command=type(cmd).__name__,
                    call_id=call.call_id,
                )
                return
        match cmd:
            case (
                PlayPrompts()
                | CollectDigits()
                | SayValue()
                | RecordVoicemail()
                | SetVariables()
                | StartHold()
            ):
                try:
                    job = job_for(cmd, call_id=call.call_id, settings=self._settings)
                except ValueError as exc:
                    self._to_engine(
                        ActionFailed(
                            call_id=call.call_id, command=type(cmd).__name__, reason=str(exc)
                        )
                    )
                    return
                if isinstance(cmd, StartHold):
                    call.hold_class = cmd.music_class or self._settings.music_class
                self._job(call, job, getattr(cmd, "language", None))
            case Announce():
                self._announce(call, cmd)
            case OfferCall():
                self._offer(call, cmd)
            case CancelOffer():
                self._cancel_offer(call, cmd)
            case TransferOut():
                self._drop_jobs(call, everything=True)
                self._action(
                    call,
                    "Redirect",
                    {
                        "Channel": call.channel,
                        "Context": self._settings.outbound_context,
                        "Exten": cmd.number,
                        "Priority": 1,
                    },
                )
            case Hangup():
                self._drop_jobs(call, everything=True)
                cause = 17 if cmd.cause == "busy" else 16
                self._action(call, "Hangup", {"Channel": call.channel, "Cause": cause}, quiet=True)
            case CreateCallback():
                pass  # the recorder (a sink) writes the task; the engine's Hangup follows
            case LookupCustomer():
                self._ask_customers(call.call_id, cmd)
            case VerifyPassword():
                self._ask_customers(call.call_id, cmd)
            case _:
                log.warning(
                    "command_not_supported_live", command=type(cmd).__name__, call_id=call.call_id
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
        call = self.calls.get(call_id)
        if call is not None and not call.over and not call.ended:
            self._to_engine(answer)

    # --- media jobs over AsyncAGI ---------------------------------------------------

    def _job(self, call: LiveCall, job: MediaJob, language: str | None = None) -> None:
        if language and language != call.language:
            # Asterisk picks a prompt's recording by the channel's language.
            call.language = language
            job.steps.appendleft(agi.set_language(language))
        call.jobs.append(job)
        self._pump(call)

    def _pump(self, call: LiveCall) -> None:
        """Send the next AGI command of the call's current job, if the channel is in AGI and idle."""
        while call.in_agi and call.step is None and call.jobs:
            job = call.jobs[0]
            if job.steps:
                self._agi(call, job.steps.popleft())
                return
            if job.kind is JobKind.COLLECT and job.final is not None:
                final, job.final = job.final, None
                self._agi(
                    call,
                    agi.get_data(final, job.timeout_s, max(1, job.max_digits - len(job.digits))),
                )
                return
            call.jobs.popleft()
            self._finish(call, job, None)

    def _agi(self, call: LiveCall, line: str) -> None:
        self._step_ids += 1
        cid = f"ivr{self._step_ids}"
        call.step, call.step_line = cid, line
        self._steps[cid] = call.call_id
        self._action(
            call, "AGI", {"Channel": call.channel, "Command": line, "CommandID": cid}, step=cid
        )

    def _finish(self, call: LiveCall, job: MediaJob, key: str | None) -> None:
        if job.kind is JobKind.PLAY:
            self._to_engine(PlaybackFinished(call_id=call.call_id, digit=key))
        elif job.kind is JobKind.COLLECT:
            digits = job.digits
            if job.terminator and job.terminator in digits:
                digits = digits.split(job.terminator, 1)[0]
            value: str | Secret = Secret(digits) if job.secret else digits
            self._to_engine(DigitsCollected(call_id=call.call_id, digits=value))

    def _agi_exec(self, msg: Message) -> None:
        cid = msg.get("CommandId") or ""
        call_id = self._steps.pop(cid, None)
        call = self.calls.get(call_id) if call_id else None
        if call is None or call.step != cid:
            return  # a result for a command given up (redirect, hang-up, replay)
        call.step, line = None, call.step_line
        call.step_line = None
        result = agi.parse_result(msg.get("Result") or "")
        job = call.jobs[0] if call.jobs else None
        if result.hung_up:
            call.jobs.clear()  # the Hangup event follows and ends the call
            return
        if job is None:
            self._pump(call)
            return
        if not result.ok:
            call.jobs.popleft()
            log.warning(
                "agi_command_failed",
                call_id=call.call_id,
                command=(line or "").split(" ", 2)[:2],
                result=result.code,
                text=result.rest,
            )
            if job.kind is not JobKind.FIRE:
                self._to_engine(
                    ActionFailed(
                        call_id=call.call_id,
                        command=job.command_name,
                        reason=f"agi {result.code}: {result.rest}",
                    )
                )
            self._pump(call)
            return
        if job.kind is JobKind.PLAY:
            key = result.key()
            if key is not None and job.interruptible:
                call.jobs.popleft()
                self._finish(call, job, key)
        elif job.kind is JobKind.COLLECT:
            if line is not None and line.startswith("GET DATA"):
                job.digits += result.digits()
                call.jobs.popleft()
                self._finish(call, job, None)
            else:
                key = result.key()
                if key is not None:
                    job.digits += key
                    done = len(job.digits) >= job.max_digits or key == job.terminator
                    job.steps.clear()
                    if done:
                        call.jobs.popleft()
                        self._finish(call, job, None)
                    else:
                        job.final = "silence/1"
        self._pump(call)

    def _drop_jobs(self, call: LiveCall, *, everything: bool = False) -> None:
        """The channel leaves the menu (to a seat, out, or hung up): music and announcements go."""
        if everything:
            call.jobs.clear()
        else:
            call.jobs = deque(j for j in call.jobs if not j.on_hold)
        if call.step is not None:
            self._steps.pop(call.step, None)
            call.step = call.step_line = None

    def _announce(self, call: LiveCall, cmd: Announce) -> None:
        if not call.in_agi or call.offer_seat is not None:
            return  # ringing a seat or talking: no announcement
        music = call.hold_class or self._settings.music_class
        self._job(call, announce_job(cmd, music_class=music, settings=self._settings))

    # --- seats ----------------------------------------------------------------------

    def _offer(self, call: LiveCall, cmd: OfferCall) -> None:
        if cmd.endpoint is None:
            self._to_engine(
                SeatDidNotAnswer(call_id=call.call_id, seat_id=cmd.seat_id, reason="unreachable")
            )
            return
        if call.talking_seat is not None:
            self._release_seat(
                call
            )  # a transfer by the API: the old seat's leg is dropped by the Redirect
        call.offer_seat = cmd.seat_id
        self._engaged[cmd.seat_id] = call.call_id
        self._drop_jobs(call)
        ring = max(1, round(cmd.ring_timeout_s + self._settings.ring_grace_s))
        moh = call.hold_class or self._settings.music_class
        pop = {"call_id": call.call_id, "seat_id": cmd.seat_id, **screen_pop(cmd.context)}
        # Two Setvars, not one per field: the seat context CUTs IVR_OFFER apart, and the seat's
        # desktop reads the screen pop as JSON from __IVR_POP (inherited by the seat's channel).
        variables: list[tuple[str, str]] = [
            ("IVR_OFFER", f"{cmd.endpoint}|{ring}|{cmd.seat_id}|{moh}"),
            (f"__{self._settings.pop_prefix.rstrip('_')}", as_json(pop)),
        ]
        if self._settings.pop_each_variable:
            variables += [
                (f"__{self._settings.pop_prefix}{k}", v) for k, v in screen_pop_variables(pop)
            ]
        for name, value in variables:
            self._action(
                call,
                "Setvar",
                {"Channel": call.channel, "Variable": name, "Value": value},
                quiet=True,
            )
        self._action(
            call,
            "Redirect",
            {
                "Channel": call.channel,
                "Context": self._settings.seat_context,
                "Exten": "s",
                "Priority": 1,
            },
            offer=cmd.seat_id,
        )
        call.in_agi = False  # the Redirect takes it out of AGI at once

    def _cancel_offer(self, call: LiveCall, cmd: CancelOffer) -> None:
        if call.offer_seat != cmd.seat_id:
            return
        self._release_offer(call)
        # Back into AsyncAGI: the Dial stops, the caller waits again.
        self._action(
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

    def _release_offer(self, call: LiveCall | None) -> None:
        if call is None or call.offer_seat is None:
            return
        if self._engaged.get(call.offer_seat) == call.call_id:
            del self._engaged[call.offer_seat]
        call.offer_seat = None
        if call.seat_uniqueid is not None:
            self._by_seat_leg.pop(call.seat_uniqueid, None)
            call.seat_uniqueid = None

    def _release_seat(self, call: LiveCall) -> None:
        if call.talking_seat is not None and self._engaged.get(call.talking_seat) == call.call_id:
            del self._engaged[call.talking_seat]
        call.talking_seat = None
        if call.seat_uniqueid is not None:
            self._by_seat_leg.pop(call.seat_uniqueid, None)
            call.seat_uniqueid = None

    # --- actions --------------------------------------------------------------------

    def _action(
        self,
        call: LiveCall,
        action: str,
        headers: Mapping[str, object],
        *,
        step: str | None = None,
        offer: str | None = None,
        quiet: bool = False,
    ) -> None:
        assert self._conn is not None
        self.stats.actions_sent += 1
        if self.on_action is not None:
            self.on_action(action, headers)
        call_id = call.call_id
        self._conn.send_nowait(
            action,
            headers,
            on_error=lambda exc: self._action_failed(
                exc, call_id, action, step=step, offer=offer, quiet=quiet
            ),
        )

    def _action_failed(
        self,
        exc: AmiError,
        call_id: str,
        action: str,
        *,
        step: str | None,
        offer: str | None,
        quiet: bool,
    ) -> None:
        call = self.calls.get(call_id)
        if isinstance(exc, AmiConnectionError):
            # Never resent: the resynchronisation after the reconnect finds out what happened.
            if call is not None and offer is not None and call.offer_seat == offer:
                call.offer_unsure = True
            return
        self.stats.action_errors += 1
        reason = (
            exc.details.get("reason", str(exc)) if isinstance(exc, AmiActionError) else repr(exc)
        )
        log.warning("ami_action_failed", call_id=call_id, action=action, reason=reason)
        if call is None or call.over or call.ended or quiet:
            return
        if step is not None and call.step == step:
            self._steps.pop(step, None)
            call.step = call.step_line = None
            job = call.jobs.popleft() if call.jobs else None
            if job is not None and job.kind is not JobKind.FIRE:
                self._to_engine(
                    ActionFailed(call_id=call_id, command=job.command_name, reason=str(reason))
                )
            self._pump(call)
        elif offer is not None and call.offer_seat == offer:
            self._release_offer(call)
            call.in_agi = True  # the Redirect did not happen: the caller is still in AGI
            self._to_engine(SeatDidNotAnswer(call_id=call_id, seat_id=offer, reason="unreachable"))
            self._pump(call)
        elif action == "Redirect":
            self._to_engine(ActionFailed(call_id=call_id, command=action, reason=str(reason)))

    # --- AMI events -----------------------------------------------------------------

    def on_event(self, msg: Message) -> None:
        self.stats.ami_events += 1
        name = msg.event
        handler = self._handlers.get(name or "")
        if handler is not None:
            handler(self, msg)

    def _on_agi_start(self, msg: Message) -> None:
        uid = msg.get("Uniqueid") or ""
        env = agi.parse_env(msg.get("Env") or "")
        call = self.calls.get(uid)
        channel = msg.get("Channel") or env.get("agi_channel", "")
        if call is None:
            dnis = env.get("agi_extension") or ""
            if not dnis or dnis == "s":
                dnid = env.get("agi_dnid", "")
                dnis = dnid if dnid not in ("", "unknown") else dnis
            self._arrive(
                uid,
                channel=channel,
                linkedid=msg.get("Linkedid") or uid,
                caller=msg.get("CallerIDNum") or env.get("agi_callerid", ""),
                dnis=dnis,
            )
            return
        # A call coming back into AGI: after a seat did not answer, a cancelled offer, a transfer.
        call.channel = channel or call.channel
        call.in_agi = True
        call.step = call.step_line = None
        if (
            call.hold_class is not None
            and call.offer_seat is None
            and call.talking_seat is None
            and not any(j.command_name == "StartHold" for j in call.jobs)
        ):
            call.jobs.appendleft(hold_job(call.hold_class))
        self._pump(call)

    def _arrive(self, uid: str, *, channel: str, linkedid: str, caller: str, dnis: str) -> None:
        caller = "" if caller in ("<unknown>", "unknown") else caller
        call = LiveCall(
            call_id=uid, channel=channel, linkedid=linkedid, dnis=dnis, in_agi=True, caller=caller
        )
        self.calls[uid] = call
        self._to_engine(
            CallArrived(
                call_id=uid,
                caller="" if caller in ("<unknown>", "unknown") else caller,
                dnis=dnis,
                channel=channel,
                linkedid=linkedid,
            )
        )

    def _on_agi_end(self, msg: Message) -> None:
        call = self.calls.get(msg.get("Uniqueid") or "")
        if call is not None:
            call.in_agi = False
            if call.step is not None:
                self._steps.pop(call.step, None)
                call.step = call.step_line = None

    def _on_dial_begin(self, msg: Message) -> None:
        if self._callbacks.on_dial_begin(msg):
            return
        call = self.calls.get(msg.get("Uniqueid") or "")
        if call is None or call.offer_seat is None:
            return
        dest = msg.get("DestUniqueid") or ""
        call.seat_uniqueid = dest
        self._by_seat_leg[dest] = call.call_id

    def _on_dial_end(self, msg: Message) -> None:
        if self._callbacks.on_dial_end(msg):
            return
        call = self.calls.get(msg.get("Uniqueid") or "")
        if call is None or call.offer_seat is None:
            return
        if msg.get("DestUniqueid") != call.seat_uniqueid:
            return  # the end of an earlier dial
        status = (msg.get("DialStatus") or "").upper()
        seat = call.offer_seat
        if status == "ANSWER":
            call.offer_seat = None
            call.talking_seat = seat
            call.hold_class = None
            self._to_engine(SeatAnswered(call_id=call.call_id, seat_id=seat))
        elif status == "CANCEL":
            return  # our Redirect, or the caller hung up: the Hangup event says which
        else:
            self._release_offer(call)
            self._to_engine(
                SeatDidNotAnswer(
                    call_id=call.call_id,
                    seat_id=seat,
                    reason=DIAL_FAILURES.get(status, "unreachable"),
                )
            )

    def _on_hangup(self, msg: Message) -> None:
        uid = msg.get("Uniqueid") or ""
        if self._callbacks.on_hangup(uid):
            return
        call = self.calls.pop(uid, None)
        if call is not None:
            self._drop_jobs(call, everything=True)
            self._release_offer(call)
            self._release_seat(call)
            if not call.over and not call.ended:
                call.ended = True
                self._to_engine(CallEnded(call_id=call.call_id, by="caller"))
            return
        call_id = self._by_seat_leg.pop(uid, None)
        call = self.calls.get(call_id) if call_id else None
        if call is None:
            return
        if call.talking_seat is not None and call.seat_uniqueid == uid:
            call.seat_uniqueid = None
            self._release_seat(call)
            if not call.over and not call.ended:
                call.ended = True
                self._to_engine(CallEnded(call_id=call.call_id, by="seat"))

    def _on_blind_transfer(self, msg: Message) -> None:
        call = self.calls.get(msg.get("TransfereeUniqueid") or "")
        if call is None or call.talking_seat is None:
            return
        seat = call.talking_seat
        self._release_seat(call)  # its leg hangs up next: not the end of the call
        code = msg.get("Extension") or ""
        # What the seat dialled, by the transfer codes the wiring names; the engine decides
        # whether it is a queue or a seat, and sends a code nobody knows to the general queue.
        target = self._settings.transfer_targets.get(code, code)
        self._to_engine(
            TransferRequested(
                call_id=call.call_id, target=target, by=seat, note=f"blind transfer to {code}"
            )
        )

    def _on_dtmf(self, msg: Message) -> None:
        key = self._settings.hold_callback_key
        if key is None or msg.get("Digit") != key or (msg.get("Direction") or "") != "Received":
            return
        call = self.calls.get(msg.get("Uniqueid") or "")
        if call is None or call.over or not self._engine.takes(CallbackRequested, call.call_id):
            return  # only a waiting caller can take a callback: the engine says who waits
        # The place in the queue stays; the engine hangs up the caller's line.
        self._to_engine(CallbackRequested(call_id=call.call_id, number=call.caller))

    def _on_device_state(self, msg: Message) -> None:
        seat = self._seat_by_device.get(msg.get("Device") or "")
        if seat is None:
            return
        self._device(seat, (msg.get("State") or "").upper())

    def _on_extension_status(self, msg: Message) -> None:
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
        if seat in self._engaged:
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

    _handlers: ClassVar[dict[str, Callable[[LiveDriver, Message], None]]] = {
        "AsyncAGIStart": _on_agi_start,
        "AsyncAGIExec": _agi_exec,
        "AsyncAGIEnd": _on_agi_end,
        "DialBegin": _on_dial_begin,
        "DialEnd": _on_dial_end,
        "Hangup": _on_hangup,
        "BlindTransfer": _on_blind_transfer,
        "DeviceStateChange": _on_device_state,
        "ExtensionStatus": _on_extension_status,
        "DTMFEnd": _on_dtmf,
        "OriginateResponse": lambda self, msg: self._callbacks.on_originate_response(msg),
    }

    # --- the connection's life ------------------------------------------------------

    def on_connected(self, session: int) -> None:
        if session > 1 or self.calls or self._deferred:
            self._spawn(self.resync(), "ami-resync")

    def on_lost(self, reason: str) -> None:
        # Nothing is resent: what was out is looked at again by resync() after the next login.
        log.warning("driver_connection_lost", reason=reason, calls=len(self.calls))

    async def resync(self) -> None:
        """After a reconnect: end the calls Asterisk no longer has, carry on with the others."""
        assert self._conn is not None
        self.stats.resyncs += 1
        try:
            result = await self._conn.send("CoreShowChannels")
        except IvrError as exc:
            log.warning("resync_failed", error=exc.error_id)
            return
        up = {e.get("Uniqueid") or "": e for e in result.events}
        reason = (
            "asterisk restarted"
            if self._conn.asterisk_restarted
            else "gone while the AMI link was down"
        )
        started = monotonic()
        for call in list(self.calls.values()):
            chan = up.get(call.call_id)
            if chan is None:
                self.stats.calls_vanished += 1
                self.calls.pop(call.call_id, None)
                self._drop_jobs(call, everything=True)
                self._release_offer(call)
                self._release_seat(call)
                log.warning("call_vanished", call_id=call.call_id, reason=reason)
                if not call.over and not call.ended:
                    call.ended = True
                    self._to_engine(CallEnded(call_id=call.call_id, by="system"))
                continue
            self._reconcile(call, chan, up)
        self._callbacks.vanished(up, reason)
        for uid, chan in up.items():
            # A call that rang in while the link was down sits in AsyncAGI with nobody driving it.
            if (
                uid
                and uid not in self.calls
                and uid not in self._by_seat_leg
                and not self._callbacks.owns(uid)
                and (chan.get("Application") or "").upper() == "AGI"
                and chan.get("Context") == self._settings.entry_context
            ):
                log.info("call_adopted", call_id=uid, reason="arrived while the AMI link was down")
                self._arrive(
                    uid,
                    channel=chan.get("Channel") or "",
                    linkedid=chan.get("Linkedid") or uid,
                    caller=chan.get("CallerIDNum") or "",
                    dnis=chan.get("Exten") or "",
                )
        deferred, self._deferred = self._deferred, []
        for call_id, cmd in deferred:
            if call_id in self.calls:
                self._command(cmd)
        log.info(
            "resync_done",
            calls=len(self.calls),
            reason=reason,
            took_ms=round((monotonic() - started) * 1000, 2),
        )

    def _reconcile(self, call: LiveCall, chan: Message, up: Mapping[str, Message]) -> None:
        app = (chan.get("Application") or "").upper()
        bridged = bool(chan.get("BridgeId"))
        in_agi = app == "AGI"
        if call.offer_seat is not None:
            seat = call.offer_seat
            if bridged:
                call.offer_seat, call.talking_seat = None, seat
                self._to_engine(SeatAnswered(call_id=call.call_id, seat_id=seat))
            elif in_agi:
                self._release_offer(call)
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
                self._release_seat(call)
                if not call.over and not call.ended:
                    call.ended = True
                    self._to_engine(CallEnded(call_id=call.call_id, by="seat"))
                return
        if in_agi and call.step is not None:
            # Its answer may have been lost with the link. Media commands are safe to send again
            # (a prompt heard twice at worst), so the current job goes back one step.
            line = call.step_line
            self._steps.pop(call.step, None)
            call.step = call.step_line = None
            if line is not None and call.jobs:
                job = call.jobs[0]
                if line.startswith("GET DATA"):
                    job.final = line.split(" ")[2]
                else:
                    job.steps.appendleft(line)
        call.in_agi = in_agi
        self._pump(call)


def _is_fact(out: object) -> bool:
    return isinstance(out, Fact)
