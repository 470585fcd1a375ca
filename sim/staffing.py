"""Seats per 15-minute interval from the traffic forecast, by Erlang C and Erlang A.

The closed forms treat the centre as one pool of identical seats serving one
Poisson stream per interval, each interval in steady state. The simulation
that follows (``ivr staff``) logs in that many seats per interval and lets the
engine's real rules act (priorities, widening steps, transfers, wrap-up), so
the two can be set side by side: the closed form's promise and what the
engine delivers.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

from ivr.model.skills import CentreConfig
from sim.theory import erlang_a, erlang_c, staff_erlang_a, staff_erlang_c
from sim.traffic import INTERVAL_S, TrafficModel, rate_segments


@dataclass(frozen=True, slots=True, kw_only=True)
class IntervalPlan:
    start_s: float  # seconds after the day's midnight
    calls: float  # expected calls reaching the seats
    seats_erlang_c: int
    seats_erlang_a: int
    promised_sl_c: float
    promised_sl_a: float
    promised_abandon_a: float


def expected_per_interval(
    traffic: TrafficModel, base: Path | None = None, share: float = 1.0
) -> list[float]:
    """Expected calls per 15-minute interval of one day (96 values), all dialled numbers together."""
    out = [0.0] * 96
    for arr in traffic.arrivals:
        fixed = arr.model_copy(update={"volume_cv": 0.0})
        for s, e, rate in rate_segments(fixed, random.Random(0), base):
            t = s
            while t < e:
                k = int(t // INTERVAL_S)
                stop = min(e, (k + 1) * INTERVAL_S)
                if k < 96:
                    out[k] += rate * (stop - t) * share
                t = stop
    return out


def plan(
    traffic: TrafficModel,
    target: float,
    limit_s: float,
    *,
    share: float = 1.0,
    base: Path | None = None,
    wrap_up_s: float = 0.0,
) -> list[IntervalPlan]:
    """Seats needed per interval; intervals with no calls need none.

    A seat is busy for the talk (the traffic's ``handle_time``) plus
    ``wrap_up_s`` (the queues' after-call work), so that is the service time.
    """
    mu = 1.0 / (traffic.handle_time.mean + wrap_up_s)
    patience = traffic.callers.queue_patience.mean
    theta = 0.0 if math.isinf(patience) else 1.0 / patience
    rows: list[IntervalPlan] = []
    for k, calls in enumerate(expected_per_interval(traffic, base, share)):
        if calls <= 0:
            continue
        lam = calls / INTERVAL_S
        c_c = staff_erlang_c(lam, mu, target, limit_s)
        c_a = staff_erlang_a(lam, mu, theta, target, limit_s)
        fig_a = erlang_a(lam, mu, theta, c_a, limit_s)
        rows.append(
            IntervalPlan(
                start_s=k * INTERVAL_S,
                calls=calls,
                seats_erlang_c=c_c,
                seats_erlang_a=c_a,
                promised_sl_c=erlang_c(lam, mu, c_c, limit_s).service_level,
                promised_sl_a=fig_a.service_level,
                promised_abandon_a=fig_a.p_abandon,
            )
        )
    return rows


def shifts_for(
    rows: list[IntervalPlan],
    centre: CentreConfig,
    traffic: TrafficModel,
    by: str = "a",
) -> tuple[list[tuple[float, str, bool]], int]:
    """A login/logout plan giving each interval its seats.

    Seats are taken in an order that keeps every seat group (specialists of
    each skill, comprehensive seats) in proportion: with N seats logged in,
    each group has about N × its share of the centre. Returns the plan and the
    largest shortfall (seats asked for beyond those configured).
    """
    seats = balanced_order(centre)
    need = {
        round(r.start_s / INTERVAL_S): (r.seats_erlang_a if by == "a" else r.seats_erlang_c)
        for r in rows
    }
    plan_out: list[tuple[float, str, bool]] = []
    shortfall = 0
    for day in range(traffic.days):
        base = traffic.origin + day * 86400.0
        current = 0
        for k in range(97):
            n = need.get(k, 0) if k < 96 else 0
            shortfall = max(shortfall, n - len(seats))
            n = min(n, len(seats))
            at = base + k * INTERVAL_S
            for i in range(current, n):
                plan_out.append((at, seats[i], True))
            for i in range(n, current):
                plan_out.append((at, seats[i], False))
            current = n
    return plan_out, max(shortfall, 0)


def balanced_order(centre: CentreConfig) -> list[str]:
    """Seat ids interleaved across seat groups, in proportion to each group's size."""
    from ivr.measures import seat_group

    groups: dict[str, list[str]] = {}
    for seat in centre.seats:
        groups.setdefault(seat_group(seat), []).append(seat.id)
    keyed = [
        ((i + 0.5) / len(members), name, seat_id)
        for name, members in groups.items()
        for i, seat_id in enumerate(members)
    ]
    return [seat_id for _pos, _name, seat_id in sorted(keyed)]
