"""What is checked before a simulated run starts, so that a mistake in a scenario is
named at once instead of showing up as an exhausted machine or a quietly wrong report.

- :func:`check_size`: the calls the traffic model would bring, estimated from its
  rates before any is drawn, against a limit (``--max-calls``). Memory holds
  the calls in progress, so a rate far beyond what the seats answer fills
  memory with waiting callers; and the run's time grows with its calls.
- :func:`unclaimed_numbers`: the numbers the calls dial that no flow claims.
  The engine sends such a call straight to the general queue, as live does,
  so the run is not wrong, but it is almost always a typo in ``dnis``, and
  the report would otherwise not show it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Sequence
from pathlib import Path

from ivr.errors import ConfigError, SimulationError
from ivr.yamlsrc import load_yaml
from sim.arrivals import replayed_dnis
from sim.trace import TraceCall
from sim.traffic import TrafficModel, calls_per_day

# About four minutes of simulation at the few thousand calls a second one core
# gives, and months of a mid-sized centre: beyond this a run is far more likely a
# mistake in traffic.yaml (a rate per second written per hour, an exponent) than meant.
DEFAULT_MAX_CALLS = 1_000_000


def _count(n: float) -> str:
    return f"{n:,.0f}" if n < 1e15 else f"{n:.3g}"


def _at(path: Path | None, keys: tuple[str, ...], field: str) -> tuple[str, object]:
    """``file:line:column: field`` as far as the file can be read again, and its data."""
    if path is None:
        return field, None
    try:
        data, positions = load_yaml(path)
    except (OSError, ConfigError):  # it was read once already; this read is only for the line
        return f"{path}: {field}", None
    mark = positions.get(keys)
    return (f"{path}:{mark.line}:{mark.column}: {field}" if mark else f"{path}: {field}"), data


def _located(path: Path | None, keys: tuple[str, ...], field: str, days: int) -> tuple[str, str]:
    """Where the field is, and its name for a person to change: ``--days`` when the days
    came from the command line, not the file."""
    where, data = _at(path, keys, field)
    if keys == ("days",) and isinstance(data, dict) and data.get("days", 1) != days:
        return f"--days {days}", "--days"
    return where, field


def check_size(traffic: TrafficModel, path: Path | None, max_calls: int) -> float:
    """The expected calls of the whole run; SimulationError when they are over ``max_calls``.

    The error names the traffic file, the field that brings the most calls (an
    arrival's rate, or ``days`` when one day is within the limit), the estimate
    and the option that raises the limit.
    """
    per_day = [calls_per_day(arr) for arr in traffic.arrivals]
    day = math.fsum(per_day)
    total = day * traffic.days
    if total <= max_calls:
        return total
    if day <= max_calls:
        keys: tuple[str, ...] = ("days",)
        field = "days"
    else:
        i = max(range(len(per_day)), key=per_day.__getitem__)
        arr = traffic.arrivals[i]
        ways = ("rate_per_hour", "per_interval", "daily_volume")
        way = next(w for w in ways if getattr(arr, w) is not None)
        keys, field = ("arrivals", str(i), way), f"arrivals[{i}].{way}"
    where, name = _located(path, keys, field, traffic.days)
    over = "" if traffic.days == 1 else f" ({_count(day)} a day over {traffic.days} days)"
    estimate = "calls without end" if math.isinf(total) else f"about {_count(total)} calls"
    msg = (
        f"{where}: this run would simulate {estimate}{over}, more than the limit of "
        f"{max_calls:,}; lower {name}, or raise the limit with --max-calls N"
    )
    raise SimulationError(msg, path=str(path) if path else None, field=field, expected=total)


def unclaimed_numbers(
    traffic: TrafficModel,
    claimed: Collection[str],
    *,
    flows: Path,
    general_queue: str,
    traffic_path: Path | None = None,
    trace: Sequence[TraceCall] | None = None,
    trace_path: Path | None = None,
) -> list[str]:
    """A warning for each number the run's calls dial that no flow in ``flows`` claims.

    The numbers are the traffic's arrivals, or a replayed trace's (its own, or
    those ``replay_dnis`` and the first arrival give calls that have none).
    """
    after = (
        f" go straight to the general queue '{general_queue}', as they would live."
        f" Add the number to a flow's dnis list in {flows}, or correct it"
    )
    warnings = []
    if trace is not None:
        default = traffic.arrivals[0].dnis
        dialled = Counter(replayed_dnis(c, traffic.replay_dnis, default) for c in trace)
        for dnis, n in sorted(dialled.items()):
            if dnis not in claimed:
                where = trace_path or "the trace"
                warnings.append(
                    f"{where}: {n:,} calls dial {dnis!r}, which no flow claims; they{after}"
                )
        return warnings
    for i, arr in enumerate(traffic.arrivals):
        if arr.dnis not in claimed:
            where, _ = _at(traffic_path, ("arrivals", str(i), "dnis"), f"arrivals[{i}].dnis")
            warnings.append(f"{where}: no flow claims {arr.dnis!r}; its calls{after}")
    return warnings
