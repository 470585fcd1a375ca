"""Outbound campaigns: what a ``campaigns/*.yaml`` file may say.

A campaign names whom it calls (``list``: a CSV file, or a query on the
customers store), the outbound flow that runs when the callee answers, how it
dials (``mode`` and ``pacing``), what it does after each result (``retries``,
``machine``), and when it runs. Like the skills and the flows, these frozen
models are the single definition of the file: the loader validates against
them (file, line, field and what would be valid) and the outbound core reads
them. Whether a customer may be called at a given moment is not here: that is
the contact policy (:mod:`ivr.model.contact_policy`, :mod:`ivr.outbound.policy`),
checked at the moment of dialing, across every campaign.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ivr.model.skills import Tier

NAME = r"^[A-Za-z0-9_.-]+$"
NUMBER = r"^\+?[0-9]{3,20}$"
CONSENT = r"^[a-z][a-z0-9_]*$"
PROMPT = r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_.-]+)*$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Mode(StrEnum):
    """How a campaign dials (Vicidial's dial methods, Amazon Connect's campaign modes)."""

    PREVIEW = "preview"  # a seat sees the customer first and accepts the call
    PROGRESSIVE = "progressive"  # one call per free seat
    PREDICTIVE = "predictive"  # dials ahead of free seats, held to the dropped-call limit
    AGENTLESS = "agentless"  # the flow alone: reminders, surveys


SEAT_MODES = frozenset({Mode.PREVIEW, Mode.PROGRESSIVE, Mode.PREDICTIVE})


class NumberTest(_Frozen):
    """A test on a number field of the customer: ``{below: 0}``, ``{at_least: 100}``."""

    below: float | None = None
    above: float | None = None
    at_most: float | None = None
    at_least: float | None = None

    @model_validator(mode="after")
    def _some_bound(self) -> NumberTest:
        if self.model_fields_set == set():
            msg = "give a bound: below, above, at_most or at_least (e.g. {below: 0})"
            raise ValueError(msg)
        return self


class CustomerQuery(_Frozen):
    """Customers of the store that every written condition holds for.

    A list of values means any of them (``tier: [vip, normal]``). A query with
    no condition would call every customer, so it is refused.
    """

    balance: NumberTest | None = None
    tier: tuple[Tier, ...] = ()
    segment: tuple[str, ...] = ()
    language: tuple[str, ...] = ()

    _lists = field_validator("tier", "segment", "language", mode="before")(_one_or_many)

    @model_validator(mode="after")
    def _some_condition(self) -> CustomerQuery:
        if not self.model_fields_set:
            msg = (
                "a query with no condition calls every customer; "
                "name one of balance, tier, segment, language"
            )
            raise ValueError(msg)
        return self


class ListSource(_Frozen):
    """Whom the campaign calls: exactly one of ``csv`` and ``customers``.

    ``csv`` is a file beside the campaign file (or a path from it) with a
    ``number`` column and optional ``account`` and ``timezone`` columns.
    """

    csv: str | None = Field(None, min_length=1)
    customers: CustomerQuery | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ListSource:
        if (self.csv is None) == (self.customers is None):
            msg = (
                "a list is either 'csv: FILE' or 'customers: {query}' "
                "(e.g. customers: {balance: {below: 0}}); give exactly one"
            )
            raise ValueError(msg)
        return self


class Pacing(_Frozen):
    """How fast the campaign dials.

    ``max_ratio`` (predictive only) caps lines per free seat; ``preview_s``
    (preview only) is how long a seat has to accept a customer; the dropped
    limit holds every mode that connects callees to seats: an answered callee
    with no seat after ``dropped_after_s`` is a dropped call, and dialing slows
    before the day's dropped share of answered calls passes ``dropped_limit_pct``.
    """

    ring_s: float = Field(25.0, gt=0, le=120)  # an attempt rings this long, then it is no_answer
    max_lines: int = Field(10, ge=1, le=1000)  # attempts of this campaign at the same time
    max_ratio: float = Field(2.0, ge=1, le=10)
    preview_s: float = Field(30.0, gt=0, le=600)
    dropped_limit_pct: float = Field(3.0, ge=0, le=100)
    dropped_after_s: float = Field(2.0, gt=0, le=60)


class Result(StrEnum):
    """How an attempt that is retried may end (the other results end the customer's turn)."""

    BUSY = "busy"
    NO_ANSWER = "no_answer"
    MACHINE = "machine"
    FAILED = "failed"
    DROPPED = "dropped"


class Retry(_Frozen):
    """After this result, call again at most ``count`` more times, each ``after_s`` later."""

    count: int = Field(ge=0, le=20)
    after_s: float = Field(ge=0, le=30 * 86400)


class Retries(_Frozen):
    """A retry rule per result. The defaults leave a day after anything that rang, as the
    contact policy's default cap (one ringing call a day) would refuse sooner anyway."""

    busy: Retry = Retry(count=3, after_s=900)
    no_answer: Retry = Retry(count=2, after_s=86400)
    machine: Retry = Retry(count=1, after_s=86400)
    failed: Retry = Retry(count=2, after_s=1800)
    dropped: Retry = Retry(count=1, after_s=86400)

    def rule(self, result: Result) -> Retry:
        rule: Retry = getattr(self, result.value)
        return rule


class Machine(_Frozen):
    """An answering machine (Asterisk's ``AMD()``, or no input to the flow's first prompt)."""

    action: Literal["hang_up", "leave_message"] = "hang_up"
    prompts: tuple[Annotated[str, Field(pattern=PROMPT)], ...] = ()

    _list = field_validator("prompts", mode="before")(_one_or_many)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"action": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _message_to_leave(self) -> Machine:
        if self.action == "leave_message" and not self.prompts:
            msg = "leave_message needs 'prompts': the message played after the beep"
            raise ValueError(msg)
        if self.action == "hang_up" and self.prompts:
            msg = "hang_up plays nothing; remove 'prompts' or use action: leave_message"
            raise ValueError(msg)
        return self


_MODE_ONLY = {"max_ratio": {Mode.PREDICTIVE}, "preview_s": {Mode.PREVIEW}}
_SEATS_ONLY = ("dropped_limit_pct", "dropped_after_s")


class Campaign(_Frozen):
    """One ``campaigns/*.yaml`` file."""

    campaign: str = Field(pattern=NAME, description="the campaign's name")
    description: str = ""
    flow: str = Field(pattern=NAME, description="the outbound flow run when the callee answers")
    mode: Mode
    queue: str | None = Field(
        None, pattern=NAME, description="the queue whose seats take the answered calls"
    )
    list: ListSource
    priority: int = Field(0, ge=0, le=100, description="higher dials first when seats are short")
    starts: dt.date
    ends: dt.date | None = None
    caller_id: str = Field(pattern=NUMBER, description="the number the callee sees")
    consent: tuple[Annotated[str, Field(pattern=CONSENT)], ...] = Field(
        (), description="consent flags the customer must have given (e.g. marketing)"
    )
    pacing: Pacing = Pacing()
    retries: Retries = Retries()
    machine: Machine = Machine()

    _consents = field_validator("consent", mode="before")(_one_or_many)

    @model_validator(mode="after")
    def _fits_its_mode(self, info: ValidationInfo) -> Campaign:
        # the file loader asks to check later, to point each problem at its own field
        if isinstance(info.context, dict) and info.context.get(DEFER_CHECKS):
            return self
        problems = mode_problems(self)
        if problems:
            raise ValueError("; ".join(message for _, message in problems))
        return self


DEFER_CHECKS = "defer_campaign_checks"


def mode_problems(c: Campaign) -> list[tuple[tuple[str, ...], str]]:
    """What does not fit together in a campaign: (path of the field, message) for each."""
    problems: list[tuple[tuple[str, ...], str]] = []
    if c.ends is not None and c.ends < c.starts:
        problems.append((("ends",), f"ends ({c.ends}) is before starts ({c.starts})"))
    if c.mode in SEAT_MODES and c.queue is None:
        problems.append(
            (
                ("mode",),
                f"a {c.mode.value} campaign needs 'queue': the queue whose seats take its calls",
            )
        )
    if c.mode is Mode.AGENTLESS and c.queue is not None:
        problems.append(
            (
                ("queue",),
                "an agentless campaign reaches no seat itself; remove 'queue' "
                "(its flow's queue node can still offer one)",
            )
        )
    for name, modes in _MODE_ONLY.items():
        if name in c.pacing.model_fields_set and c.mode not in modes:
            only = ", ".join(sorted(m.value for m in modes))
            problems.append(
                (("pacing", name), f"{name} is for {only} campaigns only; remove it here")
            )
    if c.mode is Mode.AGENTLESS:
        for name in _SEATS_ONLY:
            if name in c.pacing.model_fields_set:
                problems.append(
                    (
                        ("pacing", name),
                        f"{name} holds campaigns that connect seats; "
                        "an agentless campaign drops no call",
                    )
                )
    return problems
