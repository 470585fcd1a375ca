"""The synthetic caller: what a person on the line does when the engine asks.

==============================  ============================================
command or fact                 what the synthetic caller does
==============================  ============================================
``PlayPrompts``, ``SayValue``   ``PlaybackFinished`` after the prompts' length
``RecordVoicemail``             ``PlaybackFinished`` after the message
``CollectDigits``               ``DigitsCollected`` after the prompts and a
                                think time, with the digits drawn from the
                                choice probabilities of the node (the last
                                ``NodeEntered`` says which), the trace's
                                digits in replay, a :class:`Secret` for a
                                secret collect; ``timeout``/``hangup`` choices
``LookupCustomer``              ``CustomerFound`` with a synthetic customer
                                whose tier is drawn by the VIP/green shares
``VerifyPassword``              ``PasswordChecked`` ok or wrong by probability
``Queued``                      the caller's patience starts; when it runs
                                out while waiting: ``CallEnded(by=caller)``
                                (or a ``CallbackRequested``, by acceptance)
``PlaceCallback``               ``CallbackConnected`` or ``CallbackFailed``
==============================  ============================================

The time in the menus is bounded by the menu patience, drawn when the call
arrives; the seat's side of the call (ringing, talk) is :mod:`sim.seats`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from ivr.model.commands import (
    CollectDigits,
    LookupCustomer,
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
)
from ivr.model.facts import CallbackQueued, Diverted, JourneyEnded, NodeEntered, Queued
from ivr.model.skills import Tier
from ivr.secret import Secret
from sim.distributions import Sampler
from sim.timeline import Act, Action, Timeline
from sim.traffic import TrafficModel

# The simulator's own assumptions, which neither the requirements nor traffic.yaml give:
DIAL_S = 3.0  # from placing a callback to the customer's phone ringing
VOICEMAIL_S = 30.0  # the message a caller leaves, when the recording allows that long


class Caller:
    """One call in progress, as the synthetic person on the line sees it."""

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
        self.digits: list[str] | None = None  # a trace's digits, pressed in turn
        self.handle_s: float | None = None  # a trace's talk time
        self.patience_s: float | None = None  # a trace's patience
        self.answered = False
        self.callback_only = False  # a callback placed after the caller's line ended
        self.queue = ""
        self.transfers = 0
        self.password_failures = 0
        self.waiting_since: float | None = None
        self.menu_act: Act | None = None
        self.patience_act: Act | None = None
        self.ring_act: Act | None = None
        self.ringing = False  # a seat is being offered the call
        self.ended = False  # the journey is over: every pending action of this caller is void


Talk = Callable[[Caller, str, bool], None]


class CallerBehaviour:
    """The callers' side of every call: menus, lookups, patience, callbacks.

    ``calls`` is the calls in progress by id, shared with :mod:`sim.seats`;
    ``send`` tells the engine an event; ``takes`` asks whether the engine
    would take one now; ``talk`` starts the seat's talk when a callback is
    answered; ``rng`` is the callers' stream (callbacks whose line has ended
    draw their own stream from it).
    """

    def __init__(
        self,
        traffic: TrafficModel,
        *,
        timeline: Timeline,
        calls: dict[str, Caller],
        send: Action,
        takes: Callable[[type, str], bool],
        talk: Talk,
        ring: Sampler,
        rng: random.Random,
        menu_keys: Callable[[str, str], list[str] | None] | None = None,
    ) -> None:
        self._later = timeline.later
        self._now = timeline.clock.now
        self._calls = calls
        self._send = send
        self._takes = takes
        self._talk = talk
        self._ring = ring
        self._rng = rng
        self._menu_keys = menu_keys
        self._callback_queue: dict[str, str] = {}  # callbacks waiting to be placed
        callers = traffic.callers
        self._think = callers.think_time.sampler()
        self._menu_patience = callers.menu_patience.sampler()
        self._queue_patience = callers.queue_patience.sampler()
        self._prompt_s = callers.prompt_s
        self._prompts = callers.prompts
        self._menus = callers.menus
        self._vip = callers.vip_share
        self._green = callers.green_share
        self._known = callers.known_share
        self._password_ok = callers.password_success
        self._callback_accept = callers.callback_acceptance
        self._callback_reached = callers.callback_reached

    def handlers(self) -> dict[type, Action]:
        """The engine's commands and facts the callers act on."""
        return {
            PlayPrompts: self._play,
            SayValue: self._say,
            RecordVoicemail: self._voicemail,
            CollectDigits: self._collect,
            LookupCustomer: self._lookup,
            VerifyPassword: self._verify,
            PlaceCallback: self._place_callback,
            NodeEntered: self._node_entered,
            Queued: self._queued,
            Diverted: self._diverted,
            CallbackQueued: self._callback_queued,
            JourneyEnded: self._journey_ended,
        }

    def begin(self, caller: Caller, dnis: str) -> None:
        """The caller dials ``dnis``: who they are, how long they stay in the menus."""
        rng = caller.rng
        u = rng.random()
        caller.customer_tier = (
            Tier.VIP
            if u < self._vip
            else Tier.GREEN
            if u < self._vip + self._green
            else Tier.NORMAL
        )
        self._calls[caller.call_id] = caller
        patience = self._menu_patience(rng)
        if patience < math.inf:
            caller.menu_act = self._later(caller, patience, self._menu_hangup)
        self._send(CallArrived(call_id=caller.call_id, caller=caller.number, dnis=dnis))

    # --- media --------------------------------------------------------------------------

    def _prompt_length(self, prompts: tuple[str, ...]) -> float:
        lengths = self._prompts
        default = self._prompt_s
        return sum(lengths.get(p, default) for p in prompts)

    def _play(self, cmd: PlayPrompts) -> None:
        caller = self._calls.get(cmd.call_id)
        if caller is not None:
            self._later(caller, self._prompt_length(cmd.prompts), self._playback_done)

    def _say(self, cmd: SayValue) -> None:
        caller = self._calls.get(cmd.call_id)
        if caller is not None:
            self._later(caller, self._prompt_s, self._playback_done)

    def _voicemail(self, cmd: RecordVoicemail) -> None:
        caller = self._calls.get(cmd.call_id)
        if caller is not None:
            self._later(caller, min(cmd.max_s, VOICEMAIL_S), self._playback_done)

    def _playback_done(self, caller: Caller) -> None:
        self._send(PlaybackFinished(call_id=caller.call_id))

    # --- menus ----------------------------------------------------------------------------

    def _node_entered(self, fact: NodeEntered) -> None:
        caller = self._calls.get(fact.call_id)
        if caller is not None:
            caller.node = fact  # the key is built only if a menu asks (most nodes are not menus)

    def _collect(self, cmd: CollectDigits) -> None:
        caller = self._calls.get(cmd.call_id)
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

    def _choose(self, caller: Caller, cmd: CollectDigits, rng: random.Random) -> str:
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

    def _digits_done(self, arg: tuple[Caller, str | Secret]) -> None:
        caller, digits = arg
        self._send(DigitsCollected(call_id=caller.call_id, digits=digits))

    def _menu_hangup(self, caller: Caller) -> None:
        if caller.waiting_since is None and not caller.answered:
            self._send(CallEnded(call_id=caller.call_id, by="caller"))

    # --- lookups ----------------------------------------------------------------------------

    def _lookup(self, cmd: LookupCustomer) -> None:
        caller = self._calls.get(cmd.call_id)
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

    def _customer_found(self, arg: tuple[Caller, dict[str, Any] | None]) -> None:
        caller, customer = arg
        self._send(CustomerFound(call_id=caller.call_id, customer=customer))

    def _verify(self, cmd: VerifyPassword) -> None:
        caller = self._calls.get(cmd.call_id)
        if caller is None:
            return
        ok = caller.rng.random() < self._password_ok
        if not ok:
            caller.password_failures += 1
        self._later(caller, 0.0, self._password_checked, (caller, ok))

    def _password_checked(self, arg: tuple[Caller, bool]) -> None:
        caller, ok = arg
        self._send(
            PasswordChecked(
                call_id=caller.call_id,
                outcome="ok" if ok else "wrong",
                failures=caller.password_failures,
            )
        )

    # --- waiting ------------------------------------------------------------------------------

    def _queued(self, fact: Queued) -> None:
        caller = self._calls.get(fact.call_id)
        if caller is None or caller.answered or caller.waiting_since is not None:
            return
        caller.waiting_since = fact.at
        caller.queue = fact.queue
        if caller.menu_act is not None:
            caller.menu_act.cancel()
            caller.menu_act = None
        patience = caller.patience_s
        if patience is None:
            patience = self._queue_patience(caller.rng)
        if patience < math.inf:
            caller.patience_act = self._later(caller, patience, self._give_up)

    def _give_up(self, caller: Caller) -> None:
        caller.patience_act = None
        if caller.answered or caller.waiting_since is None:
            return
        if (
            self._callback_accept
            and self._takes(CallbackRequested, caller.call_id)
            and caller.rng.random() < self._callback_accept
        ):
            self._send(CallbackRequested(call_id=caller.call_id, number=caller.number))
        else:
            self._send(CallEnded(call_id=caller.call_id, by="caller"))

    def _left_queue(self, fact: CallbackQueued | Diverted) -> None:
        caller = self._calls.get(fact.call_id)
        if caller is not None and caller.patience_act is not None:
            caller.patience_act.cancel()
            caller.patience_act = None
            caller.waiting_since = None

    def _callback_queued(self, fact: CallbackQueued) -> None:
        self._callback_queue[fact.call_id] = fact.queue
        self._left_queue(fact)

    def _diverted(self, fact: Diverted) -> None:
        if fact.action != "queue":  # to another queue the caller keeps waiting, with patience
            self._left_queue(fact)

    # --- callbacks ------------------------------------------------------------------------------

    def _place_callback(self, cmd: PlaceCallback) -> None:
        caller = self._calls.get(cmd.call_id)
        if caller is None:  # the caller's line ended; the callback lives on in the engine
            caller = Caller(cmd.call_id, cmd.number, random.Random(self._rng.getrandbits(64)))
            caller.answered = caller.callback_only = True
            caller.queue = self._callback_queue.pop(cmd.call_id, "")
            self._calls[cmd.call_id] = caller
        rng = caller.rng
        reached = rng.random() < self._callback_reached
        delay = DIAL_S + self._ring(rng)
        self._later(caller, delay, self._callback_answer, (caller, reached))

    def _callback_answer(self, arg: tuple[Caller, bool]) -> None:
        caller, reached = arg
        if not reached:
            if caller.callback_only:
                self._calls.pop(caller.call_id, None)
            self._send(CallbackFailed(call_id=caller.call_id, reason="no-answer"))
            return
        self._send(CallbackConnected(call_id=caller.call_id))
        caller.transfers = 1  # a callback is not transferred again
        self._talk(caller, caller.queue, True)

    def _journey_ended(self, fact: JourneyEnded) -> None:
        caller = self._calls.pop(fact.call_id, None)
        if caller is not None:
            caller.ended = True
