"""The contact policy at the moment of dialing: each rule, with the reason a supervisor reads."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from pydantic import ValidationError

from ivr.clock import ManualClock
from ivr.errors import ConfigError
from ivr.model.campaign import Campaign
from ivr.model.contact_policy import (
    Attempt,
    AttemptResult,
    Contact,
    ContactLimit,
    ContactPolicy,
)
from ivr.model.flow import Calendar
from ivr.outbound.policy import ContactRules, holidays_of, normalise_number

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
HOUR = 3600.0
DAY = 86400.0
R = AttemptResult


def at(text: str, zone: str = "Asia/Shanghai") -> float:
    """``2026-03-03 10:00`` in ``zone``, as epoch seconds."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=zoneinfo.ZoneInfo(zone)).timestamp()


def campaign(**fields: object) -> Campaign:
    base: dict[str, object] = {
        "campaign": "arrears",
        "flow": "arrears-reminder",
        "mode": "progressive",
        "queue": "billing",
        "list": {"csv": "arrears.csv"},
        "starts": "2026-03-02",
        "ends": "2026-03-31",
        "caller_id": "10000",
    }
    return Campaign.model_validate(base | fields)


def rules(
    now: float, policy: ContactPolicy | None = None, **kw: object
) -> tuple[ContactRules, ManualClock]:
    clock = ManualClock(now)
    return ContactRules(policy or ContactPolicy(), clock=clock, **kw), clock  # type: ignore[arg-type]


def attempt(when: float, result: AttemptResult, campaign: str = "arrears") -> Attempt:
    return Attempt(campaign=campaign, account="A101", number="03018633185", at=when, result=result)


LI = Contact(account="A101", number="03018633185")


# --- allowed ---------------------------------------------------------------------------


def test_a_campaign_built_in_code_is_held_to_the_checks_of_its_file() -> None:
    with pytest.raises(ValidationError, match="a progressive campaign needs 'queue'"):
        campaign(queue=None)


def test_a_first_call_inside_calling_hours_is_allowed() -> None:
    r, _ = rules(at("2026-03-03 10:00"))
    decision = r.check(LI, campaign(), [])
    assert decision.allowed and decision.rule == "" and decision.not_before is None


# --- frequency caps --------------------------------------------------------------------


def test_cap_one_call_a_day_counts_an_attempt_that_rang_in_another_campaign() -> None:
    r, _ = rules(at("2026-03-03 15:00"))
    history = [attempt(at("2026-03-03 10:00"), R.NO_ANSWER, campaign="survey")]
    decision = r.check(LI, campaign(), history)
    assert not decision.allowed and decision.rule == "frequency_cap"
    assert decision.not_before == at("2026-03-04 10:00")
    assert "called 1 time in the last day across all campaigns (limit 1)" in decision.reason
    assert "next allowed 2026-03-04 10:00 +08:00" in decision.reason


def test_cap_does_not_count_attempts_that_never_rang() -> None:
    r, _ = rules(at("2026-03-03 15:00"))
    history = [
        attempt(at("2026-03-03 09:00"), R.BUSY, campaign="survey"),
        attempt(at("2026-03-03 09:30"), R.FAILED, campaign="survey"),
        attempt(at("2026-03-03 10:00"), R.REFUSED_POLICY, campaign="survey"),
    ]
    assert r.check(LI, campaign(), history).allowed


@pytest.mark.parametrize("result", [R.ANSWERED, R.DROPPED, R.NO_ANSWER, R.MACHINE])
def test_cap_counts_every_result_that_rang(result: AttemptResult) -> None:
    r, _ = rules(at("2026-03-03 15:00"))
    history = [attempt(at("2026-03-03 10:00"), result, campaign="survey")]
    assert r.check(LI, campaign(), history).rule == "frequency_cap"


def test_cap_two_calls_a_week_holds_after_the_daily_cap_frees() -> None:
    r, _ = rules(at("2026-03-06 10:00"))
    history = [
        attempt(at("2026-03-02 10:00"), R.ANSWERED, campaign="survey"),
        attempt(at("2026-03-04 10:00"), R.ANSWERED, campaign="promo"),
    ]
    decision = r.check(LI, campaign(), history)
    assert decision.rule == "frequency_cap"
    assert "called 2 times in the last 7 days across all campaigns (limit 2)" in decision.reason
    # free when the older of the two leaves the 7-day window
    assert decision.not_before == at("2026-03-09 10:00")


def test_cap_frees_exactly_when_the_counted_attempt_leaves_the_window() -> None:
    history = [attempt(at("2026-03-03 10:00"), R.ANSWERED, campaign="survey")]
    r, clock = rules(at("2026-03-04 09:59"))
    assert r.check(LI, campaign(), history).rule == "frequency_cap"
    clock.set(at("2026-03-04 10:00"))
    assert r.check(LI, campaign(), history).allowed


def test_cap_counts_only_this_customers_attempts() -> None:
    r, _ = rules(at("2026-03-03 15:00"))
    other = Attempt(
        campaign="survey", account="A102", number="03095670574", at=at("2026-03-03 10:00"),
        result=R.ANSWERED,
    )  # fmt: skip
    assert r.check(LI, campaign(), [other]).allowed


def test_caps_are_the_policys_own() -> None:
    policy = ContactPolicy(limits=(ContactLimit(calls=3, days=1),))
    r, _ = rules(at("2026-03-03 15:00"), policy)
    history = [attempt(at("2026-03-03 10:00"), R.ANSWERED, campaign="survey")] * 2
    assert r.check(LI, campaign(), history).allowed


# --- quiet hours, in the customer's time zone -------------------------------------------


def test_quiet_hours_before_eight_in_the_customers_local_time() -> None:
    r, _ = rules(at("2026-03-03 07:40"))
    decision = r.check(LI, campaign(), [])
    assert decision.rule == "quiet_hours"
    assert decision.not_before == at("2026-03-03 08:00")
    assert "it is 07:40 on tue 2026-03-03 for the customer (Asia/Shanghai)" in decision.reason
    assert "calls are allowed 08:00-21:00 on tue" in decision.reason


def test_quiet_hours_after_nine_pm_wait_for_the_next_morning() -> None:
    r, _ = rules(at("2026-03-03 21:00"))
    decision = r.check(LI, campaign(), [])
    assert decision.rule == "quiet_hours"
    assert decision.not_before == at("2026-03-04 08:00")


def test_quiet_hours_in_two_time_zones_at_the_same_instant() -> None:
    # 09:00 in Beijing is 07:00 in Urumqi (UTC+6): one may be called, the other not yet
    r, _ = rules(at("2026-03-03 09:00"))
    beijing = Contact(account="A101", number="03018633185", timezone="Asia/Shanghai")
    urumqi = Contact(account="A107", number="09914827301", timezone="Asia/Urumqi")
    assert r.check(beijing, campaign(), []).allowed
    decision = r.check(urumqi, campaign(), [])
    assert decision.rule == "quiet_hours"
    assert "it is 07:00" in decision.reason and "(Asia/Urumqi)" in decision.reason
    assert decision.not_before == at("2026-03-03 08:00", "Asia/Urumqi")
    assert decision.not_before == at("2026-03-03 10:00")


def test_quiet_hours_follow_the_daylight_saving_change_of_the_customers_zone() -> None:
    # London moves to BST on 2026-03-29: 08:00 local is 08:00 UTC before and 07:00 UTC after
    london = Contact(account="A120", number="447700900123", timezone="Europe/London")
    r, clock = rules(at("2026-03-28 07:30", "UTC"))
    assert r.check(london, campaign(), []).rule == "quiet_hours"
    clock.set(at("2026-03-30 07:30", "UTC"))
    assert r.check(london, campaign(), []).allowed


def test_a_number_prefix_gives_the_zone_of_a_customer_without_one() -> None:
    policy = ContactPolicy(number_zones={"0991": "Asia/Urumqi", "09": "Asia/Shanghai"})
    r, _ = rules(at("2026-03-03 09:00"), policy)
    urumqi = Contact(account="A107", number="0991-4827301")
    assert r.zone_of(urumqi).key == "Asia/Urumqi"  # the longest prefix wins
    assert r.check(urumqi, campaign(), []).rule == "quiet_hours"
    assert r.zone_of(LI).key == "Asia/Shanghai"  # no prefix matches: the policy's zone


def test_calling_hours_per_weekday_are_the_policys_own() -> None:
    policy = ContactPolicy(calling_hours={"mon-fri": ("09:00-20:00",), "sat": ("10:00-16:00",)})
    r, clock = rules(at("2026-03-07 09:30"), policy)  # a Saturday
    decision = r.check(LI, campaign(), [])
    assert decision.rule == "quiet_hours" and decision.not_before == at("2026-03-07 10:00")
    clock.set(at("2026-03-08 12:00"))  # Sunday: no span at all, so Monday 09:00
    decision = r.check(LI, campaign(), [])
    assert "calls are allowed never on sun" in decision.reason
    assert decision.not_before == at("2026-03-09 09:00")


# --- holidays --------------------------------------------------------------------------

HOTLINE = Calendar.model_validate(
    {
        "open": {"daily": ["08:00-21:00"]},
        "holidays": ["2026-04-05", "2026-05-01..2026-05-05"],
    }
)
BACK_OFFICE = Calendar.model_validate(
    {"open": {"mon-fri": ["09:00-17:30"]}, "holidays": ["2026-06-19"]}
)


def test_no_calls_on_a_public_holiday_of_the_centres_calendar() -> None:
    holidays = holidays_of(ContactPolicy(holiday_calendar="hotline"), {"hotline": HOTLINE})
    r, _ = rules(at("2026-05-02 10:00"), holidays=holidays)
    decision = r.check(LI, campaign(ends="2026-05-31"), [])
    assert decision.rule == "holiday"
    assert "2026-05-02 is a public holiday for the customer (Asia/Shanghai)" in decision.reason
    assert decision.not_before == at("2026-05-06 08:00")  # after the whole May holiday


def test_holidays_are_read_as_the_customers_local_date() -> None:
    # 02:00 on 04-05 in Beijing (a holiday) is 20:00 on 04-04 in Berlin: a working evening there
    holidays = holidays_of(ContactPolicy(), {"hotline": HOTLINE})
    r, _ = rules(at("2026-04-05 02:00"), holidays=holidays)
    berlin = Contact(account="A130", number="4930123456", timezone="Europe/Berlin")
    assert r.check(berlin, campaign(ends="2026-05-31"), []).allowed
    assert r.check(LI, campaign(ends="2026-05-31"), []).rule == "holiday"


def test_a_policy_may_call_on_holidays() -> None:
    holidays = holidays_of(ContactPolicy(), {"hotline": HOTLINE})
    r, _ = rules(at("2026-05-02 10:00"), ContactPolicy(call_on_holidays=True), holidays=holidays)
    assert r.check(LI, campaign(ends="2026-05-31"), []).allowed


def test_without_a_named_calendar_every_calendars_holidays_are_quiet() -> None:
    holidays = holidays_of(ContactPolicy(), {"hotline": HOTLINE, "back_office": BACK_OFFICE})
    assert dt.date(2026, 6, 19).toordinal() in holidays
    assert dt.date(2026, 4, 5).toordinal() in holidays
    only = holidays_of(
        ContactPolicy(holiday_calendar="hotline"), {"hotline": HOTLINE, "back_office": BACK_OFFICE}
    )
    assert dt.date(2026, 6, 19).toordinal() not in only


def test_a_holiday_calendar_that_does_not_exist_says_which_do() -> None:
    with pytest.raises(
        ConfigError, match=re.escape("'hotlin' is not in calendars.yaml; calendars there: hotline")
    ):
        holidays_of(ContactPolicy(holiday_calendar="hotlin"), {"hotline": HOTLINE})


# --- do not call, opt-out, consent -------------------------------------------------------


def test_a_number_on_the_do_not_call_list_is_never_called() -> None:
    r, _ = rules(at("2026-03-03 10:00"), do_not_call=["030 1863-3185"])
    decision = r.check(LI, campaign(), [])
    assert decision.rule == "do_not_call" and decision.not_before is None
    assert decision.reason == "number 03018633185 is on the do-not-call list"


def test_do_not_call_compares_numbers_without_their_punctuation() -> None:
    assert normalise_number("+86 (10) 1234-5678") == "+861012345678"
    assert normalise_number("010 1234 5678") == "01012345678"


def test_a_customer_who_opted_out_is_never_called() -> None:
    r, _ = rules(at("2026-03-03 10:00"))
    opted = Contact(account="A101", number="03018633185", opted_out=True)
    decision = r.check(opted, campaign(), [])
    assert decision.rule == "opted_out" and decision.not_before is None
    assert decision.reason == "customer A101 opted out of outbound calls"


def test_a_campaign_that_needs_consent_calls_only_customers_who_gave_it() -> None:
    promo = campaign(campaign="promo", consent=["marketing"])
    r, _ = rules(at("2026-03-03 10:00"))
    decision = r.check(LI, promo, [])
    assert decision.rule == "no_consent" and decision.not_before is None
    assert "campaign 'promo' needs consent marketing" in decision.reason
    agreed = Contact(account="A101", number="03018633185", consents=frozenset({"marketing"}))
    assert r.check(agreed, promo, []).allowed


def test_never_wins_over_not_now() -> None:
    # outside calling hours AND opted out: the answer is the one that never passes
    r, _ = rules(at("2026-03-03 23:00"))
    opted = Contact(account="A101", number="03018633185", opted_out=True)
    assert r.check(opted, campaign(), []).rule == "opted_out"


# --- the campaign's dates ------------------------------------------------------------------


def test_a_campaign_is_not_called_before_it_starts_nor_after_it_ends() -> None:
    r, clock = rules(at("2026-03-01 10:00"))
    decision = r.check(LI, campaign(), [])
    assert decision.rule == "not_started"
    assert decision.not_before == at("2026-03-02 08:00")  # its first day, once hours open
    clock.set(at("2026-04-01 10:00"))
    decision = r.check(LI, campaign(), [])
    assert decision.rule == "campaign_over" and decision.not_before is None


# --- retries -------------------------------------------------------------------------------


def test_retry_after_busy_waits_the_campaigns_delay() -> None:
    busy_at = at("2026-03-03 10:00")
    r, clock = rules(busy_at + 600)
    decision = r.check(LI, campaign(), [attempt(busy_at, R.BUSY)])
    assert decision.rule == "retry_wait"
    assert decision.not_before == busy_at + 900
    assert "the last attempt was busy at 2026-03-03 10:00 +08:00" in decision.reason
    clock.set(busy_at + 900)
    assert r.check(LI, campaign(), [attempt(busy_at, R.BUSY)]).allowed


def test_retry_after_busy_stops_after_its_count() -> None:
    c = campaign(retries={"busy": {"count": 2, "after_s": 600}})
    start = at("2026-03-03 10:00")
    history = [attempt(start + i * 600, R.BUSY) for i in range(2)]
    r, _ = rules(start + 3 * 600)
    assert r.check(LI, c, history).allowed  # busy twice: the second retry is still owed
    history.append(attempt(start + 2 * 600, R.BUSY))
    decision = r.check(LI, c, history)
    assert decision.rule == "retries_used" and decision.not_before is None
    assert "busy 3 times; campaign 'arrears' retries after busy 2 times" in decision.reason


def test_retry_after_no_answer_waits_its_delay_and_then_the_daily_cap() -> None:
    c = campaign(retries={"no_answer": {"count": 2, "after_s": 2 * HOUR}})
    rang = at("2026-03-03 10:00")
    r, clock = rules(rang + HOUR)
    decision = r.check(LI, c, [attempt(rang, R.NO_ANSWER)])
    assert decision.rule == "retry_wait"
    # the retry delay passes at 12:00, but the attempt rang: the daily cap frees at 10:00 tomorrow
    assert decision.not_before == rang + DAY
    clock.set(rang + 2 * HOUR)
    assert r.check(LI, c, [attempt(rang, R.NO_ANSWER)]).rule == "frequency_cap"


def test_retry_counts_each_result_apart() -> None:
    c = campaign(retries={"busy": {"count": 1, "after_s": 0}, "failed": {"count": 1, "after_s": 0}})
    start = at("2026-03-03 10:00")
    history = [attempt(start, R.BUSY), attempt(start + 60, R.FAILED)]
    r, _ = rules(start + 120)
    assert r.check(LI, c, history).allowed  # one busy, one failed: each has a retry left


def test_a_result_with_no_retries_ends_the_customers_turn() -> None:
    c = campaign(retries={"machine": {"count": 0, "after_s": 0}})
    r, _ = rules(at("2026-03-10 10:00"))
    decision = r.check(LI, c, [attempt(at("2026-03-03 10:00"), R.MACHINE)])
    assert decision.rule == "retries_used"
    assert "retries after machine never" in decision.reason


def test_a_customer_who_answered_is_not_called_again_by_the_campaign() -> None:
    r, _ = rules(at("2026-03-20 10:00"))
    decision = r.check(LI, campaign(), [attempt(at("2026-03-03 10:00"), R.ANSWERED)])
    assert decision.rule == "reached" and decision.not_before is None


def test_retries_ignore_other_campaigns_and_refused_attempts() -> None:
    start = at("2026-03-03 10:00")
    history = [
        attempt(start, R.BUSY, campaign="survey"),
        attempt(start + 60, R.REFUSED_POLICY),
    ]
    r, _ = rules(start + 120)
    assert r.check(LI, campaign(), history).allowed


def test_not_before_is_when_every_not_now_rule_passes_together() -> None:
    # busy at 20:50: the retry is due at 21:05, in quiet hours: the answer is 08:00 tomorrow
    busy_at = at("2026-03-03 20:50")
    r, _ = rules(busy_at + 60)
    decision = r.check(LI, campaign(), [attempt(busy_at, R.BUSY)])
    assert decision.rule == "retry_wait"
    assert decision.not_before == at("2026-03-04 08:00")
