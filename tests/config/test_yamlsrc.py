"""YAML with positions: syntax errors and validation problems point at the file, line and column."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict

from ivr.errors import ConfigInvalidError, ConfigSyntaxError
from ivr.yamlsrc import load_yaml, parse_yaml, validate


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timeout_s: float = 5.0
    name: str


class Outer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[Inner]
    mode: str = "a"


def test_a_syntax_error_names_file_line_and_column() -> None:
    with pytest.raises(ConfigSyntaxError) as caught:
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n", "x.yaml")
    err = caught.value
    assert (err.details["file"], err.details["line"]) == ("x.yaml", 3)
    assert err.details["column"] == 2
    assert err.message.startswith("x.yaml:3:2: ")


def test_positions_point_at_each_value() -> None:
    data, pos = parse_yaml("items:\n  - name: one\n    timeout_s: 3\n", "x.yaml")
    assert data == {"items": [{"name": "one", "timeout_s": 3}]}
    mark = pos[("items", "0", "timeout_s")]
    assert (mark.line, mark.column) == (3, 16)


def test_a_key_written_twice_is_a_problem_not_silently_the_last() -> None:
    with pytest.raises(ConfigInvalidError) as caught:
        parse_yaml("a: 1\nb: 2\na: 3\n", "x.yaml")
    (p,) = caught.value.problems
    assert (p.line, p.field) == (3, "a")
    assert "first on line 1" in p.message


def test_dates_stay_text() -> None:
    data, _ = parse_yaml("day: 2026-10-01\n", "x.yaml")
    assert data == {"day": "2026-10-01"}


def test_every_problem_is_located_with_a_hint(tmp_path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text("items:\n  - name: one\n    timeout: 3\n  - timeout_s: x\n")
    data, pos = load_yaml(f)
    with pytest.raises(ConfigInvalidError) as caught:
        validate(Outer, data, pos)
    problems = {p.field: p for p in caught.value.problems}
    extra = problems["items.0.timeout"]
    assert (extra.file, extra.line, extra.column) == (str(f), 3, 5)
    assert extra.hint == "did you mean 'timeout_s'?"
    missing = problems["items.1.name"]
    assert missing.line == 4 and "required" in missing.message
    bad = problems["items.1.timeout_s"]
    assert "found 'x'" in bad.message and bad.line == 4


def test_an_unreadable_file_says_so(tmp_path) -> None:
    with pytest.raises(ConfigSyntaxError, match="cannot read the file"):
        load_yaml(tmp_path / "missing.yaml")
