"""Validated flow models → compiled flows of plain slotted nodes, and their conditions.

Conditions become small closures: a variable test compares a pre-normalised
value; a calendar test asks a compiled :class:`OpenHours`; a queue test asks
the interpreter's :class:`QueueView`.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ivr.errors import FlowError
from ivr.flows.nodes.base import CNode, Cond
from ivr.flows.nodes.control import BranchN, CallN, ReturnN, SetN
from ivr.flows.nodes.customer import LookupN, VerifyN
from ivr.flows.nodes.dialogue import CollectN, MenuN, PlayN, SayN
from ivr.flows.nodes.exits import CallbackN, HangupN, QueueN, TransferN, VoicemailN
from ivr.flows.source import FlowSet
from ivr.flows.timecal import OpenHours
from ivr.model.flow import (
    BranchNode,
    CallbackNode,
    CallNode,
    CollectNode,
    Condition,
    Flow,
    HangupNode,
    LookupNode,
    MenuNode,
    PlayNode,
    QueueNode,
    ReturnNode,
    SayNode,
    SetNode,
    TransferNode,
    VerifyPasswordNode,
    VoicemailNode,
)
from ivr.model.skills import Tier

_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
    "eq": operator.eq,
}


class CFlow:
    """A compiled flow: what a FlowRun walks."""

    __slots__ = ("dnis", "file", "languages", "name", "nodes", "on_error", "start", "version")

    def __init__(self, name: str, version: str, file: str, languages: tuple[str, ...]) -> None:
        self.name = name
        self.version = version
        self.file = file
        self.languages = languages
        self.dnis: tuple[str, ...] = ()
        self.nodes: dict[str, CNode] = {}
        self.start: CNode
        self.on_error: CNode | None = None

    def __repr__(self) -> str:
        return f"<flow {self.name} {self.version}>"


@dataclass(frozen=True, slots=True)
class FlowBundle:
    """Every compiled flow of one load: a running call keeps the bundle it started with."""

    flows: Mapping[str, CFlow]
    by_dnis: Mapping[str, CFlow]
    version: str
    sources: Mapping[str, Any] = field(default_factory=dict)  # flow name → FlowSource


def norm(value: Any) -> str:
    """One text form for comparing a variable with a YAML value: 0 == "0", True == "true"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def compile_condition(cond: Condition, calendars: Mapping[str, OpenHours]) -> Cond:
    if cond.all_ is not None:
        parts = tuple(compile_condition(c, calendars) for c in cond.all_)
        return lambda it, run: all(p(it, run) for p in parts)
    if cond.any_ is not None:
        parts = tuple(compile_condition(c, calendars) for c in cond.any_)
        return lambda it, run: any(p(it, run) for p in parts)
    if cond.not_ is not None:
        inner = compile_condition(cond.not_, calendars)
        return lambda it, run: not inner(it, run)
    if cond.calendar is not None:
        cal = calendars[cond.calendar]
        if cond.is_ == "open":
            return lambda it, run: cal.is_open(it.clock.now())
        if cond.is_ == "closed":
            return lambda it, run: not cal.is_open(it.clock.now())
        return lambda it, run: cal.is_holiday(it.clock.now())
    if cond.queue is not None:
        return _queue_condition(cond)
    var = cond.var
    assert var is not None
    if cond.is_set is not None:
        want = cond.is_set
        return lambda it, run: (run.vars.get(var) not in (None, "")) is want
    if cond.eq is not None:
        eq = norm(cond.eq)

        def equal(it: Any, run: Any) -> bool:
            value = run.vars.get(var)
            if type(value) is str:  # the common case: no conversion
                return value == eq
            return value is not None and norm(value) == eq

        return equal
    if cond.ne is not None:
        ne = norm(cond.ne)
        return lambda it, run: norm(run.vars.get(var)) != ne
    if cond.in_ is not None:
        among = frozenset(norm(x) for x in cond.in_)
        return lambda it, run: norm(run.vars.get(var)) in among
    if cond.not_in is not None:
        outside = frozenset(norm(x) for x in cond.not_in)
        return lambda it, run: norm(run.vars.get(var)) not in outside
    for name, op in _NUMERIC.items():
        limit = getattr(cond, name)
        if limit is not None:
            bound = float(limit)

            def numeric(
                it: Any, run: Any, op: Callable[[float, float], bool] = op, bound: float = bound
            ) -> bool:
                n = _number(run.vars.get(var))
                return n is not None and op(n, bound)

            return numeric
    msg = "a condition with nothing to test"
    raise FlowError(msg)


def _queue_condition(cond: Condition) -> Cond:
    queue = cond.queue or "*"
    measure = cond.measure
    name, limit = next((n, getattr(cond, n)) for n in _NUMERIC if getattr(cond, n) is not None)
    op = _NUMERIC[name]
    bound = float(limit)

    def test(it: Any, run: Any) -> bool:
        view = it.queues
        if view is None:
            msg = "a branch on queue state, but the interpreter was given no queue view"
            raise FlowError(msg, queue=queue)
        if measure == "alarm_level":
            value = float(view.alarm_level(queue))
        elif measure == "estimated_wait_s":
            tier = Tier(run.vars.get("tier", "normal"))
            value = float(view.estimated_wait(queue, tier))
        elif measure == "seats_open":
            value = float(view.seats_open(queue))
        else:
            value = float(view.waiting(queue))
        return bool(op(value, bound))

    return test


def compile_flow(flow: Flow, version: str, file: str, calendars: Mapping[str, OpenHours]) -> CFlow:
    cf = CFlow(flow.flow, version, file, tuple(flow.languages))
    cf.dnis = tuple(flow.dnis)
    nodes: dict[str, CNode] = {}
    for nid, spec in flow.nodes.items():
        nodes[nid] = _make(nid, spec, calendars)
    for nid, spec in flow.nodes.items():
        nodes[nid].link(nodes, spec)
    cf.nodes = nodes
    cf.start = nodes[flow.start]
    cf.on_error = nodes[flow.on_error] if flow.on_error else None
    return cf


def _make(nid: str, spec: Any, calendars: Mapping[str, OpenHours]) -> CNode:
    match spec:
        case PlayNode():
            return PlayN(nid, tuple(spec.prompts), spec.barge_in)
        case MenuNode():
            return MenuN(nid, spec)
        case CollectNode():
            return CollectN(nid, spec)
        case VerifyPasswordNode():
            return VerifyN(nid, spec)
        case LookupNode():
            return LookupN(nid, spec)
        case BranchNode():
            conds = tuple(compile_condition(c.if_, calendars) for c in spec.cases)
            return BranchN(nid, conds)
        case SetNode():
            return SetN(nid, tuple(spec.values.items()))
        case SayNode():
            return SayN(nid, spec.kind, spec.var)
        case QueueNode():
            return QueueN(nid, spec.queue, spec.service, spec.priority)
        case TransferNode():
            return TransferN(nid, spec.flow, spec.number)
        case CallbackNode():
            return CallbackN(nid, spec)
        case VoicemailNode():
            return VoicemailN(nid, spec.box, spec.prompt, spec.max_s)
        case HangupNode():
            return HangupN(nid, spec)
        case CallNode():
            return CallN(nid, spec.flow)
        case ReturnNode():
            return ReturnN(nid, spec.value)
    msg = f"node '{nid}' has a type the compiler does not know"
    raise FlowError(msg, node=nid)


def compile_set(fs: FlowSet) -> FlowBundle:
    """Compile a checked FlowSet (run :func:`ivr.flows.checks.validator.check_flow_set` first)."""
    calendars = {name: OpenHours(name, cal) for name, cal in fs.calendars.items()}
    flows: dict[str, CFlow] = {}
    by_dnis: dict[str, CFlow] = {}
    digest = hashlib.sha256()
    for name in sorted(fs.flows):
        src = fs.flows[name]
        cf = compile_flow(src.flow, src.version, src.file, calendars)
        flows[name] = cf
        digest.update(f"{name}:{src.version};".encode())
        for number in cf.dnis:
            by_dnis[number] = cf
    return FlowBundle(
        flows=flows, by_dnis=by_dnis, version=digest.hexdigest()[:12], sources=dict(fs.flows)
    )
