"""Mutated bundled flows through the validator ``ivr validate`` runs, then the interpreter.

Each example takes one file of flows/ (a flow, calendars.yaml or prompts.yaml) and
breaks it the ways an editor does: a line deleted, duplicated, re-indented or cut
short, a node's type changed, a name changed in one place or everywhere, a value cut
short, the file saved in another encoding or cut off. Whatever comes out, the
validator never raises: it finds problems, each in a file and (but for a file-level
one) at a line; or it finds none, and then the set compiles and every path of every
flow walks through the interpreter with no exception and no node failing inside it
(:mod:`.walker`). The budget is fixed and small, so CI spends a few seconds here.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ivr.cli import app
from ivr.config import flow_files
from ivr.config.flow_files import load_catalog, read_flow_set
from ivr.errors import Problem
from ivr.flows.catalog import FlowCatalog
from ivr.flows.checks.validator import check_flow_set
from ivr.flows.compiler import compile_set
from ivr.model.flow import NODE_TYPES
from ivr.model.skills import CentreConfig

from .conftest import CLOSED, OPEN, ROOT
from .walker import walk_everything

FILES = sorted(p.name for p in (ROOT / "flows").glob("*.yaml"))
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# a few seconds in CI; IVR_FUZZ_EXAMPLES=5000 for a longer hunt
BUDGET = settings(
    max_examples=int(os.environ.get("IVR_FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# file-level problems, which have no line to point at
FILE_LEVEL = ("the file is empty",)

Mutation = Callable[[list[str], st.DataObject], list[str]]


def _line(lines: list[str], data: st.DataObject) -> int:
    return data.draw(st.integers(0, max(len(lines) - 1, 0)), label="line")


def delete(lines: list[str], data: st.DataObject) -> list[str]:
    i = _line(lines, data)
    return lines[:i] + lines[i + 1 :]


def duplicate(lines: list[str], data: st.DataObject) -> list[str]:
    i = _line(lines, data)
    return lines[: i + 1] + lines[i:]


def reindent(lines: list[str], data: st.DataObject) -> list[str]:
    i = _line(lines, data)
    by = data.draw(st.sampled_from([-4, -2, -1, 1, 2, 4]), label="indent")
    line = lines[i] if i < len(lines) else ""
    lines = list(lines)
    lines[i : i + 1] = [" " * by + line if by > 0 else line[-by:]]
    return lines


def cut_line(lines: list[str], data: st.DataObject) -> list[str]:
    i = _line(lines, data)
    line = lines[i] if i < len(lines) else ""
    at = data.draw(st.integers(0, len(line)), label="cut at")
    return [*lines[:i], line[:at], *lines[i + 1 :]]


def truncate(lines: list[str], data: st.DataObject) -> list[str]:
    return lines[: _line(lines, data)]


def retype(lines: list[str], data: st.DataObject) -> list[str]:
    typed = [i for i, line in enumerate(lines) if line.strip().startswith("type:")]
    if not typed:
        return lines
    i = data.draw(st.sampled_from(typed), label="node")
    kind = data.draw(st.sampled_from([*NODE_TYPES, "manu", "", "[play]"]), label="type")
    indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    return [*lines[:i], f"{indent}type: {kind}", *lines[i + 1 :]]


def rename(lines: list[str], data: st.DataObject) -> list[str]:
    text = "\n".join(lines)
    words = sorted(set(WORD.findall(text)))
    if not words:
        return lines
    old = data.draw(st.sampled_from(words), label="name")
    new = data.draw(st.sampled_from([old + "x", old[:-1], *words[:20]]), label="new name")
    pattern = re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(old)}(?![A-Za-z0-9_-])")
    everywhere = data.draw(st.booleans(), label="everywhere")
    return pattern.sub(new, text, count=0 if everywhere else 1).split("\n")


def cut_value(lines: list[str], data: st.DataObject) -> list[str]:
    valued = [i for i, line in enumerate(lines) if re.search(r":\s*\S", line)]
    if not valued:
        return lines
    i = data.draw(st.sampled_from(valued), label="field")
    key, _, value = lines[i].partition(":")
    at = data.draw(st.integers(0, len(value)), label="keep")
    return [*lines[:i], f"{key}:{value[:at]}", *lines[i + 1 :]]


MUTATIONS: dict[str, Mutation] = {
    "delete": delete,
    "duplicate": duplicate,
    "reindent": reindent,
    "cut_line": cut_line,
    "truncate": truncate,
    "retype": retype,
    "rename": rename,
    "cut_value": cut_value,
}
ENCODINGS = ("utf-8", "utf-8", "utf-8", "utf-8-sig", "latin-1", "gbk", "utf-16")


def _remembered(parse: Callable[[str, str], Any]) -> Callable[[str, str], Any]:
    """``parse`` with its results kept by text: the files a mutation left alone parse once.

    PyYAML's pure-Python loader takes tens of milliseconds a file; without this the
    budget would buy a handful of examples. A text that fails is parsed every time.
    """
    done: dict[tuple[str, str], Any] = {}

    def remembered(text: str, file: str) -> Any:
        key = (text, file)
        if key not in done:
            done[key] = parse(text, file)
        return done[key]

    return remembered


@pytest.fixture(scope="module")
def flows_copy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    flows = tmp_path_factory.mktemp("fuzz") / "flows"
    shutil.copytree(ROOT / "flows", flows)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flow_files, "parse_flow", _remembered(flow_files.parse_flow))
        patch.setattr(flow_files, "parse_yaml", _remembered(flow_files.parse_yaml))
        yield flows


def _located(p: Problem, flows: Path) -> bool:
    if p.file == "skills/":  # the centre's exits: located by queue, in skills/
        return p.field != ""
    if not p.file.startswith(str(flows)):
        return False
    return p.line is not None or any(words in p.message for words in FILE_LEVEL)


def mutate(data: st.DataObject) -> tuple[str, bytes]:
    """A file of flows/ and its bytes after one to three mutations and an encoding."""
    name = data.draw(st.sampled_from(FILES), label="file")
    lines = (ROOT / "flows" / name).read_text(encoding="utf-8").split("\n")
    for kind in data.draw(st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=3)):
        lines = MUTATIONS[kind](lines, data)
    encoding = data.draw(st.sampled_from(ENCODINGS), label="encoding")
    return name, "\n".join(lines).encode(encoding, errors="replace")


@BUDGET
@given(data=st.data())
def test_a_mutated_flow_is_refused_where_it_is_broken_or_walks_every_path(
    flows_copy: Path, centre: CentreConfig, data: st.DataObject
) -> None:
    name, text = mutate(data)
    try:
        (flows_copy / name).write_bytes(text)
        # what `ivr validate flows skills` runs for a flows directory, the skills read once
        fs, problems = read_flow_set(flows_copy)
        problems += check_flow_set(fs, centre)
        unlocated = [str(p) for p in problems if not _located(p, flows_copy)]
        assert not unlocated, unlocated
        event("refused" if problems else "valid, walked")
        if not problems:
            catalog = FlowCatalog(compile_set(fs), safe_queue=centre.general_queue)
            for at, alarm in ((OPEN, 0), (OPEN, 2), (CLOSED, 0)):
                walk_everything(catalog, at=at, alarm=alarm)
    finally:
        shutil.copy(ROOT / "flows" / name, flows_copy / name)


@settings(BUDGET, max_examples=8)
@given(data=st.data())
def test_ivr_validate_on_a_mutated_flow_exits_0_or_1_without_a_traceback(
    flows_copy: Path, data: st.DataObject
) -> None:
    # the command itself, its exception handling included: slow (it reads skills/ each
    # time), so only a few examples; the property above does the searching
    name, text = mutate(data)
    try:
        (flows_copy / name).write_bytes(text)
        result = CliRunner().invoke(app, ["validate", str(flows_copy), str(ROOT / "skills")])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        assert result.exit_code in (0, 1) and "Traceback" not in result.output
        assert result.output.rstrip().endswith(
            "ok" if result.exit_code == 0 else "fix them and validate again"
        )
    finally:
        shutil.copy(ROOT / "flows" / name, flows_copy / name)


def test_every_path_of_the_bundled_flows_walks_without_a_failing_node(
    centre: CentreConfig,
) -> None:
    catalog = load_catalog(ROOT / "flows", centre)
    open_day = walk_everything(catalog, at=OPEN)
    peak = walk_everything(catalog, at=OPEN, alarm=2)
    night = walk_everything(catalog, at=CLOSED)
    every_node = {
        (name, nid) for name, src in catalog.bundle.sources.items() for nid in src.flow.nodes
    }
    assert open_day.entered | peak.entered | night.entered == every_node
