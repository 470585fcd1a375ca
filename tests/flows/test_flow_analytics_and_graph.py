"""Menu path analytics from facts, and the drawings of a flow."""

from __future__ import annotations

from ivr.config.flow_files import read_flow_set
from ivr.flows.graph import to_dot, to_mermaid
from ivr.measures.menu_paths import menu_paths, to_markdown
from ivr.model.facts import JourneyEnded, Outcome, Queued

from .conftest import ROOT, Caller

KNOWN = {"tier": "normal", "name": "Li Lei", "segment": "consumer", "language": "zh"}


def facts_of(call: Caller, keys: list, call_id: str, *, hang_up: bool = False) -> list:
    walk = call(keys, customer=KNOWN, hang_up_after=len(keys) + 2 if hang_up else None)
    facts = [o for o in walk.outputs if type(o).__name__ in ("NodeEntered", "MenuInput")]
    facts = [
        type(f)(**{**{k: getattr(f, k) for k in f.__dataclass_fields__}, "call_id": call_id})
        for f in facts
    ]
    end = walk.outputs[-1] if walk.directive else None
    if hang_up:
        return [
            *facts,
            JourneyEnded(call_id=call_id, outcome=Outcome.MENU_HANGUP, reason="caller", at=9.0),
        ]
    queue = getattr(end, "queue", None)
    if queue:
        facts.append(
            Queued(
                call_id=call_id,
                queue=queue,
                position=1,
                priority=0,
                estimated_wait_s=0,
                at=facts[0].at + 42.0,
            )
        )
    return [*facts, JourneyEnded(call_id=call_id, outcome=Outcome.ANSWERED, reason="ok", at=99.0)]


def test_the_report_counts_reach_choices_time_outs_and_hang_ups(call: Caller) -> None:
    facts = (
        facts_of(call, ["2", "1"], "a")
        + facts_of(call, ["2", "2"], "b")
        + facts_of(call, [None, "0"], "c")
        + facts_of(call, ["3"], "d", hang_up=True)
    )
    report = menu_paths(facts)
    nodes = {(n["flow"], n["node"]): n for n in report["nodes"]}
    main = nodes[("hotline", "main_menu")]
    assert main["reached"] == 4
    assert main["choices"] == {"2": 2, "timeout": 1, "0": 1, "3": 1}
    assert main["timeouts"] == 1
    assert nodes[("hotline", "complaint_menu")]["hangups"] == 1
    assert report["menu_hangups"] == 1
    queues = {q["queue"]: q for q in report["queues"]}
    assert queues["business"]["calls"] == 2
    assert queues["business"]["mean_path_s"] == 42.0
    text = to_markdown(report)
    assert "| hotline | main_menu | 4 |" in text
    assert "| business | 2 | 42.0 |" in text


def test_the_mermaid_drawing_has_every_node_and_labelled_digits() -> None:
    fs, _ = read_flow_set(ROOT / "flows")
    flow = fs.flows["hotline"].flow
    text = to_mermaid(flow)
    assert text.splitlines()[1] == "flowchart TD"
    for nid in flow.nodes:
        assert f"n_{nid}" in text
    assert "n_main_menu -->|1| n_enquiries_menu" in text
    assert "n_main_menu -.->|exhausted| n_to_person" in text
    dot = to_dot(flow)
    assert dot.startswith('digraph "hotline"') and "n_main_menu -> n_enquiries_menu" in dot


def test_the_menu_report_never_lists_what_callers_typed_only_that_they_entered_something() -> None:
    from ivr.model.facts import MenuInput, NodeEntered

    facts = []
    for i in range(50):
        facts.append(NodeEntered(call_id=f"c{i}", flow="f", node="ask_account", at=float(i)))
        facts.append(
            MenuInput(
                call_id=f"c{i}",
                flow="f",
                node="ask_account",
                choice=f"8800{i:04d}",
                secret=False,
                at=i + 1.0,
            )
        )
    report = menu_paths(facts)
    [node] = report["nodes"]
    assert node["choices"] == {"entered": 50}
    assert "8800" not in to_markdown(report)
