"""Campaign files: read like flows and skills, every problem with file, line, field and a fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivr.cli import app
from ivr.cli.validate import kind_of, run_validate
from ivr.config.campaigns import MAX_ROW_PROBLEMS, load_campaign_set, read_list_csv
from ivr.errors import ConfigError, ConfigInvalidError, Problem
from ivr.model.campaign import Mode
from ivr.model.contact_policy import ContactPolicy

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "scenarios" / "outbound" / "campaigns"
FLOWS = ROOT / "flows"
SKILLS = ROOT / "skills"
runner = CliRunner()


@pytest.fixture
def campaigns(tmp_path: Path) -> Path:
    d = tmp_path / "campaigns"
    shutil.copytree(BUNDLED, d)
    return d


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, words: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if words in line)


def problems(directory: Path) -> list[Problem]:
    with pytest.raises(ConfigInvalidError) as caught:
        load_campaign_set(directory)
    return caught.value.problems


def checked(*dirs: Path) -> list[Problem]:
    found, _ = run_validate(list(dirs), None)
    return found


# --- the bundled campaign ------------------------------------------------------------------


def test_the_bundled_campaign_and_policy_load() -> None:
    cs = load_campaign_set(BUNDLED)
    arrears = cs.campaigns["arrears"].campaign
    assert arrears.mode is Mode.PROGRESSIVE and arrears.queue == "billing"
    assert arrears.flow == "arrears-reminder" and arrears.list.csv == "arrears.csv"
    assert arrears.retries.busy.count == 3 and arrears.machine.action == "leave_message"
    assert arrears.pacing.dropped_limit_pct == 3
    assert cs.policy.holiday_calendar == "hotline"
    assert [(lim.calls, lim.days) for lim in cs.policy.limits] == [(1, 1), (2, 7)]
    assert cs.do_not_call == frozenset({"13912345678"})


def test_the_bundled_policy_says_the_defaults_of_the_model() -> None:
    # the file documents the defaults: keep the two in step
    policy = load_campaign_set(BUNDLED).policy
    default = ContactPolicy()
    assert policy.limits == default.limits
    assert policy.calling_hours == default.calling_hours
    assert policy.call_on_holidays == default.call_on_holidays
    assert policy.timezone == default.timezone


def test_validate_checks_campaigns_with_flows_and_skills() -> None:
    result = runner.invoke(app, ["validate", str(FLOWS), str(SKILLS), str(BUNDLED)])
    assert result.exit_code == 0, result.output
    assert f"{BUNDLED}: 1 campaign: arrears (progressive)" in result.output


def test_validate_tells_a_campaigns_directory_by_its_files() -> None:
    assert kind_of(BUNDLED) == "campaigns"
    assert kind_of(FLOWS) == "flows" and kind_of(SKILLS) == "skills"


def test_validate_without_flows_says_flow_names_were_not_checked() -> None:
    result = runner.invoke(app, ["validate", str(BUNDLED)])
    assert result.exit_code == 0
    assert "flow names not checked (give the flows/ directory to check them)" in result.output


def test_schema_publishes_the_campaign_and_policy_files() -> None:
    result = runner.invoke(app, ["schema", "campaigns"])
    schema = json.loads(result.output)
    assert schema["title"] == "ivr campaign"
    assert {"campaign", "flow", "mode", "list", "retries", "machine"} <= set(schema["properties"])
    assert "limits" in json.loads(runner.invoke(app, ["schema", "policy"]).output)["properties"]


# --- located problems in a campaign file -------------------------------------------------


def test_a_misspelt_field_names_file_line_and_a_hint(campaigns: Path) -> None:
    f = campaigns / "arrears.yaml"
    edit(f, "caller_id:", "caller_ld:")
    found = problems(campaigns)
    typo = next(p for p in found if p.field == "caller_ld")
    assert typo.file == str(f) and typo.line == line_of(f, "caller_ld:")
    assert typo.hint == "did you mean 'caller_id'?"
    assert any(p.field == "caller_id" and "required" in p.message for p in found)


def test_an_unknown_mode_lists_the_valid_ones(campaigns: Path) -> None:
    f = campaigns / "arrears.yaml"
    edit(f, "mode: progressive", "mode: progresive")
    (p,) = problems(campaigns)
    assert p.field == "mode" and p.line == line_of(f, "mode: progresive")
    assert "'preview', 'progressive', 'predictive' or 'agentless'" in p.message
    assert p.hint == "did you mean 'progressive'?"


def test_a_seat_mode_without_a_queue_points_at_the_mode(campaigns: Path) -> None:
    f = campaigns / "arrears.yaml"
    edit(f, "queue: billing ", "# no queue ")
    (p,) = problems(campaigns)
    assert p.field == "mode" and p.line == line_of(f, "mode: progressive")
    assert "a progressive campaign needs 'queue'" in p.message


def test_an_agentless_campaign_has_no_queue(campaigns: Path) -> None:
    f = campaigns / "arrears.yaml"
    edit(f, "mode: progressive", "mode: agentless")
    found = problems(campaigns)
    assert [p.field for p in found] == [
        "queue",
        "pacing.dropped_limit_pct",
        "pacing.dropped_after_s",
    ]
    assert found[0].line == line_of(f, "queue: billing")
    assert "an agentless campaign drops no call" in found[1].message


def test_a_setting_of_another_mode_points_at_itself(campaigns: Path) -> None:
    f = campaigns / "arrears.yaml"
    edit(f, "  max_lines: 10", "  max_lines: 10\n  max_ratio: 2.5")
    (p,) = problems(campaigns)
    assert p.field == "pacing.max_ratio" and p.line == line_of(f, "max_ratio: 2.5")
    assert p.message == "max_ratio is for predictive campaigns only; remove it here"


def test_a_campaign_that_ends_before_it_starts(campaigns: Path) -> None:
    f = campaigns / "arrears.yaml"
    edit(f, "ends: 2026-03-31", "ends: 2026-02-28")
    (p,) = problems(campaigns)
    assert p.field == "ends" and p.line == line_of(f, "ends: 2026-02-28")
    assert "ends (2026-02-28) is before starts (2026-03-02)" in p.message


def test_a_date_that_is_not_one(campaigns: Path) -> None:
    edit(campaigns / "arrears.yaml", "starts: 2026-03-02", "starts: 2026-02-30")
    (p,) = problems(campaigns)
    assert p.field == "starts" and "2026-02-30" in p.message


def test_a_list_is_a_csv_or_a_query_not_both(campaigns: Path) -> None:
    edit(
        campaigns / "arrears.yaml",
        "  csv: arrears.csv ",
        "  customers: {balance: {below: 0}}\n  csv: arrears.csv ",
    )
    (p,) = problems(campaigns)
    assert p.field == "list" and "give exactly one" in p.message


def test_a_query_with_no_condition_would_call_everyone(campaigns: Path) -> None:
    edit(campaigns / "arrears.yaml", "  csv: arrears.csv ", "  customers: {} ")
    (p,) = problems(campaigns)
    assert p.field == "list.customers" and "calls every customer" in p.message


def test_a_query_names_the_customer_fields_it_may_test(campaigns: Path) -> None:
    edit(campaigns / "arrears.yaml", "  csv: arrears.csv ", "  customers: {balanse: {below: 0}} ")
    (p,) = problems(campaigns)
    assert p.field == "list.customers.balanse"
    assert "valid fields here: balance, language, segment, tier" in p.message
    assert p.hint == "did you mean 'balance'?"


def test_a_customers_query_loads(campaigns: Path) -> None:
    edit(
        campaigns / "arrears.yaml",
        "  csv: arrears.csv ",
        "  customers: {balance: {below: 0}, tier: normal} ",
    )
    query = load_campaign_set(campaigns).campaigns["arrears"].campaign.list.customers
    assert query is not None and query.balance is not None and query.balance.below == 0
    assert [t.value for t in query.tier] == ["normal"]


def test_a_retry_rule_for_a_result_that_is_not_one(campaigns: Path) -> None:
    edit(campaigns / "arrears.yaml", "  failed: {count", "  fail: {count")
    (p,) = problems(campaigns)
    assert p.field == "retries.fail" and p.hint == "did you mean 'failed'?"
    assert "busy, dropped, failed, machine, no_answer" in p.message


def test_leaving_a_message_needs_the_message(campaigns: Path) -> None:
    edit(campaigns / "arrears.yaml", "  prompts: custom/arrears-machine", "")
    (p,) = problems(campaigns)
    assert p.field == "machine" and "leave_message needs 'prompts'" in p.message


def test_machine_takes_a_word_for_short(campaigns: Path) -> None:
    f = campaigns / "arrears.yaml"
    edit(f, "  action: leave_message       # or hang_up\n  prompts: custom/arrears-machine", "")
    edit(f, "machine:\n", "machine: hang_up\n")
    assert load_campaign_set(campaigns).campaigns["arrears"].campaign.machine.action == "hang_up"


def test_two_campaigns_of_one_name(campaigns: Path) -> None:
    shutil.copy(campaigns / "arrears.yaml", campaigns / "arrears-copy.yaml")
    (p,) = problems(campaigns)
    assert p.file == str(campaigns / "arrears.yaml")  # the second one read, in name order
    assert "is also defined in" in p.message and p.field == "campaign"


def test_a_broken_yaml_file_is_a_located_syntax_problem(campaigns: Path) -> None:
    edit(campaigns / "arrears.yaml", "mode: progressive", "mode: [progressive")
    (p,) = problems(campaigns)
    assert p.file == str(campaigns / "arrears.yaml") and p.line is not None


def test_an_empty_directory_says_what_to_write(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no campaign files; write one"):
        load_campaign_set(tmp_path)


# --- what the campaigns name elsewhere ---------------------------------------------------


def test_a_campaigns_flow_must_exist(campaigns: Path) -> None:
    f = campaigns / "arrears.yaml"
    edit(f, "flow: arrears-reminder", "flow: arrears-remind")
    (p,) = checked(FLOWS, SKILLS, campaigns)
    assert p.field == "flow" and p.line == line_of(f, "flow: arrears-remind")
    assert "outbound flows there: arrears-reminder" in p.message
    assert p.hint == "did you mean 'arrears-reminder'?"


def test_a_campaigns_flow_must_be_an_outbound_flow(campaigns: Path) -> None:
    edit(campaigns / "arrears.yaml", "flow: arrears-reminder", "flow: billing-line")
    (p,) = checked(FLOWS, SKILLS, campaigns)
    assert "flow 'billing-line' is an inbound flow" in p.message
    assert "add 'direction: outbound'" in p.message


def test_a_campaigns_queue_must_be_a_queue_of_the_centre(campaigns: Path) -> None:
    edit(campaigns / "arrears.yaml", "queue: billing ", "queue: biling ")
    (p,) = checked(FLOWS, SKILLS, campaigns)
    assert p.field == "queue" and p.hint == "did you mean 'billing'?"


def test_a_machine_message_must_be_a_known_prompt(campaigns: Path) -> None:
    edit(campaigns / "arrears.yaml", "custom/arrears-machine", "custom/arrears-machin")
    (p,) = checked(FLOWS, SKILLS, campaigns)
    assert p.field == "machine.prompts.0" and p.hint == "did you mean 'custom/arrears-machine'?"


def test_the_policys_holiday_calendar_must_be_a_calendar_of_the_flows(campaigns: Path) -> None:
    f = campaigns / "policy.yaml"
    edit(f, "holiday_calendar: hotline", "holiday_calendar: hotlne")
    (p,) = checked(FLOWS, SKILLS, campaigns)
    assert p.file == str(f) and p.line == line_of(f, "holiday_calendar: hotlne")
    assert "calendars there: back_office, hotline" in p.message
    assert p.hint == "did you mean 'hotline'?"


def test_validate_fails_and_lists_the_campaign_problems(campaigns: Path) -> None:
    edit(campaigns / "arrears.yaml", "queue: billing ", "queue: biling ")
    result = runner.invoke(app, ["validate", str(FLOWS), str(SKILLS), str(campaigns)])
    assert result.exit_code == 1
    assert "queue 'biling' is not a queue of the centre" in result.output
    assert "1 problem found; fix them and validate again" in result.output


# --- the policy file --------------------------------------------------------------------


def test_the_policy_refuses_an_unknown_zone_and_a_bad_span(campaigns: Path) -> None:
    f = campaigns / "policy.yaml"
    edit(f, "timezone: Asia/Shanghai", "timezone: Asia/Beijing")
    edit(f, 'daily: ["08:00-21:00"]', 'daily: ["21:00-08:00"]')
    found = problems(campaigns)
    assert {p.field for p in found} == {"timezone", "calling_hours.daily.0"}
    zone = next(p for p in found if p.field == "timezone")
    assert "'Asia/Beijing' is not a known time zone" in zone.message
    span = next(p for p in found if p.field != "timezone")
    assert "ends before it starts" in span.message


def test_the_policy_refuses_a_cap_of_zero_calls(campaigns: Path) -> None:
    edit(campaigns / "policy.yaml", "{calls: 1, days: 1}", "{calls: 0, days: 1}")
    (p,) = problems(campaigns)
    assert p.field == "limits.0.calls"


def test_a_missing_policy_file_is_the_default_policy(campaigns: Path) -> None:
    (campaigns / "policy.yaml").unlink()
    cs = load_campaign_set(campaigns)
    assert cs.policy == ContactPolicy() and cs.do_not_call == frozenset()


def test_a_do_not_call_line_that_is_not_a_number(campaigns: Path) -> None:
    f = campaigns / "do-not-call.txt"
    f.write_text(f.read_text() + "call me never\n")
    (p,) = problems(campaigns)
    assert p.file == str(f) and p.line == line_of(f, "call me never")
    assert "'call me never' is not a phone number" in p.message


def test_a_missing_do_not_call_file(campaigns: Path) -> None:
    (campaigns / "do-not-call.txt").unlink()
    (p,) = problems(campaigns)
    assert "no such file; write the do-not-call numbers there" in p.message


# --- the CSV list -----------------------------------------------------------------------


def test_the_bundled_list_reads_into_contacts() -> None:
    contacts, found = read_list_csv(BUNDLED / "arrears.csv")
    assert found == []
    assert [c.account for c in contacts] == ["A101", "A102", "A107", "A110"]
    assert contacts[2].timezone == "Asia/Urumqi" and contacts[0].timezone is None


def test_a_missing_list_file_points_at_the_campaigns_csv_field(campaigns: Path) -> None:
    (campaigns / "arrears.csv").unlink()
    (p,) = problems(campaigns)
    assert p.field == "list.csv" and p.line == line_of(campaigns / "arrears.yaml", "csv: arrears")
    assert "no such file" in p.message


def test_a_list_without_a_number_column(campaigns: Path) -> None:
    (campaigns / "arrears.csv").write_text("account,phone\nA101,03018633185\n")
    (p,) = problems(campaigns)
    assert p.line == 1 and "with 'number' (found account, phone)" in p.message


def test_a_list_row_with_a_bad_number_or_zone_names_its_line(campaigns: Path) -> None:
    f = campaigns / "arrears.csv"
    f.write_text("account,number,timezone\nA1,03-01-ab,\nA2,03018633185,Mars/Olympus\nA3,12345,\n")
    found = problems(campaigns)
    assert [(p.line, p.field) for p in found] == [(2, "number"), (3, "timezone")]
    assert "'03-01-ab' is not a phone number" in found[0].message
    assert "'Mars/Olympus' is not a known time zone" in found[1].message


def test_a_list_without_accounts_uses_the_number(tmp_path: Path) -> None:
    f = tmp_path / "list.csv"
    f.write_text("number\n+86 10 1234 5678\n")
    (contact,), _ = read_list_csv(f)
    assert contact.account == contact.number == "+86 10 1234 5678"


def test_a_long_broken_list_is_told_in_a_few_lines(tmp_path: Path) -> None:
    f = tmp_path / "list.csv"
    f.write_text("number\n" + "x\n" * 500)
    _, found = read_list_csv(f)
    assert len(found) == MAX_ROW_PROBLEMS + 1
    assert found[-1].message == f"and {500 - MAX_ROW_PROBLEMS} more lines like these"
