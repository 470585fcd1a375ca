"""Calls simulated per second: the full engine (flow + routing + measures) against plain SimPy.

Both simulate the same M/M/c+M centre (``--seats`` identical seats, Poisson
arrivals, exponential handle time and patience) in the same process, one
after the other:

- **engine**: ``scenarios/mmc``'s flow (straight to the queue) through
  ``ivr.engine.journey.Engine`` (flow interpreter + routing core), driven by
  ``sim.driver.Driver``, every fact streamed into ``ivr.measures``;
- **simpy**: the textbook SimPy model (a ``Resource`` of seats, a process per
  caller racing its request against its patience), no flows, no routing rules,
  no measures beyond counting.

It prints calls per second for each and the ratio, the engine's hot spots
(cProfile, ``--profile``) and its memory at two run lengths (``--memory``):
tracemalloc's peak after ``--calls`` and after 10 × as many calls.

    .venv/bin/python bench/bench_sim.py                    # speed only
    .venv/bin/python bench/bench_sim.py --profile --memory  # and hot spots, memory
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr.model.skills import CentreConfig, QueueConfig, SeatConfig  # noqa: E402
from sim import scenario as sc  # noqa: E402
from sim.driver import Driver  # noqa: E402
from sim.theory import erlang_a  # noqa: E402

HANDLE_S = 180.0
PATIENCE_S = 120.0


def centre(seats: int) -> CentreConfig:
    return CentreConfig(
        general_queue="agents",
        queues=(
            QueueConfig(
                name="agents",
                answer_time_limit_s=20,
                ring_timeout_s=60,
                wrap_up_s=0,
                alarm={"level1": 1000, "level2": 2000},
            ),
        ),
        seats=tuple(SeatConfig(id=f"a{i:03d}", general=True) for i in range(seats)),
        alarm={"level1": 1000, "level2": 2000},
    )


def rate_per_hour(seats: int) -> float:
    """An offered load of 90 % of the seats, as in the theory tests."""
    return 0.9 * seats * 3600.0 / HANDLE_S


def engine_driver(seats: int, calls: int, seed: int) -> Driver:
    s = sc.load(ROOT / "scenarios" / "mmc", seed=seed)
    rate = rate_per_hour(seats)
    days = max(1, -(-calls // int(rate * 24)))
    arrivals = [a.model_copy(update={"rate_per_hour": rate}) for a in s.traffic.arrivals]
    s.traffic = s.traffic.model_copy(update={"arrivals": arrivals, "days": days})
    return sc.build_driver(s, centre=centre(seats), menu_paths=False)


def run_engine(seats: int, calls: int, seed: int) -> tuple[int, float, dict]:
    driver = engine_driver(seats, calls, seed)
    until = driver.origin + calls / (rate_per_hour(seats) / 3600.0)
    started = time.perf_counter()
    stats = driver.run(until=until)
    wall = time.perf_counter() - started
    return stats.calls, wall, driver.measures.report()["overall"]


def run_simpy(seats: int, calls: int, seed: int) -> tuple[int, float, dict]:
    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=seats)
    lam = rate_per_hour(seats) / 3600.0
    counts = {"calls": 0, "answered": 0, "abandoned": 0, "within": 0}

    def caller(env: simpy.Environment) -> object:
        arrived = env.now
        with desk.request() as req:
            gave_up = env.timeout(rng.expovariate(1.0 / PATIENCE_S))
            got = yield req | gave_up
            if req in got:
                counts["answered"] += 1
                counts["within"] += env.now - arrived <= 20.0
                yield env.timeout(rng.expovariate(1.0 / HANDLE_S))
            else:
                counts["abandoned"] += 1

    def source(env: simpy.Environment) -> object:
        while counts["calls"] < calls:
            yield env.timeout(rng.expovariate(lam))
            counts["calls"] += 1
            env.process(caller(env))

    env.process(source(env))
    started = time.perf_counter()
    env.run()
    wall = time.perf_counter() - started
    n = counts["calls"]
    return (
        n,
        wall,
        {
            "service_level": counts["within"] / n,
            "abandon_rate": counts["abandoned"] / n,
        },
    )


def profile_engine(seats: int, calls: int, seed: int, top: int) -> None:
    driver = engine_driver(seats, calls, seed)
    until = driver.origin + calls / (rate_per_hour(seats) / 3600.0)
    prof = cProfile.Profile()
    prof.enable()
    driver.run(until=until)
    prof.disable()
    stats = pstats.Stats(prof)
    by_area: dict[str, float] = defaultdict(float)
    total = 0.0
    rows = []
    for (file, line, func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += tottime
        area = _area(file)
        by_area[area] += tottime
        rows.append((tottime, area, f"{Path(file).name}:{line} {func}"))
    print(f"\nwhere the engine run spends its time (cProfile, {calls} calls, own time):")
    for area, t in sorted(by_area.items(), key=lambda kv: -kv[1]):
        print(f"  {area:<24} {100 * t / total:5.1f} %")
    print(f"\ntop {top} functions by own time:")
    for t, area, name in sorted(rows, reverse=True)[:top]:
        print(f"  {100 * t / total:5.1f} %  {area:<20} {name}")


def _area(file: str) -> str:
    for part, label in (
        ("ivr/routing", "routing core"),
        ("ivr/flows", "flow interpreter"),
        ("ivr/engine", "journey (engine)"),
        ("ivr/measures", "measures"),
        ("/sim/", "simulator driver"),
        ("dataclasses", "dataclasses"),
        ("heapq", "heap"),
        ("random", "random"),
    ):
        if part in file:
            return label
    return "python builtins" if file == "~" else Path(file).name


def memory(seats: int, calls: int, seed: int) -> None:
    print("\nmemory of the engine run (tracemalloc, the run's peak and what it still holds):")
    for n in (calls, 10 * calls):
        driver = engine_driver(seats, n, seed)
        until = driver.origin + n / (rate_per_hour(seats) / 3600.0)
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        driver.run(until=until)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"  {n:>9,} calls: peak {(peak - base) / 2**20:6.1f} MiB, held at the end "
            f"{(current - base) / 2**20:6.1f} MiB, calls in progress {driver.calls_in_progress},"
            f" process RSS {_rss_mib():.0f} MiB"
        )


def _rss_mib() -> float:
    """The process's resident memory now (Linux), or NaN elsewhere."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--seats", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--memory", action="store_true")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    lam = rate_per_hour(args.seats) / 3600.0
    theory = erlang_a(lam, 1 / HANDLE_S, 1 / PATIENCE_S, args.seats, 20.0)
    print(
        f"M/M/{args.seats}+M: {lam * 3600:.0f} calls/h, handle {HANDLE_S:g} s, patience "
        f"{PATIENCE_S:g} s; Erlang A: SL {theory.service_level:.1%}, abandon {theory.p_abandon:.1%}"
    )
    n_e, wall_e, kpi_e = run_engine(args.seats, args.calls, args.seed)
    n_s, wall_s, kpi_s = run_simpy(args.seats, args.calls, args.seed)
    rate_e, rate_s = n_e / wall_e, n_s / wall_s
    print(
        f"engine (flow + routing + measures): {n_e:>8,} calls in {wall_e:6.2f} s = {rate_e:>9,.0f} calls/s"
        f"   SL {kpi_e['service_level']:.1%} abandon {kpi_e['abandon_rate']:.1%}"
    )
    print(
        f"simpy (M/M/c+M, no flows/routing):  {n_s:>8,} calls in {wall_s:6.2f} s = {rate_s:>9,.0f} calls/s"
        f"   SL {kpi_s['service_level']:.1%} abandon {kpi_s['abandon_rate']:.1%}"
    )
    print(f"ratio engine / simpy: {rate_e / rate_s:.2f}x (target: at least 3x)")
    if args.profile:
        profile_engine(args.seats, min(args.calls, 50_000), args.seed, args.top)
    if args.memory:
        memory(args.seats, args.calls, args.seed)


if __name__ == "__main__":
    main()
