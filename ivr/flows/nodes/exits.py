"""Nodes that hand the call on: a queue, a number or another flow, a callback, voicemail, hang-up."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING, Any

from ivr.errors import FlowError
from ivr.flows.nodes.base import CNode, Out, end_flow
from ivr.model.commands import CreateCallback, PlayPrompts, RecordVoicemail, TransferOut
from ivr.model.directives import FlowDone
from ivr.model.events import PlaybackFinished
from ivr.model.facts import Outcome
from ivr.secret import Secret

if TYPE_CHECKING:
    from ivr.flows.interpreter import FlowInterpreter, FlowRun


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
        end_flow(run, out, Outcome.CALLBACK, "callback requested")
        return None

    def on_playback(
        self, it: FlowInterpreter, run: FlowRun, ev: PlaybackFinished, out: Out
    ) -> CNode | None:
        end_flow(run, out, Outcome.CALLBACK, "callback requested")
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
        end_flow(run, out, Outcome.VOICEMAIL, f"voicemail left in {self.box}")
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
        end_flow(run, out, self.outcome, self.reason, self.cause)
        return None

    def on_playback(
        self, it: FlowInterpreter, run: FlowRun, ev: PlaybackFinished, out: Out
    ) -> CNode | None:
        end_flow(run, out, self.outcome, self.reason, self.cause)
        return None
