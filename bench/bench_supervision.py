"""What watching the engine costs: calls per second with and without the supervisor's side.

The same simulated M/M/c+M centre (``bench/bench_sim.py``'s, seeded) runs three times in
one process:

- **engine**: the journey engine driven by the simulator, every fact into ``ivr.measures``;
- **+ hub**: every output batch also through ``Hub.observe`` (the floor, its own
  ``Measures``, the Prometheus counters), as ``ivr serve`` does, with no stream open;
- **+ hub + N streams**: the same with ``--streams`` wallboards subscribed to the live
  stream, each drained after every batch (the queue and centre snapshots are built and
  serialised for them).

It prints calls per second for each and the ratio to the bare engine.

    .venv/bin/python bench/bench_supervision.py --calls 20000 --seats 50 --streams 3
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_sim import centre, engine_driver, rate_per_hour  # noqa: E402

from ivr.api.hub import Hub  # noqa: E402
from ivr.api.stream import Subscription  # noqa: E402
from ivr.obs.floor import Floor  # noqa: E402
from ivr.scheduling import Timer  # noqa: E402


class Watched:
    """The engine with its outputs handed to the hub, as the live driver's sink does."""

    def __init__(self, engine: Any, hub: Hub, subs: Sequence[Subscription]) -> None:
        self._engine = engine
        self._hub = hub
        self._subs = subs
        self.messages = 0

    def _after(self, outputs: Sequence[object]) -> None:
        self._hub.observe(outputs)
        for sub in self._subs:
            q = sub.queue
            while not q.empty():
                q.get_nowait()
                self.messages += 1

    def handle(self, event: Any) -> Sequence[object]:
        out = self._engine.handle(event)
        self._after(out)
        return out

    def fire(self, timer: Timer) -> Sequence[object]:
        out = self._engine.fire(timer)
        self._after(out)
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


def run(seats: int, calls: int, seed: int, mode: str, streams: int) -> tuple[int, float, int]:
    driver = engine_driver(seats, calls, seed)
    watched: Watched | None = None
    if mode != "engine":
        floor = Floor(centre(seats), clock=driver.clock, source=driver.engine.routing)
        hub = Hub(floor, clock=driver.clock)
        hub.bus._max = 10**9  # drained after every batch; never dropped here
        subs = [
            hub.bus.subscribe(lambda m: True) for _ in range(streams if mode == "streams" else 0)
        ]
        watched = Watched(driver.engine, hub, subs)
        driver.engine = watched
    until = driver.origin + calls / (rate_per_hour(seats) / 3600.0)
    started = time.perf_counter()
    stats = driver.run(until=until)
    wall = time.perf_counter() - started
    return stats.calls, wall, watched.messages if watched else 0


async def main(args: argparse.Namespace) -> None:
    print(f"{args.calls} calls, {args.seats} seats, seed {args.seed}")
    base = 0.0
    for mode, label in (
        ("engine", "engine"),
        ("hub", "+ hub"),
        ("streams", f"+ hub + {args.streams} streams"),
    ):
        n, wall, messages = run(args.seats, args.calls, args.seed, mode, args.streams)
        rate = n / wall
        base = base or rate
        extra = f", {messages} stream messages" if messages else ""
        print(f"  {label:<24} {rate:>9.0f} calls/s  ({rate / base:.2f} × engine{extra})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--streams", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
