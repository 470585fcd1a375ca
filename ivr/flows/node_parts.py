"""What a flow node points at, reads and plays, as the checks, the drawings and the prompt tool see it.

Each walk yields the field path below the node with what it finds, so a problem can point at the
exact line of the YAML.
"""

from __future__ import annotations

from collections.abc import Iterator

from ivr.flows.source import FlowSet
from ivr.model.flow import (
    BranchNode,
    CallbackNode,
    CallNode,
    CollectNode,
    Condition,
    HangupNode,
    LookupNode,
    MenuNode,
    Node,
    PlayNode,
    QueueNode,
    ReturnNode,
    SayNode,
    SetNode,
    VerifyPasswordNode,
    VoicemailNode,
)

INPUT_TYPES = (MenuNode, CollectNode)
END_TYPES = (QueueNode, HangupNode, CallbackNode, VoicemailNode, ReturnNode)

# an edge: (target, field path below the node, kind) — kind: next | error | give_up
Edge = tuple[str, tuple[str, ...], str]


def edges(node: Node) -> Iterator[Edge]:
    """Every way out of a node: its target, the field that names it, and the kind of exit."""
    if node.on_error is not None:
        yield node.on_error, ("on_error",), "error"
    match node:
        case PlayNode() | CollectNode() | LookupNode() | SetNode() | SayNode():
            yield node.next, ("next",), "next"
        case CallNode():
            yield node.next, ("next",), "next"
            for value, target in node.returns.items():
                yield target, ("returns", value), "next"
        case VerifyPasswordNode():
            yield node.next, ("next",), "next"
            yield node.on_wrong, ("on_wrong",), "next"
            yield node.on_locked, ("on_locked",), "next"
            if node.on_no_password is not None:
                yield node.on_no_password, ("on_no_password",), "next"
        case MenuNode():
            for digit, target in node.choices.items():
                yield target, ("choices", digit), "next"
        case BranchNode():
            for i, case in enumerate(node.cases):
                yield case.next, ("cases", str(i), "next"), "next"
            yield node.otherwise, ("otherwise",), "next"
        case _:
            pass
    if isinstance(node, LookupNode) and node.on_not_found is not None:
        yield node.on_not_found, ("on_not_found",), "next"
    if isinstance(node, MenuNode | CollectNode) and node.on_exhausted is not None:
        yield node.on_exhausted, ("on_exhausted",), "give_up"


def conditions(cond: Condition) -> Iterator[Condition]:
    """A condition and every condition nested in it (all, any, not)."""
    yield cond
    for sub in (*(cond.all_ or ()), *(cond.any_ or ())):
        yield from conditions(sub)
    if cond.not_ is not None:
        yield from conditions(cond.not_)


def reads(node: Node, fs: FlowSet) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Variables a node reads, with the field that reads each."""
    match node:
        case BranchNode():
            for i, case in enumerate(node.cases):
                for cond in conditions(case.if_):
                    if cond.var is not None and cond.is_set is None:
                        yield cond.var, ("cases", str(i), "if")
        case SayNode():
            yield node.var, ("var",)
        case VerifyPasswordNode():
            yield node.account, ("account",)
            yield node.password, ("password",)
        case LookupNode() if node.by == "account":
            yield node.account, ("account",)
        case CallbackNode():
            yield node.number, ("number",)
            if node.wished_time is not None:
                yield node.wished_time, ("wished_time",)
        case CallNode() if node.flow in fs.flows:
            for var in fs.flows[node.flow].flow.needs:
                yield var, ("flow",)
        case _:
            pass


def prompts_of(node: Node) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Every prompt a node can play, with its field path."""
    if isinstance(node, PlayNode | MenuNode | CollectNode | CallbackNode | HangupNode):
        for i, p in enumerate(node.prompts):
            yield p, ("prompts", str(i))
    if isinstance(node, MenuNode):
        if node.invalid_prompt:
            yield node.invalid_prompt, ("invalid_prompt",)
        if node.no_input_prompt:
            yield node.no_input_prompt, ("no_input_prompt",)
    if isinstance(node, CollectNode) and node.invalid_prompt:
        yield node.invalid_prompt, ("invalid_prompt",)
    if isinstance(node, VoicemailNode) and node.prompt:
        yield node.prompt, ("prompt",)
