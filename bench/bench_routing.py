"""One routing decision with 1,000 seats, 20 queues and 5,000 waiting calls.

Two decisions are timed, each many times:

- *seat freed*: a paused seat becomes ready and takes the best call among the
  queues it serves (5,000 calls wait across 20 queues);
- *call arrives*: a call arrives in a queue whose 100 specialists are free and
  picks the longest idle one (the 5,000 calls waiting elsewhere and the 900
  busy seats are not looked at).

The peer, measured in the same run on the same state, is a linear-scan router
that decides the same thing by walking every waiting call (for a freed seat)
or every seat (for an arriving call), as app_queue walks its member list for
each caller. The ratio is what the indexes buy; absolute figures depend on the
machine, which is printed.

Run: ``.venv/bin/python bench/bench_routing.py``
"""

from __future__ import annotations

import platform
import random
import statistics
import sys
import time
from pathlib import Path

from ivr.clock import ManualClock
from ivr.model.commands import OfferCall
from ivr.model.events import (
    CallEnded,
    CallEnqueued,
    SeatAnswered,
    SeatDidNotAnswer,
    SeatLoggedIn,
    SeatPaused,
    SeatReady,
)
from ivr.model.skills import CentreConfig, Pool, QueueConfig, SeatConfig, SkillConfig, Step, Tier
from ivr.routing.core import RoutingCore
from ivr.routing.state import CallState, Seat
from ivr.scheduling import ListScheduler

SEATS = 1_000
QUEUES = 20
WAITING = 5_000
ROUNDS = 5_000


def build() -> tuple[RoutingCore, ManualClock, list[str], list[str]]:
    rng = random.Random(7)
    skills = [f"s{i:02d}" for i in range(QUEUES - 1)]  # 18 services, plus general and fresh
    queues = [
        QueueConfig(name="general"),
        QueueConfig(name="fresh", skill="fresh", steps=(Step(pool=Pool.SKILL),)),
    ] + [QueueConfig(name=f"q{i:02d}", skill=s, wrap_up_s=0) for i, s in enumerate(skills[:-1])]
    seats = [SeatConfig(id=f"f{i:03d}", skills={"fresh": rng.randint(1, 10)}) for i in range(100)]
    skills = skills[:-1]
    for i in range(SEATS - 100):
        if i % 10 == 0:
            seats.append(SeatConfig(id=f"a{i:04d}", general=True, level=rng.randint(1, 10)))
        else:
            own = rng.sample(skills, 3)
            seats.append(SeatConfig(id=f"a{i:04d}", skills={s: rng.randint(1, 10) for s in own}))
    config = CentreConfig(
        skills=tuple(SkillConfig(name=s) for s in [*skills, "fresh"]),
        queues=tuple(queues),
        seats=tuple(seats),
    )
    clock = ManualClock(1_800_000_000.0)
    core = RoutingCore(config, clock=clock, scheduler=ListScheduler(), rng=random.Random(1))
    seat_ids = [s.id for s in seats]
    for sid in seat_ids:
        core.handle(SeatLoggedIn(seat_id=sid))
    # Fill every seat but the fresh ones with a talking call, then pause 50 after their call.
    n = 0
    for sid in seat_ids:
        seat = core.seats[sid]
        if sid.startswith("f"):
            continue
        queue = next(q.name for q, _a, _r in seat.serves)
        out = core.handle(CallEnqueued(call_id=f"t{n}", queue=queue))
        offers = [o for o in out if isinstance(o, OfferCall)]
        if offers:
            core.handle(SeatAnswered(call_id=offers[0].call_id, seat_id=offers[0].seat_id))
        n += 1
    for i in range(WAITING):
        clock.advance(0.01)
        tier = Tier.VIP if i % 20 == 0 else Tier.NORMAL
        core.handle(
            CallEnqueued(call_id=f"w{i}", queue=f"q{rng.randrange(QUEUES - 2):02d}", tier=tier)
        )
    paused = [sid for sid in seat_ids if sid.startswith("a")][1:500:10]
    for sid in paused:
        core.handle(SeatPaused(seat_id=sid, reason="break"))
        call = core.seats[sid].call
        if call is not None:
            core.handle(CallEnded(call_id=call.id, by="seat"))
    return core, clock, paused, skills


def naive_best_call(now: float, seat: Seat) -> str | None:
    """The same choice by walking every waiting call of every queue the seat serves."""
    best, best_key = None, None
    for q, after, rank in seat.serves:
        for lst in q.by_priority.values():
            for key, call in lst:
                if call.state is CallState.WAITING and key[0] <= now - after:
                    k = (rank, -call.priority, -q.config.weight * (now - key[0]), key[1])
                    if best_key is None or k < best_key:
                        best, best_key = call.id, k
    return best


def naive_best_seat(core: RoutingCore, queue: str) -> str | None:
    """The same choice by walking every seat."""
    q = core.queues[queue]
    best, best_key = None, None
    for seat in core.seats.values():
        if not seat.offerable:
            continue
        for idx, step in enumerate(q.steps):
            if seat.qualifies(step, q.config.skill):
                k = (idx, seat.free_since, seat.id)
                if best_key is None or k < best_key:
                    best, best_key = seat.id, k
                break
    return best


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    print(
        f"machine: {cpu_model()}; {platform.system()} {platform.machine()}; Python {sys.version.split()[0]}"
    )
    t0 = time.perf_counter()
    core, clock, paused, _skills = build()
    waiting = sum(q.total_listed() for q in core.queues.values())
    print(
        f"state: {len(core.seats)} seats, {len(core.queues)} queues, {waiting} waiting calls "
        f"(built in {time.perf_counter() - t0:.1f} s)"
    )

    freed: list[float] = []
    freed_naive: list[float] = []
    agree = 0
    perf = time.perf_counter_ns
    for r in range(ROUNDS):
        sid = paused[r % len(paused)]
        seat = core.seats[sid]
        a = perf()
        expected = naive_best_call(clock.now(), seat)
        freed_naive.append((perf() - a) / 1000)
        a = perf()
        out = core.handle(SeatReady(seat_id=sid))
        freed.append((perf() - a) / 1000)
        offer = next(o for o in out if isinstance(o, OfferCall))
        agree += offer.call_id == expected
        # Back to the same state: the seat lets it ring out (paused again), the call keeps its place.
        core.handle(SeatDidNotAnswer(call_id=offer.call_id, seat_id=sid))
        clock.advance(0.001)

    arrivals: list[float] = []
    arrivals_naive: list[float] = []
    agree_arrival = 0
    for r in range(ROUNDS):
        a = perf()
        expected = naive_best_seat(core, "fresh")
        arrivals_naive.append((perf() - a) / 1000)
        a = perf()
        out = core.handle(CallEnqueued(call_id=f"n{r}", queue="fresh"))
        arrivals.append((perf() - a) / 1000)
        offer = next(o for o in out if isinstance(o, OfferCall))
        agree_arrival += offer.seat_id == expected
        core.handle(CallEnded(call_id=f"n{r}"))  # hangs up while ringing: the seat is free again
        clock.advance(0.001)

    def show(name: str, ours: list[float], naive: list[float]) -> None:
        m, p99 = statistics.median(ours), percentile(ours, 99)
        nm, np99 = statistics.median(naive), percentile(naive, 99)
        print(
            f"{name:<14} ivr median {m:7.1f} µs  p99 {p99:7.1f} µs | "
            f"linear scan median {nm:9.1f} µs  p99 {np99:9.1f} µs | ratio {nm / m:6.1f}×"
        )

    show("seat freed", freed, freed_naive)
    show("call arrives", arrivals, arrivals_naive)
    print(
        f"same choice as the linear scan: {agree}/{ROUNDS} seat-freed, {agree_arrival}/{ROUNDS} arrivals"
    )
    print("target: median under 50 µs per decision on one core")


if __name__ == "__main__":
    main()
