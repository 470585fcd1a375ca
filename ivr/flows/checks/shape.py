"""Checks on the shape of one flow's graph: reachable nodes, loops without input, a way out."""

from __future__ import annotations

from ivr.flows.checks.context import Findings
from ivr.flows.node_parts import END_TYPES, INPUT_TYPES, edges
from ivr.flows.source import FlowSource
from ivr.model.flow import CallNode, MenuNode, Node, TransferNode


def check_reachable(ctx: Findings, src: FlowSource) -> None:
    """Every node is reachable from ``start`` (or the flow's ``on_error``)."""
    flow = src.flow
    seen = {flow.start}
    todo = [flow.start]
    if flow.on_error is not None:
        seen.add(flow.on_error)
        todo.append(flow.on_error)
    while todo:
        for target, _, _ in edges(flow.nodes[todo.pop()]):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    for nid in flow.nodes:
        if nid not in seen:
            ctx.add(
                src.positions,
                ("nodes", nid),
                f"node '{nid}' is unreachable: no path from start '{flow.start}' leads "
                "to it; link it or remove it",
            )


def _takes_input(ctx: Findings, node: Node) -> bool:
    if isinstance(node, INPUT_TYPES):
        return True
    if isinstance(node, CallNode) and node.flow in ctx.fs.unreadable_flows:
        return True  # unknown: a loop through it is not reported on a guess
    if isinstance(node, CallNode) and node.flow in ctx.fs.flows:
        called = ctx.fs.flows[node.flow].flow.nodes.values()
        return any(isinstance(n, INPUT_TYPES) for n in called)
    return False


def check_stuck_loops(ctx: Findings, src: FlowSource) -> None:
    """Strongly connected parts of the graph of nodes that take no input (Tarjan)."""
    nodes = src.flow.nodes
    passive = {nid for nid, n in nodes.items() if not _takes_input(ctx, n)}
    succ = {
        nid: [t for t, _, k in edges(nodes[nid]) if t in passive and k != "error"]
        for nid in passive
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = [0]
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in succ[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part: list[str] = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1 or v in succ[v]:
                found.append(part)

    for v in passive:
        if v not in index:
            strong(v)
    for part in found:
        ordered = [nid for nid in nodes if nid in part]
        ctx.add(
            src.positions,
            ("nodes", ordered[0]),
            f"loop without caller input: {' → '.join([*ordered, ordered[0]])}; a caller "
            "would be stuck in it; put a menu or collect in the loop, or break it",
        )


def check_way_out(ctx: Findings, src: FlowSource) -> None:
    """Every node has a normal path to an end: failure and give-up exits do not count."""
    nodes = src.flow.nodes
    preds: dict[str, set[str]] = {nid: set() for nid in nodes}
    for nid, node in nodes.items():
        for target, _, kind in edges(node):
            if kind == "next":
                preds[target].add(nid)
    out = {nid for nid, n in nodes.items() if isinstance(n, (*END_TYPES, TransferNode))}
    todo = list(out)
    while todo:
        for p in preds[todo.pop()]:
            if p not in out:
                out.add(p)
                todo.append(p)
    for nid, node in nodes.items():
        if nid in out:
            continue
        what = "menu" if isinstance(node, MenuNode) else "node"
        ctx.add(
            src.positions,
            ("nodes", nid),
            f"{what} '{nid}' has no way out: none of its paths reaches a queue, hangup, "
            "transfer, callback, voicemail or return (failure and give-up exits do not "
            "count); give the caller a way out",
        )
