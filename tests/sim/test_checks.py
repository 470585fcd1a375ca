"""What a run checks before it starts: its size against --max-calls."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivr.cli import app
from ivr.errors import SimulationError
from sim.checks import check_size
from sim.traffic import load_traffic

ROOT = Path(__file__).resolve().parents[2]
MMC = ROOT / "scenarios" / "mmc"
runner = CliRunner()


def _traffic(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "traffic.yaml"
    path.write_text(text)
    return path


def test_a_runaway_rate_is_refused_naming_the_file_line_field_estimate_and_option(
    tmp_path: Path,
) -> None:
    path = _traffic(
        tmp_path,
        "arrivals:\n"
        '  - {dnis: "5000", rate_per_hour: 360}\n'
        '  - {dnis: "5000", rate_per_hour: 1e12}\n',
    )
    with pytest.raises(SimulationError) as info:
        check_size(load_traffic(path), path, 1_000_000)
    text = info.value.message
    assert f"{path}:3:" in text and "arrivals[1].rate_per_hour" in text
    assert "about 24,000,000,008,640 calls" in text and "limit of 1,000,000" in text
    assert "--max-calls N" in text


def test_many_days_of_a_modest_rate_are_blamed_on_days(tmp_path: Path) -> None:
    path = _traffic(tmp_path, 'days: 200\narrivals: [{dnis: "5000", rate_per_hour: 360}]\n')
    with pytest.raises(SimulationError, match=r"traffic.yaml:1:7: days: .*1,728,000 calls"):
        check_size(load_traffic(path), path, 1_000_000)


def test_simulate_refuses_a_run_over_max_calls_and_runs_it_when_the_limit_is_raised() -> None:
    refused = runner.invoke(app, ["simulate", str(MMC), "--no-report", "-q", "--max-calls", "8000"])
    assert refused.exit_code == 2
    assert "about 8,640 calls" in refused.output and "--max-calls" in refused.output
    ran = runner.invoke(app, ["simulate", str(MMC), "--no-report", "-q", "--max-calls", "9000"])
    assert ran.exit_code == 0, ran.output
    days = runner.invoke(app, ["simulate", str(MMC), "--no-report", "--days", "200"])
    assert days.exit_code == 2 and "--days 200: " in days.output  # the option, not the file


def test_staff_refuses_to_simulate_more_than_max_calls() -> None:
    traffic = MMC / "traffic.yaml"
    result = runner.invoke(app, ["staff", "--traffic", str(traffic), "--max-calls", "1000"])
    assert result.exit_code == 2
    assert "arrivals[0].rate_per_hour" in result.output and "about 8,640 calls" in result.output
