"""The commands: ivr validate, ivr schema, ivr graph, ivr prompts render."""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivr.cli import app

from .conftest import ROOT

runner = CliRunner()
FLOWS = str(ROOT / "flows")
SKILLS = str(ROOT / "skills")
BROKEN = ROOT / "tests" / "fixtures" / "flows" / "broken"
HAVE_TTS = shutil.which("espeak-ng") is not None and shutil.which("sox") is not None


def test_validate_passes_on_the_sample_flows_and_skills() -> None:
    result = runner.invoke(app, ["validate", FLOWS, SKILLS])
    assert result.exit_code == 0, result.output
    assert "8 flows" in result.output or "flows," in result.output
    assert "50 seats" in result.output
    assert result.output.rstrip().endswith("ok")


@pytest.mark.parametrize("which", [FLOWS, SKILLS])
def test_validate_takes_either_directory_alone(which: str) -> None:
    assert runner.invoke(app, ["validate", which]).exit_code == 0


def test_validate_lists_every_problem_and_fails(tmp_path: Path) -> None:
    for name in ("unknown_target.yaml", "unreachable.yaml", "syntax_error.yaml"):
        shutil.copy(BROKEN / name, tmp_path / name)
    result = runner.invoke(app, ["validate", str(tmp_path), SKILLS])
    assert result.exit_code == 1
    text = result.output
    assert (
        f"{tmp_path / 'unknown_target.yaml'}:10:12: nodes.main_menu.choices.2: goes to 'goodby'"
        in text
    )
    assert "is unreachable" in text
    assert f"{tmp_path / 'syntax_error.yaml'}:8:9" in text
    assert "problems found; fix them and validate again" in text


def test_schema_describes_every_node_type() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "ivr flow"
    assert {"flow", "start", "nodes"} <= set(schema["properties"])
    for name in ("MenuNode", "CollectNode", "VerifyPasswordNode", "CallNode", "ReturnNode"):
        assert name in schema["$defs"]
    skills = json.loads(runner.invoke(app, ["schema", "skills"]).output)
    assert "seats" in skills["properties"]


def test_schema_and_graph_out_say_when_they_overwrite_a_file(tmp_path: Path) -> None:
    schema, drawing = tmp_path / "flows.schema.json", tmp_path / "hotline.mmd"
    commands = [
        (["schema", "flows", "--out", str(schema)], f"wrote {schema}"),
        (["graph", "hotline", "--flows", FLOWS, "-o", str(drawing)], f"wrote {drawing}"),
    ]
    for args, line in commands:
        first = runner.invoke(app, args)
        assert first.exit_code == 0, first.output
        assert first.output.strip() == line
        again = runner.invoke(app, args)
        assert again.output.strip() == f"{line} (overwrote the file that was there)"


def test_graph_prints_mermaid() -> None:
    result = runner.invoke(app, ["graph", "hotline", "--flows", FLOWS])
    assert result.exit_code == 0
    assert "flowchart TD" in result.output


@pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz is not installed: apt install graphviz"
)
def test_graph_draws_svg_with_graphviz(tmp_path: Path) -> None:
    out = tmp_path / "hotline.svg"
    result = runner.invoke(app, ["graph", "hotline", "--flows", FLOWS, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().lstrip().startswith("<?xml")


def test_prompts_render_says_what_to_install_when_tools_are_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = runner.invoke(app, ["prompts", "render", "--flows", FLOWS, "-o", str(tmp_path / "s")])
    assert result.exit_code == 1
    assert "espeak-ng and sox not found" in result.output
    assert "apt-get install espeak-ng sox" in result.output


@pytest.mark.skipif(
    not HAVE_TTS, reason="espeak-ng and sox are not installed: apt install espeak-ng sox"
)
def test_rendered_prompts_are_8khz_mono_and_satisfy_validate_sounds(tmp_path: Path) -> None:
    sounds = tmp_path / "sounds"
    result = runner.invoke(app, ["prompts", "render", "--flows", FLOWS, "-o", str(sounds)])
    assert result.exit_code == 0, result.output
    with wave.open(str(sounds / "en" / "custom" / "welcome.wav")) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
    assert (sounds / "zh" / "custom" / "main-menu.wav").is_file()
    # core sounds are not rendered: validate names each missing one, per language
    result = runner.invoke(app, ["validate", FLOWS, SKILLS, "--sounds", str(sounds)])
    assert result.exit_code == 1
    assert "prompt 'vm-goodbye' has no sound file for language 'zh'" in result.output
    for lang in ("zh", "en"):
        for core in ("vm-goodbye", "vm-intro", "beep", "option-is-invalid"):
            (sounds / lang / f"{core}.gsm").write_bytes(b"")
    result = runner.invoke(app, ["validate", FLOWS, SKILLS, "--sounds", str(sounds)])
    assert result.exit_code == 0, result.output
