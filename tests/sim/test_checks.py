"""What a run checks before it starts: its size against --max-calls, and numbers no flow claims."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivr.cli import app
from ivr.errors import SimulationError
from sim import scenario as sc
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


def test_a_number_no_flow_claims_is_warned_of_with_the_number_and_the_flows_directory(
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "typo"
    shutil.copytree(MMC, scenario)
    (scenario / "traffic.yaml").write_text(
        'arrivals: [{dnis: "5001", rate_per_hour: 360, open: "09:00", close: "10:00"}]\n'
    )
    out = tmp_path / "day.json"
    result = runner.invoke(app, ["simulate", str(scenario), "--json", str(out), "--no-report"])
    assert result.exit_code == 0, result.output
    warning = f"warning: {scenario / 'traffic.yaml'}:1:19: arrivals[0].dnis: no flow claims '5001'"
    assert warning in result.output and str(scenario / "flows") in result.output
    assert "general queue 'agents'" in result.output
    (kept,) = json.loads(out.read_text())["warnings"]  # the report keeps it
    assert f"warning: {kept}\n" in result.output


def test_a_replayed_number_no_flow_claims_is_counted_in_the_warning(tmp_path: Path) -> None:
    trace = tmp_path / "calls.csv"
    trace.write_text(
        "arrival,dnis\n2026-01-05T09:00:00,5000\n2026-01-05T09:01:00,7777\n"
        "2026-01-05T09:02:00,7777\n2026-01-05T09:03:00,\n"  # no number: the first arrival's
    )
    s = sc.load(MMC, trace=trace)
    assert len(s.warnings) == 1
    assert s.warnings[0].startswith(f"{trace}: 2 calls dial '7777', which no flow claims")


def test_the_bundled_scenarios_dial_only_numbers_their_flows_claim() -> None:
    for name in ("hotline", "mmc", "mmc-priority"):
        assert sc.load(ROOT / "scenarios" / name).warnings == [], name
