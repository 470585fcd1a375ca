"""Compiled nodes: plain slotted objects the interpreter steps through.

Each class answers the events its node waits for. ``enter`` and the ``on_*``
handlers append outputs to ``out`` and return the next node to enter at once,
or ``None`` when the run now waits for an event (or is finished). Targets are
node objects, resolved when the flow is compiled: a step is a few attribute
reads and method calls, no lookups by name, no validation, no regex compiling.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from ivr.errors import FlowError
from ivr.flows.output_factories import collect_digits, lookup_customer, menu_input, play_prompts
from ivr.model.commands import (
    CreateCallback,
    Hangup,
    PlayPrompts,
    RecordVoicemail,
    SayValue,
    TransferOut,
    VerifyPassword,
)
from ivr.model.directives import FlowDone
from ivr.model.events import CustomerFound, DigitsCollected, PasswordChecked, PlaybackFinished
from ivr.model.facts import Outcome
from ivr.model.skills import Tier
from ivr.secret import Secret

if TYPE_CHECKING:
    from ivr.flows.interpreter import FlowInterpreter, FlowRun

Out = list[Any]
Cond = Callable[["FlowInterpreter", "FlowRun"], bool]
_TIERS = {t.value: t for t in Tier}


class CNode:
    """A compiled node. ``on_error`` is the node's own failure exit (None: the flow's)."""

    __slots__ = ("id", "on_error", "type")

    def __init__(self, id: str, type: str) -> None:
        self.id = id
        self.type = type
        self.on_error: CNode | None = None

    def link(self, nodes: dict[str, CNode], spec: Any) -> None:
        """Resolve target ids into node objects (after every node of the flow exists)."""
        if spec.on_error is not None:
            self.on_error = nodes[spec.on_error]

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        raise NotImplementedError

    # events: by default a node does not expect them and they are ignored
    def on_playback(
        self, it: FlowInterpreter, run: FlowRun, ev: PlaybackFinished, out: Out
    ) -> CNode | None:
        return None

    def on_digits(
        self, it: FlowInterpreter, run: FlowRun, ev: DigitsCollected, out: Out
    ) -> CNode | None:
        return None

    def on_customer(
        self, it: FlowInterpreter, run: FlowRun, ev: CustomerFound, out: Out
    ) -> CNode | None:
        return None

    def on_password(
        self, it: FlowInterpreter, run: FlowRun, ev: PasswordChecked, out: Out
    ) -> CNode | None:
        return None

    def __repr__(self) -> str:
        return f"<{self.type} {self.id}>"


def _end(run: FlowRun, out: Out, outcome: Outcome, reason: str, cause: str = "normal") -> None:
    out.append(Hangup(call_id=run.call_id, reason=reason, cause=cause))  # type: ignore[arg-type]
    out.append(FlowDone(call_id=run.call_id, outcome=outcome, reason=reason))
    run.finish()


class PlayN(CNode):
    __slots__ = ("barge_in", "next", "prompts")

    def __init__(self, id: str, prompts: tuple[str, ...], barge_in: bool) -> None:
        super().__init__(id, "play")
        self.prompts = prompts
        self.barge_in = barge_in
        self.next: CNode = self

    def link(self, nodes: dict[str, CNode], spec: Any) -> None:
        super().link(nodes, spec)
        self.next = nodes[spec.next]

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        out.append(play_prompts(run.call_id, self.prompts, run.language, self.barge_in))
        return None

    def on_playback(
        self, it: FlowInterpreter, run: FlowRun, ev: PlaybackFinished, out: Out
    ) -> CNode | None:
        if ev.digit and self.barge_in and type(self.next) is MenuN:
            run.barge = ev.digit
        return self.next


class MenuN(CNode):
    __slots__ = (
        "choices",
        "invalid_prompts",
        "no_input_prompts",
        "on_exhausted",
        "prompts",
        "retries",
        "timeout_s",
    )

    def __init__(self, id: str, spec: Any) -> None:
        super().__init__(id, "menu")
        self.prompts: tuple[str, ...] = tuple(spec.prompts)
        self.timeout_s: float = spec.timeout_s
        self.retries: int = spec.retries
        inv = (spec.invalid_prompt,) if spec.invalid_prompt else ()
        non = (spec.no_input_prompt,) if spec.no_input_prompt else ()
        self.invalid_prompts = inv + self.prompts
        self.no_input_prompts = non + self.prompts
        self.choices: dict[str, CNode] = {}
        self.on_exhausted: CNode | None = None

    def link(self, nodes: dict[str, CNode], spec: Any) -> None:
        super().link(nodes, spec)
        self.choices = {d: nodes[t] for d, t in spec.choices.items()}
        if spec.on_exhausted is not None:
            self.on_exhausted = nodes[spec.on_exhausted]

    def _ask(self, run: FlowRun, prompts: tuple[str, ...], out: Out) -> None:
        out.append(
            collect_digits(run.call_id, prompts, run.language, 1, 1, self.timeout_s, None, False)
        )

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        run.attempts = 0
        if run.barge is not None:
            digit, run.barge = run.barge, None
            return self._choose(it, run, digit, out)
        self._ask(run, self.prompts, out)
        return None

    def on_digits(
        self, it: FlowInterpreter, run: FlowRun, ev: DigitsCollected, out: Out
    ) -> CNode | None:
        digits = ev.digits
        return self._choose(it, run, digits if type(digits) is str else "?", out)

    def _choose(self, it: FlowInterpreter, run: FlowRun, digits: str, out: Out) -> CNode | None:
        target = self.choices.get(digits[:1]) if digits else None
        if target is not None:
            out.append(
                menu_input(run.call_id, run.flow.name, self.id, digits[:1], False, it.clock.now())
            )
            return target
        choice = "invalid" if digits else "timeout"
        out.append(menu_input(run.call_id, run.flow.name, self.id, choice, False, it.clock.now()))
        run.attempts += 1
        if run.attempts > self.retries:
            return self.on_exhausted or it.fail(run, self, "menu retries ran out", out)
        self._ask(run, self.invalid_prompts if digits else self.no_input_prompts, out)
        return None


class CollectN(CNode):
    __slots__ = (
        "into",
        "invalid_prompts",
        "max_digits",
        "min_digits",
        "next",
        "on_exhausted",
        "pattern",
        "prompts",
        "retries",
        "secret",
        "terminator",
        "timeout_s",
    )

    def __init__(self, id: str, spec: Any) -> None:
        super().__init__(id, "collect")
        self.prompts: tuple[str, ...] = tuple(spec.prompts)
        self.into: str = spec.into
        self.min_digits: int = spec.min_digits
        self.max_digits: int = spec.max_digits
        self.terminator: str | None = spec.terminator
        self.timeout_s: float = spec.timeout_s
        self.pattern = re.compile(spec.pattern) if spec.pattern else None
        self.secret: bool = spec.secret
        self.retries: int = spec.retries
        inv = (spec.invalid_prompt,) if spec.invalid_prompt else ()
        self.invalid_prompts = inv + self.prompts
        self.next: CNode = self
        self.on_exhausted: CNode | None = None

    def link(self, nodes: dict[str, CNode], spec: Any) -> None:
        super().link(nodes, spec)
        self.next = nodes[spec.next]
        if spec.on_exhausted is not None:
            self.on_exhausted = nodes[spec.on_exhausted]

    def _ask(self, run: FlowRun, prompts: tuple[str, ...], out: Out) -> None:
        out.append(
            collect_digits(
                run.call_id,
                prompts,
                run.language,
                self.min_digits,
                self.max_digits,
                self.timeout_s,
                self.terminator,
                self.secret,
            )
        )

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        run.attempts = 0
        self._ask(run, self.prompts, out)
        return None

    def _valid(self, text: str) -> bool:
        if not (self.min_digits <= len(text) <= self.max_digits):
            return False
        return self.pattern is None or self.pattern.fullmatch(text) is not None

    def on_digits(
        self, it: FlowInterpreter, run: FlowRun, ev: DigitsCollected, out: Out
    ) -> CNode | None:
        value = ev.digits
        if self.secret:
            secret = value if isinstance(value, Secret) else Secret(value)
            text = secret.reveal()  # only checked here; never output
            stored: str | Secret = secret
        else:
            text = value if type(value) is str else ""
            stored = text
        if text and self._valid(text):
            if self.secret:
                run.has_secret = True
            run.vars[self.into] = stored
            choice = "entered" if self.secret else text
            out.append(
                menu_input(run.call_id, run.flow.name, self.id, choice, self.secret, it.clock.now())
            )
            return self.next
        choice = "invalid" if text else "timeout"
        out.append(
            menu_input(run.call_id, run.flow.name, self.id, choice, self.secret, it.clock.now())
        )
        run.attempts += 1
        if run.attempts > self.retries:
            return self.on_exhausted or it.fail(run, self, "collect retries ran out", out)
        self._ask(run, self.invalid_prompts if text else self.prompts, out)
        return None


class VerifyN(CNode):
    __slots__ = (
        "account",
        "max_failures",
        "next",
        "on_locked",
        "on_no_password",
        "on_wrong",
        "password",
    )

    def __init__(self, id: str, spec: Any) -> None:
        super().__init__(id, "verify_password")
        self.account: str = spec.account
        self.password: str = spec.password
        self.max_failures: int = spec.max_failures
        self.next: CNode = self
        self.on_wrong: CNode = self
        self.on_locked: CNode = self
        self.on_no_password: CNode | None = None

    def link(self, nodes: dict[str, CNode], spec: Any) -> None:
        super().link(nodes, spec)
        self.next = nodes[spec.next]
        self.on_wrong = nodes[spec.on_wrong]
        self.on_locked = nodes[spec.on_locked]
        if spec.on_no_password is not None:
            self.on_no_password = nodes[spec.on_no_password]

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        password = run.vars.get(self.password)
        account = run.vars.get(self.account)
        if not isinstance(password, Secret) or account is None:
            msg = (
                f"verify_password '{self.id}' needs a secret '{self.password}' and '{self.account}'"
            )
            raise FlowError(msg, node=self.id)
        text = password.reveal()
        if len(text) != 6 or not text.isdigit():
            # not a 6-digit password: a failed attempt, without asking the store
            run.vars.pop(self.password, None)
            return self._wrong(run, run.pw_failures + 1)
        out.append(VerifyPassword(call_id=run.call_id, account=str(account), password=password))
        return None

    def _wrong(self, run: FlowRun, failures: int) -> CNode:
        run.pw_failures = max(failures, run.pw_failures + 1)
        return self.on_locked if run.pw_failures >= self.max_failures else self.on_wrong

    def on_password(
        self, it: FlowInterpreter, run: FlowRun, ev: PasswordChecked, out: Out
    ) -> CNode | None:
        run.vars.pop(self.password, None)  # the clear value is not kept beyond the check
        outcome = ev.outcome
        if outcome == "ok":
            run.pw_failures = 0
            run.vars["verified"] = True
            return self.next
        if outcome == "wrong":
            return self._wrong(run, ev.failures)
        if outcome == "locked":
            return self.on_locked
        return self.on_no_password or it.fail(run, self, "the account has no password", out)


class LookupN(CNode):
    __slots__ = ("account", "by", "fields", "next", "on_not_found")

    def __init__(self, id: str, spec: Any) -> None:
        super().__init__(id, "lookup")
        self.by: Literal["caller", "account"] = spec.by
        self.account: str = spec.account
        self.fields: tuple[str, ...] = tuple(spec.fields)
        self.next: CNode = self
        self.on_not_found: CNode | None = None

    def link(self, nodes: dict[str, CNode], spec: Any) -> None:
        super().link(nodes, spec)
        self.next = nodes[spec.next]
        if spec.on_not_found is not None:
            self.on_not_found = nodes[spec.on_not_found]

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        if self.by == "caller":
            value = run.caller
        else:
            raw = run.vars.get(self.account)
            if raw is None or isinstance(raw, Secret):
                msg = f"lookup '{self.id}' needs the account in '{self.account}'"
                raise FlowError(msg, node=self.id)
            value = str(raw)
        out.append(lookup_customer(run.call_id, self.by, value))
        return None

    def on_customer(
        self, it: FlowInterpreter, run: FlowRun, ev: CustomerFound, out: Out
    ) -> CNode | None:
        c = ev.customer
        v = run.vars
        if c is None:
            v["customer_found"] = False
            v.setdefault("name", "")
            v.setdefault("segment", "")
            v.setdefault("account", "")
            for f in self.fields:
                v.setdefault(f, "")
            return self.on_not_found or self.next
        v["customer_found"] = True
        tier = _TIERS.get(str(c.get("tier", "normal")), Tier.NORMAL)
        v["tier"] = tier.value
        v["name"] = str(c.get("name", ""))
        v["segment"] = str(c.get("segment", ""))
        account = c.get("account")
        if account is not None:
            v["account"] = str(account)
        else:
            v.setdefault("account", "")
        lang = c.get("language")
        if lang in run.flow.languages:
            v["language"] = lang
            run.language = lang
        owner = c.get("owner_seat")
        if owner:  # the seat that owns an open request of this customer (first contact)
            v["owner_seat"] = str(owner)
        for f in self.fields:
            value = c.get(f, "")
            v[f] = "" if value is None else value
        return self.next


class BranchN(CNode):
    __slots__ = ("_conditions", "cases", "otherwise")

    def __init__(self, id: str, conditions: tuple[Cond, ...]) -> None:
        super().__init__(id, "branch")
        self._conditions = conditions
        self.cases: tuple[tuple[Cond, CNode], ...] = ()
        self.otherwise: CNode = self

    def link(self, nodes: dict[str, CNode], spec: Any) -> None:
        super().link(nodes, spec)
        self.cases = tuple(
            (cond, nodes[case.next])
            for cond, case in zip(self._conditions, spec.cases, strict=True)
        )
        self.otherwise = nodes[spec.otherwise]

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        for cond, target in self.cases:
            if cond(it, run):
                return target
        return self.otherwise


class SetN(CNode):
    __slots__ = ("next", "values")

    def __init__(self, id: str, values: tuple[tuple[str, Any], ...]) -> None:
        super().__init__(id, "set")
        self.values = values
        self.next: CNode = self

    def link(self, nodes: dict[str, CNode], spec: Any) -> None:
        super().link(nodes, spec)
        self.next = nodes[spec.next]

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        v = run.vars
        for key, value in self.values:
            v[key] = value
            if key == "language":
                run.language = value
        return self.next


class SayN(CNode):
    __slots__ = ("kind", "next", "var")

    def __init__(self, id: str, kind: Literal["digits", "number", "amount"], var: str) -> None:
        super().__init__(id, "say")
        self.kind: Literal["digits", "number", "amount"] = kind
        self.var = var
        self.next: CNode = self

    def link(self, nodes: dict[str, CNode], spec: Any) -> None:
        super().link(nodes, spec)
        self.next = nodes[spec.next]

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        value = run.vars.get(self.var)
        if value is None or value == "" or isinstance(value, Secret):
            msg = f"say '{self.id}': variable '{self.var}' has no value to say"
            raise FlowError(msg, node=self.id)
        if self.kind == "amount":
            text = f"{float(value):.2f}"
        elif self.kind == "number":
            text = str(int(float(value)))
        else:
            text = str(value)
            if not text.isdigit():
                msg = f"say '{self.id}': '{self.var}' is not digits"
                raise FlowError(msg, node=self.id)
        out.append(SayValue(call_id=run.call_id, kind=self.kind, value=text, language=run.language))
        return None

    def on_playback(
        self, it: FlowInterpreter, run: FlowRun, ev: PlaybackFinished, out: Out
    ) -> CNode | None:
        return self.next


class QueueN(CNode):
    __slots__ = ("priority", "queue", "service")

    def __init__(self, id: str, queue: str, service: str | None, priority: int | None) -> None:
        super().__init__(id, "queue")
        self.queue = queue
        self.service = service
        self.priority = priority

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        it.to_queue(run, self.queue, self.service, self.priority, out)
        return None


class TransferN(CNode):
    __slots__ = ("flow", "number")

    def __init__(self, id: str, flow: str | None, number: str | None) -> None:
        super().__init__(id, "transfer")
        self.flow = flow
        self.number = number

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        if self.number is not None:
            out.append(TransferOut(call_id=run.call_id, number=self.number))
            out.append(
                FlowDone(
                    call_id=run.call_id,
                    outcome=Outcome.TRANSFERRED_OUT,
                    reason=f"transferred to {self.number}",
                )
            )
            run.finish()
            return None
        target = run.bundle.flows.get(self.flow or "")
        if target is None:
            msg = f"transfer '{self.id}': flow '{self.flow}' is not loaded"
            raise FlowError(msg, node=self.id)
        run.flow = target
        run.stack = []
        if run.language not in target.languages:
            run.language = target.languages[0]
        return target.start


class CallbackN(CNode):
    __slots__ = ("number", "prompts", "queue", "wished_time", "zone")

    def __init__(self, id: str, spec: Any) -> None:
        super().__init__(id, "callback")
        self.number: str = spec.number
        self.wished_time: str | None = spec.wished_time
        self.zone = zoneinfo.ZoneInfo(spec.timezone)
        self.queue: str | None = spec.queue
        self.prompts: tuple[str, ...] = tuple(spec.prompts)

    def _wished_at(self, now: float, hhmm: Any) -> float | None:
        text = str(hhmm)
        if len(text) != 4 or not text.isdigit():
            return None
        h, m = int(text[:2]), int(text[2:])
        if h > 23 or m > 59:
            return None
        local = dt.datetime.fromtimestamp(now, self.zone)
        wished = local.replace(hour=h, minute=m, second=0, microsecond=0)
        if wished <= local:
            wished = (local + dt.timedelta(days=1)).replace(
                hour=h, minute=m, second=0, microsecond=0
            )
        return wished.timestamp()

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        number = run.vars.get(self.number)
        if not number or isinstance(number, Secret):
            msg = f"callback '{self.id}': no number in '{self.number}'"
            raise FlowError(msg, node=self.id)
        wished = None
        if self.wished_time is not None:
            wished = self._wished_at(it.clock.now(), run.vars.get(self.wished_time, ""))
        out.append(
            CreateCallback(
                call_id=run.call_id,
                number=str(number),
                wished_at=wished,
                queue=self.queue,
                context=run.screen_pop(),
            )
        )
        if self.prompts:
            out.append(
                PlayPrompts(call_id=run.call_id, prompts=self.prompts, language=run.language)
            )
            return None
        _end(run, out, Outcome.CALLBACK, "callback requested")
        return None

    def on_playback(
        self, it: FlowInterpreter, run: FlowRun, ev: PlaybackFinished, out: Out
    ) -> CNode | None:
        _end(run, out, Outcome.CALLBACK, "callback requested")
        return None


class VoicemailN(CNode):
    __slots__ = ("box", "max_s", "prompt")

    def __init__(self, id: str, box: str, prompt: str | None, max_s: float) -> None:
        super().__init__(id, "voicemail")
        self.box = box
        self.prompt = prompt
        self.max_s = max_s

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        out.append(
            RecordVoicemail(
                call_id=run.call_id,
                box=self.box,
                prompt=self.prompt,
                language=run.language,
                max_s=self.max_s,
            )
        )
        return None

    def on_playback(
        self, it: FlowInterpreter, run: FlowRun, ev: PlaybackFinished, out: Out
    ) -> CNode | None:
        _end(run, out, Outcome.VOICEMAIL, f"voicemail left in {self.box}")
        return None


class HangupN(CNode):
    __slots__ = ("cause", "outcome", "prompts", "reason")

    def __init__(self, id: str, spec: Any) -> None:
        super().__init__(id, "hangup")
        self.prompts: tuple[str, ...] = tuple(spec.prompts)
        self.reason: str = spec.reason
        self.cause: str = spec.cause
        self.outcome = Outcome(spec.outcome)

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        if self.prompts:
            out.append(
                PlayPrompts(
                    call_id=run.call_id,
                    prompts=self.prompts,
                    language=run.language,
                    interruptible=False,
                )
            )
            return None
        _end(run, out, self.outcome, self.reason, self.cause)
        return None

    def on_playback(
        self, it: FlowInterpreter, run: FlowRun, ev: PlaybackFinished, out: Out
    ) -> CNode | None:
        _end(run, out, self.outcome, self.reason, self.cause)
        return None


class CallN(CNode):
    __slots__ = ("flow", "next", "returns")

    def __init__(self, id: str, flow: str) -> None:
        super().__init__(id, "call")
        self.flow = flow
        self.next: CNode = self
        self.returns: dict[str, CNode] = {}

    def link(self, nodes: dict[str, CNode], spec: Any) -> None:
        super().link(nodes, spec)
        self.next = nodes[spec.next]
        self.returns = {value: nodes[t] for value, t in spec.returns.items()}

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        target = run.bundle.flows.get(self.flow)
        if target is None:
            msg = f"call '{self.id}': flow '{self.flow}' is not loaded"
            raise FlowError(msg, node=self.id)
        run.stack.append((run.flow, self))
        run.flow = target
        return target.start


class ReturnN(CNode):
    __slots__ = ("value",)

    def __init__(self, id: str, value: str) -> None:
        super().__init__(id, "return")
        self.value = value

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        if not run.stack:
            msg = f"return '{self.id}' with no calling flow"
            raise FlowError(msg, node=self.id)
        flow, call = run.stack.pop()
        run.flow = flow
        return call.returns.get(self.value, call.next)
