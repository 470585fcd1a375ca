"""The synthetic callers and seats do what traffic.yaml says, through the real engine (the bundled hotline)."""

import math
from pathlib import Path

import pytest

from ivr.model.commands import CollectDigits
from ivr.model.events import DigitsCollected
from ivr.secret import Secret
from sim import scenario as sc
from sim.driver import Driver

ROOT = Path(__file__).resolve().parents[2]


class _Run:
    def __init__(self) -> None:
        s = sc.load(ROOT / "scenarios" / "hotline", seed=3)
        self.traffic = s.traffic
        self.driver: Driver = sc.build_driver(s)
        self._secret_asked: dict[str, bool] = {}  # per call: is the collect it is at secret?
        self.answers: list[tuple[bool, DigitsCollected]] = []  # (secret asked, the answer)
        self.driver.measures.also_feed(self._asked)
        self.driver.watch_events(self._answered)
        self.driver.run()
        self.report = self.driver.measures.report()
        self.paths = self.driver.path_report.result()

    def _asked(self, output: object) -> None:
        if isinstance(output, CollectDigits):
            self._secret_asked[output.call_id] = output.secret

    def _answered(self, event: object) -> None:
        if isinstance(event, DigitsCollected):
            self.answers.append((self._secret_asked[event.call_id], event))


@pytest.fixture(scope="module")
def day() -> _Run:
    return _Run()


def _binomial_ok(observed: int, n: int, p: float) -> bool:
    return abs(observed - n * p) <= 5 * math.sqrt(n * p * (1 - p)) + 1


def test_every_journey_ends_and_nothing_is_left_behind(day: _Run) -> None:
    overall = day.report["overall"]
    assert day.driver.calls_in_progress == 0
    assert sum(overall["outcomes"].values()) == overall["calls"] > 5000
    assert day.driver.pending == 0  # every timer and action came due or was dropped


def test_callers_press_keys_with_the_configured_probabilities(day: _Run) -> None:
    node = next(n for n in day.paths["nodes"] if (n["flow"], n["node"]) == ("hotline", "main_menu"))
    table = day.traffic.callers.menus["hotline/main_menu"]
    for key in ("1", "2", "3", "4", "0"):
        assert _binomial_ok(node["choices"].get(key, 0), node["entries"], table[key]), key
    assert _binomial_ok(node["hangups"], node["entries"], table["hangup"])


def test_a_secret_collect_is_answered_with_a_secret_never_a_string(day: _Run) -> None:
    secret = [e.digits for asked, e in day.answers if asked]
    plain = [e.digits for asked, e in day.answers if not asked]
    assert secret and plain
    assert all(isinstance(d, Secret) and len(d) == 6 for d in secret)
    assert all(isinstance(d, str) for d in plain)


def test_seats_transfer_the_configured_share_of_calls(day: _Run) -> None:
    billing = day.report["queues"]["billing"]
    share = day.traffic.services["billing"].transfer_share
    assert billing["transfers_out"] > 0
    assert _binomial_ok(billing["transfers_out"], billing["answered"], share)
    assert day.report["queues"]["complaint"]["transfers_in"] >= billing["transfers_out"]


def test_impatient_callers_sometimes_take_a_callback(day: _Run) -> None:
    overall = day.report["overall"]
    assert overall["callbacks"] > 0 and overall["abandoned"] > 0


def test_seats_work_their_shifts_only(day: _Run) -> None:
    origin = day.report["origin"]
    for row in day.report["intervals"]:
        hour = (row["start"] - origin) / 3600
        if hour < 7 or hour >= 21.25:
            assert row["open_seats_mean"] == 0, hour
        if 12 <= hour < 16:  # both shifts: every seat that is not busy elsewhere is open
            assert row["open_seats_mean"] > 40, hour


def test_a_run_stopped_midway_accounts_for_every_call_and_every_offered_call() -> None:
    s = sc.load(ROOT / "scenarios" / "mmc")
    fewer = s.centre.model_copy(
        update={"seats": s.centre.seats[:10]}
    )  # 18 Erlangs on 10: callers wait
    driver = sc.build_driver(s, centre=fewer)
    driver.run(until=s.traffic.origin + 11 * 3600)
    o = driver.measures.report(now=driver.clock.now())["overall"]
    left = o["unfinished"]
    assert left["waiting"] > 0 and left["answered"] > 0  # the run stopped with calls on
    assert o["calls"] == sum(o["outcomes"].values()) + sum(left.values())
    ends = ("answered", "abandoned", "short_abandoned", "diverted", "callbacks")
    assert o["offered"] == sum(o[k] for k in ends) + o["unfinished_waiting"]
