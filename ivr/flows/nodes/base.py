"""The compiled node every kind extends, and the way a node ends the flow itself.

``enter`` and the ``on_*`` handlers append outputs to ``out`` and return the
next node to enter at once, or ``None`` when the run now waits for an event
(or is finished).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ivr.model.commands import Hangup
from ivr.model.directives import FlowDone
from ivr.model.events import CustomerFound, DigitsCollected, PasswordChecked, PlaybackFinished
from ivr.model.facts import Outcome

if TYPE_CHECKING:
    from ivr.flows.interpreter import FlowInterpreter, FlowRun

Out = list[Any]
Cond = Callable[["FlowInterpreter", "FlowRun"], bool]


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


def end_flow(run: FlowRun, out: Out, outcome: Outcome, reason: str, cause: str = "normal") -> None:
    """Hang up and tell the engine the flow is done with the call."""
    out.append(Hangup(call_id=run.call_id, reason=reason, cause=cause))  # type: ignore[arg-type]
    out.append(FlowDone(call_id=run.call_id, outcome=outcome, reason=reason))
    run.finish()
