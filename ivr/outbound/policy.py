"""The contact policy, checked at the moment of dialing, across every campaign.

::

    rules = ContactRules(policy, clock=clock, holidays=..., do_not_call=...)
    decision = rules.check(contact, campaign, history)   # history: the customer's attempts
    if not decision.allowed:
        record(refused_policy, decision.reason)          # and try again at decision.not_before

The checks, in this order; the first that fails is the answer:

1. never: the number is on the do-not-call list; the customer opted out; the
   campaign needs a consent the customer has not given; the campaign is over;
   the campaign's retries are used up or the customer was reached;
2. not now: the campaign has not started; the campaign's retry delay has not
   passed; it is a holiday or outside calling hours in the customer's local
   time; a frequency cap is full (attempts that rang, every campaign counted).

A "not now" answer carries ``not_before``: the earliest moment at which every
"not now" rule passes together, so a dialer may set the customer aside until
then. The list is checked here, not when it is loaded: a customer who opts out
at noon is not called at two.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from ivr.clock import Clock
from ivr.errors import ConfigError
from ivr.model.calendar_text import parse_holidays
from ivr.model.campaign import Campaign
from ivr.model.contact_policy import (
    DAY_S,
    RANG,
    Attempt,
    Contact,
    ContactPolicy,
    Decision,
)
from ivr.model.flow import Calendar
from ivr.outbound.hours import CallingHours, when, zone
from ivr.outbound.retries import retry_refusal

ALLOWED = Decision(allowed=True)
# "not now" rules can push one another later; past this many rounds the answer is "never".
_MAX_ROUNDS = 64


def holidays_of(policy: ContactPolicy, calendars: Mapping[str, Calendar]) -> frozenset[int]:
    """The quiet holidays: the named calendar's, or (none named) every calendar's."""
    name = policy.holiday_calendar
    if name is None:
        chosen = list(calendars.values())
    elif name in calendars:
        chosen = [calendars[name]]
    else:
        msg = (
            f"the contact policy's holiday_calendar '{name}' is not in calendars.yaml; "
            f"calendars there: {', '.join(sorted(calendars)) or 'none'}"
        )
        raise ConfigError(msg, calendar=name)
    return frozenset().union(*(parse_holidays(c.holidays) for c in chosen))


def normalise_number(number: str) -> str:
    """``+86 (10) 1234-5678`` → ``+861012345678``: how numbers are compared with the DNC list."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return f"+{digits}" if number.strip().startswith("+") else digits


class ContactRules:
    """The policy compiled: holidays as day ordinals, the do-not-call numbers normalised."""

    def __init__(
        self,
        policy: ContactPolicy,
        *,
        clock: Clock,
        holidays: frozenset[int] = frozenset(),
        do_not_call: Iterable[str] = (),
    ) -> None:
        self.policy = policy
        self._clock = clock
        self.hours = CallingHours(
            policy.calling_hours, holidays=holidays, call_on_holidays=policy.call_on_holidays
        )
        self.do_not_call = frozenset(normalise_number(n) for n in do_not_call)
        self._centre_zone = zone(policy.timezone)
        # longest prefix first, so '+8525' wins over '+852'
        self._prefixes = sorted(
            ((normalise_number(p), z) for p, z in policy.number_zones.items()),
            key=lambda pz: -len(pz[0]),
        )

    def zone_of(self, contact: Contact) -> zoneinfo.ZoneInfo:
        """The customer's own zone, else the zone of the number's prefix, else the policy's."""
        if contact.timezone:
            return zone(contact.timezone)
        number = normalise_number(contact.number)
        for prefix, name in self._prefixes:
            if number.startswith(prefix):
                return zone(name)
        return self._centre_zone

    def check(self, contact: Contact, campaign: Campaign, history: Sequence[Attempt]) -> Decision:
        """May ``campaign`` call ``contact`` now? ``history``: the customer's attempts so far."""
        now = self._clock.now()
        mine = [a for a in history if a.account == contact.account]
        in_campaign = [a for a in mine if a.campaign == campaign.campaign]
        tz = self.zone_of(contact)
        never = self._never(contact, campaign, in_campaign, now, tz)
        if never is not None:
            return never
        first = self._not_now(campaign, mine, in_campaign, now, tz)
        if first is None:
            return ALLOWED
        t = first.not_before
        for _ in range(_MAX_ROUNDS):
            if t is None:
                break
            later = self._not_now(campaign, mine, in_campaign, t, tz)
            if later is None:
                return replace(first, not_before=t)
            t = later.not_before
        return replace(first, not_before=None)

    def _never(
        self,
        contact: Contact,
        campaign: Campaign,
        in_campaign: Sequence[Attempt],
        now: float,
        tz: zoneinfo.ZoneInfo,
    ) -> Decision | None:
        who = f"customer {contact.account}"
        if normalise_number(contact.number) in self.do_not_call:
            return _no("do_not_call", f"number {contact.number} is on the do-not-call list")
        if contact.opted_out:
            return _no("opted_out", f"{who} opted out of outbound calls")
        missing = sorted(set(campaign.consent) - contact.consents)
        if missing:
            return _no(
                "no_consent",
                f"campaign '{campaign.campaign}' needs consent {', '.join(missing)}, "
                f"which {who} has not given",
            )
        today = dt.datetime.fromtimestamp(now, self._centre_zone).date()
        if campaign.ends is not None and today > campaign.ends:
            return _no("campaign_over", f"campaign '{campaign.campaign}' ended on {campaign.ends}")
        done = retry_refusal(campaign, in_campaign, now, tz)
        if done is not None and done.not_before is None:
            return done
        return None

    def _not_now(
        self,
        campaign: Campaign,
        mine: Sequence[Attempt],
        in_campaign: Sequence[Attempt],
        t: float,
        tz: zoneinfo.ZoneInfo,
    ) -> Decision | None:
        starts = (
            dt.datetime.combine(campaign.starts, dt.time()).replace(tzinfo=self._centre_zone)
        ).timestamp()
        if t < starts:
            return Decision(
                allowed=False,
                rule="not_started",
                reason=f"campaign '{campaign.campaign}' starts on {campaign.starts}",
                not_before=starts,
            )
        wait = retry_refusal(campaign, in_campaign, t, tz)
        if wait is not None:
            return wait
        quiet = self.hours.refusal(t, tz)
        if quiet is not None:
            rule, reason = quiet
            return Decision(
                allowed=False, rule=rule, reason=reason, not_before=self.hours.next_open(t, tz)
            )
        return self._cap(mine, t, tz)

    def _cap(self, mine: Sequence[Attempt], t: float, tz: zoneinfo.ZoneInfo) -> Decision | None:
        rang = sorted(a.at for a in mine if a.result in RANG)
        for limit in self.policy.limits:
            window = limit.days * DAY_S
            inside = [x for x in rang if t - window < x <= t]
            if len(inside) < limit.calls:
                continue
            # free again when enough of the counted attempts have left the window
            free_at = inside[len(inside) - limit.calls] + window
            days = "day" if limit.days == 1 else f"{limit.days} days"
            return Decision(
                allowed=False,
                rule="frequency_cap",
                reason=f"called {len(inside)} time{'s' * (len(inside) != 1)} in the last {days} "
                f"across all campaigns (limit {limit.calls}); next allowed {when(free_at, tz)}",
                not_before=free_at,
            )
        return None


def _no(rule: str, reason: str) -> Decision:
    return Decision(allowed=False, rule=rule, reason=reason)
