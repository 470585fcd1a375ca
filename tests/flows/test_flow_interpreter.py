"""The interpreter walks the sample hotline (flows/hotline.yaml) the way callers do."""

from __future__ import annotations

import datetime as dt

import pytest

from ivr.clock import ManualClock
from ivr.model.commands import (
    CollectDigits,
    CreateCallback,
    Hangup,
    PlayPrompts,
    RecordVoicemail,
    SayValue,
    TransferOut,
    VerifyPassword,
)
from ivr.model.directives import FlowDone, ToQueue
from ivr.model.events import ActionFailed, DigitsCollected, PlaybackFinished
from ivr.model.facts import Outcome
from ivr.model.skills import Tier
from ivr.secret import Secret

from .conftest import CLOSED, OPEN, SHANGHAI, Caller, FakeQueues, shanghai

KNOWN = {"tier": "normal", "name": "Li Lei", "segment": "consumer", "language": "zh"}
ACCOUNT = {"account": "20240001", "balance": 56.3, "bill_amount": 128, "order_step": 3}
PASSWORD = Secret("135790")


def test_unknown_caller_chooses_a_language_then_hears_the_main_menu(call: Caller) -> None:
    walk = call(["2"])
    assert walk.nodes[:4] == ["welcome", "identify", "choose_language", "lang_en"]
    menu = walk.commands(CollectDigits)[-1]
    assert menu.prompts == ("custom/main-menu",)
    assert menu.language == "en"


def test_known_caller_skips_the_language_menu(call: Caller) -> None:
    walk = call([], customer=KNOWN)
    assert "choose_language" not in walk.nodes
    assert walk.nodes[-1] == "main_menu"


@pytest.mark.parametrize(
    ("keys", "queue", "wanted"),
    [
        (["1", "0"], "billing", None),
        (["2", "1"], "business", "new_line"),
        (["2", "2"], "business", "move"),
        (["2", "3"], "business", "features"),
        (["2", "4"], "business", "suspend_resume"),
        (["3", "1"], "complaint", None),
        (["3", "2", "02088886666"], "broadband", None),
        (["3", "3"], "complaint", "billing_dispute"),
        (["4", "1"], "topup", None),
        (["0"], "general_queue", None),
    ],
)
def test_every_main_menu_path_reaches_its_queue(
    call: Caller, keys: list[str], queue: str, wanted: str | None
) -> None:
    walk = call(keys, customer=KNOWN)
    directive = walk.directive
    assert isinstance(directive, ToQueue)
    assert directive.queue == queue
    assert directive.tier is Tier.NORMAL
    assert directive.context.get("request") == wanted
    assert directive.context["name"] == "Li Lei"  # the screen pop


def test_broadband_fault_number_goes_with_the_call(call: Caller) -> None:
    walk = call(["3", "2", "02088886666"], customer=KNOWN)
    assert isinstance(walk.directive, ToQueue)
    assert walk.directive.context["fault_line"] == "02088886666"


def test_star_goes_back_to_the_main_menu(call: Caller) -> None:
    walk = call(["4", "*", "0"], customer=KNOWN)
    assert walk.nodes.count("main_menu") == 2
    assert isinstance(walk.directive, ToQueue)
    assert walk.directive.queue == "general_queue"


@pytest.mark.parametrize(
    ("choice", "intro", "kind", "value"),
    [
        ("1", "custom/your-balance-is", "amount", "56.30"),
        ("2", "custom/your-bill-is", "amount", "128.00"),
        ("3", "custom/order-at-step", "number", "3"),
    ],
)
def test_enquiries_read_back_after_account_and_password(
    call: Caller, choice: str, intro: str, kind: str, value: str
) -> None:
    walk = call(["1", choice, "20240001", PASSWORD, "9"], customer=KNOWN, account=ACCOUNT)
    assert walk.commands(VerifyPassword)[0].account == "20240001"
    plays = [p.prompts for p in walk.commands(PlayPrompts)]
    assert (intro,) in plays
    said = walk.commands(SayValue)
    assert [(s.kind, s.value) for s in said] == [(kind, value)]
    assert isinstance(walk.directive, FlowDone)
    assert walk.directive.outcome is Outcome.SELF_SERVICE


def test_a_wrong_password_asks_again(call: Caller) -> None:
    walk = call(
        ["1", "1", "20240001", Secret("111111"), PASSWORD, "1"],
        customer=KNOWN,
        account=ACCOUNT,
        passwords=[("wrong", 1), ("ok", 0)],
    )
    assert walk.nodes.count("ask_password") == 2
    assert "wrong_password" in walk.nodes
    assert "say_balance" in walk.nodes


def test_three_wrong_passwords_lock_out_to_a_person(call: Caller) -> None:
    walk = call(
        ["1", "1", "20240001", Secret("111111"), Secret("222222"), Secret("333333")],
        customer=KNOWN,
        account=ACCOUNT,
        passwords=[("wrong", 1), ("wrong", 2), ("wrong", 3)],
    )
    assert walk.nodes.count("check_password") == 3
    assert "locked_out" in walk.nodes
    assert isinstance(walk.directive, ToQueue)
    assert walk.directive.queue == "billing"


def test_lockout_counts_failures_even_when_the_store_does_not(call: Caller) -> None:
    walk = call(
        ["1", "1", "20240001", Secret("111111"), Secret("222222"), Secret("333333")],
        customer=KNOWN,
        account=ACCOUNT,
        passwords=[("wrong", 0), ("wrong", 0), ("wrong", 0)],
    )
    assert "locked_out" in walk.nodes


def test_a_password_that_is_not_six_digits_is_a_failure_without_asking_the_store(
    call: Caller,
) -> None:
    # the collect node accepts only 6 digits, so a short one is invalid input there
    walk = call(
        ["1", "1", "20240001", Secret("12345"), PASSWORD, "1"], customer=KNOWN, account=ACCOUNT
    )
    assert walk.inputs.count(("ask_password", "invalid")) == 1
    assert len(walk.commands(VerifyPassword)) == 1


def test_store_reports_the_account_locked(call: Caller) -> None:
    walk = call(
        ["1", "2", "20240001", PASSWORD], customer=KNOWN, account=ACCOUNT, passwords=[("locked", 3)]
    )
    assert "locked_out" in walk.nodes


def test_unknown_account_goes_to_billing(call: Caller) -> None:
    walk = call(["1", "1", "99999999"], customer=KNOWN, account=None)
    assert "account_unknown" in walk.nodes
    assert isinstance(walk.directive, ToQueue)
    assert walk.directive.queue == "billing"


def test_main_menu_time_outs_retry_then_go_to_a_person(call: Caller) -> None:
    walk = call([None, None, None], customer=KNOWN)
    assert walk.inputs == [("main_menu", "timeout")] * 3
    asks = walk.commands(CollectDigits)
    assert asks[1].prompts == ("custom/no-input", "custom/main-menu")
    assert isinstance(walk.directive, ToQueue)
    assert walk.directive.queue == "general_queue"


def test_invalid_digit_plays_the_invalid_prompt_and_asks_again(call: Caller) -> None:
    walk = call(["7", "2", "1"], customer=KNOWN)
    assert walk.inputs[:2] == [("main_menu", "invalid"), ("main_menu", "2")]
    assert walk.commands(CollectDigits)[1].prompts == ("option-is-invalid", "custom/main-menu")
    assert isinstance(walk.directive, ToQueue)
    assert walk.directive.queue == "business"


def test_vip_caller_reaches_a_person_with_one_key(call: Caller) -> None:
    walk = call(["0"], customer={**KNOWN, "tier": "vip"})
    assert "vip_welcome" in walk.nodes
    assert isinstance(walk.directive, ToQueue)
    assert walk.directive.tier is Tier.VIP
    assert walk.directive.service == "vip"


def test_vip_barge_in_key_answers_the_vip_menu(call: Caller) -> None:
    walk = call([], customer={**KNOWN, "tier": "vip"}, barge="0")
    assert walk.nodes[-2:] == ["vip_menu", "vip_to_person"]
    assert isinstance(walk.directive, ToQueue)


def test_green_channel_caller_goes_straight_to_a_person(call: Caller) -> None:
    walk = call([], customer={**KNOWN, "tier": "green"})
    assert "main_menu" not in walk.nodes
    assert isinstance(walk.directive, ToQueue)
    assert walk.directive.tier is Tier.GREEN


def test_peak_alarm_offers_a_callback_first(call: Caller, queues: FakeQueues) -> None:
    queues.alarm = 2
    walk = call(["1"], customer=KNOWN)
    assert "peak_offer" in walk.nodes
    assert isinstance(walk.directive, FlowDone)
    assert walk.directive.outcome is Outcome.CALLBACK
    assert walk.commands(CreateCallback)[0].number == "13800138000"


def test_after_hours_callback_at_the_wished_time(call: Caller, clock: ManualClock) -> None:
    clock.set(CLOSED)
    walk = call(["1", "0930"], customer=KNOWN)
    assert "after_hours" in walk.nodes
    cb = walk.commands(CreateCallback)[0]
    assert cb.wished_at == shanghai(2026, 11, 25, 9, 30)
    assert cb.queue == "general_queue"
    assert isinstance(walk.outputs[-2], Hangup)
    assert isinstance(walk.directive, FlowDone)
    assert walk.directive.outcome is Outcome.CALLBACK


def test_after_hours_voicemail(call: Caller, clock: ManualClock) -> None:
    clock.set(CLOSED)
    walk = call(["2"], customer=KNOWN)
    assert walk.commands(RecordVoicemail)[0].box == "back-office"
    assert isinstance(walk.directive, FlowDone)
    assert walk.directive.outcome is Outcome.VOICEMAIL


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        (shanghai(2026, 10, 1, 8, 30), False),  # National Day: holiday hours start at 9
        (shanghai(2026, 10, 1, 10, 0), True),
        (shanghai(2026, 10, 1, 18, 0), False),
        (shanghai(2026, 11, 28, 8, 30), False),  # a Saturday before 9
        (shanghai(2026, 11, 28, 17, 59), True),
        (shanghai(2026, 11, 27, 20, 59), True),  # a Friday evening
    ],
)
def test_business_hours_follow_the_holiday_calendar(
    call: Caller, clock: ManualClock, when: float, open_: bool
) -> None:
    clock.set(when)
    walk = call([], customer=KNOWN)
    assert ("main_menu" in walk.nodes) is open_
    assert ("after_hours" in walk.nodes) is not open_


def test_the_time_zone_is_the_calendars_not_the_machines(call: Caller, clock: ManualClock) -> None:
    # 02:00 UTC is 10:00 in Shanghai: open
    clock.set(dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC).timestamp())
    walk = call([], customer=KNOWN)
    assert "main_menu" in walk.nodes
    assert dt.datetime.fromtimestamp(clock.now(), SHANGHAI).hour == 10


def test_failed_lookup_takes_the_nodes_error_exit(call: Caller) -> None:
    interp = call.interp
    call.clock.set(OPEN)
    run, _ = interp.start(call_id="c1", caller="13800138000", dnis="10000")
    interp.handle(run, PlaybackFinished(call_id="c1"))
    out = interp.handle(run, ActionFailed(call_id="c1", command="LookupCustomer", reason="db down"))
    assert run.node is not None and run.node.id == "choose_language"
    assert isinstance(out[-1], CollectDigits)


def test_a_failing_node_without_exit_uses_the_flows_exit(call: Caller) -> None:
    interp = call.interp
    call.clock.set(OPEN)
    run, _ = interp.start(call_id="c1", caller="13800138000", dnis="10000")
    interp.handle(run, PlaybackFinished(call_id="c1"))
    interp.handle(run, ActionFailed(call_id="c1", command="LookupCustomer", reason="x"))
    out = interp.handle(run, ActionFailed(call_id="c1", command="CollectDigits", reason="x"))
    directive = out[-1]
    assert isinstance(directive, ToQueue)
    assert directive.queue == "general_queue"  # the hotline's on_error: to_person
    assert "choose_language" in directive.context["flow_error"]


def test_an_unknown_number_still_reaches_a_person(call: Caller) -> None:
    walk = call([], dnis="99999")
    assert isinstance(walk.directive, ToQueue)
    assert walk.directive.queue == "general_queue"


def test_old_billing_number_goes_to_billing(call: Caller) -> None:
    walk = call([], dnis="10001", customer=KNOWN)
    assert isinstance(walk.directive, ToQueue)
    assert walk.directive.queue == "billing"
    assert walk.directive.service == "billing"


def test_old_complaints_number_puts_vip_complaints_first(call: Caller) -> None:
    walk = call([], dnis="10060", customer={**KNOWN, "tier": "vip"})
    assert isinstance(walk.directive, ToQueue)
    assert (walk.directive.queue, walk.directive.priority) == ("complaint", 20)


def test_transfer_to_an_outside_number_ends_the_journey(call: Caller) -> None:
    walk = call(["2"], dnis="19001")
    assert walk.commands(TransferOut)[0].number == "95105555"
    assert isinstance(walk.directive, FlowDone)
    assert walk.directive.outcome is Outcome.TRANSFERRED_OUT


def test_transfer_to_another_flow_goes_on_there(call: Caller) -> None:
    walk = call(["1", "0"], dnis="19001", customer=KNOWN)
    assert "welcome" in walk.nodes
    assert isinstance(walk.directive, ToQueue)
    assert walk.directive.context["flow"] == "hotline"


def test_events_the_node_does_not_wait_for_are_ignored(call: Caller) -> None:
    interp = call.interp
    call.clock.set(OPEN)
    run, _ = interp.start(call_id="c1", caller="13800138000", dnis="10000")
    assert interp.handle(run, DigitsCollected(call_id="c1", digits="1")) == []
    assert run.node is not None and run.node.id == "welcome"


def test_a_finished_run_takes_no_more_events(call: Caller) -> None:
    walk = call(["0"], customer=KNOWN)
    assert walk.run.done
    assert call.interp.handle(walk.run, PlaybackFinished(call_id="c1")) == []


def test_a_failure_inside_a_sub_flow_falls_back_to_the_calling_flows_exit(call: Caller) -> None:
    walk = call(["1", "1"], customer=KNOWN)  # at the account number, in verify-caller
    run = walk.run
    call.interp.handle(run, DigitsCollected(call_id="c1", digits="20240001"))
    assert run.flow.name == "verify-caller"
    out = call.interp.handle(run, ActionFailed(call_id="c1", command="LookupCustomer", reason="x"))
    directive = out[-1]
    assert isinstance(directive, ToQueue)
    assert directive.queue == "general_queue"  # hotline's on_error: to_person
    assert run.flow.name == "hotline"


def test_a_diversion_starts_a_flow_by_name(call: Caller) -> None:
    walk = call(["1"], flow="overflow-callback", dnis="10000")
    assert walk.nodes[0] == "offer"
    assert isinstance(walk.directive, FlowDone)
    assert walk.directive.outcome is Outcome.CALLBACK
