"""Traces: the project's CSV and Asterisk's own queue_log and CDR files read as the same calls."""

from pathlib import Path

import pytest

from ivr.errors import SimulationError
from sim.trace import actual_summary, read_any, read_cdr_csv, read_queue_log, read_trace_csv

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sim"


def test_queue_log_gives_one_call_per_call_id_with_its_real_outcome() -> None:
    calls = read_queue_log(FIXTURES / "queue_log.sample")
    first = calls[0]
    assert (first.ref, first.service, first.caller) == ("1795468168.0", "billing", "03018904282")
    assert (first.wait_s, first.handle_s, first.outcome) == (1.0, 22.0, "answered")
    abandoned = next(c for c in calls if c.ref == "1795468326.142")
    # an abandoned caller's patience is the wait they had
    assert (abandoned.outcome, abandoned.wait_s, abandoned.patience_s) == ("abandoned", 16.0, 16.0)


def test_cdr_and_queue_log_of_the_same_run_agree_on_every_finished_call() -> None:
    by_log = {c.ref: c for c in read_queue_log(FIXTURES / "queue_log.sample")}
    by_cdr = {c.ref: c for c in read_cdr_csv(FIXTURES / "Master.csv.sample")}
    finished = [ref for ref, c in by_log.items() if c.outcome is not None]
    assert len(finished) > 30
    for ref in finished:
        log, cdr = by_log[ref], by_cdr[ref]
        assert cdr.outcome == log.outcome, ref
        # queue_log has whole seconds; the CDR, the seconds of each timestamp
        assert cdr.wait_s == pytest.approx(log.wait_s, abs=1.01), ref
        if log.handle_s is not None:
            assert cdr.handle_s == pytest.approx(log.handle_s, abs=1.01), ref


def test_read_any_knows_each_format_by_its_look(tmp_path: Path) -> None:
    csv_trace = tmp_path / "calls.csv"
    csv_trace.write_text(
        "arrival,caller,dnis,digits,handle_s,outcome,wait_s\n"
        "2026-01-05 08:00:05,0301,10000,1 - 2,200,answered,12\n"
        "1767600000,0302,10000,,,abandoned,40\n"
    )
    calls = read_any(csv_trace)
    assert [c.arrival for c in calls] == [1767600000.0, 1767600005.0]
    assert calls[1].digits == ("1", "", "2")
    assert len(read_any(FIXTURES / "queue_log.sample")) == 42
    assert len(read_any(FIXTURES / "Master.csv.sample")) == 42
    summary = actual_summary(calls, limit_s=15)
    assert (summary["answered_within_limit"], summary["abandoned"]) == (1, 1)


def test_a_bad_row_is_named_by_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "calls.csv"
    bad.write_text("arrival,caller\nyesterday,0301\n")
    with pytest.raises(SimulationError, match=r"calls.csv:2"):
        read_trace_csv(bad)
