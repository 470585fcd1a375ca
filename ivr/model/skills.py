"""The configuration of a centre: skills, queues, seats and the rules between them.

These models are the single definition of what ``skills/*.yaml`` may say: the
YAML loader validates against them, ``ivr schema`` publishes their JSON
Schema, and the routing core reads them. They are frozen: a change of
configuration is a new object handed to the core.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MIN_LEVEL = 1
MAX_LEVEL = 10


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Tier(StrEnum):
    """Who the caller is, as far as priority goes (REQUIREMENTS §3: R4 and the green channel)."""

    NORMAL = "normal"
    VIP = "vip"
    GREEN = "green"  # elderly and disabled callers: the green channel


class Strategy(StrEnum):
    """How a queue picks among several free qualified seats for a normal caller."""

    LONGEST_IDLE = "longest_idle"
    FEWEST_CALLS = "fewest_calls"
    HIGHEST_LEVEL = "highest_level"
    ROUND_ROBIN = "round_robin"
    RANDOM = "random"


class Pool(StrEnum):
    """Which seats a widening step adds."""

    SKILL = "skill"  # seats with the queue's skill at min_level or above (specialists)
    GENERAL = "general"  # comprehensive seats, which take every service
    ALL = "all"  # every logged-in seat: specialists of other services helping out


class Step(_Frozen):
    """From ``after_s`` seconds of waiting, seats of ``pool`` may take the call.

    Steps are listed in order of preference: when seats of several open steps
    are free, a seat of the earliest step is chosen.
    """

    after_s: float = Field(0.0, ge=0)
    pool: Pool
    min_level: int = Field(MIN_LEVEL, ge=MIN_LEVEL, le=MAX_LEVEL)


class TierPolicy(_Frozen):
    """How a tier is favoured: a strict priority class, a head start in seconds, or both."""

    priority: int = 0
    head_start_s: float = Field(0.0, ge=0)


def default_tiers() -> dict[Tier, TierPolicy]:
    return {
        Tier.NORMAL: TierPolicy(priority=0),
        Tier.VIP: TierPolicy(priority=10),
        Tier.GREEN: TierPolicy(priority=10),
    }


class ExitAction(StrEnum):
    QUEUE = "queue"  # another queue, keeping the caller's time waited
    FLOW = "flow"  # a self-service or message flow
    VOICEMAIL = "voicemail"
    CALLBACK = "callback"  # offer a callback that keeps the caller's place
    BUSY = "busy"  # hang up with a busy signal


class Exit(_Frozen):
    """Where a call goes when it leaves a queue other than to a seat."""

    action: ExitAction
    target: str | None = None  # the queue or flow, for those actions
    prompt: str | None = None  # played first, when the driver can

    @model_validator(mode="after")
    def _target_when_needed(self) -> Exit:
        if self.action in (ExitAction.QUEUE, ExitAction.FLOW) and not self.target:
            msg = f"an exit to a {self.action.value} needs 'target': the {self.action.value}'s name"
            raise ValueError(msg)
        return self


class AlarmConfig(_Frozen):
    """Peak alarms (REQUIREMENTS §4): waiting callers against open seats.

    Level 1 is raised when waiting >= ``level1`` × open seats, level 2 at
    ``level2`` ×. A level is cleared only when the ratio falls below
    ``clear_factor`` × its threshold, so that an alarm does not flap.
    """

    level1: float = Field(2.5, gt=0)
    level2: float = Field(3.5, gt=0)
    clear_factor: float = Field(0.8, gt=0, le=1)
    on_level1: Exit | None = None
    on_level2: Exit | None = None
    # Who is never diverted at a peak: a transferred call (R3) never is; these tiers neither.
    exempt_tiers: tuple[Tier, ...] = (Tier.VIP, Tier.GREEN)

    @model_validator(mode="after")
    def _ordered(self) -> AlarmConfig:
        if self.level2 < self.level1:
            msg = f"level2 ({self.level2}) must be at least level1 ({self.level1})"
            raise ValueError(msg)
        return self


class NoAnswer(_Frozen):
    """What happens to a seat that lets an offered call ring out."""

    action: Literal["pause", "penalty"] = "pause"
    penalty_s: float = Field(30.0, ge=0)  # for "penalty": how long the seat is skipped
    reason: str = "ring-no-answer"  # the pause reason written down for "pause"


class QueueConfig(_Frozen):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    skill: str | None = None  # None: the general queue, for calls whose service is not known
    answer_time_limit_s: float = Field(15.0, gt=0)
    strategy: Strategy = Strategy.LONGEST_IDLE
    weight: float = Field(1.0, gt=0)  # fairness across queues: a seat compares weight × time waited
    steps: tuple[Step, ...] = ()
    ring_timeout_s: float = Field(15.0, gt=0)
    no_answer: NoAnswer = NoAnswer()
    wrap_up_s: float = Field(10.0, ge=0)
    max_wait_s: float | None = Field(None, gt=0)
    max_length: int | None = Field(None, ge=1)
    exit: Exit | None = None  # at max_wait_s or when full; None: the general queue, else busy
    alarm: AlarmConfig = AlarmConfig()
    announce_every_s: float | None = Field(None, gt=0)
    expected_handle_s: float = Field(180.0, gt=0)  # seeds the wait estimate before calls finish
    first_contact_wait_s: float = Field(20.0, ge=0)

    def effective_steps(self) -> tuple[Step, ...]:
        """The steps, or the documents' rule when none are written (R1, R2)."""
        if self.steps:
            return self.steps
        if self.skill is None:
            return (Step(pool=Pool.GENERAL),)
        return (Step(pool=Pool.SKILL), Step(pool=Pool.GENERAL))


class SeatConfig(_Frozen):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = ""
    skills: dict[str, int] = Field(default_factory=dict)
    general: bool = False  # a comprehensive seat: takes every service
    level: int = Field(5, ge=MIN_LEVEL, le=MAX_LEVEL)  # its level in the general and all pools
    endpoint: str | None = None  # the dial string in live mode, e.g. PJSIP/1001

    @field_validator("skills")
    @classmethod
    def _levels_in_range(cls, skills: dict[str, int]) -> dict[str, int]:
        for skill, level in skills.items():
            if not MIN_LEVEL <= level <= MAX_LEVEL:
                msg = f"level of skill '{skill}' is {level}; levels go from {MIN_LEVEL} to {MAX_LEVEL}"
                raise ValueError(msg)
        return skills


class SkillConfig(_Frozen):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""


class CentreConfig(_Frozen):
    """Everything ``skills/`` says, merged."""

    skills: tuple[SkillConfig, ...] = ()
    queues: tuple[QueueConfig, ...] = ()
    seats: tuple[SeatConfig, ...] = ()
    general_queue: str = "general"
    tiers: dict[Tier, TierPolicy] = Field(default_factory=default_tiers)
    transfer_priority: int = 100  # R3: above every tier
    alarm: AlarmConfig = AlarmConfig()  # centre-wide
    wait_estimate_alpha: float = Field(0.1, gt=0, le=1)  # weight of the newest handle time

    @model_validator(mode="after")
    def _consistent(self) -> CentreConfig:
        problems: list[str] = []
        skill_list = [s.name for s in self.skills]
        for name in {n for n in skill_list if skill_list.count(n) > 1}:
            problems.append(f"skill '{name}' is defined more than once")
        skill_names = set(skill_list)
        queue_names = [q.name for q in self.queues]
        for name in {n for n in queue_names if queue_names.count(n) > 1}:
            problems.append(f"queue '{name}' is defined more than once")
        seat_ids = [s.id for s in self.seats]
        for sid in {n for n in seat_ids if seat_ids.count(n) > 1}:
            problems.append(f"seat '{sid}' is defined more than once")
        if self.queues and self.general_queue not in queue_names:
            problems.append(
                f"general_queue '{self.general_queue}' is not a queue; "
                f"queues are: {', '.join(sorted(queue_names))}"
            )
        for q in self.queues:
            if q.skill is not None and skill_names and q.skill not in skill_names:
                problems.append(
                    f"queue '{q.name}' serves skill '{q.skill}', which is not in skills"
                )
            if q.exit and q.exit.action is ExitAction.QUEUE and q.exit.target not in queue_names:
                problems.append(
                    f"queue '{q.name}' exits to queue '{q.exit.target}', which is not a queue"
                )
        for s in self.seats:
            for skill in s.skills:
                if skill_names and skill not in skill_names:
                    problems.append(f"seat '{s.id}' has skill '{skill}', which is not in skills")
        if self.transfer_priority <= max((t.priority for t in self.tiers.values()), default=0):
            problems.append("transfer_priority must be above every tier's priority (R3)")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def queue(self, name: str) -> QueueConfig:
        for q in self.queues:
            if q.name == name:
                return q
        raise KeyError(name)
