"""`ivr simulate` and `ivr staff`, run as a user runs them (the real CLI, the real engine)."""

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from ivr.cli import app

ROOT = Path(__file__).resolve().parents[2]
MMC = ROOT / "scenarios" / "mmc"
FIXTURES = ROOT / "tests" / "fixtures" / "sim"
runner = CliRunner()


def _simulate(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["simulate", *args, "--quiet"])
    return result.exit_code, result.output


def test_a_day_writes_the_json_measures_and_a_self_contained_report(tmp_path: Path) -> None:
    out, page = tmp_path / "day.json", tmp_path / "day.html"
    code, text = _simulate(str(MMC), "--json", str(out), "--report", str(page))
    assert code == 0, text
    assert "centre" in text and "report written" in text
    doc = json.loads(out.read_text())
    assert doc["schema"] == "ivr-sim/1"
    for scope in (doc["overall"], doc["queues"]["agents"]):
        for key in (
            "offered",
            "answered",
            "abandoned",
            "answered_within_limit",
            "service_level",
            "connection_rate",
            "abandon_rate",
            "asa_s",
            "wait_p90_s",
            "occupancy",
        ):
            assert key in scope, key
    # a day of 15-minute intervals offered calls (the last calls may end after midnight)
    assert len([r for r in doc["intervals"] if r["offered"]]) == 96
    assert doc["overall"]["offered"] == sum(r["offered"] for r in doc["intervals"])
    html = page.read_text()
    assert html.count("<svg") >= 3 and "http" not in html.split("<body>")[1].replace(
        "http://www.w3.org/2000/svg", ""
    )


def test_compare_fails_when_the_service_level_drops(tmp_path: Path) -> None:
    fewer = tmp_path / "skills-fewer"
    fewer.mkdir()
    lines = (MMC / "skills" / "centre.yaml").read_text().splitlines()
    kept = [ln for ln in lines if not any(f"id: a{i:02d}" in ln for i in range(17, 21))]
    (fewer / "centre.yaml").write_text("\n".join(kept) + "\n")
    code, text = _simulate(
        str(MMC), "--compare", str(MMC / "skills"), str(fewer), "--fail-if-sl-drops", "2"
    )
    assert code == 1, text
    assert "service level drops" in text
    code, _ = _simulate(
        str(MMC), "--compare", str(MMC / "skills"), str(MMC / "skills"), "--fail-if-sl-drops", "0"
    )
    assert code == 0  # the same configuration on the same calls: no difference at all


def test_a_queue_log_is_replayed_and_set_beside_its_real_outcomes(tmp_path: Path) -> None:
    out = tmp_path / "replay.json"
    code, text = _simulate(
        str(MMC), "--trace", str(FIXTURES / "queue_log.sample"), "--json", str(out), "--no-report"
    )
    assert code == 0, text
    doc = json.loads(out.read_text())
    assert doc["run"]["calls"] == 42
    assert doc["actual"]["offered"] == 41 and doc["actual"]["answered"] == 37
    assert "actual (trace)" in text


def test_staff_gives_seats_per_interval_and_simulates_them(tmp_path: Path) -> None:
    scenario = tmp_path / "short"
    shutil.copytree(MMC, scenario)
    (scenario / "traffic.yaml").write_text(
        'arrivals: [{dnis: "5000", rate_per_hour: 360, open: "09:00", close: "11:00"}]\n'
        "handle_time: {kind: exponential, mean_s: 180}\n"
        "callers: {queue_patience: {kind: exponential, mean_s: 120}}\n"
        "seats: {ring_time: {kind: constant, value_s: 0}}\n"
    )
    out = tmp_path / "staff.json"
    result = runner.invoke(
        app,
        [
            "staff",
            "--traffic",
            str(scenario / "traffic.yaml"),
            "--target",
            "80/20",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text())
    assert [r["start"] for r in plan["intervals"]] == [
        f"{h:02d}:{m:02d}" for h in (9, 10) for m in (0, 15, 30, 45)
    ]
    # 18 Erlangs: Erlang C asks for 22 seats for 80/20; patience lets Erlang A ask for fewer
    assert all(r["seats_erlang_c"] == 22 for r in plan["intervals"])
    assert all(r["seats_erlang_a"] == 20 for r in plan["intervals"])
    assert plan["simulation"]["overall"]["offered"] > 500


def test_a_traffic_file_with_a_mistake_is_named_with_its_line(tmp_path: Path) -> None:
    scenario = tmp_path / "bad"
    shutil.copytree(MMC, scenario)
    (scenario / "traffic.yaml").write_text('arrivals: [{dnis: "5000", rate_per_hour: -1}]\n')
    code, text = _simulate(str(scenario))
    assert code == 2
    assert "traffic.yaml:1" in text and "rate_per_hour" in text


def test_a_simulated_day_written_as_queue_log_reads_back_as_the_same_calls(tmp_path: Path) -> None:
    from sim.trace import actual_summary, read_queue_log

    out, log = tmp_path / "day.json", tmp_path / "queue_log"
    code, text = _simulate(str(MMC), "--json", str(out), "--queue-log", str(log), "--no-report")
    assert code == 0, text
    overall = json.loads(out.read_text())["overall"]
    back = actual_summary(read_queue_log(log), limit_s=20)
    assert back["offered"] == overall["offered"]
    assert back["answered"] == overall["answered"]
    assert back["abandoned"] == overall["abandoned"] + overall["short_abandoned"]


OVERWROTE = " (overwrote the file that was there)"


def test_json_report_and_queue_log_say_when_they_overwrite_a_file(tmp_path: Path) -> None:
    out, page, log = tmp_path / "day.json", tmp_path / "day.html", tmp_path / "queue_log"
    args = (str(MMC), "--json", str(out), "--report", str(page), "--queue-log", str(log))
    lines = [
        f"measures written to {out}",
        f"queue_log written to {log}",
        f"report written to {page}",
    ]
    code, first = _simulate(*args)
    assert code == 0, first
    said = first.splitlines()
    assert all(line in said for line in lines), first  # new files: nothing overwritten
    code, second = _simulate(*args)
    assert code == 0, second
    said = second.splitlines()
    assert all(line + OVERWROTE in said for line in lines), second


def test_staff_json_says_where_it_wrote_and_when_it_overwrote_a_file(tmp_path: Path) -> None:
    out = tmp_path / "staff.json"
    args = ["staff", "--traffic", str(MMC / "traffic.yaml"), "--no-simulate", "--json", str(out)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert f"plan written to {out}" in first.output.splitlines()
    second = runner.invoke(app, args)
    assert f"plan written to {out}{OVERWROTE}" in second.output.splitlines()


def test_with_no_seats_the_calls_still_waiting_at_the_end_are_reported_as_unfinished(
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "no-seats"
    shutil.copytree(MMC, scenario)
    centre = scenario / "skills" / "centre.yaml"
    kept = [ln for ln in centre.read_text().splitlines() if "id: a" not in ln]
    centre.write_text("\n".join(ln if ln != "seats:" else "seats: []" for ln in kept) + "\n")
    (scenario / "traffic.yaml").write_text(  # endless patience: nobody gives up
        'arrivals: [{dnis: "5000", rate_per_hour: 360, open: "09:00", close: "10:00"}]\n'
    )
    out, page = tmp_path / "day.json", tmp_path / "day.html"
    code, text = _simulate(str(scenario), "--json", str(out), "--report", str(page))
    assert code == 0, text
    doc = json.loads(out.read_text())
    o, q = doc["overall"], doc["queues"]["agents"]
    assert o["offered"] > 300 and o["answered"] == o["abandoned"] == 0
    assert o["unfinished"]["waiting"] == o["unfinished_waiting"] == o["offered"]
    assert q["unfinished_waiting"] == q["offered"] and q["unfinished_wait_max_s"] > 3000
    assert o["calls"] == sum(o["outcomes"].values()) + sum(o["unfinished"].values())
    assert f"{o['offered']:,} waiting for a seat" in text and "had not finished" in text
    assert "had not finished when the run ended" in page.read_text()
