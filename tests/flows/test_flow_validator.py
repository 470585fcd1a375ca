"""Each broken flow in tests/fixtures/flows/broken is caught, with file, line, field and hint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ivr.config.flow_files import read_flow_set
from ivr.errors import Problem
from ivr.flows.checks.validator import check_flow_set
from ivr.model.skills import CentreConfig

from .conftest import ROOT

BROKEN = ROOT / "tests" / "fixtures" / "flows" / "broken"


def problems_of(tmp_path: Path, name: str, centre: CentreConfig) -> list[Problem]:
    """The broken flow alone in a directory, with the sample calendars and prompts."""
    shutil.copy(BROKEN / name, tmp_path / name)
    for extra in ("calendars.yaml", "prompts.yaml"):
        shutil.copy(ROOT / "flows" / extra, tmp_path / extra)
    fs, problems = read_flow_set(tmp_path)
    # skills/ exits name overflow-callback, which this directory does not hold: not our subject
    return [p for p in problems + check_flow_set(fs, centre) if p.file != "skills/"]


CASES = [
    # file, line, field, words in the message, hint
    ("syntax_error.yaml", 8, "", "expected ',' or ']'", None),
    (
        "unknown_field.yaml",
        7,
        "nodes.hello.prompt",
        "unknown field 'prompt'",
        "did you mean 'prompts'?",
    ),
    ("unknown_type.yaml", 6, "nodes.pick.type", "found 'manu'", "did you mean 'menu'?"),
    (
        "unknown_target.yaml",
        10,
        "nodes.main_menu.choices.2",
        "goes to 'goodby', which is not a node",
        "did you mean 'goodbye'?",
    ),
    ("unreachable.yaml", 13, "nodes.old_menu", "is unreachable", None),
    (
        "loop_without_input.yaml",
        6,
        "nodes.hello",
        "loop without caller input: hello → again → check → hello",
        None,
    ),
    (
        "duplicate_digit.yaml",
        11,
        "nodes.pick.choices.1",
        "'1' appears twice in this mapping (first on line 9)",
        None,
    ),
    ("menu_no_way_out.yaml", 6, "nodes.pick", "menu 'pick' has no way out", None),
    (
        "read_before_set.yaml",
        19,
        "nodes.say_account.var",
        "variable 'account' is read here, but some path",
        None,
    ),
    (
        "unknown_queue.yaml",
        7,
        "nodes.to_billing.queue",
        "queue 'billng' is not defined in skills/",
        "did you mean 'billing'?",
    ),
    (
        "unknown_calendar.yaml",
        8,
        "nodes.hours.cases.0.if.calendar",
        "calendar 'hotlin' is not in calendars.yaml",
        "did you mean 'hotline'?",
    ),
    (
        "custom_prompt_without_text.yaml",
        7,
        "nodes.hello.prompts.0",
        "custom prompt 'custom/welcom' is not in prompts.yaml",
        "did you mean 'custom/welcome'?",
    ),
    (
        "return_in_dialled_flow.yaml",
        6,
        "nodes.done.type",
        "'return' in a flow that callers dial",
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "line", "field", "words", "hint"), CASES, ids=[c[0] for c in CASES]
)
def test_each_mistake_is_reported_where_it_is(
    tmp_path: Path,
    centre: CentreConfig,
    name: str,
    line: int,
    field: str,
    words: str,
    hint: str | None,
) -> None:
    problems = problems_of(tmp_path, name, centre)
    matching = [p for p in problems if words in p.message]
    assert matching, "\n".join(map(str, problems))
    p = matching[0]
    assert p.file == str(tmp_path / name)
    assert (p.line, p.field) == (line, field)
    assert p.hint == hint


def test_structure_errors_say_what_was_found_and_what_is_valid(
    tmp_path: Path, centre: CentreConfig
) -> None:
    problems = {p.field: p for p in problems_of(tmp_path, "bad_values.yaml", centre)}
    assert "found 'Account'" in problems["nodes.ask.into"].message
    assert problems["nodes.ask.timeout_s"].message == "Input should be greater than 0; found -1"
    assert "found 500" in problems["nodes.to_person.priority"].message
    assert problems["nodes.to_person.priority"].line == 16


def test_unknown_field_lists_the_valid_ones(tmp_path: Path, centre: CentreConfig) -> None:
    (p,) = [
        p for p in problems_of(tmp_path, "unknown_field.yaml", centre) if "unknown" in p.message
    ]
    assert "valid fields here: barge_in, description, next, on_error, prompts, type" in p.message


def test_all_problems_come_at_once(tmp_path: Path, centre: CentreConfig) -> None:
    for case in CASES:
        shutil.copy(BROKEN / case[0], tmp_path / case[0])
    for extra in ("calendars.yaml", "prompts.yaml"):
        shutil.copy(ROOT / "flows" / extra, tmp_path / extra)
    fs, problems = read_flow_set(tmp_path)
    problems += check_flow_set(fs, centre)
    files = {Path(p.file).name for p in problems}
    assert {c[0] for c in CASES} <= files


def test_the_sample_flows_validate_with_the_sample_skills(centre: CentreConfig) -> None:
    fs, problems = read_flow_set(ROOT / "flows")
    assert problems + check_flow_set(fs, centre) == []
    assert {"hotline", "verify-caller", "overflow-callback"} <= set(fs.flows)


def test_a_dialled_number_starts_one_flow_only(tmp_path: Path, centre: CentreConfig) -> None:
    for name in ("unknown_queue.yaml", "unreachable.yaml"):
        shutil.copy(BROKEN / name, tmp_path / name)
    text = (tmp_path / "unreachable.yaml").read_text().replace("29005", "29010")
    (tmp_path / "unreachable.yaml").write_text(text)
    fs, _ = read_flow_set(tmp_path)
    problems = check_flow_set(fs, centre)
    assert any("DNIS 29010 already starts flow" in p.message for p in problems)


def test_a_queue_exit_to_a_missing_flow_is_caught(tmp_path: Path, centre: CentreConfig) -> None:
    shutil.copy(ROOT / "flows" / "billing-line.yaml", tmp_path)
    shutil.copy(ROOT / "flows" / "prompts.yaml", tmp_path)
    fs, _ = read_flow_set(tmp_path)
    problems = check_flow_set(fs, centre)
    assert any("exits to flow 'overflow-callback'" in p.message for p in problems)


def test_a_sub_flow_sets_what_its_caller_reads_only_on_the_paths_that_set_it(
    tmp_path: Path, centre: CentreConfig
) -> None:
    hotline = (ROOT / "flows" / "hotline.yaml").read_text()
    # reading the balance after a failed verification would read a variable nobody set
    (tmp_path / "hotline.yaml").write_text(
        hotline.replace(
            "    next: to_billing\n    returns:\n      ok: read_back",
            "    next: say_balance\n    returns:\n      ok: read_back",
        )
    )
    for extra in ("calendars.yaml", "prompts.yaml", "verify-caller.yaml", "overflow-callback.yaml"):
        shutil.copy(ROOT / "flows" / extra, tmp_path / extra)
    fs, problems = read_flow_set(tmp_path)
    problems += check_flow_set(fs, centre)
    assert [p.field for p in problems] == ["nodes.say_balance.var"]


def beside_the_samples(tmp_path: Path, centre: CentreConfig, **files: str) -> list[Problem]:
    """Every problem of the sample flows with ``files`` ({target name: fixture}) put among them."""
    for f in (ROOT / "flows").glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    for target, fixture in files.items():
        shutil.copy(BROKEN / fixture, tmp_path / target)
    fs, problems = read_flow_set(tmp_path)
    return problems + check_flow_set(fs, centre)


@pytest.mark.parametrize(
    ("name", "line", "column", "words"),
    [
        (
            "unclosed_quote.yaml",
            7,
            14,
            "the quote opened here is not closed on its line, so every line up to line 11 "
            "was read as one quoted value; close the quote on line 7",
        ),
        (
            "unclosed_quote_at_end.yaml",
            11,
            13,
            "the quote opened here is never closed; close the quote on line 11",
        ),
    ],
    ids=["closed-lines-later", "never-closed"],
)
def test_an_unclosed_quote_is_reported_on_the_line_it_opens(
    tmp_path: Path, centre: CentreConfig, name: str, line: int, column: int, words: str
) -> None:
    # PyYAML gives up lines later (at the next quote, or the end of the file)
    (p,) = problems_of(tmp_path, name, centre)
    assert (p.file, p.line, p.column, p.field) == (str(tmp_path / name), line, column, "")
    assert p.message == words


def test_an_empty_flow_file_says_it_is_empty(tmp_path: Path, centre: CentreConfig) -> None:
    (p,) = problems_of(tmp_path, "empty.yaml", centre)
    assert (p.file, p.line, p.field) == (str(tmp_path / "empty.yaml"), None, "")
    assert p.message.startswith("the file is empty; write a flow (flow, start and nodes")
    assert "mapping" not in p.message


def test_min_digits_above_max_digits_points_at_the_field(
    tmp_path: Path, centre: CentreConfig
) -> None:
    (p,) = problems_of(tmp_path, "min_above_max.yaml", centre)
    assert (p.file, p.line, p.field) == (
        str(tmp_path / "min_above_max.yaml"),
        10,
        "nodes.ask.max_digits",
    )
    assert p.message == (
        "max_digits (6) is below min_digits (8); raise max_digits or lower min_digits"
    )


def test_a_broken_sub_flow_is_reported_once_and_its_callers_are_not_blamed(
    tmp_path: Path, centre: CentreConfig
) -> None:
    # hotline and demo-after-hours call verify-caller and read what it sets
    problems = beside_the_samples(
        tmp_path, centre, **{"verify-caller.yaml": "sub_flow_invalid.yaml"}
    )
    (p,) = problems
    assert (p.file, p.line, p.field) == (
        str(tmp_path / "verify-caller.yaml"),
        13,
        "nodes.ask_account.min_digit",
    )
    assert p.message.startswith("unknown field 'min_digit'")


def test_a_sub_flow_that_is_not_yaml_is_reported_once(tmp_path: Path, centre: CentreConfig) -> None:
    beside_the_samples(tmp_path, centre)
    sub = tmp_path / "verify-caller.yaml"
    sub.write_text(sub.read_text().replace("value: ok", "value: [ok"))
    fs, problems = read_flow_set(tmp_path)
    problems += check_flow_set(fs, centre)
    assert [Path(p.file).name for p in problems] == ["verify-caller.yaml"]
    assert "expected ',' or ']'" in problems[0].message


@pytest.mark.parametrize(
    ("broken", "spared"),
    [("prompts.yaml", "custom prompt"), ("calendars.yaml", "calendar")],
)
def test_a_broken_prompts_or_calendars_file_is_reported_once(
    tmp_path: Path, centre: CentreConfig, broken: str, spared: str
) -> None:
    beside_the_samples(tmp_path, centre)
    (tmp_path / broken).write_text((tmp_path / broken).read_text() + "\nstray: [\n")
    fs, problems = read_flow_set(tmp_path)
    problems += check_flow_set(fs, centre)
    assert [Path(p.file).name for p in problems] == [broken]
    assert not any(spared in p.message for p in problems)


def test_a_returns_value_the_sub_flow_never_returns_is_flagged(
    tmp_path: Path, centre: CentreConfig
) -> None:
    name = "returns_never_returned.yaml"
    (p,) = beside_the_samples(tmp_path, centre, **{name: name})
    assert (p.file, p.line, p.column, p.field) == (
        str(tmp_path / name),
        12,
        7,
        "nodes.verify.returns.lockd",
    )
    assert p.message == (
        "flow 'verify-caller' never returns 'lockd' (it returns failed, locked, ok, unknown), "
        "so this way out is never taken; use one of those values, or return 'lockd' in "
        "verify-caller"
    )
    assert p.hint == "did you mean 'locked'?"
