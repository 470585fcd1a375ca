"""The contact policy (``policy.yaml`` beside the campaigns), and the outbound records it reads.

One policy holds across every campaign (REQUIREMENTS §6: customers complain
when they are called too often). Without a ``policy.yaml`` the defaults hold:
at most one ringing call a day and two a week per customer, none before 08:00
or after 21:00 in the customer's local time, none on the public holidays of
the centre's calendar. :mod:`ivr.outbound.policy` applies it at the moment of
dialing.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from ivr.model.calendar_text import parse_days, parse_span

DAY_S = 86400.0


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        msg = f"'{value}' is not a known time zone; use an IANA name such as Asia/Shanghai"
        raise ValueError(msg) from None
    return value


def _check_days(value: str) -> str:
    parse_days(value)
    return value


def _check_span(value: str) -> str:
    parse_span(value)
    return value


Zone = Annotated[str, Field(min_length=1)]
Days = Annotated[str, AfterValidator(_check_days)]
Span = Annotated[str, AfterValidator(_check_span)]


class ContactLimit(_Frozen):
    """At most ``calls`` ringing attempts in any ``days`` × 24 hours, across all campaigns."""

    calls: int = Field(ge=1, le=100)
    days: int = Field(ge=1, le=90)


def default_limits() -> tuple[ContactLimit, ...]:
    return (ContactLimit(calls=1, days=1), ContactLimit(calls=2, days=7))


def default_hours() -> dict[str, tuple[str, ...]]:
    return {"daily": ("08:00-21:00",)}


class ContactPolicy(_Frozen):
    """``policy.yaml``: the rules every campaign's attempts are held to."""

    limits: tuple[ContactLimit, ...] = Field(
        default_factory=default_limits,
        description="frequency caps per customer; an attempt that rang counts "
        "(answered, dropped, no answer, machine)",
    )
    calling_hours: dict[Days, tuple[Span, ...]] = Field(
        default_factory=default_hours,
        description="weekday or range (mon-fri, daily) → HH:MM-HH:MM spans, "
        "in the customer's local time",
    )
    call_on_holidays: bool = False
    holiday_calendar: str | None = Field(
        None,
        description="the calendar of the flows' calendars.yaml whose holidays are quiet; "
        "none: the holidays of every calendar there",
    )
    timezone: Zone = Field(
        "Asia/Shanghai",
        description="the customer's zone when neither the customer nor number_zones names one; "
        "also the zone of campaigns' start and end dates",
    )
    number_zones: dict[str, Zone] = Field(
        default_factory=dict,
        description="number prefix → time zone (the longest matching prefix wins)",
    )
    do_not_call: str | None = Field(
        None, min_length=1, description="a file of numbers never to call, one a line"
    )

    _zone = field_validator("timezone")(lambda v: _check_zone(v))

    @field_validator("number_zones")
    @classmethod
    def _zones(cls, value: dict[str, str]) -> dict[str, str]:
        for prefix, zone in value.items():
            if not prefix.lstrip("+").isdigit():
                msg = f"'{prefix}' is not a number prefix; write digits, e.g. '+852' or '0852'"
                raise ValueError(msg)
            _check_zone(zone)
        return value

    @field_validator("calling_hours", mode="before")
    @classmethod
    def _spans_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value


class AttemptResult(StrEnum):
    """How an outbound attempt ended."""

    ANSWERED = "answered"
    DROPPED = "dropped"  # answered, and no seat within the campaign's dropped_after_s
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    MACHINE = "machine"
    FAILED = "failed"
    REFUSED_POLICY = "refused_policy"  # never dialed: the contact policy said no


# What the frequency caps count: every attempt that made the customer's phone ring.
RANG = frozenset(
    {AttemptResult.ANSWERED, AttemptResult.DROPPED, AttemptResult.NO_ANSWER, AttemptResult.MACHINE}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """One attempt to call a customer, as the records keep it."""

    campaign: str
    account: str
    number: str
    at: float  # when it was dialed (or refused), epoch seconds
    result: AttemptResult


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    """A customer as the contact policy sees one at the moment of dialing."""

    account: str
    number: str
    timezone: str | None = None  # IANA; None: the policy's number_zones, then its timezone
    opted_out: bool = False  # a survey answer or a seat's click: no more outbound calls
    consents: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """The policy's answer. ``rule`` is a stable id; ``reason`` is for a supervisor to read.

    ``not_before``: the earliest time the same attempt would be allowed, or None
    when it never will (do not call, opted out, retries used up, campaign over).
    """

    allowed: bool
    rule: str = ""
    reason: str = ""
    not_before: float | None = None
