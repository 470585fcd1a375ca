"""Call traces to replay: the project's CSV, and what Asterisk already writes (queue_log, CDR CSV).

The project's trace is a CSV with a header; only ``arrival`` is required:

=============  ===============================================================
column         meaning
=============  ===============================================================
``arrival``    epoch seconds, or ISO 8601 (``2026-11-23 21:09:28``; UTC unless
               it names a zone)
``caller``     the caller's number
``dnis``       the number dialled (picks the flow); empty: the scenario's
               ``replay.dnis`` for the service, else its first dialled number
``digits``     what the caller keyed at each menu or collect, in order,
               separated by spaces; ``-`` for nothing (a time-out)
``service``    the service or queue the caller wanted
``handle_s``   talk time with the seat, seconds
``patience_s`` how long the caller would have waited in the queue
``wait_s``     the wait the caller really had (real outcome)
``outcome``    ``answered``, ``abandoned``, ... (real outcome)
=============  ===============================================================

:func:`read_queue_log` and :func:`read_cdr_csv` turn Asterisk's files into the
same :class:`TraceCall` records. An abandoned caller's patience is the wait
they had; an answered caller's patience is not known (it is at least their
wait), and the traffic model's patience is drawn for them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ivr.errors import SimulationError

COLUMNS = (
    "arrival",
    "caller",
    "dnis",
    "digits",
    "service",
    "handle_s",
    "patience_s",
    "wait_s",
    "outcome",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceCall:
    arrival: float
    caller: str = ""
    dnis: str = ""
    digits: tuple[str, ...] = ()
    service: str | None = None
    handle_s: float | None = None
    patience_s: float | None = None
    wait_s: float | None = None
    outcome: str | None = None
    ref: str = ""  # the call's id in the source file


def parse_time(text: str) -> float:
    """Epoch seconds from a number or an ISO 8601 date-time (UTC when no zone is given)."""
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _opt_float(row: dict[str, str], key: str) -> float | None:
    value = (row.get(key) or "").strip()
    return float(value) if value else None


def read_trace_csv(path: str | Path) -> list[TraceCall]:
    """The project's CSV trace, sorted by arrival."""
    p = Path(path)
    calls: list[TraceCall] = []
    try:
        fh = p.open(newline="", encoding="utf-8")
    except OSError as exc:
        msg = f"{p}: cannot read the trace ({exc.strerror}); check the path"
        raise SimulationError(msg, path=str(p)) from exc
    with fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "arrival" not in reader.fieldnames:
            msg = f"{p}: the first line must be a header with at least 'arrival'; columns: {', '.join(COLUMNS)}"
            raise SimulationError(msg, path=str(p))
        unknown = set(reader.fieldnames) - set(COLUMNS) - {"ref"}
        if unknown:
            msg = f"{p}: unknown columns {', '.join(sorted(unknown))}; the columns are {', '.join(COLUMNS)}"
            raise SimulationError(msg, path=str(p))
        for line, row in enumerate(reader, start=2):
            try:
                digits = tuple(
                    "" if d == "-" else d for d in (row.get("digits") or "").split() if d
                )
                calls.append(
                    TraceCall(
                        arrival=parse_time(row["arrival"]),
                        caller=(row.get("caller") or "").strip(),
                        dnis=(row.get("dnis") or "").strip(),
                        digits=digits,
                        service=(row.get("service") or "").strip() or None,
                        handle_s=_opt_float(row, "handle_s"),
                        patience_s=_opt_float(row, "patience_s"),
                        wait_s=_opt_float(row, "wait_s"),
                        outcome=(row.get("outcome") or "").strip() or None,
                        ref=(row.get("ref") or "").strip() or f"line{line}",
                    )
                )
            except (ValueError, KeyError) as exc:
                msg = f"{p}:{line}: {exc}; fix this row (times are epoch seconds or ISO 8601)"
                raise SimulationError(msg, path=str(p), line=line) from None
    calls.sort(key=lambda c: c.arrival)
    return calls


def read_queue_log(path: str | Path) -> list[TraceCall]:
    """Asterisk's ``queue_log``: one TraceCall per call id, its first queue as the service.

    A call that left a queue on time-out and joined another keeps its id; its
    real wait is the sum of its waits.
    """
    p = Path(path)
    calls: dict[str, dict[str, Any]] = {}
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        msg = f"{p}: cannot read the queue_log ({exc.strerror}); check the path"
        raise SimulationError(msg, path=str(p)) from exc
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = line.split("|")
        if len(parts) < 5:
            msg = f"{p}:{n}: not a queue_log line (epoch|callid|queue|agent|EVENT|data...)"
            raise SimulationError(msg, path=str(p), line=n)
        epoch, callid, queue, _agent, event = parts[:5]
        data = parts[5:]
        if callid == "NONE":
            continue
        c = calls.get(callid)
        if event == "ENTERQUEUE":
            if c is None:
                c = calls[callid] = {
                    "arrival": float(epoch),
                    "caller": data[1] if len(data) > 1 else "",
                    "service": queue,
                    "wait": 0.0,
                    "outcome": None,
                    "handle": None,
                }
            continue
        if c is None:
            continue  # the call entered before the file begins
        if event == "CONNECT":
            c["wait"] += float(data[0])
            c["outcome"] = "answered"
        elif event in ("COMPLETEAGENT", "COMPLETECALLER"):
            c["handle"] = float(data[1])
        elif event == "ABANDON":
            c["wait"] += float(data[2])
            c["outcome"] = "abandoned"
        elif event == "EXITWITHTIMEOUT":
            c["wait"] += float(data[2])
            c["outcome"] = "timeout"
    return _records(calls)


def _records(calls: dict[str, dict[str, Any]]) -> list[TraceCall]:
    out = [
        TraceCall(
            arrival=c["arrival"],
            caller=c["caller"],
            service=c["service"],
            handle_s=c["handle"],
            patience_s=c["wait"] if c["outcome"] == "abandoned" else None,
            wait_s=c["wait"] if c["outcome"] else None,
            outcome=c["outcome"],
            ref=ref,
        )
        for ref, c in calls.items()
    ]
    out.sort(key=lambda c: (c.arrival, c.ref))
    return out


CDR_FIELDS = (
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",
    "userfield",
    "peeraccount",
    "linkedid",
    "sequence",
)


def _cdr_rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.reader(fh), start=1):
            if not row:
                continue
            if len(row) < 17:
                msg = f"{path}:{n}: a cdr_csv row has {len(row)} columns; expected 17 or more"
                raise SimulationError(msg, path=str(path), line=n)
            yield dict(zip(CDR_FIELDS, row, strict=False))


def read_cdr_csv(path: str | Path, *, queue_app: str = "Queue") -> list[TraceCall]:
    """Asterisk's ``Master.csv``: one TraceCall per ``linkedid`` that went through ``Queue()``.

    The wait runs from the queue row's start to the seat leg's answer; the
    talk from the seat leg's answer to its end. Times without a zone are UTC.
    """
    p = Path(path)
    try:
        rows = list(_cdr_rows(p))
    except OSError as exc:
        msg = f"{p}: cannot read the CDR file ({exc.strerror}); check the path"
        raise SimulationError(msg, path=str(p)) from exc
    groups: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        groups.setdefault(row.get("linkedid") or row["uniqueid"], []).append(row)
    calls: dict[str, dict[str, Any]] = {}
    for linkedid, group in groups.items():
        queue_rows = [r for r in group if r["lastapp"] == queue_app]
        if not queue_rows:
            continue
        first = min(queue_rows, key=lambda r: r["start"])
        arrival = parse_time(first["start"])
        c: dict[str, Any] = {
            "arrival": arrival,
            "caller": first["src"],
            "service": first["lastdata"].split(",")[0] or first["dst"],
            "wait": None,
            "outcome": "abandoned",
            "handle": None,
        }
        connected = [r for r in queue_rows if r["disposition"] == "ANSWERED" and r["dstchannel"]]
        seat_leg = None
        if connected:
            prefix = connected[0]["dstchannel"].split(";")[0]
            seat_leg = next(
                (
                    r
                    for r in group
                    if r["channel"].split(";")[0] == prefix
                    and r["disposition"] == "ANSWERED"
                    and r["answer"]
                ),
                None,
            )
        if seat_leg is not None:
            answered_at = parse_time(seat_leg["answer"])
            c["outcome"] = "answered"
            c["wait"] = answered_at - arrival
            c["handle"] = parse_time(seat_leg["end"]) - answered_at
        else:
            last_end = max(parse_time(r["end"]) for r in queue_rows)
            c["wait"] = last_end - arrival
        calls[linkedid] = c
    return _records(calls)


def read_any(path: str | Path) -> list[TraceCall]:
    """A trace by its look: a queue_log (``|``-separated), a CDR CSV (no header) or the project's CSV."""
    p = Path(path)
    try:
        head = p.read_text(encoding="utf-8")[:2000]
    except OSError as exc:
        msg = f"{p}: cannot read the trace ({exc.strerror}); check the path"
        raise SimulationError(msg, path=str(p)) from exc
    first = head.splitlines()[0] if head.strip() else ""
    if first.count("|") >= 4:
        return read_queue_log(p)
    if first.startswith("arrival") or ",arrival" in first:
        return read_trace_csv(p)
    return read_cdr_csv(p)


def actual_summary(calls: Iterable[TraceCall], limit_s: float = 15.0) -> dict[str, Any]:
    """The real outcomes of a trace, in the measures' terms (for 'simulated beside actual')."""
    offered = answered = abandoned = within = 0
    wait_total = 0.0
    for c in calls:
        if c.outcome is None:
            continue
        offered += 1
        if c.outcome == "answered":
            answered += 1
            wait = c.wait_s or 0.0
            wait_total += wait
            within += wait <= limit_s
        elif c.outcome == "abandoned":
            abandoned += 1
    return {
        "offered": offered,
        "answered": answered,
        "abandoned": abandoned,
        "answered_within_limit": within,
        "service_level": within / offered if offered else None,
        "abandon_rate": abandoned / offered if offered else None,
        "asa_s": wait_total / answered if answered else 0.0,
    }
