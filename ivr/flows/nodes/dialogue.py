"""Nodes that talk with the caller: play prompts, a one-digit menu, collect digits, say a value."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Literal

from ivr.errors import FlowError
from ivr.flows.nodes.base import CNode, Out
from ivr.flows.output_factories import collect_digits, menu_input, play_prompts
from ivr.model.commands import SayValue
from ivr.model.events import DigitsCollected, PlaybackFinished
from ivr.secret import Secret

if TYPE_CHECKING:
    from ivr.flows.interpreter import FlowInterpreter, FlowRun


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
