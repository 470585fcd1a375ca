"""Nodes that steer the run without the caller: branch, set variables, call a sub-flow, return."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ivr.errors import FlowError
from ivr.flows.nodes.base import CNode, Cond, Out

if TYPE_CHECKING:
    from ivr.flows.interpreter import FlowInterpreter, FlowRun


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
