"""Every path of a flow catalog, walked with the real interpreter.

From each flow's start, every answer a driver can give to what the flow waits
for (each key and a timeout at a menu, a short and a long entry and nothing at a
collect, found or not at a lookup, each password outcome, a failure of any
command) is tried at every node, once per place in the flow; the run is
cloned, not replayed, so a catalog of a hundred nodes takes milliseconds.

A walk fails on any exception out of the interpreter, and on a run that ended in
the safe queue because a node raised (``internal error``): the interpreter
catches that so a caller is never dropped, but the validator should have
refused the flow that made it happen.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ivr.clock import ManualClock
from ivr.flows.catalog import FlowCatalog
from ivr.flows.interpreter import FlowInterpreter, FlowRun
from ivr.flows.node_parts import conditions
from ivr.model.commands import (
    CollectDigits,
    LookupCustomer,
    PlayPrompts,
    RecordVoicemail,
    SayValue,
    VerifyPassword,
)
from ivr.model.events import (
    ActionFailed,
    CustomerFound,
    DigitsCollected,
    PasswordChecked,
    PlaybackFinished,
)
from ivr.model.facts import NodeEntered
from ivr.model.flow import BranchNode
from ivr.secret import Secret

from .conftest import FakeQueues

WAITS = (PlayPrompts, SayValue, RecordVoicemail, CollectDigits, LookupCustomer, VerifyPassword)
KEYS = tuple("0123456789*#")
CUSTOMERS: tuple[dict[str, Any] | None, ...] = (
    None,
    {"tier": "vip", "name": "Li Wei", "segment": "business", "language": "en", "account": "A100"},
    {"tier": "green", "name": "Wu Fang", "language": "zh", "balance": "12.50"},
)
OUTCOMES = ("ok", "wrong", "locked", "no_password")


def answers(cmd: Any) -> Iterator[Any]:
    """Every answer a driver may give to ``cmd``, a failure included."""
    call = cmd.call_id
    match cmd:
        case PlayPrompts():
            yield PlaybackFinished(call_id=call)
            if cmd.interruptible:
                yield from (PlaybackFinished(call_id=call, digit=k) for k in ("1", "0"))
        case SayValue() | RecordVoicemail():
            yield PlaybackFinished(call_id=call)
        case CollectDigits():
            entries = KEYS if cmd.max_digits == 1 else ("1" * cmd.min_digits, "9" * cmd.max_digits)
            for entry in ("", *entries):
                yield DigitsCollected(call_id=call, digits=Secret(entry) if cmd.secret else entry)
        case LookupCustomer():
            yield from (CustomerFound(call_id=call, customer=c) for c in CUSTOMERS)
        case VerifyPassword():
            for n, outcome in enumerate(OUTCOMES):
                yield PasswordChecked(call_id=call, outcome=outcome, failures=n)  # type: ignore[arg-type]
    yield ActionFailed(call_id=call, command=type(cmd).__name__, reason="fuzz")


def _clone(run: FlowRun) -> FlowRun:
    twin = copy.copy(run)
    twin.vars = dict(run.vars)
    twin.stack = list(run.stack)
    return twin


def _place(run: FlowRun, tested: frozenset[str]) -> tuple[Any, ...]:
    """What decides where a run can go from here: its node, its callers, the variables tested."""
    node = run.node.id if run.node else "-"
    callers = tuple((flow.name, call.id) for flow, call in run.stack)
    values = tuple(str(run.vars.get(name)) for name in sorted(tested))
    return (run.flow.name, node, callers, run.attempts, run.pw_failures, run.barge, values)


def _tested(catalog: FlowCatalog) -> frozenset[str]:
    """The variables some branch tests: only they change which way a run goes."""
    return frozenset(
        cond.var
        for src in catalog.bundle.sources.values()
        for node in src.flow.nodes.values()
        if isinstance(node, BranchNode)
        for case in node.cases
        for cond in conditions(case.if_)
        if cond.var is not None
    )


@dataclass
class WalkReport:
    steps: int = 0  # events fed
    ended: int = 0  # runs that reached their end
    entered: set[tuple[str, str]] = field(default_factory=set)  # (flow, node)


def _check(run: FlowRun, path: list[str]) -> None:
    error = str(run.vars.get("flow_error", ""))
    assert "internal error" not in error, f"{error} after {' → '.join(path)}"


def walk_everything(catalog: FlowCatalog, *, at: float, alarm: int = 0) -> WalkReport:
    """Walk every flow of ``catalog`` (each by name, as dialled and as a VIP) at time ``at``."""
    report = WalkReport()
    interp = FlowInterpreter(catalog, clock=ManualClock(at), queues=FakeQueues(alarm=alarm))
    tested = _tested(catalog)
    seen: set[tuple[Any, ...]] = set()
    for name in sorted(catalog.bundle.flows):
        # what a flow needs, its starter gives it (a calling flow, a campaign: the account)
        given = {var: "1" for var in catalog.bundle.sources[name].flow.needs}
        for extra in ({}, {"tier": "vip"}):  # a transfer brings the caller's tier along
            variables = {**given, **extra} or None
            run, out = interp.start(
                call_id="c1", caller="13800138000", dnis="-", flow=name, variables=variables
            )
            _walk(interp, run, out, name, tested, seen, report)
    return report


def _walk(
    interp: FlowInterpreter,
    run: FlowRun,
    out: list[Any],
    name: str,
    tested: frozenset[str],
    seen: set[tuple[Any, ...]],
    report: WalkReport,
) -> None:
    todo = [(run, out, [name])]
    while todo:
        run, out, path = todo.pop()
        _check(run, path)
        report.entered.update((o.flow, o.node) for o in out if isinstance(o, NodeEntered))
        waiting = [o for o in out if isinstance(o, WAITS)]
        if run.done:
            report.ended += 1
            continue
        assert waiting, f"the call waits for nothing after {' → '.join(path)}"
        place = _place(run, tested)
        for i, event in enumerate(answers(waiting[-1])):
            if (place, i) in seen:
                continue
            seen.add((place, i))
            twin = _clone(run)
            report.steps += 1
            step = f"{place[1]}:{type(event).__name__}"
            todo.append((twin, interp.handle(twin, event), [*path, step]))
