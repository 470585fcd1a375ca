"""The live driver: Asterisk's AMI events into the journey engine, its commands back out as actions.

Like the simulator, it is a driver of :class:`ivr.engine.journey.Engine` and
holds no flow or routing logic: it only translates. :class:`LiveDriver` is the
engine's side and the connection's life; the translation is in rooms of its own:

- :mod:`ivr.live.ami_events`: what each AMI event means for the engine (its table);
- :mod:`ivr.live.engine_commands`: how each engine command is carried out (its table);
- :mod:`ivr.live.agi_runner`: the media jobs over AsyncAGI, one command at a time;
- :mod:`ivr.live.actions`: a call's AMI actions, sent once, their failures told back;
- :mod:`ivr.live.calls`: what the driver keeps of each call (:class:`~ivr.live.calls.CallBook`);
- :mod:`ivr.live.resync`: after a reconnect, what Asterisk really has up;
- :mod:`ivr.live.callbacks`: callbacks placed by Originate.

The journey's phase is the engine's alone: the driver asks it (``Engine.phase``,
``Engine.takes``) and keeps no copy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from typing import Any, Protocol

import structlog

from ivr.ami.codec import Message
from ivr.clock import Clock
from ivr.errors import IvrError
from ivr.live.actions import AmiSender, CallActions
from ivr.live.agi_runner import AgiRunner
from ivr.live.ami_events import AmiEvents
from ivr.live.callbacks import Callbacks
from ivr.live.calls import CallBook, LiveCall
from ivr.live.customers import CustomerService
from ivr.live.engine_commands import EngineCommands
from ivr.live.resync import Resync
from ivr.live.settings import LiveSettings
from ivr.live.stats import DriverStats
from ivr.model.commands import CancelOffer, OfferCall
from ivr.model.facts import Fact, JourneyEnded, Refused
from ivr.model.skills import SeatConfig
from ivr.scheduling import Timer

__all__ = ["AmiSender", "DriverStats", "EngineLike", "LiveDriver"]

log = structlog.get_logger("ivr.live")


class EngineLike(Protocol):
    def handle(self, event: Any) -> Sequence[object]: ...

    def takes(self, kind: type, call_id: str) -> bool: ...

    def phase(self, call_id: str) -> object | None: ...

    def fire(self, timer: Timer) -> Sequence[object]: ...


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
        settings = settings or LiveSettings()
        self._clock = clock
        self._sinks = list(sinks)
        self._queues = set(queues)
        self._tasks: set[asyncio.Task[None]] = set()
        self.stats = DriverStats()
        self._book = book = CallBook()
        self._actions = CallActions(book=book, stats=self.stats, done=self._done)
        self._callbacks = Callbacks(
            settings=settings,
            endpoints={s.id: s.endpoint for s in seats if s.endpoint},
            to_engine=self._to_engine,
        )
        runner = AgiRunner(settings=settings, actions=self._actions, to_engine=self._to_engine)
        self._commands = EngineCommands(
            settings=settings,
            book=book,
            actions=self._actions,
            runner=runner,
            callbacks=self._callbacks,
            customers=customers,
            to_engine=self._to_engine,
            done=self._done,
            spawn=self._spawn,
            stats=self.stats,
        )
        self._events = AmiEvents(
            settings=settings,
            seats=seats,
            book=book,
            runner=runner,
            callbacks=self._callbacks,
            to_engine=self._to_engine,
            takes=engine.takes,
            done=self._done,
            engaged=self._engaged,
        )
        self._resync = Resync(
            settings=settings,
            book=book,
            actions=self._actions,
            runner=runner,
            events=self._events,
            commands=self._commands,
            callbacks=self._callbacks,
            to_engine=self._to_engine,
            stats=self.stats,
        )

    # --- wiring ------------------------------------------------------------------

    @property
    def calls(self) -> Mapping[str, LiveCall]:
        """The calls on Asterisk's side, by call id (the caller channel's Uniqueid)."""
        return self._book.calls

    @property
    def engaged_seats(self) -> frozenset[str]:
        """Seats ringing, talking or placing a callback for a call of ours: their phones' state
        is the engine's own doing, not a private call."""
        return self._book.engaged_seats() | self._callbacks.engaged_seats()

    @property
    def on_action(self) -> Callable[[str, Mapping[str, object]], None] | None:
        """A hook called with each action a call sends (for a benchmark)."""
        return self._actions.on_action

    @on_action.setter
    def on_action(self, hook: Callable[[str, Mapping[str, object]], None] | None) -> None:
        self._actions.on_action = hook

    def attach(self, conn: AmiSender) -> None:
        self._actions.conn = conn

    def add_sink(self, sink: Callable[[Sequence[object]], None]) -> None:
        self._sinks.append(sink)

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _spawn(self, coro: Coroutine[Any, Any, None], what: str) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro, name=what)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("driver_task_failed", task=task.get_name(), error=repr(task.exception()))

    def _done(self, call: LiveCall) -> bool:
        """Nothing more of this call goes to the engine: CallEnded was sent, or its journey is over."""
        return call.ended or self._engine.phase(call.call_id) is None

    def _engaged(self, seat_id: str) -> bool:
        return self._book.engages(seat_id) or self._callbacks.engages(seat_id)

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
            elif isinstance(out, CancelOffer) and out.call_id in skip_cancel:
                # A new offer follows at once: its Redirect also stops this Dial.
                self._book.release_offer(self._book.get(out.call_id))
            elif not isinstance(out, Fact):
                self._commands.carry_out(out)

    # --- Asterisk's side ------------------------------------------------------------

    def on_event(self, msg: Message) -> None:
        self.stats.ami_events += 1
        self._events.on_event(msg)

    def on_connected(self, session: int) -> None:
        if session > 1 or self._book:
            self._spawn(self.resync(), "ami-resync")

    def on_lost(self, reason: str) -> None:
        # Nothing is resent: what was out is looked at again by resync() after the next login.
        log.warning("driver_connection_lost", reason=reason, calls=len(self._book))

    async def resync(self) -> None:
        """After a reconnect: end the calls Asterisk no longer has, carry on with the others."""
        await self._resync.run()
