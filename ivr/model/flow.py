"""The flow language: what a flow file may say.

A flow file names the numbers that start it (``dnis``), the languages it
offers, its ``start`` node and its ``nodes``, a mapping of node id → node.
Every node has a ``type``, its parameters, where it goes next, and may name
``on_error``: where the call goes when the node fails at run time. Without
one, the flow's ``on_error``; without that, the centre's general queue. A
caller is never dropped because of a flow bug.

These pydantic models validate files and publish the JSON Schema (``ivr
schema``); the interpreter never sees them: :mod:`ivr.flows.compiler` turns
them into plain slotted nodes.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ivr.model.calendar_text import parse_days, parse_holidays, parse_span

NODE_ID = r"^[A-Za-z][A-Za-z0-9_-]*$"
VAR = r"^[a-z][a-z0-9_]*$"
PROMPT = r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_.-]+)*$"
DIGIT = r"^[0-9*#]$"
LANGUAGE = r"^[a-z]{2}(_[A-Za-z]{2})?$"

NodeId = Annotated[str, Field(pattern=NODE_ID)]
VarName = Annotated[str, Field(pattern=VAR)]
Prompt = Annotated[
    str,
    Field(
        pattern=PROMPT,
        description="a sound file name without extension, played from the call's language "
        "directory: an asterisk-core-sounds name (vm-goodbye, digits/1) or custom/<name>",
    ),
]
Digit = Annotated[str, Field(pattern=DIGIT)]

CUSTOM_PREFIX = "custom/"

# variables every call has from its first node
BUILTIN_VARIABLES = frozenset({"caller", "dnis", "language", "tier", "call_id", "flow"})
# variables a lookup node sets, found or not
LOOKUP_VARIABLES = frozenset({"customer_found", "tier", "name", "segment", "language", "account"})


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class _Node(_Model):
    description: str = ""
    on_error: NodeId | None = Field(
        None, description="where the call goes when this node fails at run time"
    )


class PlayNode(_Node):
    """Play one prompt or a list. With ``barge_in``, a key pressed during it goes to a following menu."""

    type: Literal["play"]
    prompts: list[Prompt] = Field(min_length=1)
    barge_in: bool = False
    next: NodeId

    _list = field_validator("prompts", mode="before")(_one_or_many)


class MenuNode(_Node):
    """A prompt, then one key: each digit goes to a node."""

    type: Literal["menu"]
    prompts: list[Prompt] = Field(min_length=1)
    choices: dict[Digit, NodeId] = Field(min_length=1)
    timeout_s: float = Field(5.0, gt=0, le=60)
    retries: int = Field(2, ge=0, le=9, description="times the menu is offered again")
    invalid_prompt: Prompt | None = "option-is-invalid"
    no_input_prompt: Prompt | None = "custom/no-input"
    on_exhausted: NodeId | None = Field(
        None, description="where the call goes when retries run out (default: on_error)"
    )

    _list = field_validator("prompts", mode="before")(_one_or_many)


class CollectNode(_Node):
    """Several digits into a variable. ``secret: true`` keeps them as a masked Secret."""

    type: Literal["collect"]
    prompts: list[Prompt] = Field(min_length=1)
    into: VarName
    min_digits: int = Field(1, ge=1, le=32)
    max_digits: int = Field(20, ge=1, le=32)
    terminator: Literal["#", "*"] | None = "#"
    timeout_s: float = Field(6.0, gt=0, le=60)
    pattern: str | None = Field(None, description="a regular expression the digits must match")
    secret: bool = False
    retries: int = Field(2, ge=0, le=9)
    invalid_prompt: Prompt | None = "custom/invalid-entry"
    next: NodeId
    on_exhausted: NodeId | None = None

    _list = field_validator("prompts", mode="before")(_one_or_many)

    # field validators, not a model validator, so a problem points at the field, not the node
    @field_validator("max_digits")
    @classmethod
    def _not_below_min(cls, value: int, info: ValidationInfo) -> int:
        least = info.data.get("min_digits")  # absent when min_digits itself was invalid
        if least is not None and least > value:
            msg = (
                f"max_digits ({value}) is below min_digits ({least}); "
                "raise max_digits or lower min_digits"
            )
            raise ValueError(msg)
        return value

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                msg = f"pattern {value!r} is not a valid regular expression: {exc}"
                raise ValueError(msg) from None
        return value


class VerifyPasswordNode(_Node):
    """Check the 6-digit password (a secret collect) of an account against the customer store."""

    type: Literal["verify_password"]
    account: VarName = "account"
    password: VarName = "password"
    max_failures: int = Field(3, ge=1, le=9)
    next: NodeId
    on_wrong: NodeId = Field(description="a wrong password, fewer than max_failures so far")
    on_locked: NodeId = Field(description="max_failures reached, or the account is locked")
    on_no_password: NodeId | None = Field(None, description="the account has no password set")


class LookupNode(_Node):
    """Find the customer; sets customer_found, tier, name, segment, language, account and ``fields``."""

    type: Literal["lookup"]
    by: Literal["caller", "account"] = "caller"
    account: VarName = Field(
        "account", description="the variable holding the account (by: account)"
    )
    fields: list[VarName] = Field(
        default_factory=list, description="more customer fields to copy into variables"
    )
    next: NodeId
    on_not_found: NodeId | None = None


class Condition(_Model):
    """One test. Exactly one of ``var``, ``calendar``, ``queue``, ``all``, ``any``, ``not``."""

    var: VarName | None = None
    eq: str | int | float | bool | None = None
    ne: str | int | float | bool | None = None
    in_: list[str | int | float] | None = Field(None, alias="in")
    not_in: list[str | int | float] | None = None
    is_set: bool | None = None
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    calendar: str | None = None
    is_: Literal["open", "closed", "holiday"] | None = Field(None, alias="is")
    queue: str | None = Field(None, description="a queue name, or '*' for the centre")
    measure: Literal["alarm_level", "estimated_wait_s", "seats_open", "waiting"] | None = None
    all_: list[Condition] | None = Field(None, alias="all")
    any_: list[Condition] | None = Field(None, alias="any")
    not_: Condition | None = Field(None, alias="not")

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        kinds = [
            k
            for k, v in (
                ("var", self.var),
                ("calendar", self.calendar),
                ("queue", self.queue),
                ("all", self.all_),
                ("any", self.any_),
                ("not", self.not_),
            )
            if v is not None
        ]
        if len(kinds) != 1:
            msg = (
                "a condition tests exactly one of var, calendar, queue, all, any, not; "
                f"found {', '.join(kinds) or 'none'}"
            )
            raise ValueError(msg)
        compare = [
            k
            for k in ("eq", "ne", "in_", "not_in", "is_set", "gt", "ge", "lt", "le")
            if getattr(self, k) is not None
        ]
        kind = kinds[0]
        if kind == "var" and len(compare) != 1:
            msg = "a var condition needs exactly one of eq, ne, in, not_in, is_set, gt, ge, lt, le"
            raise ValueError(msg)
        if kind == "calendar" and (self.is_ is None or compare):
            msg = "a calendar condition needs 'is: open | closed | holiday' and nothing else"
            raise ValueError(msg)
        if kind == "queue":
            numeric = [k for k in compare if k in ("eq", "gt", "ge", "lt", "le")]
            if self.measure is None or len(numeric) != 1 or len(compare) != 1:
                msg = (
                    "a queue condition needs 'measure' (alarm_level, estimated_wait_s, "
                    "seats_open, waiting) and one of eq, gt, ge, lt, le"
                )
                raise ValueError(msg)
        return self


class Case(_Model):
    if_: Condition = Field(alias="if")
    next: NodeId


class BranchNode(_Node):
    """The first case whose condition holds; else ``otherwise``."""

    type: Literal["branch"]
    cases: list[Case] = Field(min_length=1)
    otherwise: NodeId


class SetNode(_Node):
    """Set variables. Setting ``language`` changes the language prompts are played in."""

    type: Literal["set"]
    values: dict[VarName, str | int | float | bool] = Field(min_length=1)
    next: NodeId


class SayNode(_Node):
    """Speak a variable as digits, a number or an amount (a read-back)."""

    type: Literal["say"]
    kind: Literal["digits", "number", "amount"]
    var: VarName
    next: NodeId


class QueueNode(_Node):
    """Hand the call to a queue (the flow ends; the routing core takes over)."""

    type: Literal["queue"]
    queue: str
    service: str | None = Field(None, description="the service, for records (default: the queue)")
    priority: int | None = Field(None, ge=0, le=99)


class TransferNode(_Node):
    """Go on in another flow, or send the call to an outside number."""

    type: Literal["transfer"]
    flow: str | None = None
    number: str | None = Field(None, pattern=r"^\+?[0-9]{3,20}$")

    @model_validator(mode="after")
    def _one_target(self) -> TransferNode:
        if (self.flow is None) == (self.number is None):
            msg = "a transfer needs exactly one of 'flow' (another flow) or 'number' (outside)"
            raise ValueError(msg)
        return self


class CallbackNode(_Node):
    """Record a callback (the caller's or a collected number, a wished time) and end the call."""

    type: Literal["callback"]
    number: VarName = Field("caller", description="the variable holding the number to call")
    wished_time: VarName | None = Field(
        None, description="a variable holding HHMM digits; the next such time in the timezone"
    )
    timezone: str = "Asia/Shanghai"
    queue: str | None = None
    prompts: list[Prompt] = Field(default_factory=list, description="played before the call ends")

    _list = field_validator("prompts", mode="before")(_one_or_many)
    _tz = field_validator("timezone")(lambda v: _check_zone(v))


class VoicemailNode(_Node):
    """Record a message for the back office, then end the call."""

    type: Literal["voicemail"]
    box: str
    prompt: Prompt | None = None
    max_s: float = Field(120.0, gt=0, le=600)


class HangupNode(_Node):
    """End the call, after optional prompts."""

    type: Literal["hangup"]
    prompts: list[Prompt] = Field(default_factory=list)
    reason: str = "flow ended"
    cause: Literal["normal", "busy"] = "normal"
    outcome: Literal["self_service", "diverted", "failed"] = "self_service"

    _list = field_validator("prompts", mode="before")(_one_or_many)


class CallNode(_Node):
    """Run a sub-flow; on its ``return`` go to ``returns[value]``, else ``next``."""

    type: Literal["call"]
    flow: str
    next: NodeId
    returns: dict[str, NodeId] = Field(default_factory=dict)


class ReturnNode(_Node):
    """End a sub-flow: back to the calling node with ``value``."""

    type: Literal["return"]
    value: str = "ok"


Node = Annotated[
    PlayNode
    | MenuNode
    | CollectNode
    | VerifyPasswordNode
    | LookupNode
    | BranchNode
    | SetNode
    | SayNode
    | QueueNode
    | TransferNode
    | CallbackNode
    | VoicemailNode
    | HangupNode
    | CallNode
    | ReturnNode,
    Field(discriminator="type"),
]

NODE_TYPES: tuple[str, ...] = (
    "play",
    "menu",
    "collect",
    "verify_password",
    "lookup",
    "branch",
    "set",
    "say",
    "queue",
    "transfer",
    "callback",
    "voicemail",
    "hangup",
    "call",
    "return",
)


def _check_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        msg = f"'{value}' is not a known time zone; use an IANA name such as Asia/Shanghai"
        raise ValueError(msg) from None
    return value


class Flow(_Model):
    """One flow file."""

    flow: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="the flow's name")
    description: str = ""
    direction: Literal["inbound", "outbound"] = Field(
        "inbound",
        description="outbound: run by a campaign when the callee answers, never by a dialled number",
    )
    dnis: list[Annotated[str, Field(pattern=r"^[0-9*#+]+$")]] = Field(
        default_factory=list, description="dialled numbers that start this flow; none: a sub-flow"
    )
    languages: list[Annotated[str, Field(pattern=LANGUAGE)]] = Field(
        default_factory=lambda: ["zh", "en"], min_length=1
    )
    needs: list[VarName] = Field(
        default_factory=list,
        description="a sub-flow's inputs: variables every calling path must have set",
    )
    start: NodeId
    on_error: NodeId | None = Field(
        None,
        description="where a failing node without its own on_error goes; "
        "none: the centre's general queue",
    )
    nodes: dict[NodeId, Node] = Field(min_length=1)


class Calendar(_Model):
    """Opening hours by weekday in a named time zone, and holidays (closed, or holiday hours)."""

    timezone: str = "Asia/Shanghai"
    open: dict[str, list[str]] = Field(
        description="weekday or range (mon, mon-fri) → list of HH:MM-HH:MM spans"
    )
    holidays: list[str] = Field(
        default_factory=list, description="YYYY-MM-DD dates or YYYY-MM-DD..YYYY-MM-DD ranges"
    )
    holiday_open: list[str] = Field(default_factory=list, description="spans open on holidays")

    _tz = field_validator("timezone")(lambda v: _check_zone(v))

    @field_validator("open", mode="before")
    @classmethod
    def _spans_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _one_or_many(v) for k, v in value.items()}
        return value

    @field_validator("holiday_open", mode="before")
    @classmethod
    def _holiday_list(cls, value: Any) -> Any:
        return _one_or_many(value)

    @field_validator("open")
    @classmethod
    def _check_open(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:

        for key, spans in value.items():
            parse_days(key)
            for span in spans:
                parse_span(span)
        return value

    @field_validator("holiday_open")
    @classmethod
    def _check_holiday_open(cls, value: list[str]) -> list[str]:

        for span in value:
            parse_span(span)
        return value

    @field_validator("holidays")
    @classmethod
    def _check_holidays(cls, value: list[str]) -> list[str]:

        parse_holidays(value)
        return value


class Calendars(_Model):
    """``calendars.yaml`` beside the flows: named calendars the flows' branches test."""

    calendars: dict[str, Calendar] = Field(default_factory=dict)


class PromptManifest(_Model):
    """``prompts.yaml`` beside the flows: every custom prompt's text in every language."""

    prompts: dict[Prompt, dict[Annotated[str, Field(pattern=LANGUAGE)], str]] = Field(
        default_factory=dict
    )
