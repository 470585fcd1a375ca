"""The traffic model (``traffic.yaml``): who calls, when, and how callers and seats behave.

Every field is documented with an example in ``docs/traffic.md``; this module
is its single definition (pydantic models, validated with file, line and field
by :mod:`ivr.yamlsrc`). The smallest useful model::

    arrivals:
      - {dnis: "10000", rate_per_hour: 360}
    handle_time: {kind: exponential, mean_s: 180}
    callers:
      queue_patience: {kind: exponential, mean_s: 120}
"""

from __future__ import annotations

import csv
import math
import random
import zoneinfo
from datetime import UTC, date, datetime, time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ivr.errors import ConfigInvalidError, Problem, SimulationError
from ivr.yamlsrc import load_yaml, validate
from sim.distributions import Constant, Duration, Exponential, Never, Uniform

DATA = Path(__file__).parent / "data"
PROFILES = {"bank-2003": DATA / "intraday-profile-bank-2003.csv"}
INTERVAL_S = 900.0


def clock_seconds(text: str) -> float:
    """``"08:30"`` → 30600.0 seconds after midnight (``"24:00"`` is the end of the day)."""
    try:
        hh, mm = text.split(":")
        h, m = int(hh), int(mm)
    except ValueError:
        msg = f"a time of day is written HH:MM, like 08:30; got {text!r}"
        raise ValueError(msg) from None
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        msg = f"{text!r} is not a time of day between 00:00 and 24:00"
        raise ValueError(msg)
    return h * 3600.0 + m * 60.0


class _Model(BaseModel):
    # an infinite rate or share would run without end: every number in the file is finite
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Arrivals(_Model):
    """The calls to one dialled number, by one of three ways (exactly one):

    - ``rate_per_hour``: a constant Poisson rate from ``open`` to ``close``;
    - ``per_interval``: expected calls per 15-minute interval, ``{"08:00": 120, ...}``;
    - ``daily_volume``: the day's expected calls, shaped by ``profile`` (the
      bundled ``bank-2003`` intraday profile by default, or a CSV of
      ``slot_start,weight``). The day's volume is drawn first (normal, with
      ``volume_cv`` as its coefficient of variation), then arrivals are Poisson
      within it: that reproduces the day-to-day spread of real centres.
    """

    dnis: str = Field(min_length=1)
    rate_per_hour: float | None = Field(None, ge=0)
    per_interval: dict[str, float] | None = None
    daily_volume: float | None = Field(None, ge=0)
    profile: str = "bank-2003"
    volume_cv: float = Field(0.0, ge=0, le=1)
    open: str = "00:00"
    close: str = "24:00"
    share: float = Field(1.0, gt=0)  # a multiplier, to scale a whole scenario's load

    @model_validator(mode="after")
    def _one_way(self) -> Arrivals:
        ways = [
            w
            for w, v in (
                ("rate_per_hour", self.rate_per_hour),
                ("per_interval", self.per_interval),
                ("daily_volume", self.daily_volume),
            )
            if v is not None
        ]
        if len(ways) != 1:
            msg = (
                "give exactly one of rate_per_hour, per_interval, daily_volume; "
                f"found {', '.join(ways) or 'none'}"
            )
            raise ValueError(msg)
        start, end = clock_seconds(self.open), clock_seconds(self.close)
        if end <= start:
            msg = f"close ({self.close}) must be after open ({self.open})"
            raise ValueError(msg)
        for key, value in (self.per_interval or {}).items():
            at = clock_seconds(key)
            if at % INTERVAL_S:
                msg = (
                    f"per_interval key {key!r} must start a 15-minute interval (:00, :15, :30, :45)"
                )
                raise ValueError(msg)
            if value < 0:
                msg = f"per_interval {key!r}: a number of calls cannot be negative ({value})"
                raise ValueError(msg)
        return self


class Service(_Model):
    """How the calls of one service (a skill, or a queue's name) are handled by a seat."""

    handle_time: Duration | None = None  # talk time; wrap-up is the queue's wrap_up_s
    transfer_share: float = Field(0.0, ge=0, le=1)
    transfer_to: str | None = None  # a queue; None: the centre's general queue


def check_choices(node: str, choices: dict[str, float]) -> None:
    """What a caller does at one menu or collect node: probabilities that must sum to 1.

    Keys are digit strings (``"1"``, ``"0#"``), ``timeout`` (nothing pressed)
    or ``hangup`` (the caller gives up at this node).
    """
    if any(p < 0 for p in choices.values()):
        msg = f"menus.{node}: a probability cannot be negative"
        raise ValueError(msg)
    total = math.fsum(choices.values())
    if abs(total - 1.0) > 1e-6:
        msg = f"menus.{node}: the probabilities add up to {total:g}; they must add up to 1"
        raise ValueError(msg)
    for key in choices:
        if key not in ("timeout", "hangup") and not all(ch in "0123456789*#" for ch in key):
            msg = f"menus.{node}: {key!r} is not digits, 'timeout' or 'hangup'"
            raise ValueError(msg)


class Callers(_Model):
    vip_share: float = Field(0.0, ge=0, le=1)
    green_share: float = Field(0.0, ge=0, le=1)
    known_share: float = Field(1.0, ge=0, le=1)  # callers the customer lookup finds
    think_time: Duration = Constant(kind="constant", value_s=2.0)
    password_success: float = Field(0.95, ge=0, le=1)
    menu_patience: Duration = Never(kind="none")
    queue_patience: Duration = Never(kind="none")
    callback_acceptance: float = Field(0.0, ge=0, le=1)
    # the share of placed callbacks the customer answers; 0.85 is the value the
    # simulator had built in, kept so that existing scenarios run the same
    callback_reached: float = Field(0.85, ge=0, le=1)
    menus: dict[str, dict[str, float]] = Field(default_factory=dict)
    prompt_s: float = Field(3.0, ge=0)  # a prompt's length when ``prompts`` does not say
    prompts: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _shares(self) -> Callers:
        if self.vip_share + self.green_share > 1:
            msg = "vip_share + green_share cannot exceed 1"
            raise ValueError(msg)
        return self

    @field_validator("menus")
    @classmethod
    def _menus(cls, menus: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for node, choices in menus.items():
            check_choices(node, choices)
        return menus


class Shift(_Model):
    """Seats logged in from ``start`` to ``end`` (``seats``: ids, or prefixes ending in ``*``)."""

    seats: list[str] = Field(min_length=1)
    start: str
    end: str

    @model_validator(mode="after")
    def _times(self) -> Shift:
        if clock_seconds(self.end) <= clock_seconds(self.start):
            msg = f"end ({self.end}) must be after start ({self.start})"
            raise ValueError(msg)
        return self


class Seats(_Model):
    ring_time: Duration = Uniform(kind="uniform", low_s=2.0, high_s=5.0)
    ring_no_answer: float = Field(0.0, ge=0, le=1)
    # how long a seat the queue's no_answer rule paused stays paused before its person is
    # ready again; 60 s is what docs/traffic.md has always said
    no_answer_pause_s: float = Field(60.0, ge=0)
    shifts: list[Shift] = Field(default_factory=list)  # none: every seat all day


class TrafficModel(_Model):
    date: str = "2026-01-05"  # the simulated day; a Monday
    timezone: str = "UTC"  # the zone of every time of day in this file (open, close, shifts)
    days: int = Field(1, ge=1)
    seed: int = 1
    arrivals: list[Arrivals] = Field(min_length=1)
    handle_time: Duration = Exponential(kind="exponential", mean_s=180.0)
    services: dict[str, Service] = Field(default_factory=dict)
    callers: Callers = Callers()
    seats: Seats = Seats()
    callback_handle_time: Duration | None = None  # default: the service's handle time
    replay_dnis: dict[str, str] = Field(default_factory=dict)  # trace service -> number dialled

    @field_validator("date")
    @classmethod
    def _iso_date(cls, value: str) -> str:
        try:
            date.fromisoformat(value)
        except ValueError:
            msg = f"date is written YYYY-MM-DD; got {value!r}"
            raise ValueError(msg) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            msg = f"unknown time zone {value!r}; use an IANA name like Asia/Shanghai or UTC"
            raise ValueError(msg) from None
        return value

    @property
    def origin(self) -> float:
        """Epoch seconds of the first simulated midnight, in ``timezone``."""
        zone = UTC if self.timezone == "UTC" else zoneinfo.ZoneInfo(self.timezone)
        return datetime.combine(date.fromisoformat(self.date), time(0), zone).timestamp()


def load_traffic(path: str | Path) -> TrafficModel:
    """Read and validate ``traffic.yaml``; ConfigError names the file, line and field."""
    data, positions = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigInvalidError(
            [Problem(file=str(path), line=1, column=1, field="", message="expected a mapping")]
        )
    return validate(TrafficModel, data, positions)


# --- the arrival process ----------------------------------------------------------------


def load_profile(name_or_path: str, base: Path | None = None) -> list[tuple[float, float, float]]:
    """An intraday shape as ``(start_s, end_s, weight)`` slots, weights summing to 1."""
    path = PROFILES.get(name_or_path)
    if path is None:
        path = Path(name_or_path) if base is None else base / name_or_path
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if r]
    except OSError as exc:
        msg = f"{path}: cannot read the profile ({exc.strerror}); name 'bank-2003' or a CSV file"
        raise SimulationError(msg, path=str(path)) from exc
    starts: list[float] = []
    weights: list[float] = []
    for row in rows[1:]:
        starts.append(clock_seconds(row[0]))
        weights.append(float(row[1]))
    if not starts:
        msg = f"{path}: no slots; write 'slot_start,weight' rows under a header"
        raise SimulationError(msg, path=str(path))
    width = starts[1] - starts[0] if len(starts) > 1 else INTERVAL_S
    total = math.fsum(weights)
    return [(s, s + width, w / total) for s, w in zip(starts, weights, strict=True)]


def rate_segments(
    arr: Arrivals, rng: random.Random, base: Path | None = None
) -> list[tuple[float, float, float]]:
    """One day's ``(start_s, end_s, calls_per_second)`` for one dialled number, from midnight."""
    start, end = clock_seconds(arr.open), clock_seconds(arr.close)
    if arr.rate_per_hour is not None:
        return [(start, end, arr.rate_per_hour * arr.share / 3600.0)]
    if arr.per_interval is not None:
        segs = []
        for key, calls in sorted(arr.per_interval.items(), key=lambda kv: clock_seconds(kv[0])):
            s = clock_seconds(key)
            segs.append((s, s + INTERVAL_S, calls * arr.share / INTERVAL_S))
        return segs
    assert arr.daily_volume is not None
    volume = arr.daily_volume * arr.share
    if arr.volume_cv > 0:
        volume = max(0.0, rng.gauss(volume, arr.volume_cv * volume))
    return [
        (s, e, volume * w / (e - s))
        for s, e, w in load_profile(arr.profile, base)
        if e > start and s < end
    ]


class ArrivalStream:
    """The arrival times of one dialled number, one at a time (Poisson, piecewise-constant rate).

    Memory is the day's rate table, never the day's calls: the next arrival is
    drawn when the previous one is taken.
    """

    __slots__ = ("_base", "_day", "_days", "_i", "_origin", "_rng", "_segs", "_t", "arrivals")

    def __init__(
        self,
        arrivals: Arrivals,
        *,
        origin: float,
        days: int,
        rng: random.Random,
        base: Path | None = None,
    ) -> None:
        self.arrivals = arrivals
        self._origin = origin
        self._days = days
        self._rng = rng
        self._base = base
        self._day = 0
        self._segs = rate_segments(arrivals, rng, base)
        self._i = 0
        self._t = self._segs[0][0] if self._segs else 0.0

    def next(self) -> float | None:
        """The next arrival's epoch time, or None when the last day is over."""
        rng = self._rng
        while True:
            if self._i >= len(self._segs):
                self._day += 1
                if self._day >= self._days:
                    return None
                self._segs = rate_segments(self.arrivals, rng, self._base)
                self._i = 0
                self._t = self._segs[0][0] if self._segs else 0.0
                continue
            s, e, rate = self._segs[self._i]
            t = max(self._t, s)
            if rate > 0:
                t += rng.expovariate(rate)
                if t < e:
                    self._t = t
                    return self._origin + self._day * 86400.0 + t
            self._i += 1
            self._t = e


def calls_per_day(arrivals: Arrivals, base: Path | None = None) -> float:
    """The expected calls of one day to one dialled number (its mean day, when volumes vary)."""
    segments = rate_segments(arrivals.model_copy(update={"volume_cv": 0.0}), random.Random(0), base)
    return math.fsum((end - start) * rate for start, end, rate in segments)


def expected_calls(model: TrafficModel, base: Path | None = None) -> float:
    """The expected number of calls of the whole run (for progress bars and the size check)."""
    return math.fsum(calls_per_day(arr, base) for arr in model.arrivals) * model.days
