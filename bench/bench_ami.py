"""500 concurrent calls from a fake Asterisk through the real AMI adapter, driver and engine.

Two processes, as in production: the fake Asterisk (``ivr.ami.fake``) runs in a
child process with its own core and keeps ``--calls`` calls up at all times
(each call: AsyncAGIStart, a menu key by GET DATA, the billing queue with its
music, a Setvar + Redirect to a seat, Dial and Bridge events, a talk, the
seat's hang-up, the caller's); the parent runs ``ivr serve``'s LiveService
(AmiConnection + codec + LiveDriver + the journey Engine) on one core.

Figures, per phase:

- *events handled per second*: AMI messages the adapter read and dispatched
  (events and responses), over the phase's wall time;
- *AMI event → AMI action delay*: measured by the fake, from writing an event
  that always asks for an answer at once (a new call's AsyncAGIStart, answered
  by the menu's GET DATA; GET DATA's AsyncAGIExec, answered by the music and
  the offer to a seat) to reading the first action for that channel. Both
  processes read the same monotonic clock.

Phase *steady*: ``--calls`` concurrent calls with ``--talk`` s talks: the
latency at that load. Phase *flood*: the same number of calls with near-zero
talks: the adapter saturated, which gives its capacity.

Peers, measured in the same run on the same bytes (every byte the adapter
read in the flood phase): our codec alone (framing and parsing only, the upper
bound of the adapter), and panoramisk 1.4's own framing and parser
(``AMIProtocol.data_received`` + ``Message.from_line``).

Run: ``.venv/bin/python bench/bench_ami.py`` (``--quick`` for a short run).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing as mp
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from ivr.ami.codec import AmiCodec, Message
from ivr.ami.fake import FakeAsterisk, SeatScript
from ivr.ami.settings import AmiSettings
from ivr.clock import WallClock
from ivr.config.flow_files import load_catalog
from ivr.live.service import LiveService
from ivr.model.events import SeatLoggedIn
from ivr.model.skills import CentreConfig, QueueConfig, SeatConfig, SkillConfig

SECRET = "bench-secret"
FLOW = """
flow: bench-line
dnis: ["10000"]
languages: [zh]
start: pick
nodes:
  pick:
    type: menu
    prompts: [demo-congrats]
    choices: {"2": to_billing}
    timeout_s: 3
    retries: 0
    invalid_prompt: option-is-invalid
    no_input_prompt: beep
    on_exhausted: to_billing
  to_billing:
    type: queue
    queue: billing
"""


# --- the fake Asterisk, in its own process ------------------------------------------------


def fake_process(conn: Connection, calls: int, phases: list[tuple[str, float, float]]) -> None:
    asyncio.run(_fake_main(conn, calls, phases))


async def _fake_main(conn: Connection, calls: int, phases: list[tuple[str, float, float]]) -> None:
    fake = FakeAsterisk(secret=SECRET)
    fake.keep_actions = False
    await fake.start()
    conn.send(fake.port)
    by_channel: dict[str, str] = {}  # channel name -> uniqueid (callers)
    waiting_since: dict[str, float] = {}  # uniqueid -> when the event asking for an answer went out
    delays: list[float] = []
    state = {"running": False, "placed": 0}
    clock = time.perf_counter

    last_agi: dict[str, str] = {}  # uniqueid -> the AGI command it last ran

    def on_event(name: str, headers: list[tuple[str, str]]) -> None:
        # Only events that always ask for an answer at once are timed: a new call (the menu's
        # GET DATA follows) and GET DATA's result (the music and the offer to a seat follow).
        if name == "AsyncAGIStart" or (name == "AsyncAGIExec"):
            uid = next((v for k, v in headers if k == "Uniqueid"), "")
            if name == "AsyncAGIStart" and uid in last_agi:
                return  # back from a seat: not a new call
            if name == "AsyncAGIExec" and not last_agi.get(uid, "").startswith("GET DATA"):
                return
            if uid:
                waiting_since[uid] = clock()
        elif name == "Hangup":
            chan = next((v for k, v in headers if k == "Channel"), "")
            uid = by_channel.pop(chan, None)
            if uid is not None:
                waiting_since.pop(uid, None)
                last_agi.pop(uid, None)
                if state["running"]:
                    asyncio.get_running_loop().call_soon(place)

    def on_action(msg: Message) -> None:
        uid = by_channel.get(msg.get("Channel") or "")
        if uid is not None:
            if msg.get("Action") == "AGI":
                last_agi[uid] = msg.get("Command") or ""
            started = waiting_since.pop(uid, None)
            if started is not None:
                delays.append(clock() - started)

    def place() -> None:
        state["placed"] += 1
        chan = fake.place_call(caller=f"139{state['placed']:08d}", keys="2")
        by_channel[chan.name] = chan.uniqueid

    fake.on_event = on_event
    fake.on_action = on_action
    while fake.clients == 0:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)  # the seats log in
    results: list[dict[str, Any]] = []
    for name, talk_s, duration_s in phases:
        # Talks of different lengths, so that calls do not end (and start again) in waves.
        rng = random.Random(name)
        fake.seats = {
            f"PJSIP/{2000 + i}": SeatScript(
                ring_s=min(0.2, talk_s) * rng.uniform(0.5, 1.5),
                talk_s=talk_s * rng.uniform(0.5, 1.5),
            )
            for i in range(calls + 50)
        }
        delays.clear()
        state["running"] = True
        start_placed = state["placed"]
        # Ramp up over one talk time, so that calls come and go evenly, then measure.
        ramp_s = min(talk_s, 2.0)
        missing = calls - len(by_channel)
        for _ in range(missing):
            place()
            await asyncio.sleep(ramp_s / max(1, missing))
        delays.clear()
        start_placed = state["placed"]
        t0, cpu0 = clock(), time.process_time()
        await asyncio.sleep(duration_s)
        t1, cpu1 = clock(), time.process_time()
        state["running"] = False
        phase_delays = list(delays)
        # Let the calls of this phase finish before the next one.
        for chan in list(fake.channels.values()):
            if chan.role == "caller":
                fake.caller_hangs_up(chan)
        await asyncio.sleep(0.5)
        results.append(
            {
                "phase": name,
                "t0": t0,
                "t1": t1,
                "calls": state["placed"] - start_placed,
                "fake_cpu": (cpu1 - cpu0) / (t1 - t0),
                "delays": phase_delays,
            }
        )
    conn.send(results)
    await fake.stop()


# --- the adapter and engine, here ----------------------------------------------------------


def centre(seats: int) -> CentreConfig:
    return CentreConfig(
        skills=(SkillConfig(name="billing"),),
        queues=(
            QueueConfig(name="billing", skill="billing", wrap_up_s=0, ring_timeout_s=30),
            QueueConfig(name="general"),
        ),
        seats=tuple(
            SeatConfig(id=f"s{i:04d}", skills={"billing": 5}, endpoint=f"PJSIP/{2000 + i}")
            for i in range(seats)
        ),
    )


cpu_samples: list[tuple[float, float]] = []  # (monotonic, this process's CPU seconds)


class ByteTap:
    """Keeps every byte the adapter reads during a window (for the peers)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.on = False


async def run_adapter(
    port: int, seats: int, conn: Connection, tap: ByteTap, flood_window: list[float]
) -> tuple[list[tuple[float, int]], list[dict[str, Any]], Any]:
    config = centre(seats)
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bench-line.yaml").write_text(FLOW)
        flows = load_catalog(tmp, config)
    service = LiveService(
        centre=config,
        flows=flows,
        ami=AmiSettings(port=port, secret=SecretStr(SECRET), action_timeout_s=30),
        clock=WallClock(),
        seed=1,
    )
    counters = service.connection.counters
    original = asyncio.StreamReader.read

    async def tapped_read(self: asyncio.StreamReader, n: int = -1) -> bytes:
        data = await original(self, n)
        if tap.on:
            tap.chunks.append(data)
        return data

    asyncio.StreamReader.read = tapped_read  # type: ignore[method-assign]
    samples: list[tuple[float, int]] = []
    cpu_samples.clear()
    runner = asyncio.get_running_loop().create_task(service.run())
    while not service.connection.connected:
        await asyncio.sleep(0.01)
    for i in range(seats):
        service.submit(SeatLoggedIn(seat_id=f"s{i:04d}"))
    loop = asyncio.get_running_loop()
    results: list[dict[str, Any]] = []
    while not results:
        now = time.perf_counter()
        samples.append((now, counters.messages_in))
        cpu_samples.append((now, time.process_time()))
        tap.on = bool(flood_window) and flood_window[0] <= now
        if conn.poll():
            results = conn.recv()
            break
        await asyncio.sleep(0.05)
    tap.on = False
    await service.stop()
    await asyncio.gather(runner, return_exceptions=True)
    asyncio.StreamReader.read = original  # type: ignore[method-assign]
    del loop
    return samples, results, service.driver.stats


def count_at(samples: Sequence[tuple[float, float]], t: float) -> float:
    for (t0, c0), (t1, c1) in itertools.pairwise(samples):
        if t0 <= t <= t1:
            return c0 + (c1 - c0) * ((t - t0) / (t1 - t0) if t1 > t0 else 0)
    return samples[-1][1] if t > samples[-1][0] else samples[0][1]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- peers ---------------------------------------------------------------------------------


def our_codec(chunks: list[bytes]) -> int:
    codec = AmiCodec()
    n = 0
    for chunk in chunks:
        codec.receive_data(chunk)
        for _ in codec.events():
            n += 1
    return n


def panoramisk_parser(chunks: list[bytes]) -> int:
    from panoramisk.ami_protocol import AMIProtocol

    class Counting(AMIProtocol):  # type: ignore[misc]
        count = 0

        def handle_message(self, message: Any) -> None:
            Counting.count += 1

    proto = Counting()
    proto.queue = __import__("collections").deque()
    proto.version = "11.0.0"
    proto.factory = None
    proto.encoding = "utf-8"
    import logging

    proto.log = logging.getLogger("bench")
    for chunk in chunks:
        proto.data_received(chunk)
    return Counting.count


def timed(fn: Any, chunks: list[bytes], repeat: int = 5) -> tuple[int, float]:
    """Best of ``repeat`` runs in CPU seconds of this process: other work on the machine
    (it is shared) does not count against either peer."""
    best = float("inf")
    n = 0
    for _ in range(repeat):
        t = time.process_time()
        n = fn(chunks)
        best = min(best, time.process_time() - t)
    return n, best


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--talk", type=float, default=5.0, help="talk seconds in the steady phase")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--quick", action="store_true", help="3 s phases")
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="change both processes' scheduling priority (e.g. -10, as root, on a shared machine)",
    )
    args = parser.parse_args()
    seconds = 3.0 if args.quick else args.seconds
    phases = [("steady", args.talk, seconds), ("flood", 0.05, seconds)]

    if args.nice:
        os.nice(args.nice)  # the fake, forked below, inherits it
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # the adapter: one core
        pinned = "pinned to one core"
    except (AttributeError, OSError):
        pinned = "not pinned"
    parent, child = mp.Pipe()
    ctx = mp.get_context("fork")
    proc = ctx.Process(target=fake_process, args=(child, args.calls, phases), daemon=True)
    proc.start()
    if hasattr(os, "sched_setaffinity"):
        cores = sorted(os.sched_getaffinity(0) | set(range(os.cpu_count() or 1)))
        other = [c for c in cores if c != sorted(os.sched_getaffinity(0))[0]]
        if other:
            os.sched_setaffinity(proc.pid, {other[0]})  # type: ignore[arg-type]
    port = parent.recv()
    tap = ByteTap()
    flood_window: list[float] = []

    async def go() -> tuple[list[tuple[float, int]], list[dict[str, Any]], Any]:
        async def watch_flood() -> None:
            # The flood phase starts after the steady one: tap its bytes for the peers.
            await asyncio.sleep(2 * seconds + 3.0)
            flood_window.append(time.perf_counter())

        watcher = asyncio.get_running_loop().create_task(watch_flood())
        try:
            return await run_adapter(port, args.calls + 50, parent, tap, flood_window)
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)

    from ivr.obs.logs import configure_logging

    configure_logging(level="warning", json=True, stream=sys.stderr)
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        samples, results, stats = asyncio.run(go())
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    else:
        samples, results, stats = asyncio.run(go())
    proc.join(5)

    print(
        f"bench_ami: {args.calls} concurrent calls, {seconds:.0f} s per phase, adapter {pinned}"
        + (f", nice {args.nice}" if args.nice else "")
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpus, "
        f"load average {load:.1f} (other work on the machine inflates wall-clock figures)"
    )
    for r in results:
        handled = count_at(samples, r["t1"]) - count_at(samples, r["t0"])
        rate = handled / (r["t1"] - r["t0"])
        d = r["delays"]
        med = statistics.median(d) * 1000 if d else float("nan")
        p99 = pct(d, 0.99) * 1000 if d else float("nan")
        cpu = (count_at(cpu_samples, r["t1"]) - count_at(cpu_samples, r["t0"])) / (
            r["t1"] - r["t0"]
        )
        per_cpu = rate / cpu if cpu > 0 else float("nan")
        print(
            f"  {r['phase']:>6}: {rate:8,.0f} events/s handled (wall), {per_cpu:8,.0f} per CPU-second "
            f"of the adapter (busy {cpu:.0%}; fake Asterisk {r['fake_cpu']:.0%}), "
            f"{r['calls']} calls;\n          event->action delay median {med:.2f} ms, "
            f"p99 {p99:.2f} ms ({len(d)} samples)"
        )
    print(f"  driver: {stats}")
    chunks = tap.chunks
    if chunks:
        size = sum(len(c) for c in chunks)
        n_ours, t_ours = timed(our_codec, chunks)
        n_pano, t_pano = timed(panoramisk_parser, chunks)
        flood = next(r for r in results if r["phase"] == "flood")
        live_rate = (count_at(samples, flood["t1"]) - count_at(samples, flood["t0"])) / (
            flood["t1"] - flood["t0"]
        )
        print(f"  peers on the flood phase's {size / 1e6:.1f} MB ({len(chunks)} reads):")
        print(
            f"    ivr codec alone:        {n_ours / t_ours:10,.0f} msgs per CPU-second ({n_ours} msgs)"
        )
        print(
            f"    panoramisk 1.4 parser:  {n_pano / t_pano:10,.0f} msgs per CPU-second ({n_pano} msgs)"
        )
        print(f"    ratio codec / panoramisk:             {t_pano / t_ours:5.2f}x")
        flood_cpu = (count_at(cpu_samples, flood["t1"]) - count_at(cpu_samples, flood["t0"])) / (
            flood["t1"] - flood["t0"]
        )
        per_cpu = live_rate / flood_cpu if flood_cpu > 0 else float("nan")
        print(
            f"    ratio whole adapter+engine / codec (per CPU-second): {per_cpu / (n_ours / t_ours):5.3f}"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
