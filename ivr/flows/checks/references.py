"""Checks that what a node names exists: flows, calendars, queues, custom prompts.

Also where a name is used in the wrong place: a ``return`` in a flow that callers
dial, a call to a flow that never returns, a language the flow does not offer.
"""

from __future__ import annotations

from ivr.flows.checks.context import Findings
from ivr.flows.node_parts import conditions, prompts_of
from ivr.flows.source import FlowSource
from ivr.model.flow import (
    CUSTOM_PREFIX,
    BranchNode,
    CallbackNode,
    CallNode,
    Condition,
    Node,
    QueueNode,
    ReturnNode,
    SetNode,
    TransferNode,
)
from ivr.yamlsrc import Positions, close_match


def check_node_refs(ctx: Findings, src: FlowSource, nid: str, node: Node) -> None:
    """What one node names: flows, calendars, queues, languages and custom prompts."""
    flow, pos = src.flow, src.positions
    flows = list(ctx.fs.flows)
    here = ("nodes", nid)
    if isinstance(node, TransferNode | CallNode) and node.flow is not None:
        if node.flow in ctx.fs.unreadable_flows:
            pass  # that file's own problems say what is wrong with it
        elif node.flow not in ctx.fs.flows:
            ctx.add(
                pos,
                (*here, "flow"),
                f"flow '{node.flow}' is not defined in {ctx.fs.directory}",
                close_match(node.flow, flows),
            )
        elif isinstance(node, CallNode):
            check_call_returns(ctx, src, nid, node)
    if isinstance(node, ReturnNode) and flow.dnis:
        ctx.add(
            pos,
            (*here, "type"),
            "'return' in a flow that callers dial (it has dnis): there is nothing to return "
            "to; end with queue or hangup, or make this a sub-flow without dnis",
        )
    elif isinstance(node, ReturnNode) and flow.direction == "outbound":
        ctx.add(
            pos,
            (*here, "type"),
            "'return' in an outbound flow: a campaign starts it, so there is nothing to "
            "return to; end with queue or hangup",
        )
    if isinstance(node, SetNode) and "language" in node.values:
        lang = node.values["language"]
        if lang not in flow.languages:
            ctx.add(
                pos,
                (*here, "values", "language"),
                f"language '{lang}' is not offered by this flow; "
                f"languages: {', '.join(flow.languages)}",
                close_match(lang, flow.languages),
            )
    if isinstance(node, BranchNode):
        for i, case in enumerate(node.cases):
            for cond in conditions(case.if_):
                check_condition(ctx, pos, (*here, "cases", str(i), "if"), cond)
    queue = None
    if isinstance(node, QueueNode | CallbackNode):
        queue = node.queue
    if queue is not None:
        check_queue(ctx, pos, (*here, "queue"), queue)
    for prompt, path in prompts_of(node):
        check_prompt(ctx, src, (*here, *path), prompt)


def check_call_returns(ctx: Findings, src: FlowSource, nid: str, node: CallNode) -> None:
    """The called flow returns, and returns every value the call has a way out for."""
    called = ctx.fs.flows[node.flow].flow
    values = sorted({n.value for n in called.nodes.values() if isinstance(n, ReturnNode)})
    if not values:
        ctx.add(
            src.positions,
            ("nodes", nid, "flow"),
            f"flow '{node.flow}' has no 'return' node, so a call to it never comes "
            "back; use a transfer, or add a return to it",
        )
        return
    for value in node.returns:
        if value not in values:
            ctx.add(
                src.positions,
                ("nodes", nid, "returns", value),
                f"flow '{node.flow}' never returns '{value}' (it returns "
                f"{', '.join(values)}), so this way out is never taken; use one of "
                f"those values, or return '{value}' in {node.flow}",
                close_match(value, values),
                key=True,
            )


def check_condition(ctx: Findings, pos: Positions, path: tuple[str, ...], cond: Condition) -> None:
    """A branch condition's calendar and queue exist."""
    if (
        cond.calendar is not None
        and cond.calendar not in ctx.fs.calendars
        and not ctx.fs.calendars_unreadable
    ):
        names = list(ctx.fs.calendars)
        ctx.add(
            pos,
            (*path, "calendar"),
            f"calendar '{cond.calendar}' is not in calendars.yaml"
            + (f"; calendars: {', '.join(names)}" if names else ""),
            close_match(cond.calendar, names),
        )
    if cond.queue is not None and cond.queue != "*":
        check_queue(ctx, pos, (*path, "queue"), cond.queue)


def check_queue(ctx: Findings, pos: Positions, path: tuple[str, ...], queue: str) -> None:
    """``queue`` is a queue of skills/ (skipped when the centre is not given)."""
    if ctx.centre is None:
        return
    names = [q.name for q in ctx.centre.queues]
    if queue not in names:
        ctx.add(
            pos,
            path,
            f"queue '{queue}' is not defined in skills/; queues: {', '.join(names)}",
            close_match(queue, names),
        )


def check_prompt(ctx: Findings, src: FlowSource, path: tuple[str, ...], prompt: str) -> None:
    """A custom prompt has a text in prompts.yaml for every language of the flow."""
    if not prompt.startswith(CUSTOM_PREFIX) or ctx.fs.manifest_unreadable:
        return
    man = ctx.fs.manifest
    if man is None:
        ctx.add(
            src.positions,
            path,
            f"custom prompt '{prompt}' needs its text in prompts.yaml beside the flows",
        )
        return
    texts = man.prompts.get(prompt)
    if texts is None:
        ctx.add(
            src.positions,
            path,
            f"custom prompt '{prompt}' is not in prompts.yaml; add its text per language",
            close_match(prompt, list(man.prompts)),
        )
        return
    missing = [lang for lang in src.flow.languages if lang not in texts]
    if missing:
        ctx.add(
            src.positions,
            path,
            f"custom prompt '{prompt}' has no text in prompts.yaml for "
            f"{', '.join(missing)}, which this flow offers",
        )
