"""The simulator, driving the real engine, against queueing theory.

One queue, Poisson arrivals, exponential handle times (and patience), seats
all alike, a flow straight to the queue (``scenarios/mmc``, ``scenarios/
mmc-priority``). Each run is cut into batches by the hour each caller entered
the queue (batch means); the first batch is dropped (the centre starts
empty). A simulated figure passes when it lies within ``SIGMAS`` standard
errors of the batch means from the closed form, plus the closed form's own
rounding (none here). Batches are two hours long, several times the queue's
relaxation time at these loads, so they are close to independent. With a
fixed seed the outcome is deterministic; 4 standard errors leave a margin (a
fresh random stream fails a figure about once in 16,000, the nine figures
together about once in 1,800) so that a change in how the engine draws random
numbers does not make the suite flaky, while a model error of the size that
matters (a patience or handle time off by a quarter) moves the figures by
more than that. Run lengths (8-10 simulated days, 70-90 thousand calls per
test) keep the whole file near 45 s on one core.
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Any

import pytest

from ivr.model.facts import Abandoned, Answered, Queued
from sim import scenario as sc
from sim.distributions import Never
from sim.theory import cobham, erlang_a, erlang_c

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SIGMAS = 4.0
BATCH_S = 7200.0


class Batches:
    """Per batch of queue entries: callers, waits, answers in time, abandons, per priority."""

    def __init__(self, origin: float, limit_s: float) -> None:
        self.origin = origin
        self.limit = limit_s
        self.entry: dict[str, tuple[int, int]] = {}
        # (batch, None) for every caller, (batch, priority) per priority class
        self.rows: dict[tuple[int, int | None], dict[str, float]] = {}

    def _row(self, k: int, priority: int | None = None) -> dict[str, float]:
        return self.rows.setdefault(
            (k, priority), {"n": 0, "waited": 0, "wait": 0.0, "within": 0, "abandoned": 0}
        )

    def observe(self, item: object) -> None:
        if isinstance(item, Queued) and item.call_id not in self.entry:
            k = int((item.at - self.origin) // BATCH_S)
            self.entry[item.call_id] = (k, item.priority)
            self._row(k)["n"] += 1
            self._row(k, item.priority)["n"] += 1
        elif isinstance(item, Answered | Abandoned) and item.call_id in self.entry:
            k, priority = self.entry.pop(item.call_id)
            for row in (self._row(k), self._row(k, priority)):
                row["wait"] += item.wait_s
                row["waited"] += item.wait_s > 0
                if isinstance(item, Answered):
                    row["within"] += item.wait_s <= self.limit
                else:
                    row["abandoned"] += 1

    def estimate(
        self, ratio: str, per: str = "n", priority: int | None = None
    ) -> tuple[float, float]:
        """Mean over batches (the first dropped) of ratio/per, and its standard error."""
        values = []
        for (batch, p), row in sorted(self.rows.items(), key=lambda kv: kv[0][0]):
            if batch == 0 or p != priority:
                continue
            if row[per]:
                values.append(row[ratio] / row[per])
        values = values[:-1]  # the last batch may be cut short by the end of the run
        return statistics.fmean(values), statistics.stdev(values) / math.sqrt(len(values))


def _simulate(
    name: str, days: int, seed: int, rate_per_hour: float | None = None, **callers: Any
) -> tuple[Batches, dict[str, Any]]:
    s = sc.load(SCENARIOS / name, seed=seed)
    traffic = s.traffic.model_copy(update={"days": days})
    if rate_per_hour is not None:
        arrivals = [a.model_copy(update={"rate_per_hour": rate_per_hour}) for a in traffic.arrivals]
        traffic = traffic.model_copy(update={"arrivals": arrivals})
    if callers:
        traffic = traffic.model_copy(update={"callers": traffic.callers.model_copy(update=callers)})
    s.traffic = traffic
    batches = Batches(traffic.origin, s.centre.queues[0].answer_time_limit_s)
    driver = sc.build_driver(s)
    driver.measures.also_feed(batches.observe)
    driver.run()
    return batches, driver.measures.report()


def _within(name: str, sim: tuple[float, float], theory: float) -> None:
    mean, se = sim
    assert abs(mean - theory) <= SIGMAS * se, (
        f"{name}: simulated {mean:.5f} ± {se:.5f}, theory {theory:.5f} "
        f"({abs(mean - theory) / se:.1f} standard errors)"
    )


@pytest.mark.slow
def test_one_queue_with_patience_matches_erlang_a() -> None:
    lam, mu, theta, c, t = 360 / 3600, 1 / 180, 1 / 120, 20, 20.0
    batches, report = _simulate("mmc", days=8, seed=11)
    theory = erlang_a(lam, mu, theta, c, t)
    _within("P(wait)", batches.estimate("waited"), theory.p_wait)
    _within("P(abandon)", batches.estimate("abandoned"), theory.p_abandon)
    _within("mean wait", batches.estimate("wait"), theory.mean_wait_s)
    _within("service level", batches.estimate("within"), theory.service_level)
    # the measures count the same calls as this test's own bookkeeping
    overall = report["overall"]
    assert overall["abandoned"] + overall["short_abandoned"] == sum(
        r["abandoned"] for (_k, p), r in batches.rows.items() if p is None
    )


@pytest.mark.slow
def test_one_queue_without_patience_matches_erlang_c() -> None:
    lam, mu, c, t = 324 / 3600, 1 / 180, 20, 20.0
    # the same scenario, with callers who never give up, at a lower load
    batches, _ = _simulate(
        "mmc", days=10, seed=12, rate_per_hour=324, queue_patience=Never(kind="none")
    )
    theory = erlang_c(lam, mu, c, t)
    _within("P(wait)", batches.estimate("waited"), theory.p_wait)
    _within("mean wait", batches.estimate("wait"), theory.mean_wait_s)
    _within("service level", batches.estimate("within"), theory.service_level)


@pytest.mark.slow
def test_two_priority_classes_match_cobham() -> None:
    lam, mu, c = 288 / 3600, 1 / 200, 20
    batches, _ = _simulate("mmc-priority", days=10, seed=13)
    vip_share = 0.3
    waits = cobham([lam * vip_share, lam * (1 - vip_share)], mu, c)
    _within("VIP mean wait", batches.estimate("wait", priority=10), waits[0])
    _within("normal mean wait", batches.estimate("wait", priority=0), waits[1])
    assert waits[0] < waits[1]


def test_the_same_seed_gives_the_same_day_to_the_last_digit(tmp_path: Path) -> None:
    def once() -> str:
        s = sc.load(SCENARIOS / "mmc", seed=5)
        s.traffic = s.traffic.model_copy(update={"days": 1})
        doc = sc.run(s)
        doc["run"].pop("wall_s")
        return json.dumps(doc, sort_keys=True)

    first, second = once(), once()
    assert first == second
    s = sc.load(SCENARIOS / "mmc", seed=6)
    s.traffic = s.traffic.model_copy(update={"days": 1})
    other = sc.run(s)
    other["run"].pop("wall_s")
    assert json.dumps(other, sort_keys=True) != first


@pytest.fixture(autouse=True)
def _rates_match_the_scenarios() -> None:
    """The rates above are the scenario files' own: fail loudly if someone edits one side."""
    from sim.traffic import load_traffic

    assert load_traffic(SCENARIOS / "mmc" / "traffic.yaml").arrivals[0].rate_per_hour == 360
    prio = load_traffic(SCENARIOS / "mmc-priority" / "traffic.yaml")
    assert prio.arrivals[0].rate_per_hour == 288 and prio.callers.vip_share == 0.3
