"""The must-set check: a variable is read only where every path from ``start`` has set it.

A sub-flow's returns count: a ``call`` node sets what the called flow has set on
every path to the returns that come back along that edge.
"""

from __future__ import annotations

from ivr.flows.checks.context import Findings
from ivr.flows.node_parts import edges, reads
from ivr.flows.source import FlowSet, FlowSource
from ivr.model.flow import (
    BUILTIN_VARIABLES,
    LOOKUP_VARIABLES,
    CallNode,
    CollectNode,
    LookupNode,
    Node,
    ReturnNode,
    SetNode,
)
from ivr.yamlsrc import close_match


class MustSet:
    """The variables set at each node of the flows of one flow set, sub-flows remembered."""

    def __init__(self, fs: FlowSet) -> None:
        self.fs = fs
        self._returns_sets: dict[tuple[str, frozenset[str]], frozenset[str]] = {}
        self._anything: frozenset[str] | None = None

    def check(self, ctx: Findings, src: FlowSource) -> None:
        """Must-set analysis: a variable is set at a node when every path from start sets it."""
        flow, nodes = src.flow, src.flow.nodes
        entry = frozenset(BUILTIN_VARIABLES | set(flow.needs))
        at: dict[str, frozenset[str]] = {flow.start: entry}
        if flow.on_error is not None:
            at[flow.on_error] = entry
        todo = list(at)
        while todo:
            nid = todo.pop()
            node = nodes[nid]
            here = at[nid]
            for target, path, kind in edges(node):
                carried = here if kind != "next" else here | self.sets(node, path)
                old = at.get(target)
                new = carried if old is None else old & carried
                if new != old:
                    at[target] = new
                    todo.append(target)
        for nid, node in nodes.items():
            if nid not in at:
                continue
            for var, path in reads(node, self.fs):
                if var not in at[nid]:
                    ctx.add(
                        src.positions,
                        ("nodes", nid, *path),
                        f"variable '{var}' is read here, but some path from start reaches "
                        "this node without setting it; set it on every path (a set, collect "
                        "or lookup node) or test it with is_set first",
                        close_match(var, sorted(at[nid])),
                    )

    def sets(self, node: Node, path: tuple[str, ...] = ("next",)) -> frozenset[str]:
        """Variables set on the way out of ``node`` along the edge at ``path``."""
        match node:
            case CollectNode():
                return frozenset({node.into})
            case LookupNode():
                return LOOKUP_VARIABLES | frozenset(node.fields)
            case SetNode():
                return frozenset(node.values)
            case CallNode() if node.flow in self.fs.unreadable_flows:
                return self.anything()  # unknown: no read after it is reported on a guess
            case CallNode() if node.flow in self.fs.flows:
                if path[0] == "returns":
                    return self.returned_variables(node.flow, frozenset({path[1]}))
                others = self.return_values(node.flow) - set(node.returns)
                return self.returned_variables(node.flow, frozenset(others))
            case _:
                return frozenset()

    def anything(self) -> frozenset[str]:
        """Every variable any flow of the set reads: what an unreadable sub-flow may set."""
        if self._anything is None:
            self._anything = frozenset(
                var
                for src in self.fs.flows.values()
                for node in src.flow.nodes.values()
                for var, _ in reads(node, self.fs)
            )
        return self._anything

    def return_values(self, name: str) -> frozenset[str]:
        """The values the ``return`` nodes of flow ``name`` give back."""
        nodes = self.fs.flows[name].flow.nodes.values()
        return frozenset(n.value for n in nodes if isinstance(n, ReturnNode))

    def returned_variables(self, name: str, values: frozenset[str]) -> frozenset[str]:
        """What a sub-flow has set on every path to a return with one of ``values``."""
        key = (name, values)
        if key in self._returns_sets:
            return self._returns_sets[key]
        self._returns_sets[key] = frozenset()  # recursion guard
        flow = self.fs.flows[name].flow
        nodes = flow.nodes
        result = frozenset[str]()
        if flow.start in nodes:
            at: dict[str, frozenset[str]] = {flow.start: frozenset(flow.needs)}
            todo = [flow.start]
            while todo:
                nid = todo.pop()
                for target, path, kind in edges(nodes[nid]):
                    if target not in nodes:
                        continue
                    carried = at[nid] if kind != "next" else at[nid] | self.sets(nodes[nid], path)
                    old = at.get(target)
                    new = carried if old is None else old & carried
                    if new != old:
                        at[target] = new
                        todo.append(target)
            found: frozenset[str] | None = None
            for nid, node in nodes.items():
                if isinstance(node, ReturnNode) and node.value in values and nid in at:
                    found = at[nid] if found is None else found & at[nid]
            result = found or frozenset()
        self._returns_sets[key] = result
        return result
