"""``ivr simulate`` and ``ivr staff``: a simulated day of calls through the real engine.

``ivr simulate`` with no options runs a day of the bundled hotline (``flows/``,
``skills/``, ``scenarios/hotline/traffic.yaml``), prints the summary and
writes ``ivr-report.html``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from ivr.cli.output import Output
from ivr.clock import monotonic
from ivr.errors import ConfigError, IvrError
from ivr.measures import MeasuresConfig, ServiceLevelBasis
from sim.checks import DEFAULT_MAX_CALLS

DEFAULT_REPORT = Path("ivr-report.html")

MaxCalls = Annotated[
    int,
    typer.Option(
        min=1,
        help="Refuse a run whose traffic would bring more calls than this (it guards memory and time).",
    ),
]


class _LazyProgress:
    """A progress bar over simulated time that appears only for runs longer than a second."""

    def __init__(self, console: Console, start: float, end: float, label: str) -> None:
        self.console = console
        self.start, self.end = start, end
        self.label = label
        self.began = monotonic()
        self.bar: Progress | None = None
        self.task: Any = None

    def __call__(self, now: float) -> None:
        if self.bar is None:
            if monotonic() - self.began < 1.0 or not self.console.is_terminal:
                return
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=max(self.end - self.start, 1.0))
        self.bar.update(self.task, completed=min(now, self.end) - self.start)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _fail(exc: IvrError) -> typer.Exit:
    typer.echo(exc.message, err=True)
    return typer.Exit(2)


def _kind(path: Path) -> str:
    """Is a --compare argument a scenario directory, a flows directory or a skills directory?"""
    if (path / "traffic.yaml").exists() or (path / "flows").is_dir():
        return "scenario"
    for f in sorted(path.glob("*.y*ml")):
        text = f.read_text(encoding="utf-8", errors="replace")
        if any(line.startswith("flow:") for line in text.splitlines()):
            return "flows"
        if any(line.startswith(("seats:", "queues:")) for line in text.splitlines()):
            return "skills"
    msg = f"{path}: neither a scenario, a flows nor a skills directory"
    raise ConfigError(msg, path=str(path))


def _run_one(
    console: Console,
    scenario_dir: Path | None,
    flows: Path | None,
    skills: Path | None,
    traffic: Path | None,
    trace: Path | None,
    seed: int | None,
    days: int | None,
    measures: MeasuresConfig,
    label: str,
    quiet: bool,
    queue_log: Path | None = None,
    max_calls: int = DEFAULT_MAX_CALLS,
) -> dict[str, Any]:
    from sim import scenario as sc

    s = sc.load(
        scenario_dir,
        flows=flows,
        skills=skills,
        traffic=traffic,
        trace=trace,
        seed=seed,
        measures_config=measures,
    )
    for warning in s.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if days is not None:
        s.traffic = s.traffic.model_copy(update={"days": days})
    origin = s.traffic.origin
    end = origin + 86400.0 * s.traffic.days
    if s.trace:
        origin, end = s.trace[0].arrival, s.trace[-1].arrival
    progress = None if quiet else _LazyProgress(console, origin, end, label)
    try:
        return sc.run(s, seed=seed, progress=progress, queue_log=queue_log, max_calls=max_calls)
    finally:
        if progress is not None:
            progress.close()


def _compare(
    console: Console,
    compare: tuple[Path, Path],
    common: tuple[
        Path | None, Path | None, Path | None, Path | None, Path | None, int | None, int | None
    ],
    measures: MeasuresConfig,
    quiet: bool,
    json_out: Path | None,
    fail_if_sl_drops: float | None,
    max_calls: int,
) -> None:
    """Run A and B on the same calls, set them side by side, and fail if B's service level drops."""
    from sim import report as rp

    scenario, flows, skills, traffic, trace, seed, days = common
    docs = []
    for which in compare:
        kind = _kind(which)
        args: dict[str, Any] = {"scenario_dir": scenario, "flows": flows, "skills": skills}
        if kind == "scenario":
            args["scenario_dir"] = which
        else:
            args[kind] = which
        docs.append(
            _run_one(
                console,
                args["scenario_dir"],
                args["flows"],
                args["skills"],
                traffic,
                trace,
                seed,
                days,
                measures,
                f"simulating {which}",
                quiet,
                max_calls=max_calls,
            )
        )
    a, b = docs
    console.print(rp.compare_table(a, b, str(compare[0]), str(compare[1])))
    if json_out is not None:
        out = Output(json_out)
        rp.write_json({"a": a, "b": b}, json_out)
        _say(console, out.said(f"both runs' measures written to {json_out}"))
    sl_a, sl_b = a["overall"]["service_level"], b["overall"]["service_level"]
    if fail_if_sl_drops is not None and sl_a is not None and sl_b is not None:
        drop = (sl_a - sl_b) * 100.0
        if drop > fail_if_sl_drops:
            console.print(
                f"[red]service level drops by {drop:.1f} points "
                f"({sl_a:.1%} → {sl_b:.1%}), more than {fail_if_sl_drops:g} allowed[/red]"
            )
            raise typer.Exit(1)


# The longer options of `ivr simulate` named here, like MaxCalls, so its signature and
# body stay one readable function under ~80 lines; --help is the same.
ScenarioArg = Annotated[
    Path | None,
    typer.Argument(
        help="A scenario directory (flows/, skills/, traffic.yaml); default: the bundled hotline."
    ),
]

TraceOpt = Annotated[
    Path | None,
    typer.Option(help="Replay a call trace: our CSV, an Asterisk queue_log or a CDR Master.csv."),
]

QueueLogOpt = Annotated[
    Path | None,
    typer.Option(help="Also write the day as Asterisk's queue_log (readable by --trace)."),
]

CompareOpt = Annotated[
    tuple[Path, Path] | None,
    typer.Option(
        help="Two scenario, flows or skills directories, run on the same calls and set side by side."
    ),
]

FailIfSlDropsOpt = Annotated[
    float | None,
    typer.Option(
        help="With --compare: exit 1 if B's service level is more than this many points below A's."
    ),
]

SlBasisOpt = Annotated[
    ServiceLevelBasis, typer.Option(help="What the service level is divided by.")
]

ShortAbandonsCountOpt = Annotated[
    bool, typer.Option(help="Count short abandons as abandons (else they leave the basis).")
]

CallbacksCountOpt = Annotated[
    bool, typer.Option(help="Count callbacks as abandons (else they leave the basis).")
]


def simulate(
    scenario: ScenarioArg = None,
    flows: Annotated[Path | None, typer.Option(help="The flows directory.")] = None,
    skills: Annotated[
        Path | None, typer.Option(help="The skills directory (queues, seats).")
    ] = None,
    traffic: Annotated[
        Path | None, typer.Option(help="The traffic model (docs/traffic.md).")
    ] = None,
    trace: TraceOpt = None,
    seed: Annotated[
        int | None, typer.Option(help="The random seed (default: the traffic file's).")
    ] = None,
    days: Annotated[int | None, typer.Option(help="Simulate this many days.")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the measures as JSON.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write the HTML report here (default ivr-report.html).")
    ] = None,
    no_report: Annotated[bool, typer.Option("--no-report", help="Write no HTML report.")] = False,
    queue_log: QueueLogOpt = None,
    compare: CompareOpt = None,
    fail_if_sl_drops: FailIfSlDropsOpt = None,
    sl_basis: SlBasisOpt = ServiceLevelBasis.OFFERED_MINUS_SHORT,
    short_abandon_s: Annotated[
        float, typer.Option(help="Abandons shorter than this are short.")
    ] = 5.0,
    short_abandons_count: ShortAbandonsCountOpt = False,
    callbacks_count: CallbacksCountOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    max_calls: MaxCalls = DEFAULT_MAX_CALLS,
) -> None:
    """Simulate a day of calls through the real engine and report the hotline's measures."""
    from sim import report as rp

    console = Console(width=None if Console().is_terminal else 120)
    measures = MeasuresConfig(
        service_level_basis=sl_basis,
        short_abandon_s=short_abandon_s,
        short_abandons_are_abandons=short_abandons_count,
        callbacks_are_abandons=callbacks_count,
    )
    # Looked at before the run, which writes the queue_log as it goes.
    queue_log_out = Output(queue_log) if queue_log is not None else None
    if not no_report and report is None:
        report = DEFAULT_REPORT
    try:
        if compare is not None:
            _compare(
                console,
                compare,
                (scenario, flows, skills, traffic, trace, seed, days),
                measures,
                quiet,
                json_out,
                fail_if_sl_drops,
                max_calls,
            )
            return
        doc = _run_one(
            console,
            scenario,
            flows,
            skills,
            traffic,
            trace,
            seed,
            days,
            measures,
            "simulating",
            quiet,
            queue_log,
            max_calls,
        )
    except IvrError as exc:
        raise _fail(exc) from None
    rp.print_summary(doc, console)
    _write_outputs(console, doc, json_out, queue_log_out, None if no_report else report)


def _say(console: Console, line: str) -> None:
    """A line about a file: never wrapped (a path cut in two cannot be pasted) nor read as markup."""
    console.print(line, markup=False, highlight=False, soft_wrap=True)


def _write_outputs(
    console: Console,
    doc: dict[str, Any],
    json_out: Path | None,
    queue_log: Output | None,
    report: Path | None,
) -> None:
    """The measures, the report; a line for each (and for the queue_log the run wrote)."""
    from sim import report as rp

    if json_out is not None:
        out = Output(json_out)
        rp.write_json(doc, json_out)
        _say(console, out.said(f"measures written to {json_out}"))
    if queue_log is not None:
        _say(console, queue_log.said(f"queue_log written to {queue_log.path}"))
    if report is not None:
        out = Output(report)
        rp.write_html(doc, report)
        _say(console, out.said(f"report written to {report}"))


def _staff_table(
    rows: list[Any], sim_rows: dict[int, dict[str, Any]] | None, target: str
) -> tuple[Table, list[dict[str, Any]]]:
    """The plan per 15 minutes beside what the simulation of it gave, as a table and as JSON rows."""
    table = Table(title=f"Seats per 15 minutes for {target}", title_justify="left")
    for col in ("interval", "calls", "Erlang C", "Erlang A", "SL promised (A)", "abandon (A)"):
        table.add_column(col, justify="right")
    if sim_rows is not None:
        for col in ("SL simulated", "abandon sim.", "ASA sim. s"):
            table.add_column(col, justify="right")
    out_rows = []
    for r in rows:
        k = round(r.start_s / 900)
        hh, mm = divmod(int(r.start_s) // 60, 60)
        cells = [
            f"{hh:02d}:{mm:02d}",
            f"{r.calls:.0f}",
            str(r.seats_erlang_c),
            str(r.seats_erlang_a),
            f"{r.promised_sl_a:.1%}",
            f"{r.promised_abandon_a:.1%}",
        ]
        row: dict[str, Any] = {
            "start": f"{hh:02d}:{mm:02d}",
            "calls": r.calls,
            "seats_erlang_c": r.seats_erlang_c,
            "seats_erlang_a": r.seats_erlang_a,
            "promised_sl_erlang_c": r.promised_sl_c,
            "promised_sl_erlang_a": r.promised_sl_a,
            "promised_abandon_erlang_a": r.promised_abandon_a,
        }
        if sim_rows is not None:
            got = sim_rows.get(k, {})
            sl, ab = got.get("service_level"), got.get("abandon_rate")
            cells += [
                "-" if sl is None else f"{sl:.1%}",
                "-" if ab is None else f"{ab:.1%}",
                f"{got.get('asa_s', 0.0):.1f}",
            ]
            row.update(simulated_sl=sl, simulated_abandon=ab, simulated_asa_s=got.get("asa_s"))
        table.add_row(*cells)
        out_rows.append(row)
    return table, out_rows


def staff(
    traffic: Annotated[Path, typer.Option(help="The traffic model to staff for.")],
    target: Annotated[str, typer.Option(help="PERCENT/SECONDS, e.g. 80/15.")] = "80/15",
    scenario: Annotated[
        Path | None,
        typer.Option(
            help="The scenario directory whose flows and skills to simulate (default: the traffic file's directory, else the bundled ones)."
        ),
    ] = None,
    flows: Annotated[Path | None, typer.Option(help="The flows directory.")] = None,
    skills: Annotated[Path | None, typer.Option(help="The skills directory.")] = None,
    by: Annotated[str, typer.Option(help="Staff the simulation by Erlang 'a' or 'c'.")] = "a",
    share: Annotated[
        float, typer.Option(help="Share of calls that ask for a person (the rest self-serve).")
    ] = 1.0,
    seed: Annotated[int | None, typer.Option(help="The random seed.")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the plan and result as JSON.")
    ] = None,
    simulate_too: Annotated[bool, typer.Option("--simulate/--no-simulate")] = True,
    max_calls: MaxCalls = DEFAULT_MAX_CALLS,
) -> None:
    """Seats needed per 15 minutes by Erlang C and Erlang A, then a simulation with that staffing."""
    from sim import scenario as sc
    from sim import staffing
    from sim.checks import check_size
    from sim.report import write_json
    from sim.theory import parse_target
    from sim.traffic import load_traffic

    console = Console()
    try:
        share_target, limit = parse_target(target)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if by not in ("a", "c"):
        raise typer.BadParameter("--by is 'a' (Erlang A) or 'c' (Erlang C)")
    base = scenario
    if base is None and flows is None and (traffic.parent / "flows").is_dir():
        base = traffic.parent
    try:
        model = load_traffic(traffic)
        if simulate_too:  # before the plan, which a runaway rate would also keep busy
            check_size(model, traffic, max_calls)
        s = sc.load(base, flows=flows, skills=skills, traffic=traffic, seed=seed)
        wrap = sum(q.wrap_up_s for q in s.centre.queues) / max(len(s.centre.queues), 1)
        rows = staffing.plan(
            model, share_target, limit, share=share, base=traffic.parent, wrap_up_s=wrap
        )
    except IvrError as exc:
        raise _fail(exc) from None
    sim_rows: dict[int, dict[str, Any]] = {}
    shortfall = 0
    doc: dict[str, Any] | None = None
    if simulate_too:
        try:
            shifts, shortfall = staffing.shifts_for(rows, s.centre, s.traffic, by)
            doc = sc.run(s, seed=seed, shifts=shifts, max_calls=max_calls)
        except IvrError as exc:
            raise _fail(exc) from None
        for r in doc["intervals"]:
            sim_rows[round((r["start"] - model.origin) % 86400 / 900)] = r
    table, out_rows = _staff_table(rows, sim_rows if simulate_too else None, target)
    console.print(table)
    console.print(
        f"service time {model.handle_time.mean:.0f} s talk + {wrap:.0f} s wrap-up (the queues' mean);"
        f" {share:.0%} of calls ask for a person"
    )
    _staff_notes(console, rows, shortfall, doc, by)
    if json_out is not None:
        out = Output(json_out)
        write_json({"target": target, "intervals": out_rows, "simulation": doc}, json_out)
        _say(console, out.said(f"plan{' and simulation' if doc else ''} written to {json_out}"))


def _staff_notes(
    console: Console, rows: list[Any], shortfall: int, doc: dict[str, Any] | None, by: str
) -> None:
    """Under the plan: its seat-hours, a shortfall of seats, and what the simulation of it gave."""
    seat_hours_c = sum(r.seats_erlang_c for r in rows) / 4
    seat_hours_a = sum(r.seats_erlang_a for r in rows) / 4
    console.print(f"seat-hours: Erlang C {seat_hours_c:.0f}, Erlang A {seat_hours_a:.0f}")
    if shortfall:
        console.print(
            f"[yellow]the centre has too few seats: up to {shortfall} more were needed in an interval[/yellow]"
        )
    if doc is not None:
        o = doc["overall"]
        console.print(
            f"simulated with Erlang {by.upper()} staffing: service level {o['service_level']:.1%}, "
            f"abandon {o['abandon_rate']:.1%}, ASA {o['asa_s']:.1f} s, occupancy {o['occupancy'] or 0:.1%}"
        )


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
    app.command("staff")(staff)
