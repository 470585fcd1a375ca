"""Outbound flows: a campaign starts them, so they have no DNIS and nothing to return to."""

from __future__ import annotations

from pathlib import Path

from ivr.config.flow_files import read_flow_set
from ivr.errors import Problem
from ivr.flows.checks.validator import check_flow_set
from ivr.flows.graph import to_mermaid

from .conftest import ROOT

OUTBOUND = """\
flow: reminder
direction: outbound
languages: [en]
start: hello
nodes:
  hello: {type: play, prompts: beep, next: bye}
  bye: {type: hangup}
"""


def problems_of(tmp_path: Path, text: str) -> list[Problem]:
    (tmp_path / "reminder.yaml").write_text(text)
    fs, problems = read_flow_set(tmp_path)
    return problems + check_flow_set(fs)


def test_a_flow_is_inbound_unless_it_says_otherwise() -> None:
    fs, problems = read_flow_set(ROOT / "flows")
    assert problems == []
    assert fs.flows["hotline"].flow.direction == "inbound"
    assert fs.flows["arrears-reminder"].flow.direction == "outbound"
    assert check_flow_set(fs) == []


def test_an_outbound_flow_with_dnis_points_at_the_dnis(tmp_path: Path) -> None:
    text = OUTBOUND.replace("languages: [en]", 'dnis: ["10099"]\nlanguages: [en]')
    (p,) = problems_of(tmp_path, text)
    assert p.field == "dnis" and p.line == 3
    assert "an outbound flow is started by a campaign, not by a dialled number" in p.message


def test_an_outbound_flow_has_nothing_to_return_to(tmp_path: Path) -> None:
    (p,) = problems_of(tmp_path, OUTBOUND.replace("bye: {type: hangup}", "bye: {type: return}"))
    assert p.field == "nodes.bye.type" and "'return' in an outbound flow" in p.message


def test_a_direction_that_is_not_one_lists_the_two(tmp_path: Path) -> None:
    (p,) = problems_of(tmp_path, OUTBOUND.replace("direction: outbound", "direction: outgoing"))
    assert p.field == "direction" and "'inbound' or 'outbound'" in p.message


def test_the_drawing_says_an_outbound_flow_is_one(tmp_path: Path) -> None:
    (tmp_path / "reminder.yaml").write_text(OUTBOUND)
    fs, _ = read_flow_set(tmp_path)
    assert 'start(["reminder (outbound)"])' in to_mermaid(fs.flows["reminder"].flow)
