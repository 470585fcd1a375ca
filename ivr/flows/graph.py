"""Draw a flow: Mermaid text (renders in GitLab/GitHub and most editors) or Graphviz.

Solid arrows are the caller's paths, labelled with the digit or case; dashed
arrows are failure and give-up exits. Ends (queue, hangup, transfer, callback,
voicemail, return) are drawn as rounded boxes.
"""

from __future__ import annotations

from ivr.flows.node_parts import END_TYPES, edges
from ivr.model.flow import (
    BranchNode,
    CallNode,
    Flow,
    MenuNode,
    Node,
    QueueNode,
    TransferNode,
)


def _label(nid: str, node: Node) -> str:
    extra = ""
    if isinstance(node, QueueNode):
        extra = f" → {node.queue}"
    elif isinstance(node, TransferNode):
        extra = f" → {node.flow or node.number}"
    elif isinstance(node, CallNode):
        extra = f" ⇢ {node.flow}"
    return f"{nid}\\n({node.type}{extra})"


def _edge_label(node: Node, path: tuple[str, ...], kind: str) -> str:
    if isinstance(node, MenuNode) and path[0] == "choices":
        return path[1]
    if isinstance(node, BranchNode) and path[0] == "cases":
        return f"case {int(path[1]) + 1}"
    if path[0] == "returns":
        return f"returns {path[1]}"
    if path[0] in ("next",):
        return ""
    return path[0] if kind == "next" else path[0].replace("on_", "")


def _safe_id(nid: str) -> str:
    return "n_" + "".join(c if c.isalnum() else "_" for c in nid)


def _no_dnis(flow: Flow) -> str:
    return "outbound" if flow.direction == "outbound" else "sub-flow"


def to_mermaid(flow: Flow) -> str:
    lines = [f"%% flow {flow.flow}: {flow.description}".rstrip(": "), "flowchart TD"]
    lines.append(
        f'  start(["{flow.flow} ({", ".join(flow.dnis) or _no_dnis(flow)})"]) --> '
        f"{_safe_id(flow.start)}"
    )
    for nid, node in flow.nodes.items():
        label = _label(nid, node).replace("\\n", "<br/>").replace('"', "'")
        if isinstance(node, (*END_TYPES, TransferNode)):
            lines.append(f'  {_safe_id(nid)}(["{label}"])')
        elif isinstance(node, MenuNode | BranchNode):
            lines.append(f'  {_safe_id(nid)}{{"{label}"}}')
        else:
            lines.append(f'  {_safe_id(nid)}["{label}"]')
    for nid, node in flow.nodes.items():
        for target, path, kind in edges(node):
            text = _edge_label(node, path, kind)
            arrow = "-->" if kind == "next" else "-.->"
            label = f"|{text}|" if text else ""
            lines.append(f"  {_safe_id(nid)} {arrow}{label} {_safe_id(target)}")
    return "\n".join(lines) + "\n"


def to_dot(flow: Flow) -> str:
    out = [f'digraph "{flow.flow}" {{', "  rankdir=TB;", '  node [fontname="Helvetica"];']
    out.append(f'  start [shape=plaintext, label="{flow.flow}\\n{" ".join(flow.dnis)}"];')
    out.append(f"  start -> {_safe_id(flow.start)};")
    for nid, node in flow.nodes.items():
        if isinstance(node, (*END_TYPES, TransferNode)):
            shape = 'shape=box, style="rounded,filled", fillcolor="#e8f4e8"'
        elif isinstance(node, MenuNode):
            shape = 'shape=box, style=filled, fillcolor="#e8eef8"'
        elif isinstance(node, BranchNode):
            shape = "shape=diamond"
        else:
            shape = "shape=box"
        out.append(f'  {_safe_id(nid)} [{shape}, label="{_label(nid, node)}"];')
    for nid, node in flow.nodes.items():
        for target, path, kind in edges(node):
            text = _edge_label(node, path, kind)
            style = "" if kind == "next" else ", style=dashed, color=gray"
            out.append(f'  {_safe_id(nid)} -> {_safe_id(target)} [label="{text}"{style}];')
    out.append("}")
    return "\n".join(out) + "\n"
