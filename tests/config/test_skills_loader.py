"""skills/: every file merged into one CentreConfig; problems name file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ivr.config.skills import load_centre
from ivr.errors import ConfigError, ConfigInvalidError, Problem

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def skills(tmp_path: Path) -> Path:
    for f in (ROOT / "skills").glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def problems(directory: Path) -> list[Problem]:
    with pytest.raises(ConfigInvalidError) as caught:
        load_centre(directory)
    return caught.value.problems


def test_the_sample_centre_loads() -> None:
    centre = load_centre(ROOT / "skills")
    assert centre.general_queue == "general_queue"
    assert 40 <= len(centre.seats) <= 60
    assert {q.name for q in centre.queues} >= {"billing", "complaint", "general_queue"}
    assert all(q.answer_time_limit_s == 15 for q in centre.queues)
    assert sum(s.general for s in centre.seats) >= 5
    assert max(s.level for s in centre.seats) == 10


def test_a_misspelt_field_names_file_line_and_a_hint(skills: Path) -> None:
    edit(skills / "services.yaml", "    ring_timeout_s: 12", "    ring_timout_s: 12")
    (p,) = problems(skills)
    assert p.file == str(skills / "services.yaml")
    assert p.field == "queues.4.ring_timout_s"
    assert (
        p.line
        == (skills / "services.yaml").read_text().splitlines().index("    ring_timout_s: 12") + 1
    )
    assert p.hint == "did you mean 'ring_timeout_s'?"


def test_a_seat_with_an_unknown_skill_points_at_the_seat(skills: Path) -> None:
    text = (skills / "seats.yaml").read_text()
    line_no = next(i for i, line in enumerate(text.splitlines(), 1) if "{id: cmp01" in line)
    (skills / "seats.yaml").write_text(
        text.replace("skills: {complaint: 4}", "skills: {complain: 4}", 1)
    )
    (p,) = problems(skills)
    assert (p.file, p.line) == (str(skills / "seats.yaml"), line_no)
    assert p.field.endswith(".skills.complain")
    assert "seat 'cmp01' has skill 'complain', which is not in skills" in p.message
    assert p.hint == "did you mean 'complaint'?"


def test_a_level_out_of_range_is_found_in_its_own_file(skills: Path) -> None:
    edit(skills / "seats.yaml", "level: 10, general: true", "level: 12, general: true")
    (p,) = problems(skills)
    assert p.file == str(skills / "seats.yaml")
    assert p.field.endswith(".level")
    assert "found 12" in p.message


def test_a_setting_written_in_two_files_is_refused(skills: Path) -> None:
    (skills / "zz-extra.yaml").write_text("general_queue: billing\n")
    (p,) = problems(skills)
    assert p.file == str(skills / "zz-extra.yaml")
    assert "already set in" in p.message and "centre.yaml" in p.message


def test_problems_in_several_files_come_together(skills: Path) -> None:
    edit(skills / "services.yaml", "    ring_timeout_s: 12", "    ring_timout_s: 12")
    (skills / "zz-broken.yaml").write_text("seats: [\n")
    (skills / "zz-unknown.yaml").write_text("seat:\n  - {id: x}\n")
    found = problems(skills)
    assert {Path(p.file).name for p in found} == {
        "services.yaml",
        "zz-broken.yaml",
        "zz-unknown.yaml",
    }
    unknown = next(p for p in found if p.file.endswith("zz-unknown.yaml"))
    assert unknown.hint == "did you mean 'seats'?"


def test_an_exit_to_a_missing_queue_is_pointed_at(skills: Path) -> None:
    edit(
        skills / "services.yaml",
        "exit: {action: queue, target: general_queue}",
        "exit: {action: queue, target: general_q}",
    )
    (p,) = problems(skills)
    assert p.field == "queues.0.exit.target"
    assert p.hint == "did you mean 'general_queue'?"


def test_an_empty_directory_says_what_to_write(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no \*\.yaml files"):
        load_centre(tmp_path)


BROKEN = ROOT / "tests" / "fixtures" / "skills" / "broken"


def test_a_duplicate_seat_id_points_at_the_copy(skills: Path) -> None:
    # seats_duplicate_id.yaml sorts after seats.yaml: its bil02 is the copy
    shutil.copy(BROKEN / "seats_duplicate_id.yaml", skills / "seats_duplicate_id.yaml")
    (p,) = problems(skills)
    assert (p.file, p.line) == (str(skills / "seats_duplicate_id.yaml"), 4)
    assert p.field.endswith(".id")
    first = next(
        i
        for i, line in enumerate((skills / "seats.yaml").read_text().splitlines(), 1)
        if "{id: bil02" in line
    )
    assert p.message == (
        f"seat 'bil02' is defined again here (first at {skills / 'seats.yaml'}:{first}); "
        "give each seat its own id, or remove this copy"
    )


def test_a_problem_in_an_earlier_file_is_located_in_that_file(skills: Path) -> None:
    # a later file's list used to lend its marks to the same indexes of the earlier ones
    (skills / "aa-seats.yaml").write_text(
        "seats:\n  - {id: new01, skills: {billing: 3}, level: 12, endpoint: PJSIP/1101}\n"
    )
    (p,) = problems(skills)
    assert (p.file, p.line, p.field) == (str(skills / "aa-seats.yaml"), 2, "seats.0.level")
    assert "found 12" in p.message
