"""The flow interpreter: a call's place in its flow, plus an event, gives outputs.

Pure, like the routing core: no I/O, time from the injected clock, queue state
through the injected :class:`~ivr.model.queue_view.QueueView`. The journey
(:mod:`ivr.engine.journey`) holds one :class:`FlowRun` per call in a menu::

    interp = FlowInterpreter(catalog, clock=clock, queues=queue_view)
    run, outputs = interp.start(call_id=..., caller=..., dnis=...)
    outputs = interp.handle(run, event)   # PlaybackFinished | DigitsCollected | CustomerFound
                                          # | PasswordChecked | ActionFailed
    facts = interp.hangup(run)            # the caller hung up in the flow

Outputs come in the order things happen: facts (``NodeEntered`` for each node
entered, ``MenuInput`` for each answer at a menu or collect), media commands
for the driver and, when the flow is done with the call, one directive last:
``ToQueue`` or ``FlowDone`` (after its ``Hangup``/``TransferOut``).

A node that fails at run time (an ``ActionFailed`` from the driver, a missing
value, retries run out without ``on_exhausted``) takes its ``on_error``, else
the flow's ``on_error`` (inside a sub-flow: the calling node's, then the
calling flow's), else the centre's general queue. A caller is never dropped
because of a flow bug. An event the current node does not wait for is ignored.

A call runs to its end on the :class:`FlowBundle` it started with, whatever
hot reload does to the catalog meanwhile.
"""

from __future__ import annotations

from typing import Any

from ivr.clock import Clock
from ivr.flows.catalog import FlowCatalog
from ivr.flows.compiler import CFlow, FlowBundle
from ivr.flows.nodes.base import CNode, Out
from ivr.flows.nodes.dialogue import CollectN, MenuN
from ivr.flows.output_factories import node_entered
from ivr.flows.output_factories import to_queue as make_to_queue
from ivr.model.events import (
    ActionFailed,
    CustomerFound,
    DigitsCollected,
    PasswordChecked,
    PlaybackFinished,
)
from ivr.model.facts import MenuInput
from ivr.model.queue_view import QueueView
from ivr.model.skills import Tier
from ivr.secret import Secret

# passive nodes entered in a row before the run is judged stuck (the validator forbids
# loops without input; this guards a flow that slipped past it)
MAX_STEPS = 200
_TIERS = {t.value: t for t in Tier}


class FlowRun:
    """One call's state in its flow. Variables may hold Secrets; they never leave in clear."""

    __slots__ = (
        "attempts",
        "barge",
        "bundle",
        "call_id",
        "caller",
        "dnis",
        "done",
        "flow",
        "has_secret",
        "language",
        "node",
        "pw_failures",
        "stack",
        "started_at",
        "vars",
    )

    def __init__(
        self, call_id: str, caller: str, dnis: str, bundle: FlowBundle, flow: CFlow, language: str
    ) -> None:
        self.call_id = call_id
        self.caller = caller
        self.dnis = dnis
        self.bundle = bundle
        self.flow = flow
        self.language = language
        self.node: CNode | None = None
        self.vars: dict[str, Any] = {}
        self.stack: list[tuple[CFlow, Any]] = []
        self.attempts = 0
        self.pw_failures = 0
        self.barge: str | None = None
        self.done = False
        self.started_at = 0.0
        self.has_secret = False  # set by a secret collect: only then are variables scanned

    def finish(self) -> None:
        self.done = True
        # nothing typed as a secret outlives the flow
        if self.has_secret:
            for key in [k for k, v in self.vars.items() if isinstance(v, Secret)]:
                del self.vars[key]

    def screen_pop(self) -> dict[str, Any]:
        """What a seat (or a callback task) may see: the variables without any secret."""
        if self.has_secret:
            pop = {k: v for k, v in self.vars.items() if not isinstance(v, Secret)}
        else:
            pop = dict(self.vars)
        pop["language"] = self.language
        pop["flow"] = self.flow.name
        return pop

    @property
    def version(self) -> str:
        return self.flow.version

    def __repr__(self) -> str:
        where = self.node.id if self.node else "-"
        return f"<FlowRun {self.call_id} {self.flow.name}@{where}{' done' if self.done else ''}>"


class FlowInterpreter:
    def __init__(
        self,
        catalog: FlowCatalog,
        *,
        clock: Clock,
        queues: QueueView | None = None,
    ) -> None:
        self.catalog = catalog
        self.clock = clock
        self.queues = queues

    # --- the surface ------------------------------------------------------------------

    def start(
        self,
        *,
        call_id: str,
        caller: str,
        dnis: str,
        language: str | None = None,
        flow: str | None = None,
        variables: dict[str, Any] | None = None,
    ) -> tuple[FlowRun, list[Any]]:
        """Start the flow named ``flow``, else the one ``dnis`` starts, else the default flow.

        With no flow at all the call goes straight to the general queue.
        """
        bundle = self.catalog.bundle
        cflow = bundle.flows.get(flow) if flow else bundle.by_dnis.get(dnis)
        if cflow is None:
            cflow = self.catalog.default_flow()
        out: Out = []
        if cflow is None:
            run = FlowRun(call_id, caller, dnis, bundle, _NO_FLOW, language or "zh")
            run.vars.update(_builtins(run))
            self._safe(run, f"no flow for dnis {dnis}", out)
            return run, out
        lang = language if language in cflow.languages else cflow.languages[0]
        run = FlowRun(call_id, caller, dnis, bundle, cflow, lang)
        run.started_at = self.clock.now()
        run.vars.update(_builtins(run))
        if variables:
            run.vars.update(variables)
            run.has_secret = any(isinstance(v, Secret) for v in variables.values())
            run.language = lang  # a passed-in 'language' does not override the checked one
            run.vars["language"] = lang
        self._run(run, cflow.start, out)
        return run, out

    def handle(self, run: FlowRun, event: Any) -> list[Any]:
        """Feed one driver event for the run's call; returns the outputs."""
        node = run.node
        if run.done or node is None:
            return []
        out: Out = []
        try:
            kind = type(event)
            if kind is DigitsCollected:
                nxt = node.on_digits(self, run, event, out)
            elif kind is PlaybackFinished:
                nxt = node.on_playback(self, run, event, out)
            elif kind is CustomerFound:
                nxt = node.on_customer(self, run, event, out)
            elif kind is PasswordChecked:
                nxt = node.on_password(self, run, event, out)
            elif kind is ActionFailed:
                nxt = self.fail(run, node, f"{event.command} failed: {event.reason}", out)
            else:
                return []
        except Exception as exc:  # a flow bug must not drop the caller
            nxt = self.fail(run, node, _reason(exc), out)
        if nxt is not None:
            self._run(run, nxt, out)
        return out

    def hangup(self, run: FlowRun) -> list[Any]:
        """The caller hung up in the flow: the facts to record (a ``MenuInput`` of ``hangup``
        when it happened at a menu or collect). The journey writes ``JourneyEnded``."""
        if run.done:
            return []
        node = run.node
        run.finish()
        if node is not None and type(node) in (MenuN, CollectN):
            return [
                MenuInput(
                    call_id=run.call_id,
                    flow=run.flow.name,
                    node=node.id,
                    choice="hangup",
                    secret=isinstance(node, CollectN) and node.secret,
                    at=self.clock.now(),
                )
            ]
        return []

    # --- used by the nodes -------------------------------------------------------------

    def fail(self, run: FlowRun, node: CNode, reason: str, out: Out) -> CNode | None:
        """Where a failing node goes: its exit, the flow's, the caller's, or the safe queue."""
        run.vars["flow_error"] = f"{run.flow.name}.{node.id}: {reason}"
        if node.on_error is not None and node.on_error is not node:
            return node.on_error
        flow_exit = run.flow.on_error
        if flow_exit is not None and flow_exit is not node:
            return flow_exit
        while run.stack:
            flow, call = run.stack.pop()
            run.flow = flow
            if call.on_error is not None:
                return call.on_error
            if flow.on_error is not None:
                return flow.on_error
        self._safe(run, reason, out)
        return None

    def to_queue(
        self, run: FlowRun, queue: str, service: str | None, priority: int | None, out: Out
    ) -> None:
        tier = _TIERS.get(str(run.vars.get("tier", "normal")), Tier.NORMAL)
        service = service if service is not None else queue
        out.append(
            make_to_queue(
                run.call_id, queue, service, tier, priority, _owner(run), run.screen_pop()
            )
        )
        run.finish()

    # --- inside ------------------------------------------------------------------------

    def _safe(self, run: FlowRun, reason: str, out: Out) -> None:
        run.vars.setdefault("flow_error", reason)
        self.to_queue(run, self.catalog.safe_queue, None, None, out)

    def _run(self, run: FlowRun, node: CNode | None, out: Out) -> None:
        """Enter nodes until one waits for an event or the flow is done."""
        steps = 0
        now = self.clock.now
        call_id = run.call_id
        while node is not None and not run.done:
            steps += 1
            if steps > MAX_STEPS:
                self._safe(run, f"more than {MAX_STEPS} nodes without input", out)
                return
            run.node = current = node
            out.append(node_entered(call_id, run.flow.name, node.id, now()))
            try:
                node = current.enter(self, run, out)
            except Exception as exc:  # a flow bug must not drop the caller
                node = self.fail(run, current, _reason(exc), out)


def _owner(run: FlowRun) -> str | None:
    """The seat that owns the caller's open request, if a lookup found one (first contact)."""
    owner = run.vars.get("owner_seat")
    return str(owner) if owner else None


def _builtins(run: FlowRun) -> dict[str, Any]:
    return {
        "call_id": run.call_id,
        "caller": run.caller,
        "dnis": run.dnis,
        "language": run.language,
        "tier": "normal",
        "flow": run.flow.name,
    }


def _reason(exc: Exception) -> str:
    # the exception's type and our own message only: never the repr of values it carried
    from ivr.errors import IvrError

    if isinstance(exc, IvrError):
        return exc.message
    return f"internal error ({type(exc).__name__})"


_NO_FLOW = CFlow("(none)", "-", "-", ("zh",))
