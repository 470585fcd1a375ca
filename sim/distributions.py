"""Random durations of the traffic model: handle times, patience, think times, ring times.

Each is written in ``traffic.yaml`` as a mapping with a ``kind``::

    {kind: exponential, mean_s: 180}
    {kind: lognormal, mean_s: 180, sd_s: 120}      # by mean and spread, not by mu/sigma
    {kind: constant, value_s: 4}
    {kind: uniform, low_s: 2, high_s: 6}
    {kind: empirical, values_s: [95, 130, 410]}    # resampled with equal weight
    {kind: empirical, trace: calls.csv}            # the trace's handle_s column (or column: x)
    {kind: none}                                   # never happens (endless patience)

:meth:`Duration.sampler` turns one into a function of a ``random.Random``
that the simulator calls per caller (``math.inf`` for ``none``).
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Sampler = Callable[[random.Random], float]


class _Dist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @property
    def mean(self) -> float:
        raise NotImplementedError

    def sampler(self, base: Path | None = None) -> Sampler:
        raise NotImplementedError


class Exponential(_Dist):
    kind: Literal["exponential"]
    mean_s: float = Field(gt=0)

    @property
    def mean(self) -> float:
        return self.mean_s

    def sampler(self, base: Path | None = None) -> Sampler:
        rate = 1.0 / self.mean_s
        return lambda rng: rng.expovariate(rate)


class LogNormal(_Dist):
    kind: Literal["lognormal"]
    mean_s: float = Field(gt=0)
    sd_s: float = Field(gt=0)

    @property
    def mean(self) -> float:
        return self.mean_s

    def sampler(self, base: Path | None = None) -> Sampler:
        sigma2 = math.log(1.0 + (self.sd_s / self.mean_s) ** 2)
        mu, sigma = math.log(self.mean_s) - sigma2 / 2.0, math.sqrt(sigma2)
        return lambda rng: rng.lognormvariate(mu, sigma)


class Constant(_Dist):
    kind: Literal["constant"]
    value_s: float = Field(ge=0)

    @property
    def mean(self) -> float:
        return self.value_s

    def sampler(self, base: Path | None = None) -> Sampler:
        value = self.value_s
        return lambda rng: value


class Uniform(_Dist):
    kind: Literal["uniform"]
    low_s: float = Field(ge=0)
    high_s: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high_s < self.low_s:
            msg = f"high_s ({self.high_s}) is below low_s ({self.low_s})"
            raise ValueError(msg)
        return self

    @property
    def mean(self) -> float:
        return (self.low_s + self.high_s) / 2.0

    def sampler(self, base: Path | None = None) -> Sampler:
        low, high = self.low_s, self.high_s
        return lambda rng: rng.uniform(low, high)


class Empirical(_Dist):
    kind: Literal["empirical"]
    values_s: list[float] | None = Field(None, min_length=1)
    trace: str | None = None  # a CSV file, relative to traffic.yaml
    column: str = "handle_s"

    @model_validator(mode="after")
    def _one_source(self) -> Empirical:
        if (self.values_s is None) == (self.trace is None):
            msg = "an empirical distribution takes either values_s or trace, not both or neither"
            raise ValueError(msg)
        return self

    def values(self, base: Path | None = None) -> list[float]:
        if self.values_s is not None:
            return list(self.values_s)
        assert self.trace is not None
        path = Path(self.trace) if base is None else base / self.trace
        with path.open(newline="", encoding="utf-8") as fh:
            rows = csv.DictReader(fh)
            values = [float(r[self.column]) for r in rows if (r.get(self.column) or "").strip()]
        if not values:
            msg = f"{path}: no values in column {self.column!r}"
            raise ValueError(msg)
        return values

    @property
    def mean(self) -> float:
        return sum(self.values_s) / len(self.values_s) if self.values_s else math.nan

    def sampler(self, base: Path | None = None) -> Sampler:
        values = self.values(base)
        return lambda rng: rng.choice(values)


class Never(_Dist):
    kind: Literal["none"]

    @property
    def mean(self) -> float:
        return math.inf

    def sampler(self, base: Path | None = None) -> Sampler:
        return lambda rng: math.inf


Duration = Annotated[
    Exponential | LogNormal | Constant | Uniform | Empirical | Never,
    Field(discriminator="kind"),
]
