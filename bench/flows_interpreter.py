"""How fast the flow interpreter walks the sample hotline, against a SimPy model of the same walk.

    .venv/bin/python bench/flows_interpreter.py [calls]   # default 100000, best of 3

Each call replays a caller's events (prompt finished, digits, lookup answer,
password check) through ``FlowInterpreter.handle``. A *step* is one
``start``/``handle`` call; a *node* is one node entered. The peer is a SimPy
process per call that yields one event per step of the same walk (the cost of
the discrete-event machinery alone, with no flow logic): the simulator's
budget is to beat a SimPy model 3x, so the interpreter must cost well under
one SimPy event per step.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import simpy

from ivr.clock import ManualClock
from ivr.config.flow_files import load_catalog
from ivr.config.skills import load_centre
from ivr.flows.interpreter import FlowInterpreter
from ivr.model.events import CustomerFound, DigitsCollected, PasswordChecked, PlaybackFinished
from ivr.model.facts import NodeEntered
from ivr.secret import Secret

ROOT = Path(__file__).resolve().parents[1]
KNOWN = {"tier": "normal", "name": "Li Lei", "segment": "consumer", "language": "zh"}
ACCOUNT = {"account": "20240001", "balance": 56.3, "bill_amount": 128, "order_step": 3}


def walks() -> list[list[Any]]:
    pf = PlaybackFinished(call_id="c")
    known = CustomerFound(call_id="c", customer=KNOWN)

    def d(x: str | Secret) -> DigitsCollected:
        return DigitsCollected(call_id="c", digits=x)

    return [
        # business acceptance, new line
        [pf, known, d("2"), d("1")],
        # balance after account and password, then an agent
        [
            pf,
            known,
            d("1"),
            d("1"),
            d("20240001"),
            CustomerFound(call_id="c", customer=ACCOUNT),
            d(Secret("135790")),
            PasswordChecked(call_id="c", outcome="ok"),
            pf,
            pf,
            d("0"),
        ],
        # unknown caller, English, complaint
        [pf, CustomerFound(call_id="c", customer=None), d("2"), d("3"), d("1")],
        # a time-out and an invalid key, then a person
        [pf, known, d(""), d("7"), d("0")],
    ]


class Queues:
    """A quiet centre: no alarm, a short wait."""

    def alarm_level(self, queue: str) -> int:
        return 0

    def estimated_wait(self, queue: str, tier: Any = None) -> float:
        return 20.0

    def seats_open(self, queue: str) -> int:
        return 10

    def waiting(self, queue: str) -> int:
        return 2


def run_interpreter(calls: int) -> tuple[float, int, int]:
    centre = load_centre(ROOT / "skills")
    catalog = load_catalog(ROOT / "flows", centre)
    clock = ManualClock(1795485600.0)  # a Tuesday, 10:00 in Shanghai: open
    interp = FlowInterpreter(catalog, clock=clock, queues=Queues())
    scripts = walks()
    # count once, outside the timed loop
    nodes = 0
    for i in range(4):
        run, out = interp.start(call_id=str(i), caller="13800138000", dnis="10000")
        for event in scripts[i]:
            out += interp.handle(run, event)
        assert run.done and "flow_error" not in run.vars, run
        nodes += sum(1 for o in out if type(o) is NodeEntered)
    steps = sum(len(s) + 1 for s in scripts)
    call_ids = [str(i) for i in range(calls)]
    start_call = interp.start
    handle = interp.handle
    begin = time.perf_counter()
    for i in range(calls):
        run, out = start_call(call_id=call_ids[i], caller="13800138000", dnis="10000")
        for event in scripts[i & 3]:
            handle(run, event)
    secs = time.perf_counter() - begin
    return secs, steps * calls // 4, nodes * calls // 4


def run_simpy(calls: int, steps_per_call: list[int]) -> tuple[float, int]:
    env = simpy.Environment()
    total = [0]

    def caller(n: int) -> Any:
        for _ in range(n):
            yield env.timeout(1.0)
            total[0] += 1

    start = time.perf_counter()
    for i in range(calls):
        env.process(caller(steps_per_call[i & 3]))
        if i % 1000 == 999:
            env.run()
    env.run()
    return time.perf_counter() - start, total[0]


def per_walk() -> list[tuple[int, float]]:
    """(steps, best µs per call) of each walk, by timeit: steadier on a busy machine."""
    import timeit

    centre = load_centre(ROOT / "skills")
    catalog = load_catalog(ROOT / "flows", centre)
    interp = FlowInterpreter(catalog, clock=ManualClock(1795485600.0), queues=Queues())
    results = []
    for script in walks():

        def one(script: list[Any] = script) -> None:
            run, _ = interp.start(call_id="x", caller="13800138000", dnis="10000")
            for event in script:
                interp.handle(run, event)

        best = min(timeit.repeat(one, number=5000, repeat=5)) / 5000 * 1e6
        results.append((len(script) + 1, best))
    return results


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    run_interpreter(2000)  # warm up
    per_call = [len(w) + 1 for w in walks()]
    # best of 3 each, interleaved, so that a busy machine slows both alike
    best_i: tuple[float, int, int] | None = None
    best_s: tuple[float, int] | None = None
    for _ in range(3):
        r = run_interpreter(calls)
        best_i = r if best_i is None or r[0] < best_i[0] else best_i
        p = run_simpy(calls, per_call)
        best_s = p if best_s is None or p[0] < best_s[0] else best_s
    assert best_i is not None and best_s is not None
    secs, steps, nodes = best_i
    simpy_secs, simpy_steps = best_s
    print(f"flow interpreter: {calls} calls, {steps} steps, {nodes} nodes in {secs:.2f} s")
    print(
        f"  {steps / secs:,.0f} steps/s, {nodes / secs:,.0f} nodes/s, "
        f"{calls / secs:,.0f} calls/s, {secs / steps * 1e6:.2f} us/step"
    )
    print(
        f"simpy peer:       {simpy_steps} events in {simpy_secs:.2f} s: "
        f"{simpy_steps / simpy_secs:,.0f} events/s"
    )
    print(
        f"ratio (interpreter steps/s / simpy events/s): "
        f"{(steps / secs) / (simpy_steps / simpy_secs):.2f}"
    )
    for i, (n, us) in enumerate(per_walk()):
        print(f"walk {i}: {n} steps, best {us:.1f} us/call, {us / n:.2f} us/step")


if __name__ == "__main__":
    main()
