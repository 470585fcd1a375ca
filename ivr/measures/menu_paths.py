"""Menu path analytics (REQUIREMENTS §4): which paths callers take and where they give up.

From the facts of many calls (``NodeEntered``, ``MenuInput``, ``JourneyEnded``
and the routing core's ``Queued``), per node of each flow: how many callers
reached it, what they chose, where they hung up or timed out; and per queue,
how long the path through the menus to it took. :func:`menu_paths` returns a
plain structure (for JSON, the simulator's report); :func:`to_markdown`
renders it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ivr.measures.histogram import WaitHistogram
from ivr.model.facts import JourneyEnded, MenuInput, NodeEntered, Outcome, Queued

# A menu choice is a key or two; anything longer was typed data (an account, a date)
# and is counted as "entered": it is customer data, and counting each value would
# grow with the number of callers.
_MENU_CHOICE_MAX = 2
_OUTCOMES = frozenset({"timeout", "invalid"})


@dataclass(slots=True)
class NodeStats:
    flow: str
    node: str
    reached: int = 0  # calls that entered the node (once per call)
    entries: int = 0  # entries, repeats included
    choices: Counter[str] = field(default_factory=Counter)  # digit → count; timeout, invalid
    hangups: int = 0  # callers whose last node in the menu this was, and who hung up
    timeouts: int = 0
    invalid: int = 0


@dataclass(slots=True)
class PathStats:
    queue: str
    calls: int = 0
    durations: WaitHistogram = field(default_factory=WaitHistogram)  # fixed bins: bounded memory


@dataclass(slots=True)
class _Call:
    first_at: float
    last_flow: str = ""
    last_node: str = ""
    seen: set[tuple[str, str]] = field(default_factory=set)
    queued: bool = False


class PathAnalytics:
    """Feed facts as they come (``add``) or all at once (``menu_paths``)."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[str, str], NodeStats] = {}
        self.paths: dict[str, PathStats] = {}
        self._calls: dict[str, _Call] = {}
        self.calls = 0
        self.menu_hangups = 0

    def add(self, fact: Any) -> None:
        kind = type(fact)
        if kind is NodeEntered:
            call = self._calls.get(fact.call_id)
            if call is None:
                call = self._calls[fact.call_id] = _Call(first_at=fact.at)
                self.calls += 1
            key = (fact.flow, fact.node)
            stats = self.nodes.get(key)
            if stats is None:
                stats = self.nodes[key] = NodeStats(fact.flow, fact.node)
            stats.entries += 1
            if key not in call.seen:
                call.seen.add(key)
                stats.reached += 1
            call.last_flow, call.last_node = key
        elif kind is MenuInput:
            key = (fact.flow, fact.node)
            stats = self.nodes.get(key)
            if stats is None:
                stats = self.nodes[key] = NodeStats(fact.flow, fact.node)
            choice = fact.choice
            if choice == "timeout":
                stats.timeouts += 1
            elif choice == "invalid":
                stats.invalid += 1
            if choice != "hangup":
                if fact.secret or (len(choice) > _MENU_CHOICE_MAX and choice not in _OUTCOMES):
                    choice = "entered"
                stats.choices[choice] += 1
        elif kind is Queued:
            call = self._calls.get(fact.call_id)
            if call is not None and not call.queued:
                call.queued = True
                path = self.paths.get(fact.queue)
                if path is None:
                    path = self.paths[fact.queue] = PathStats(fact.queue)
                path.calls += 1
                path.durations.add(fact.at - call.first_at)
        elif kind is JourneyEnded:
            call = self._calls.pop(fact.call_id, None)
            if call is not None and fact.outcome is Outcome.MENU_HANGUP and call.last_node:
                self.menu_hangups += 1
                self.nodes[(call.last_flow, call.last_node)].hangups += 1

    def result(self) -> dict[str, Any]:
        """A plain structure: ``{"calls", "menu_hangups", "nodes": [...], "queues": [...]}``."""
        nodes = [
            {
                "flow": s.flow,
                "node": s.node,
                "reached": s.reached,
                "entries": s.entries,
                "choices": dict(s.choices.most_common()),
                "timeouts": s.timeouts,
                "invalid": s.invalid,
                "hangups": s.hangups,
                "hangup_share": round(s.hangups / s.reached, 4) if s.reached else 0.0,
            }
            for s in sorted(self.nodes.values(), key=lambda s: (s.flow, -s.reached, s.node))
        ]
        queues = [
            {
                "queue": p.queue,
                "calls": p.calls,
                "mean_path_s": round(p.durations.mean, 2),
                "median_path_s": round(p.durations.percentile(50), 2),
                "p90_path_s": round(p.durations.percentile(90), 2),
            }
            for p in sorted(self.paths.values(), key=lambda p: -p.calls)
        ]
        return {
            "calls": self.calls,
            "menu_hangups": self.menu_hangups,
            "nodes": nodes,
            "queues": queues,
        }


def menu_paths(facts: Iterable[Any]) -> dict[str, Any]:
    """The menu path report of a run's facts (any order within a call's time is fine)."""
    pa = PathAnalytics()
    for fact in facts:
        pa.add(fact)
    return pa.result()


def to_markdown(report: dict[str, Any], *, top: int = 40) -> str:
    """The report as Markdown tables: nodes by callers reached, then paths to queues."""
    lines = [
        f"### Menu paths ({report['calls']} calls, {report['menu_hangups']} hung up in the menu)",
        "",
        "| flow | node | reached | choices | timeouts | invalid | hung up here |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for n in sorted(report["nodes"], key=lambda n: -n["reached"])[:top]:
        choices = ", ".join(f"{k}: {v}" for k, v in list(n["choices"].items())[:8]) or "-"
        share = f"{n['hangups']} ({n['hangup_share']:.1%})" if n["hangups"] else "0"
        lines.append(
            f"| {n['flow']} | {n['node']} | {n['reached']} | {choices} | {n['timeouts']} "
            f"| {n['invalid']} | {share} |"
        )
    lines += [
        "",
        "| queue | calls | mean path s | median s | p90 s |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for q in report["queues"]:
        lines.append(
            f"| {q['queue']} | {q['calls']} | {q['mean_path_s']:.1f} | {q['median_path_s']:.1f} "
            f"| {q['p90_path_s']:.1f} |"
        )
    return "\n".join(lines) + "\n"
