"""Graph checks across a set of flows, all problems at once.

- every target names a node of the flow (with a close-match hint), every
  transfer or call names a flow, every calendar and queue exists;
- every node is reachable from ``start``;
- no loop without caller input (a caller would be stuck hearing prompts);
- every node, and every menu in particular, has a way out: a normal path
  (not a failure or give-up exit) to a queue, a hang-up, a transfer, a
  callback, a voicemail or a sub-flow's return;
- a variable is read only where every path from ``start`` has set it;
- each DNIS starts one flow only; ``return`` only in sub-flows (no DNIS);
- custom prompts have a text for every language of the flows that play them.
"""

from __future__ import annotations

from collections.abc import Iterator

from ivr.errors import Problem
from ivr.flows.source import FlowSet, FlowSource
from ivr.model.flow import (
    BUILTIN_VARIABLES,
    CUSTOM_PREFIX,
    LOOKUP_VARIABLES,
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
    TransferNode,
    VerifyPasswordNode,
    VoicemailNode,
)
from ivr.model.skills import CentreConfig, ExitAction
from ivr.yamlsrc import Positions, close_match

INPUT_TYPES = (MenuNode, CollectNode)
END_TYPES = (QueueNode, HangupNode, CallbackNode, VoicemailNode, ReturnNode)

# an edge: (target, field path below the node, kind) — kind: next | error | give_up
Edge = tuple[str, tuple[str, ...], str]


def edges(node: Node) -> Iterator[Edge]:
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


def _conditions(cond: Condition) -> Iterator[Condition]:
    yield cond
    for sub in (*(cond.all_ or ()), *(cond.any_ or ())):
        yield from _conditions(sub)
    if cond.not_ is not None:
        yield from _conditions(cond.not_)


def reads(node: Node, fs: FlowSet) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Variables a node reads, with the field that reads each."""
    match node:
        case BranchNode():
            for i, case in enumerate(node.cases):
                for cond in _conditions(case.if_):
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


class Checker:
    def __init__(self, fs: FlowSet, centre: CentreConfig | None) -> None:
        self.fs = fs
        self.centre = centre
        self.problems: list[Problem] = []
        self._returns_sets: dict[tuple[str, frozenset[str]], frozenset[str]] = {}

    def add(
        self, pos: Positions, path: tuple[str, ...], message: str, hint: str | None = None
    ) -> None:
        self.problems.append(pos.problem(path, message, hint=hint))

    def run(self) -> list[Problem]:
        dnis_owner: dict[str, str] = {}
        for name, src in self.fs.flows.items():
            for i, number in enumerate(src.flow.dnis):
                if number in dnis_owner:
                    self.add(
                        src.positions,
                        ("dnis", str(i)),
                        f"DNIS {number} already starts flow '{dnis_owner[number]}'; "
                        "a dialled number starts one flow only",
                    )
                else:
                    dnis_owner[number] = name
        for src in self.fs.flows.values():
            self.check_flow(src)
        self.check_centre_exits()
        return self.problems

    # --- one flow ---------------------------------------------------------------

    def check_flow(self, src: FlowSource) -> None:
        flow, pos = src.flow, src.positions
        ids = list(flow.nodes)
        if flow.start not in flow.nodes:
            self.add(
                pos,
                ("start",),
                f"start node '{flow.start}' is not a node of this flow",
                close_match(flow.start, ids),
            )
            return
        if flow.on_error is not None and flow.on_error not in flow.nodes:
            self.add(
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
                    self.add(
                        pos,
                        ("nodes", nid, *path),
                        f"goes to '{target}', which is not a node of this flow; "
                        f"nodes are: {', '.join(ids)}",
                        close_match(target, ids),
                    )
            self.check_node_refs(src, nid, node)
        if broken:
            return  # the graph checks below need every target to exist
        self.check_reachable(src)
        self.check_stuck_loops(src)
        self.check_way_out(src)
        self.check_variables(src)

    def check_node_refs(self, src: FlowSource, nid: str, node: Node) -> None:
        flow, pos = src.flow, src.positions
        flows = list(self.fs.flows)
        here = ("nodes", nid)
        if isinstance(node, TransferNode | CallNode) and node.flow is not None:
            if node.flow not in self.fs.flows:
                self.add(
                    pos,
                    (*here, "flow"),
                    f"flow '{node.flow}' is not defined in {self.fs.directory}",
                    close_match(node.flow, flows),
                )
            elif isinstance(node, CallNode):
                called = self.fs.flows[node.flow].flow
                if not any(isinstance(n, ReturnNode) for n in called.nodes.values()):
                    self.add(
                        pos,
                        (*here, "flow"),
                        f"flow '{node.flow}' has no 'return' node, so a call to it never comes "
                        "back; use a transfer, or add a return to it",
                    )
        if isinstance(node, ReturnNode) and flow.dnis:
            self.add(
                pos,
                (*here, "type"),
                "'return' in a flow that callers dial (it has dnis): there is nothing to return "
                "to; end with queue or hangup, or make this a sub-flow without dnis",
            )
        if isinstance(node, SetNode) and "language" in node.values:
            lang = node.values["language"]
            if lang not in flow.languages:
                self.add(
                    pos,
                    (*here, "values", "language"),
                    f"language '{lang}' is not offered by this flow; "
                    f"languages: {', '.join(flow.languages)}",
                    close_match(lang, flow.languages),
                )
        if isinstance(node, BranchNode):
            for i, case in enumerate(node.cases):
                for cond in _conditions(case.if_):
                    self.check_condition(pos, (*here, "cases", str(i), "if"), cond)
        queue = None
        if isinstance(node, QueueNode | CallbackNode):
            queue = node.queue
        if queue is not None:
            self.check_queue(pos, (*here, "queue"), queue)
        for prompt, path in prompts_of(node):
            self.check_prompt(src, (*here, *path), prompt)

    def check_condition(self, pos: Positions, path: tuple[str, ...], cond: Condition) -> None:
        if cond.calendar is not None and cond.calendar not in self.fs.calendars:
            names = list(self.fs.calendars)
            self.add(
                pos,
                (*path, "calendar"),
                f"calendar '{cond.calendar}' is not in calendars.yaml"
                + (f"; calendars: {', '.join(names)}" if names else ""),
                close_match(cond.calendar, names),
            )
        if cond.queue is not None and cond.queue != "*":
            self.check_queue(pos, (*path, "queue"), cond.queue)

    def check_queue(self, pos: Positions, path: tuple[str, ...], queue: str) -> None:
        if self.centre is None:
            return
        names = [q.name for q in self.centre.queues]
        if queue not in names:
            self.add(
                pos,
                path,
                f"queue '{queue}' is not defined in skills/; queues: {', '.join(names)}",
                close_match(queue, names),
            )

    def check_prompt(self, src: FlowSource, path: tuple[str, ...], prompt: str) -> None:
        if not prompt.startswith(CUSTOM_PREFIX):
            return
        man = self.fs.manifest
        if man is None:
            self.add(
                src.positions,
                path,
                f"custom prompt '{prompt}' needs its text in prompts.yaml beside the flows",
            )
            return
        texts = man.prompts.get(prompt)
        if texts is None:
            self.add(
                src.positions,
                path,
                f"custom prompt '{prompt}' is not in prompts.yaml; add its text per language",
                close_match(prompt, list(man.prompts)),
            )
            return
        missing = [lang for lang in src.flow.languages if lang not in texts]
        if missing:
            self.add(
                src.positions,
                path,
                f"custom prompt '{prompt}' has no text in prompts.yaml for "
                f"{', '.join(missing)}, which this flow offers",
            )

    def check_reachable(self, src: FlowSource) -> None:
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
                self.add(
                    src.positions,
                    ("nodes", nid),
                    f"node '{nid}' is unreachable: no path from start '{flow.start}' leads "
                    "to it; link it or remove it",
                )

    def _takes_input(self, node: Node) -> bool:
        if isinstance(node, INPUT_TYPES):
            return True
        if isinstance(node, CallNode) and node.flow in self.fs.flows:
            called = self.fs.flows[node.flow].flow.nodes.values()
            return any(isinstance(n, INPUT_TYPES) for n in called)
        return False

    def check_stuck_loops(self, src: FlowSource) -> None:
        """Strongly connected parts of the graph of nodes that take no input (Tarjan)."""
        nodes = src.flow.nodes
        passive = {nid for nid, n in nodes.items() if not self._takes_input(n)}
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
            self.add(
                src.positions,
                ("nodes", ordered[0]),
                f"loop without caller input: {' → '.join([*ordered, ordered[0]])}; a caller "
                "would be stuck in it; put a menu or collect in the loop, or break it",
            )

    def check_way_out(self, src: FlowSource) -> None:
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
            self.add(
                src.positions,
                ("nodes", nid),
                f"{what} '{nid}' has no way out: none of its paths reaches a queue, hangup, "
                "transfer, callback, voicemail or return (failure and give-up exits do not "
                "count); give the caller a way out",
            )

    def check_variables(self, src: FlowSource) -> None:
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
                    self.add(
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
            case CallNode() if node.flow in self.fs.flows:
                if path[0] == "returns":
                    return self.returned_variables(node.flow, frozenset({path[1]}))
                others = self.return_values(node.flow) - set(node.returns)
                return self.returned_variables(node.flow, frozenset(others))
            case _:
                return frozenset()

    def return_values(self, name: str) -> frozenset[str]:
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

    # --- skills/ and flows together -------------------------------------------------

    def check_centre_exits(self) -> None:
        if self.centre is None:
            return
        exits = [("alarm", self.centre.alarm.on_level1), ("alarm", self.centre.alarm.on_level2)]
        for q in self.centre.queues:
            exits += [(q.name, q.exit), (q.name, q.alarm.on_level1), (q.name, q.alarm.on_level2)]
        names = list(self.fs.flows)
        seen: set[tuple[str, str]] = set()
        for owner, ex in exits:
            if ex is None or ex.action is not ExitAction.FLOW or ex.target in self.fs.flows:
                continue
            key = (owner, str(ex.target))
            if key in seen:
                continue
            seen.add(key)
            self.problems.append(
                Problem(
                    file="skills/",
                    line=None,
                    column=None,
                    field=f"queues.{owner}" if owner != "alarm" else "alarm",
                    message=f"exits to flow '{ex.target}', which is not in {self.fs.directory}",
                    hint=close_match(ex.target, names),
                )
            )


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


def check_flow_set(fs: FlowSet, centre: CentreConfig | None = None) -> list[Problem]:
    return Checker(fs, centre).run()
