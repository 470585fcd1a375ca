"""The validator: every check over a set of flows (and the centre), all problems at once.

Problems come in a stable order: DNIS clashes, then each flow in turn (its
targets and references, then, when every target exists, its graph and its
variables), then the centre's exits to flows.
"""

from __future__ import annotations

from ivr.errors import Problem
from ivr.flows.checks.context import Findings
from ivr.flows.checks.references import check_node_refs
from ivr.flows.checks.shape import check_reachable, check_stuck_loops, check_way_out
from ivr.flows.checks.variables import MustSet
from ivr.flows.node_parts import edges
from ivr.flows.source import FlowSet, FlowSource
from ivr.model.skills import CentreConfig, ExitAction
from ivr.yamlsrc import close_match


def check_flow_set(fs: FlowSet, centre: CentreConfig | None = None) -> list[Problem]:
    """Every problem of ``fs`` (and, given the centre, of its queues, calendars and exits)."""
    ctx = Findings(fs, centre)
    check_dnis(ctx)
    must_set = MustSet(fs)
    for src in fs.flows.values():
        check_flow(ctx, src, must_set)
    check_centre_exits(ctx)
    return ctx.problems


def check_dnis(ctx: Findings) -> None:
    """Each dialled number starts one flow only, and never an outbound flow."""
    dnis_owner: dict[str, str] = {}
    for name, src in ctx.fs.flows.items():
        if src.flow.direction == "outbound" and src.flow.dnis:
            ctx.add(
                src.positions,
                ("dnis",),
                "an outbound flow is started by a campaign, not by a dialled number; "
                "remove dnis, or make it an inbound flow",
            )
            continue
        for i, number in enumerate(src.flow.dnis):
            if number in dnis_owner:
                ctx.add(
                    src.positions,
                    ("dnis", str(i)),
                    f"DNIS {number} already starts flow '{dnis_owner[number]}'; "
                    "a dialled number starts one flow only",
                )
            else:
                dnis_owner[number] = name


def check_flow(ctx: Findings, src: FlowSource, must_set: MustSet) -> None:
    """One flow: its start and targets, then, when every target exists, its graph."""
    flow, pos = src.flow, src.positions
    ids = list(flow.nodes)
    if flow.start not in flow.nodes:
        ctx.add(
            pos,
            ("start",),
            f"start node '{flow.start}' is not a node of this flow",
            close_match(flow.start, ids),
        )
        return
    if flow.on_error is not None and flow.on_error not in flow.nodes:
        ctx.add(
            pos,
            ("on_error",),
            f"on_error names '{flow.on_error}', which is not a node of this flow",
            close_match(flow.on_error, ids),
        )
    broken = False
    for nid, node in flow.nodes.items():
        for target, path, _kind in edges(node):
            if target not in flow.nodes:
                broken = True
                ctx.add(
                    pos,
                    ("nodes", nid, *path),
                    f"goes to '{target}', which is not a node of this flow; "
                    f"nodes are: {', '.join(ids)}",
                    close_match(target, ids),
                )
        check_node_refs(ctx, src, nid, node)
    if broken:
        return  # the graph checks below need every target to exist
    check_reachable(ctx, src)
    check_stuck_loops(ctx, src)
    check_way_out(ctx, src)
    must_set.check(ctx, src)


def check_centre_exits(ctx: Findings) -> None:
    """Every queue or alarm exit of skills/ to a flow names a flow of the set."""
    if ctx.centre is None:
        return
    exits = [("alarm", ctx.centre.alarm.on_level1), ("alarm", ctx.centre.alarm.on_level2)]
    for q in ctx.centre.queues:
        exits += [(q.name, q.exit), (q.name, q.alarm.on_level1), (q.name, q.alarm.on_level2)]
    names = list(ctx.fs.flows)
    seen: set[tuple[str, str]] = set()
    for owner, ex in exits:
        if ex is None or ex.action is not ExitAction.FLOW:
            continue
        if ex.target in ctx.fs.flows or ex.target in ctx.fs.unreadable_flows:
            continue
        key = (owner, str(ex.target))
        if key in seen:
            continue
        seen.add(key)
        ctx.problems.append(
            Problem(
                file="skills/",
                line=None,
                column=None,
                field=f"queues.{owner}" if owner != "alarm" else "alarm",
                message=f"exits to flow '{ex.target}', which is not in {ctx.fs.directory}",
                hint=close_match(ex.target, names),
            )
        )
