"""Flows that cannot be read as YAML at all: ``ivr validate`` locates each, exits 1, no traceback.

Each fixture in tests/fixtures/flows/broken is one class of bad input: aliases
that expand without bound, nesting deep enough to overflow a recursive parser,
bytes that are not UTF-8, a control character, an alias inside its own value.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivr.cli import app

from .conftest import ROOT

BROKEN = ROOT / "tests" / "fixtures" / "flows" / "broken"
SKILLS = str(ROOT / "skills")


def validate_alone(tmp_path: Path, name: str) -> tuple[int, str]:
    flows = tmp_path / "flows"
    flows.mkdir()
    shutil.copy(BROKEN / name, flows / name)
    result = CliRunner().invoke(app, ["validate", str(flows)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


UNREADABLE = [
    # file, line, words of the message
    ("aliased.yaml", 11, "stand for more than 200,000 values (the limit is 200,000 values)"),
    ("nested_too_deep.yaml", 5, "nested more than 64 levels deep here (the limit is 64 levels)"),
    ("not_utf8.yaml", 5, "byte 0xe9 at offset 141 is not UTF-8"),
    ("control_character.yaml", 5, "the control character U+0000 is not allowed in YAML"),
    ("alias_inside_itself.yaml", 5, "the alias *loop is inside the value &loop"),
]


@pytest.mark.parametrize(("name", "line", "words"), UNREADABLE, ids=[c[0] for c in UNREADABLE])
def test_an_unreadable_flow_is_located_and_validate_exits_1(
    tmp_path: Path, name: str, line: int, words: str
) -> None:
    code, output = validate_alone(tmp_path, name)
    assert code == 1
    assert "Traceback" not in output
    assert f"{tmp_path / 'flows' / name}:{line}:" in output
    assert words in output
    assert "1 problem found; fix them and validate again" in output


def test_an_aliased_flow_is_refused_not_expanded(tmp_path: Path) -> None:
    # 639 bytes for 387 million values: refused at the alias, before any walk builds them
    assert (BROKEN / "aliased.yaml").stat().st_size < 1000
    code, output = validate_alone(tmp_path, "aliased.yaml")
    assert code == 1
    assert "*a5 here" in output
    assert "write the repeated values out where they are needed, without & and *" in output


def test_a_flow_nested_500_deep_is_refused_without_recursion_error(tmp_path: Path) -> None:
    code, output = validate_alone(tmp_path, "nested_too_deep.yaml")
    assert code == 1
    assert "RecursionError" not in output
    assert "look for brackets that are never closed" in output


def test_a_flow_not_saved_as_utf8_says_save_it_as_utf8(tmp_path: Path) -> None:
    code, output = validate_alone(tmp_path, "not_utf8.yaml")
    assert code == 1
    assert "save the file as UTF-8" in output
    assert "UnicodeDecodeError" not in output


@pytest.mark.parametrize(
    ("name", "encoding"), [("calendars.yaml", "latin-1"), ("prompts.yaml", "gbk")]
)
def test_calendars_and_prompts_not_in_utf8_are_located(
    tmp_path: Path, name: str, encoding: str
) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    text = (flows / name).read_text(encoding="utf-8")
    (flows / name).write_bytes(text.replace("\n", "\n# \u00e9t\u00e9\n", 1).encode(encoding))
    result = CliRunner().invoke(app, ["validate", str(flows), SKILLS])
    assert result.exit_code == 1
    assert f"{flows / name}:2:3: byte 0x" in result.output
    assert "is not UTF-8" in result.output
    assert "save the file as UTF-8" in result.output
