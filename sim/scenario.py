"""A scenario: flows, seats and traffic together, and one simulated run of it.

A scenario is a directory holding ``flows/``, ``skills/`` and
``traffic.yaml`` (without its own ``flows/`` or ``skills/``, the bundled
ones at the top of the project), or the three named one by one (``--flows``, ``--skills``,
``--traffic``). :func:`run` builds the real engine (the flow interpreter and
the routing core, as live), drives it with :class:`sim.driver.Driver` and
returns the JSON document of :mod:`sim.report`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ivr.clock import ManualClock, monotonic
from ivr.config.skills import load_centre
from ivr.errors import SimulationError
from ivr.measures import Measures, MeasuresConfig
from ivr.model.skills import CentreConfig
from sim.checks import DEFAULT_MAX_CALLS, check_size, unclaimed_numbers
from sim.driver import Driver, EngineLike, HeapScheduler
from sim.report import document
from sim.trace import TraceCall, actual_summary, read_any
from sim.traffic import TrafficModel, load_traffic

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "scenarios" / "hotline"


@dataclass
class Scenario:
    flows: Path
    skills: Path
    traffic_path: Path | None
    centre: CentreConfig
    traffic: TrafficModel
    catalog: Any
    trace: list[TraceCall] | None = None
    trace_path: Path | None = None
    measures_config: MeasuresConfig = field(default_factory=MeasuresConfig)
    warnings: list[str] = field(default_factory=list)  # said before the run, kept in its report

    def describe(self) -> dict[str, Any]:
        return {
            "flows": str(self.flows),
            "skills": str(self.skills),
            "traffic": str(self.traffic_path) if self.traffic_path else None,
            "trace": str(self.trace_path) if self.trace_path else None,
            "seed": self.traffic.seed,
            "date": self.traffic.date,
            "timezone": self.traffic.timezone,
            "days": self.traffic.days,
        }


def _part(base: Path | None, name: str) -> Path:
    if base is not None and (base / name).is_dir():
        return base / name
    return ROOT / name


def resolve(
    directory: str | Path | None = None,
    *,
    flows: str | Path | None = None,
    skills: str | Path | None = None,
    traffic: str | Path | None = None,
) -> tuple[Path, Path, Path]:
    """The three paths of a scenario: a directory's parts, overridden by the ones named."""
    base = Path(directory) if directory is not None else None
    if base is not None and not base.is_dir():
        msg = f"{base}: not a scenario directory; it should hold flows/, skills/ and traffic.yaml"
        raise SimulationError(msg, path=str(base))
    # a scenario directory without its own flows/ or skills/ uses the bundled ones
    f = Path(flows) if flows else _part(base, "flows")
    s = Path(skills) if skills else _part(base, "skills")
    t = Path(traffic) if traffic else (base / "traffic.yaml" if base else BUNDLED / "traffic.yaml")
    for path, what in ((f, "flows directory"), (s, "skills directory"), (t, "traffic file")):
        if not path.exists():
            msg = f"{path}: no such {what}; name it with --{what.split()[0]} or give a scenario directory"
            raise SimulationError(msg, path=str(path))
    return f, s, t


def load(
    directory: str | Path | None = None,
    *,
    flows: str | Path | None = None,
    skills: str | Path | None = None,
    traffic: str | Path | None = None,
    trace: str | Path | None = None,
    seed: int | None = None,
    measures_config: MeasuresConfig | None = None,
) -> Scenario:
    from ivr.config.flow_files import load_catalog

    f, s, t = resolve(directory, flows=flows, skills=skills, traffic=traffic)
    centre = load_centre(s)
    model = load_traffic(t)
    if seed is not None:
        model = model.model_copy(update={"seed": seed})
    catalog = load_catalog(f, centre)
    calls = read_any(trace) if trace is not None else None
    warnings = []
    if catalog.default_flow() is None:  # else the default flow takes every other number
        warnings = unclaimed_numbers(
            model,
            catalog.bundle.by_dnis,
            flows=f,
            general_queue=centre.general_queue,
            traffic_path=t,
            trace=calls,
            trace_path=Path(trace) if trace is not None else None,
        )
    return Scenario(
        flows=f,
        skills=s,
        traffic_path=t,
        centre=centre,
        traffic=model,
        catalog=catalog,
        trace=calls,
        trace_path=Path(trace) if trace is not None else None,
        measures_config=measures_config or MeasuresConfig(),
        warnings=warnings,
    )


def engine_factory(
    scenario: Scenario,
) -> Callable[[ManualClock, HeapScheduler, random.Random], EngineLike]:
    from ivr.engine.journey import Engine

    def make(clock: ManualClock, scheduler: HeapScheduler, rng: random.Random) -> EngineLike:
        engine: EngineLike = Engine(
            centre=scenario.centre,
            flows=scenario.catalog,
            clock=clock,
            scheduler=scheduler,
            rng=rng,
        )
        return engine

    return make


def menu_keys(scenario: Scenario) -> Callable[[str, str], list[str] | None]:
    """The keys a menu node offers (for menus the traffic model gives no probabilities for)."""

    def keys(flow: str, node: str) -> list[str] | None:
        compiled = scenario.catalog.get(flow)
        if compiled is None:
            return None
        choices = getattr(compiled.nodes.get(node), "choices", None)
        return sorted(choices) if choices else None

    return keys


def build_driver(
    scenario: Scenario,
    *,
    seed: int | None = None,
    centre: CentreConfig | None = None,
    shifts: list[tuple[float, str, bool]] | None = None,
    menu_paths: bool = True,
    max_calls: int | None = DEFAULT_MAX_CALLS,
) -> Driver:
    """The driver of one run; SimulationError first if the traffic would bring more than
    ``max_calls`` calls (None: no limit; a replayed trace is as long as it is)."""
    if max_calls is not None and scenario.trace is None:
        check_size(scenario.traffic, scenario.traffic_path, max_calls)
    centre = centre or scenario.centre
    if centre is not scenario.centre:
        scenario = Scenario(**{**scenario.__dict__, "centre": centre})
    origin = scenario.traffic.origin
    measures = Measures(centre=centre, config=scenario.measures_config, origin=origin)
    path_report = None
    if menu_paths:  # the flows' menu path report (it keeps per-call durations: off in benches)
        from ivr.measures.menu_paths import PathAnalytics

        path_report = PathAnalytics()
        measures.also_feed(path_report.add)
    driver = Driver(
        centre=centre,
        traffic=scenario.traffic,
        make_engine=engine_factory(scenario),
        measures=measures,
        seed=seed,
        trace=scenario.trace,
        menu_keys=menu_keys(scenario),
        shifts=shifts,
    )
    driver.path_report = path_report
    return driver


def run(
    scenario: Scenario,
    *,
    seed: int | None = None,
    centre: CentreConfig | None = None,
    shifts: list[tuple[float, str, bool]] | None = None,
    progress: Callable[[float], None] | None = None,
    menu_paths: bool = True,
    queue_log: Path | None = None,
    max_calls: int | None = DEFAULT_MAX_CALLS,
) -> dict[str, Any]:
    """Simulate the scenario; the JSON document of :mod:`sim.report`.

    ``queue_log``: also write the day as Asterisk's ``queue_log`` (through the
    storage's recorder, line by line as it happens), which the trace readers
    and any app_queue report tool can read. ``max_calls``: see :func:`build_driver`.
    """
    driver = build_driver(
        scenario,
        seed=seed,
        centre=centre,
        shifts=shifts,
        menu_paths=menu_paths,
        max_calls=max_calls,
    )
    log_file = None
    if queue_log is not None:
        from ivr.storage.recorder import Recorder
        from ivr.storage.records import QueueLogRow

        recorder = Recorder.for_centre(centre or scenario.centre, clock=driver.clock)
        log_file = queue_log.open("w", encoding="utf-8")

        def record(item: object) -> None:
            for rec in recorder.feed(item):
                if isinstance(rec, QueueLogRow):
                    log_file.write(rec.line() + "\n")

        driver.measures.also_feed(record)
    started = monotonic()
    try:
        stats = driver.run(progress=progress)
    finally:
        if log_file is not None:
            log_file.close()
    wall = monotonic() - started
    report = driver.measures.report(now=driver.clock.now())
    centre = centre or scenario.centre
    actual = None
    if scenario.trace is not None and any(c.outcome for c in scenario.trace):
        limit = centre.queues[0].answer_time_limit_s if centre.queues else 15.0
        actual = actual_summary(scenario.trace, limit)
    describe = scenario.describe()
    if seed is not None:
        describe["seed"] = seed
    doc = document(
        report,
        scenario=describe,
        run={
            "calls": stats.calls,
            "events": stats.events,
            "simulated_s": stats.simulated_s,
            "wall_s": wall,
        },
        skills_of={q.name: q.skill for q in centre.queues},
        actual=actual,
    )
    if scenario.warnings:
        doc["warnings"] = list(scenario.warnings)
    if driver.path_report is not None:
        doc["menu_paths"] = _without_entries(driver.path_report.result())
    return doc


def _without_entries(paths: dict[str, Any]) -> dict[str, Any]:
    """The menu path report with what callers typed at collect nodes (account numbers,
    dates) folded into one count: a report must not carry customer data."""
    for node in paths.get("nodes", []):
        choices = node.get("choices", {})
        kept = {k: v for k, v in choices.items() if len(k) <= 2 or k in ("timeout", "invalid")}
        entered = sum(v for k, v in choices.items() if k not in kept)
        if entered:
            kept["entered"] = entered
        node["choices"] = kept
    return paths
