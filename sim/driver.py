"""The discrete-event driver: synthetic callers and seats around the real engine.

Theory of operation
===================

One heap of ``(time, seq, action, arg)``, like SimPy's core but without
generators: ``seq`` increases with every push, so items due at the same
instant come out in the order they were pushed and the same seed gives the
same run to the last digit. The engine's timers go on the same heap through
:class:`HeapScheduler`; a cancelled timer is dropped when it comes due.

The driver is a caller and a seat, never a router. It tells the engine what
callers and seats do (:mod:`ivr.model.events`, :mod:`ivr.model.events`)
and carries out the engine's commands the way a person would:

============================  ==============================================
command or fact               what the synthetic caller or seat does
============================  ==============================================
``PlayPrompts``, ``SayValue``  ``PlaybackFinished`` after the prompts' length
``CollectDigits``              ``DigitsCollected`` after the prompts and a
                               think time, with the digits drawn from the
                               choice probabilities of the node (the last
                               ``NodeEntered`` says which), the trace's
                               digits in replay, a :class:`Secret` for a
                               secret collect; ``timeout``/``hangup`` choices
``LookupCustomer``             ``CustomerFound`` with a synthetic customer
                               whose tier is drawn by the VIP/green shares
``VerifyPassword``             ``PasswordChecked`` ok or wrong by probability
``Queued``                     the caller's patience starts; when it runs out
                               while waiting: ``CallEnded(by=caller)`` (or a
                               ``CallbackRequested``, by acceptance)
``OfferCall``                  ``SeatAnswered`` after a ring time, unless the
                               seat lets it ring (the engine times it out)
``Answered``                   patience stops; after the handle time:
                               ``CallEnded(by=seat)`` or, by the service's
                               transfer share, ``TransferRequested``
``PlaceCallback``              ``CallbackConnected`` or ``CallbackFailed``
``SeatChanged`` to paused      ``SeatReady`` after a while, when the pause was
 after a ring-no-answer        the queue's no-answer pause
shift plan                     ``SeatLoggedIn`` / ``SeatLoggedOut``
============================  ==============================================

Every fact goes to :class:`ivr.measures.Measures`. Memory holds the calls in
progress, the heap and the measures' per-interval counters: it does not grow
with the number of calls simulated.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from ivr.clock import ManualClock
from ivr.measures import Measures
from ivr.model.commands import (
    CancelOffer,
    CollectDigits,
    LookupCustomer,
    OfferCall,
    PlaceCallback,
    PlayPrompts,
    RecordVoicemail,
    SayValue,
    VerifyPassword,
)
from ivr.model.events import (
    CallArrived,
    CallbackConnected,
    CallbackFailed,
    CallbackRequested,
    CallEnded,
    CustomerFound,
    DigitsCollected,
    PasswordChecked,
    PlaybackFinished,
    SeatAnswered,
    SeatLoggedIn,
    SeatLoggedOut,
    SeatReady,
    TransferRequested,
)
from ivr.model.facts import (
    Answered,
    CallbackQueued,
    Diverted,
    JourneyEnded,
    NodeEntered,
    Queued,
    RingNoAnswer,
    SeatChanged,
    SeatState,
)
from ivr.model.skills import CentreConfig, Tier
from ivr.scheduling import Timer
from ivr.secret import Secret
from sim.distributions import Sampler
from sim.trace import TraceCall
from sim.traffic import ArrivalStream, TrafficModel, clock_seconds


class EngineLike(Protocol):
    def handle(self, event: Any) -> list[Any]: ...

    def fire(self, timer: Timer) -> list[Any]: ...

    def takes(self, kind: type, call_id: str) -> bool: ...


Action = Callable[[Any], None]

# The simulator's own assumptions, which neither the requirements nor traffic.yaml give:
DIAL_S = 3.0  # from placing a callback to the customer's phone ringing
VOICEMAIL_S = 30.0  # the message a caller leaves, when the recording allows that long


class HeapScheduler:
    """The engine's :class:`ivr.scheduling.Scheduler`: timers go on the driver's heap."""

    __slots__ = ("_driver",)

    def __init__(self, driver: Driver) -> None:
        self._driver = driver

    def schedule(self, timer: Timer) -> None:
        d = self._driver
        d._seq += 1
        timer.seq = d._seq
        heapq.heappush(d._heap, (timer.when, d._seq, d._fire, timer))


class _Act:
    """A pending action of a synthetic caller or seat; cancelled lazily."""

    __slots__ = ("arg", "caller", "cancelled", "fn")

    def __init__(self, fn: Action, arg: Any, caller: _Caller) -> None:
        self.fn = fn
        self.arg = arg
        self.caller = caller
        self.cancelled = False


class _Caller:
    __slots__ = (
        "answered",
        "call_id",
        "callback_only",
        "customer_tier",
        "digits",
        "ended",
        "handle_s",
        "menu_act",
        "node",
        "number",
        "password_failures",
        "patience_act",
        "patience_s",
        "queue",
        "ring_act",
        "ringing",
        "rng",
        "transfers",
        "waiting_since",
    )

    def __init__(self, call_id: str, number: str, rng: random.Random) -> None:
        self.call_id = call_id
        self.number = number
        # every draw about this caller comes from its own stream, so that two
        # configurations run on the same seed see the same callers behave the same
        self.rng = rng
        self.customer_tier = Tier.NORMAL
        self.node: NodeEntered | None = None  # the last node the flow entered
        self.digits: list[str] | None = None
        self.handle_s: float | None = None
        self.patience_s: float | None = None
        self.answered = False
        self.callback_only = False
        self.queue = ""
        self.transfers = 0
        self.password_failures = 0
        self.waiting_since: float | None = None
        self.menu_act: _Act | None = None
        self.patience_act: _Act | None = None
        self.ring_act: _Act | None = None
        self.ringing = False  # a seat is being offered the call
        self.ended = False  # the journey is over: every pending action of this caller is void


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStats:
    calls: int
    events: int
    simulated_s: float


class Driver:
    """Runs one scenario through one engine. Build with :func:`sim.scenario.build_driver`."""

    def __init__(
        self,
        *,
        centre: CentreConfig,
        traffic: TrafficModel,
        make_engine: Callable[[ManualClock, HeapScheduler, random.Random], EngineLike],
        measures: Measures | None = None,
        seed: int | None = None,
        trace: Iterable[TraceCall] | None = None,
        replay_dnis: dict[str, str] | None = None,
        menu_keys: Callable[[str, str], list[str] | None] | None = None,
        shifts: list[tuple[float, str, bool]] | None = None,
    ) -> None:
        self.centre = centre
        self.traffic = traffic
        seed = traffic.seed if seed is None else seed
        self.origin = traffic.origin
        self.clock = ManualClock(self.origin)
        self._heap: list[tuple[float, int, Action, Any]] = []
        self._seq = 0
        self.scheduler = HeapScheduler(self)
        self.engine = make_engine(self.clock, self.scheduler, random.Random(f"engine-{seed}"))
        self.measures = measures or Measures(centre=centre, origin=self.origin)
        self._callers: dict[str, _Caller] = {}
        self._callback_queue: dict[str, str] = {}  # callbacks waiting to be placed
        self._seat_states: dict[str, tuple[SeatState, str]] = {}
        self._arrivals = random.Random(f"arrivals-{seed}")
        self._rng = random.Random(f"callers-{seed}")
        self._caller_seed = self._rng.getrandbits(64)
        self._calls = 0
        self.events = 0
        self._menu_keys = menu_keys
        self.path_report: Any = None  # the flows' menu path report, when the scenario has one
        callers = traffic.callers
        self._think = callers.think_time.sampler()
        self._menu_patience = callers.menu_patience.sampler()
        self._queue_patience = callers.queue_patience.sampler()
        self._ring = traffic.seats.ring_time.sampler()
        self._prompt_s = callers.prompt_s
        self._prompts = callers.prompts
        self._menus = callers.menus
        self._vip = callers.vip_share
        self._green = callers.green_share
        self._known = callers.known_share
        self._password_ok = callers.password_success
        self._callback_accept = callers.callback_acceptance
        self._callback_reached = callers.callback_reached
        self._no_answer = traffic.seats.ring_no_answer
        self._no_answer_pause_s = traffic.seats.no_answer_pause_s
        self._pause_reasons = {q.no_answer.reason for q in centre.queues}
        self._queue_service = {q.name: q.skill for q in centre.queues}
        self._handle: dict[str, Sampler] = {}
        self._transfer: dict[str, tuple[float, str]] = {}
        default = traffic.handle_time.sampler()
        for q in centre.queues:
            svc = traffic.services.get(q.name) or traffic.services.get(q.skill or "")
            self._handle[q.name] = (
                svc.handle_time.sampler() if svc and svc.handle_time is not None else default
            )
            if svc and svc.transfer_share > 0:
                self._transfer[q.name] = (
                    svc.transfer_share,
                    svc.transfer_to or centre.general_queue,
                )
        self._default_handle = default
        self._callback_handle = (
            traffic.callback_handle_time.sampler() if traffic.callback_handle_time else None
        )
        self._dispatch: dict[type, Callable[[Any], None]] = {
            PlayPrompts: self._play,
            SayValue: self._say,
            RecordVoicemail: self._voicemail,
            CollectDigits: self._collect,
            LookupCustomer: self._lookup,
            VerifyPassword: self._verify,
            OfferCall: self._offer,
            CancelOffer: self._cancel_offer,
            PlaceCallback: self._place_callback,
            NodeEntered: self._node_entered,
            Queued: self._queued,
            Answered: self._answered,
            RingNoAnswer: self._rang_out,
            Diverted: self._diverted,
            CallbackQueued: self._callback_queued,
            SeatChanged: self._seat_changed,
            JourneyEnded: self._journey_ended,
        }
        self._table: dict[type, tuple[Callable[[Any], None], ...]] = {}
        self._generation = self.measures.generation
        self._start_arrivals(trace, replay_dnis or traffic.replay_dnis)
        self._start_shifts(shifts)

    # --- the heap -------------------------------------------------------------------

    def _push(self, when: float, fn: Action, arg: Any) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, fn, arg))

    def _later(self, caller: _Caller, delay: float, fn: Action, arg: Any = None) -> _Act:
        act = _Act(fn, caller if arg is None else arg, caller)
        self._seq += 1
        heapq.heappush(self._heap, (self.clock.now() + delay, self._seq, self._run_act, act))
        return act

    def _run_act(self, act: _Act) -> None:
        if act.cancelled or act.caller.ended:
            return
        act.cancelled = True
        act.fn(act.arg)

    def _fire(self, timer: Timer) -> None:
        if timer.cancelled:
            return
        self._handle_outputs(self.engine.fire(timer))

    def _send(self, event: Any) -> None:
        self.events += 1
        self._handle_outputs(self.engine.handle(event))

    def _handle_outputs(self, outputs: list[Any]) -> None:
        table = self._table
        if self._generation != self.measures.generation:  # an observer was added
            table.clear()
            self._generation = self.measures.generation
        for item in outputs:
            kind = type(item)
            fns = table.get(kind)
            if fns is None:
                fns = table[kind] = self._handlers_for(kind)
            for fn in fns:
                fn(item)

    def _handlers_for(self, kind: type) -> tuple[Callable[[Any], None], ...]:
        """What an output of this type goes to: the synthetic caller or seat, then the measures."""
        mine = self._dispatch.get(kind)
        theirs = self.measures.handler_for(kind)
        return tuple(fn for fn in (mine, theirs) if fn is not None)

    def run(
        self,
        until: float | None = None,
        progress: Callable[[float], None] | None = None,
        every: int = 20000,
    ) -> RunStats:
        """Run to the end of the traffic (or ``until``); ``progress(now)`` every ``every`` steps."""
        heap = self._heap
        pop = heapq.heappop
        clock = self.clock
        now = clock.now()  # only this loop moves the clock
        steps = 0
        while heap:
            when = heap[0][0]
            if until is not None and when > until:
                break
            _, _, fn, arg = pop(heap)
            if when > now:  # an item due in the past (a zero delay) runs now
                clock.set(when)
                now = when
            fn(arg)
            steps += 1
            if progress is not None and steps % every == 0:
                progress(now)
        if progress is not None:
            progress(now)
        return RunStats(
            calls=self._calls, events=self.events, simulated_s=clock.now() - self.origin
        )

    # --- arrivals and shifts --------------------------------------------------------------

    def _start_arrivals(
        self, trace: Iterable[TraceCall] | None, replay_dnis: dict[str, str]
    ) -> None:
        if trace is not None:
            self._trace = iter(trace)
            self._replay_dnis = replay_dnis
            self._default_dnis = self.traffic.arrivals[0].dnis
            self._next_trace()
            return
        for i, arr in enumerate(self.traffic.arrivals):
            stream = ArrivalStream(
                arr,
                origin=self.origin,
                days=self.traffic.days,
                rng=random.Random(f"{self._arrivals.random()}-{i}"),
            )
            self._next_arrival(stream)

    def _next_arrival(self, stream: ArrivalStream) -> None:
        t = stream.next()
        if t is not None:
            self._push(t, self._arrive, stream)

    def _arrive(self, stream: ArrivalStream) -> None:
        self._next_arrival(stream)
        self._calls += 1
        n = self._calls
        caller = _Caller(
            f"c{n}",
            f"0{30_000_000 + (n * 7919) % 60_000_000:08d}",
            random.Random(self._caller_seed + n),
        )
        self._begin(caller, stream.arrivals.dnis)

    def _next_trace(self) -> None:
        call = next(self._trace, None)
        if call is not None:
            self._push(max(call.arrival, self.clock.now()), self._arrive_traced, call)

    def _arrive_traced(self, call: TraceCall) -> None:
        self._next_trace()
        self._calls += 1
        caller = _Caller(
            f"c{self._calls}",
            call.caller or f"t{self._calls}",
            random.Random(self._caller_seed + self._calls),
        )
        caller.digits = list(call.digits) if call.digits else None
        caller.handle_s = call.handle_s
        caller.patience_s = call.patience_s
        dnis = call.dnis or self._replay_dnis.get(call.service or "", self._default_dnis)
        self._begin(caller, dnis)

    def _begin(self, caller: _Caller, dnis: str) -> None:
        rng = caller.rng
        u = rng.random()
        caller.customer_tier = (
            Tier.VIP
            if u < self._vip
            else Tier.GREEN
            if u < self._vip + self._green
            else Tier.NORMAL
        )
        self._callers[caller.call_id] = caller
        patience = self._menu_patience(rng)
        if patience < math.inf:
            caller.menu_act = self._later(caller, patience, self._menu_hangup)
        self._send(CallArrived(call_id=caller.call_id, caller=caller.number, dnis=dnis))

    def _start_shifts(self, shifts: list[tuple[float, str, bool]] | None) -> None:
        plan = shifts if shifts is not None else shift_plan(self.centre, self.traffic)
        for when, seat_id, login in plan:
            event = SeatLoggedIn(seat_id=seat_id) if login else SeatLoggedOut(seat_id=seat_id)
            self._push(when, self._send, event)

    # --- media commands -----------------------------------------------------------------

    def _prompt_length(self, prompts: tuple[str, ...]) -> float:
        lengths = self._prompts
        default = self._prompt_s
        return sum(lengths.get(p, default) for p in prompts)

    def _play(self, cmd: PlayPrompts) -> None:
        caller = self._callers.get(cmd.call_id)
        if caller is not None:
            self._later(caller, self._prompt_length(cmd.prompts), self._playback_done)

    def _say(self, cmd: SayValue) -> None:
        caller = self._callers.get(cmd.call_id)
        if caller is not None:
            self._later(caller, self._prompt_s, self._playback_done)

    def _voicemail(self, cmd: RecordVoicemail) -> None:
        caller = self._callers.get(cmd.call_id)
        if caller is not None:
            self._later(caller, min(cmd.max_s, VOICEMAIL_S), self._playback_done)

    def _playback_done(self, caller: _Caller) -> None:
        self._send(PlaybackFinished(call_id=caller.call_id))

    def _node_entered(self, fact: NodeEntered) -> None:
        caller = self._callers.get(fact.call_id)
        if caller is not None:
            caller.node = fact  # the key is built only if a menu asks (most nodes are not menus)

    def _collect(self, cmd: CollectDigits) -> None:
        caller = self._callers.get(cmd.call_id)
        if caller is None:
            return
        rng = caller.rng
        delay = self._prompt_length(cmd.prompts)
        choice = self._choose(caller, cmd, rng)
        if choice == "hangup":
            self._later(caller, delay + self._think(rng), self._menu_hangup)
            return
        if choice == "timeout":
            delay += cmd.timeout_s
            choice = ""
        else:
            delay += self._think(rng)
        digits: str | Secret = Secret(choice) if cmd.secret else choice
        self._later(caller, delay, self._digits_done, (caller, digits))

    def _choose(self, caller: _Caller, cmd: CollectDigits, rng: random.Random) -> str:
        if caller.digits:
            return caller.digits.pop(0) or "timeout"
        entered = caller.node
        flow, name = (entered.flow, entered.node) if entered is not None else ("", "")
        node = f"{flow}/{name}"
        table = self._menus.get(node) or self._menus.get(name)
        if table:
            u = rng.random()
            acc = 0.0
            for key, p in table.items():
                acc += p
                if u < acc:
                    return key
            return next(reversed(table))
        if cmd.secret or cmd.max_digits > 1:
            n = max(cmd.min_digits, 6 if cmd.secret else cmd.min_digits)
            return f"{rng.randrange(10**n):0{n}d}"
        keys = self._menu_keys(flow, name) if self._menu_keys and entered is not None else None
        return rng.choice(keys) if keys else "1"

    def _digits_done(self, arg: tuple[_Caller, str | Secret]) -> None:
        caller, digits = arg
        self._send(DigitsCollected(call_id=caller.call_id, digits=digits))

    def _lookup(self, cmd: LookupCustomer) -> None:
        caller = self._callers.get(cmd.call_id)
        if caller is None:
            return
        customer: dict[str, Any] | None = None
        if caller.rng.random() < self._known:
            customer = {
                "account": f"A{caller.number[-8:]}",
                "name": f"Customer {caller.number[-4:]}",
                "tier": caller.customer_tier.value,
                "segment": "residential",
                # what self-service reads back (the bundled flows' balance, bill, order step)
                "balance": f"{caller.rng.randrange(0, 50000) / 100:.2f}",
                "bill_amount": f"{caller.rng.randrange(1000, 30000) / 100:.2f}",
                "order_step": str(caller.rng.randrange(1, 6)),
            }
        self._later(caller, 0.0, self._customer_found, (caller, customer))

    def _customer_found(self, arg: tuple[_Caller, dict[str, Any] | None]) -> None:
        caller, customer = arg
        self._send(CustomerFound(call_id=caller.call_id, customer=customer))

    def _verify(self, cmd: VerifyPassword) -> None:
        caller = self._callers.get(cmd.call_id)
        if caller is None:
            return
        ok = caller.rng.random() < self._password_ok
        if not ok:
            caller.password_failures += 1
        self._later(caller, 0.0, self._password_checked, (caller, ok))

    def _password_checked(self, arg: tuple[_Caller, bool]) -> None:
        caller, ok = arg
        self._send(
            PasswordChecked(
                call_id=caller.call_id,
                outcome="ok" if ok else "wrong",
                failures=caller.password_failures,
            )
        )

    def _menu_hangup(self, caller: _Caller) -> None:
        if caller.waiting_since is None and not caller.answered:
            self._send(CallEnded(call_id=caller.call_id, by="caller"))

    # --- queue, seats ------------------------------------------------------------------

    def _queued(self, fact: Queued) -> None:
        caller = self._callers.get(fact.call_id)
        if caller is None or caller.answered or caller.waiting_since is not None:
            return
        caller.waiting_since = fact.at
        caller.queue = fact.queue
        if caller.menu_act is not None:
            caller.menu_act.cancelled = True
            caller.menu_act = None
        patience = caller.patience_s
        if patience is None:
            patience = self._queue_patience(caller.rng)
        if patience < math.inf:
            caller.patience_act = self._later(caller, patience, self._give_up)

    def _give_up(self, caller: _Caller) -> None:
        caller.patience_act = None
        if caller.answered or caller.waiting_since is None:
            return
        if (
            self._callback_accept
            and self.engine.takes(CallbackRequested, caller.call_id)
            and caller.rng.random() < self._callback_accept
        ):
            self._send(CallbackRequested(call_id=caller.call_id, number=caller.number))
        else:
            self._send(CallEnded(call_id=caller.call_id, by="caller"))

    def _left_queue(self, fact: Any) -> None:
        caller = self._callers.get(fact.call_id)
        if caller is not None and caller.patience_act is not None:
            caller.patience_act.cancelled = True
            caller.patience_act = None
            caller.waiting_since = None

    def _callback_queued(self, fact: CallbackQueued) -> None:
        self._callback_queue[fact.call_id] = fact.queue
        self._left_queue(fact)

    def _diverted(self, fact: Diverted) -> None:
        if fact.action != "queue":  # to another queue the caller keeps waiting, with patience
            self._left_queue(fact)

    def _offer(self, cmd: OfferCall) -> None:
        caller = self._callers.get(cmd.call_id)
        if caller is None:
            return
        caller.ringing = True
        rng = caller.rng
        if self._no_answer and rng.random() < self._no_answer:
            return  # the seat lets it ring; the engine's ring time-out acts
        ring = self._ring(rng)
        if ring >= cmd.ring_timeout_s:
            return
        caller.ring_act = self._later(caller, ring, self._seat_answers, (caller, cmd.seat_id))

    def _seat_answers(self, arg: tuple[_Caller, str]) -> None:
        caller, seat_id = arg
        caller.ring_act = None
        self._send(SeatAnswered(call_id=caller.call_id, seat_id=seat_id))

    def _cancel_offer(self, cmd: CancelOffer) -> None:
        caller = self._callers.get(cmd.call_id)
        if caller is not None:
            caller.ringing = False
            if caller.ring_act is not None:
                caller.ring_act.cancelled = True
                caller.ring_act = None

    def _rang_out(self, fact: RingNoAnswer) -> None:
        caller = self._callers.get(fact.call_id)
        if caller is not None:
            caller.ringing = False

    def _answered(self, fact: Answered) -> None:
        caller = self._callers.get(fact.call_id)
        if caller is None:
            return
        caller.answered = True
        caller.ringing = False
        caller.waiting_since = None
        if caller.patience_act is not None:
            caller.patience_act.cancelled = True
            caller.patience_act = None
        self._talk(caller, fact.queue)

    def _talk(self, caller: _Caller, queue: str, callback: bool = False) -> None:
        rng = caller.rng
        if caller.handle_s is not None:
            talk, caller.handle_s = caller.handle_s, None
        elif callback and self._callback_handle is not None:
            talk = self._callback_handle(rng)
        else:
            talk = self._handle.get(queue, self._default_handle)(rng)
        transfer = self._transfer.get(queue)
        if transfer is not None and caller.transfers == 0 and rng.random() < transfer[0]:
            self._later(caller, talk, self._transfer_call, (caller, transfer[1]))
        else:
            self._later(caller, talk, self._seat_hangs_up)

    def _seat_hangs_up(self, caller: _Caller) -> None:
        if caller.callback_only:  # the journey ended when the caller left the queue
            self._callers.pop(caller.call_id, None)
        self._send(CallEnded(call_id=caller.call_id, by="seat"))

    def _transfer_call(self, arg: tuple[_Caller, str]) -> None:
        caller, queue = arg
        caller.transfers += 1
        self._send(TransferRequested(call_id=caller.call_id, queue=queue, by="seat"))

    def _place_callback(self, cmd: PlaceCallback) -> None:
        caller = self._callers.get(cmd.call_id)
        if caller is None:  # the caller's line ended; the callback lives on in the engine
            caller = _Caller(cmd.call_id, cmd.number, random.Random(self._rng.getrandbits(64)))
            caller.answered = caller.callback_only = True
            caller.queue = self._callback_queue.pop(cmd.call_id, "")
            self._callers[cmd.call_id] = caller
        rng = caller.rng
        reached = rng.random() < self._callback_reached
        delay = DIAL_S + self._ring(rng)
        self._later(caller, delay, self._callback_answer, (caller, reached, cmd))

    def _callback_answer(self, arg: tuple[_Caller, bool, PlaceCallback]) -> None:
        caller, reached, _cmd = arg
        if not reached:
            if caller.callback_only:
                self._callers.pop(caller.call_id, None)
            self._send(CallbackFailed(call_id=caller.call_id, reason="no-answer"))
            return
        self._send(CallbackConnected(call_id=caller.call_id))
        caller.transfers = 1  # a callback is not transferred again
        self._talk(caller, caller.queue, callback=True)

    def _seat_changed(self, fact: SeatChanged) -> None:
        self._seat_states[fact.seat_id] = (fact.state, fact.reason)
        if fact.state is SeatState.PAUSED and fact.reason in self._pause_reasons:
            self._push(
                self.clock.now() + self._no_answer_pause_s,
                self._unpause,
                fact.seat_id,
            )

    def _unpause(self, seat_id: str) -> None:
        """The seat's person comes back from a no-answer pause, if still in it (not logged out)."""
        state, reason = self._seat_states.get(seat_id, (SeatState.LOGGED_OUT, ""))
        if state is SeatState.PAUSED and reason in self._pause_reasons:
            self._send(SeatReady(seat_id=seat_id))

    def _journey_ended(self, fact: JourneyEnded) -> None:
        caller = self._callers.pop(fact.call_id, None)
        if caller is not None:
            caller.ended = True

    @property
    def calls_in_progress(self) -> int:
        return len(self._callers)


def shift_plan(centre: CentreConfig, traffic: TrafficModel) -> list[tuple[float, str, bool]]:
    """``(when, seat, login?)`` for every day: the shifts, or every seat all the time."""
    seats = [s.id for s in centre.seats]
    plan: list[tuple[float, str, bool]] = []
    shifts = traffic.seats.shifts
    if not shifts:
        return [(traffic.origin, s, True) for s in seats]
    for day in range(traffic.days):
        base = traffic.origin + day * 86400.0
        for shift in shifts:
            chosen = [
                s
                for s in seats
                if any(s == p or (p.endswith("*") and s.startswith(p[:-1])) for p in shift.seats)
            ]
            for s in chosen:
                plan.append((base + clock_seconds(shift.start), s, True))
                plan.append((base + clock_seconds(shift.end), s, False))
    plan.sort(key=lambda x: (x[0], not x[2], x[1]))
    return plan
