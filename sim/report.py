"""What a run produces: the JSON document, the terminal summary and the one-page HTML report.

The JSON document (``--json FILE``), schema ``ivr-sim/1``::

    {
      "schema": "ivr-sim/1",
      "scenario": {"flows": ..., "skills": ..., "traffic": ..., "trace": ..., "seed": 1},
      "run": {"calls": 7998, "events": 61234, "simulated_s": 86400.0, "wall_s": 2.1},
      "definitions": {...},                     # how each KPI is computed (vendor choices)
      "overall": {KPIS, "calls", "outcomes", "containment", "wait_histogram",
                  "unfinished": {"in_menus", "waiting", "awaiting_callback", "answered"},
                  "unfinished_waiting", "unfinished_wait_max_s"},
      "queues": {"billing": {KPIS, "answer_time_limit_s", "waiting_max",
                             "unfinished_waiting", "unfinished_wait_max_s"}, ...},
      "occupancy": {"general": 0.83, "billing": 0.78, ...},   # per seat group
      "alarms": {"*": {"level1_s": 0, "level2_s": 0, "periods": [...]}, ...},
      "intervals": [{"start": epoch, "index": 28, KPIS, "waiting_mean", "waiting_max",
                     "open_seats_mean", "occupancy", "occupancy_by_group",
                     "alarm_level1_s", "alarm_level2_s", "queues": {...}}, ...],
      "actual": {...},                          # replay with real outcomes only
      "warnings": [...]                        # what was warned of before the run, if any
    }

``KPIS`` are ``offered``, ``answered``, ``abandoned`` (short ones apart, in
``short_abandoned``), ``answered_within_limit``, ``service_level``,
``answer_overdue_rate``, ``connection_rate``, ``abandon_rate`` (shares 0..1,
``null`` when nothing was offered), ``asa_s``, ``wait_p50_s`` ...
``wait_p99_s``, ``wait_max_s``, ``aht_talk_s``, ``occupancy``, ``diverted``,
``callbacks``, ``transfers_in``, ``transfers_out``, ``ring_no_answer`` and,
when estimates were given, ``wait_estimate`` (mean, mean absolute and RMS
error of the estimated wait against the wait then had). Intervals carry no
percentiles (their waits have no histogram, to keep memory per interval
small). A queue's ``occupancy`` is that of the seat group named like the
queue's skill (its specialists), else the centre's.

``unfinished`` counts the calls still in progress when the run ended (a
centre with no seat to answer, callers with endless patience), by where they
stood; ``calls`` is the sum of ``outcomes`` and ``unfinished``, and ``offered``
is ``answered`` + ``abandoned`` + ``short_abandoned`` + ``diverted`` +
``callbacks`` + ``unfinished_waiting`` (a callback later answered or diverted
counts under both): see :mod:`ivr.measures.tracks`.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from sim import svg

SCHEMA = "ivr-sim/1"


def document(
    report: dict[str, Any],
    *,
    scenario: dict[str, Any],
    run: dict[str, Any],
    skills_of: dict[str, str | None] | None = None,
    actual: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON document of one run, from :meth:`ivr.measures.Measures.report`."""
    occupancy = report["occupancy"]
    queues = {}
    for name, q in report["queues"].items():
        skill = (skills_of or {}).get(name)
        q = dict(q)
        q["occupancy"] = (
            occupancy.get(skill) if skill in occupancy else report["overall"]["occupancy"]
        )
        queues[name] = q
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "origin": report["origin"],  # epoch of the first simulated midnight (local)
        "scenario": scenario,
        "run": run,
        "definitions": report["definitions"],
        "overall": report["overall"],
        "queues": queues,
        "occupancy": occupancy,
        "alarms": report["alarms"],
        "intervals": report["intervals"],
    }
    if actual is not None:
        doc["actual"] = actual
    return doc


def write_json(doc: dict[str, Any], path: str | Path) -> None:
    Path(path).write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def _pct(v: Any) -> str:
    return "-" if v is None else f"{v:.1%}"


def _sec(v: Any) -> str:
    return "-" if v is None else f"{v:.1f}"


ROWS = (
    ("offered", "offered", str),
    ("answered", "answered", str),
    ("abandoned", "aband.", str),
    ("short_abandoned", "short", str),
    ("service_level", "SL", _pct),
    ("abandon_rate", "aband.%", _pct),
    ("connection_rate", "conn.%", _pct),
    ("asa_s", "ASA s", _sec),
    ("wait_p90_s", "p90 s", _sec),
    ("wait_max_s", "max s", _sec),
    ("occupancy", "occ.", _pct),
)


def _rows(doc: dict[str, Any]) -> tuple[tuple[str, str, Any], ...]:
    """The table's columns: ROWS, and the calls still waiting at the end when there are any."""
    if not _unfinished(doc["overall"])[1]:
        return ROWS
    return (*ROWS[:4], ("unfinished_waiting", "unfin.", str), *ROWS[4:])


def _unfinished(o: dict[str, Any]) -> tuple[str, int]:
    """The calls the run ended before, said in words, and how many there were."""
    left = o.get("unfinished") or {}
    words = (
        ("waiting", "waiting for a seat"),
        ("in_menus", "in the menus"),
        ("awaiting_callback", "awaiting a callback"),
        ("answered", "answered and still on the line"),
    )
    parts = [f"{left[k]:,} {text}" for k, text in words if left.get(k)]
    if left.get("waiting"):
        longest = o.get("unfinished_wait_max_s", 0.0)
        wait = f"{longest:.0f} s" if longest < 3600 else f"{longest / 3600:.1f} h"
        parts[0] += f" (the longest for {wait})"
    return ", ".join(parts), sum(left.values())


def summary_table(doc: dict[str, Any], title: str = "Simulated day") -> Table:
    table = Table(title=title, title_justify="left", padding=(0, 1), pad_edge=False)
    table.add_column("queue", no_wrap=True)
    rows = _rows(doc)
    for _key, label, _fmt in rows:
        table.add_column(label, justify="right", no_wrap=True)
    for name, q in doc["queues"].items():
        table.add_row(name, *(fmt(q.get(key)) for key, _l, fmt in rows))
    o = doc["overall"]
    table.add_row("[b]centre[/b]", *(f"[b]{fmt(o.get(key))}[/b]" for key, _l, fmt in rows))
    return table


def print_summary(doc: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    console.print(summary_table(doc))
    o, r = doc["overall"], doc["run"]
    outcomes = ", ".join(f"{k} {v}" for k, v in o.get("outcomes", {}).items())
    alarms = doc["alarms"].get("*", {})
    est = o.get("wait_estimate")
    lines = [
        f"calls {o.get('calls', 0)}  ({outcomes})",
        f"containment (self-service) {_pct(o.get('containment'))}   transfers {o.get('transfers_out', 0)}"
        f"   callbacks {o.get('callbacks', 0)}   diverted {o.get('diverted', 0)}",
        f"centre alarm: level 1 {alarms.get('level1_s', 0) / 60:.0f} min, level 2 {alarms.get('level2_s', 0) / 60:.0f} min",
        "seat occupancy by group: "
        + ", ".join(f"{g} {_pct(v)}" for g, v in doc["occupancy"].items()),
    ]
    said, left = _unfinished(o)
    if left:
        lines.append(
            f"[yellow]{left:,} calls had not finished when the run ended: {said}; they are "
            "neither answered nor abandoned (no seat to answer them, or endless patience?)[/yellow]"
        )
    if est:
        lines.append(
            f"wait estimate error: mean {est['mean_error_s']:+.1f} s, mean abs {est['mean_abs_error_s']:.1f} s,"
            f" RMSE {est['rmse_s']:.1f} s over {est['callers']} callers"
        )
    if "actual" in doc:
        a = doc["actual"]
        lines.append(
            f"actual (trace): offered {a['offered']}, answered {a['answered']}, abandoned {a['abandoned']},"
            f" SL {_pct(a['service_level'])}, ASA {_sec(a['asa_s'])} s"
        )
    lines.append(
        f"simulated {r['calls']} calls ({r['simulated_s'] / 3600:.1f} h) in {r['wall_s']:.2f} s"
        f" ({r['calls'] / max(r['wall_s'], 1e-9):,.0f} calls/s)"
    )
    for line in lines:
        console.print(line)


# --- compare ---------------------------------------------------------------------------

COMPARE_KEYS = (
    ("offered", "offered", str),
    ("answered", "answered", str),
    ("abandoned", "abandoned", str),
    ("service_level", "service level", _pct),
    ("abandon_rate", "abandon rate", _pct),
    ("connection_rate", "connection rate", _pct),
    ("asa_s", "ASA s", _sec),
    ("wait_p90_s", "wait p90 s", _sec),
    ("occupancy", "occupancy", _pct),
    ("containment", "containment", _pct),
)


def compare_table(a: dict[str, Any], b: dict[str, Any], label_a: str, label_b: str) -> Table:
    table = Table(title="Same calls, two configurations", title_justify="left")
    for col in ("scope", "measure", label_a, label_b, "difference"):
        table.add_column(col, justify="left" if col in ("scope", "measure") else "right")
    scopes = [("centre", a["overall"], b["overall"])]
    for name in sorted(set(a["queues"]) | set(b["queues"])):
        scopes.append((name, a["queues"].get(name, {}), b["queues"].get(name, {})))
    for scope, qa, qb in scopes:
        for key, label, fmt in COMPARE_KEYS:
            va, vb = qa.get(key), qb.get(key)
            if va is None and vb is None:
                continue
            diff = "-"
            if isinstance(va, int | float) and isinstance(vb, int | float):
                d = vb - va
                diff = (
                    f"{d:+.1%}"
                    if fmt is _pct
                    else f"{d:+.1f}"
                    if fmt is _sec
                    else f"{d:+d}"
                    if isinstance(d, int)
                    else f"{d:+g}"
                )
            table.add_row(scope, label, fmt(va), fmt(vb), diff)
    return table


# --- HTML --------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#111;max-width:980px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:16px;margin:28px 0 8px}
.tiles{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.tile{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:120px}
.tile b{display:block;font-size:22px} .bad b{color:#dc2626} .good b{color:#16a34a}
table{border-collapse:collapse;font-size:13px} td,th{border-bottom:1px solid #eee;padding:4px 8px;text-align:right}
td:first-child,th:first-child{text-align:left} .muted{color:#666;font-size:12px}
"""


def _interval_chart(doc: dict[str, Any], target: float) -> str:
    """Service level per interval against the target, callers waiting and seats open, alarms shaded."""
    intervals = [r for r in doc["intervals"] if r.get("offered") or r.get("open_seats_mean")]
    origin = float(doc.get("origin", 0.0))  # times of day are shown from the local midnight
    xs = [r["start"] - origin for r in intervals]
    width = float(doc["definitions"].get("interval_s", 900.0))
    bands = [
        (p["start"], p["end"], p["level"])
        for scope, a in doc["alarms"].items()
        if scope == "*"
        for p in a["periods"]
    ]
    if not bands:  # no centre alarm: show the queues' alarms
        bands = [
            (p["start"], p["end"], p["level"]) for a in doc["alarms"].values() for p in a["periods"]
        ]
    chart_sl = svg.interval_chart(
        xs,
        width,
        [r.get("service_level") for r in intervals],
        target,
        [
            [r.get("waiting_mean", 0.0) for r in intervals],
            [r.get("waiting_max", 0.0) for r in intervals],
            [r.get("open_seats_mean", 0.0) for r in intervals],
        ],
        ["waiting callers (mean)", "waiting callers (max)", "open seats (mean)"],
        bands,
        title="Service level per 15 min (bars, left) against the target; callers waiting and seats open (right)",
    )
    return chart_sl


def _wait_chart(o: dict[str, Any]) -> str:
    """The share of answered calls per waiting-time bucket."""
    hist = o.get("wait_histogram") or {}
    edges = hist.get("edges_s", [])
    counts = hist.get("counts", [])
    total = sum(counts) or 1
    labels = [
        f"{int(e)}-{int(edges[i + 1])}" if i + 1 < len(edges) else f"{int(e)}+"
        for i, e in enumerate(edges)
    ]
    chart_wait = svg.bar_chart(
        labels,
        [100.0 * c / total for c in counts],
        "Waiting time of answered calls (share, seconds)",
        "%",
    )
    return chart_wait


def _tiles(o: dict[str, Any], target: float) -> str:
    """The day's headline figures, the service level coloured against its target, and a word
    on the calls the run ended before, if any."""
    sl = o.get("service_level")
    tiles = [
        ("calls", f"{o.get('calls', 0):,}", ""),
        ("service level", _pct(sl), "good" if sl is not None and sl >= target else "bad"),
        ("ASA", f"{_sec(o.get('asa_s'))} s", ""),
        ("abandon rate", _pct(o.get("abandon_rate")), ""),
        ("connection rate", _pct(o.get("connection_rate")), ""),
        ("occupancy", _pct(o.get("occupancy")), ""),
        ("containment", _pct(o.get("containment")), ""),
        ("wait p90", f"{_sec(o.get('wait_p90_s'))} s", ""),
    ]
    said, left = _unfinished(o)
    if left:
        tiles.insert(1, ("unfinished", f"{left:,}", "bad"))
    out = "".join(
        f'<div class="tile {cls}">{html.escape(label)}<b>{html.escape(value)}</b></div>'
        for label, value, cls in tiles
    )
    note = ""
    if left:
        note = (
            f'<div class="muted">{left:,} calls had not finished when the run ended: '
            f"{html.escape(said)}. They are neither answered nor abandoned.</div>"
        )
    return f'<div class="tiles">{out}</div>{note}'


def _tables(doc: dict[str, Any]) -> tuple[str, str, str, str]:
    """The per-queue table's head and rows, the alarms' rows and the definitions' rows."""
    o = doc["overall"]
    columns = _rows(doc)
    head = "".join(f"<th>{html.escape(label)}</th>" for _k, label, _f in columns)
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td>"
        + "".join(f"<td>{html.escape(fmt(q.get(key)))}</td>" for key, _l, fmt in columns)
        + "</tr>"
        for name, q in [*doc["queues"].items(), ("centre", o)]
    )
    alarm_rows = "".join(
        f"<tr><td>{html.escape(scope)}</td><td>{a['level1_s'] / 60:.0f} min</td>"
        f"<td>{a['level2_s'] / 60:.0f} min</td><td>{len(a['periods'])}</td></tr>"
        for scope, a in doc["alarms"].items()
    )
    defs = "".join(
        f"<tr><td>{html.escape(str(k))}</td><td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in doc["definitions"].items()
    )
    return head, rows, alarm_rows, defs


def _warnings(doc: dict[str, Any]) -> str:
    """What the run warned of before it started (a number no flow claims), in red at the top."""
    return "".join(
        f'<p style="color:#dc2626">warning: {html.escape(w)}</p>' for w in doc.get("warnings", [])
    )


def _actual_section(doc: dict[str, Any]) -> str:
    """Simulated beside the trace's real outcomes, when the run replayed a trace that has them."""
    o = doc["overall"]
    if "actual" not in doc:
        return ""
    a = doc["actual"]
    return (
        "<h2>Simulated beside actual (the trace's real outcomes)</h2><table><tr><th></th>"
        "<th>offered</th><th>answered</th><th>abandoned</th><th>SL</th><th>ASA s</th></tr>"
        f"<tr><td>simulated</td><td>{o['offered']}</td><td>{o['answered']}</td><td>{o['abandoned'] + o['short_abandoned']}</td>"
        f"<td>{_pct(o['service_level'])}</td><td>{_sec(o['asa_s'])}</td></tr>"
        f"<tr><td>actual</td><td>{a['offered']}</td><td>{a['answered']}</td><td>{a['abandoned']}</td>"
        f"<td>{_pct(a['service_level'])}</td><td>{_sec(a['asa_s'])}</td></tr></table>"
    )


def html_report(doc: dict[str, Any], title: str = "ivr: a simulated day") -> str:
    o = doc["overall"]
    target = float(doc["definitions"].get("service_level_target", 0.8))
    chart_sl = _interval_chart(doc, target)
    chart_wait = _wait_chart(o)
    groups = list(doc["occupancy"])
    chart_occ = svg.hbar_chart(
        groups, [doc["occupancy"][g] for g in groups], "Occupancy per seat group"
    )
    tiles_html = _tiles(o, target)
    head, rows, alarm_rows, defs = _tables(doc)
    actual = _actual_section(doc)
    menus = _menu_section(doc.get("menu_paths"))
    run = doc["run"]
    scenario = ", ".join(f"{k}: {v}" for k, v in doc["scenario"].items() if v is not None)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{_CSS}</style></head><body>
<h1>{html.escape(title)}</h1>
<div class="muted">{html.escape(scenario)} — {run["calls"]:,} calls simulated in {run["wall_s"]:.1f} s</div>
{_warnings(doc)}
{tiles_html}
<h2>The day, interval by interval</h2>{chart_sl}
<div class="muted">Bars: blue at or above the target, red below. Shaded: alarm periods (amber level 1, red level 2).</div>
<h2>How long callers waited</h2>{chart_wait}
<h2>Seats</h2>{chart_occ}
<h2>Per queue</h2><table><tr><th>queue</th>{head}</tr>{rows}</table>
<h2>Peak alarms</h2><table><tr><th>scope</th><th>level 1</th><th>level 2</th><th>periods</th></tr>{alarm_rows or "<tr><td>none</td></tr>"}</table>
{actual}
{menus}
<h2>Definitions used</h2><table>{defs}</table>
</body></html>
"""


def _menu_section(paths: dict[str, Any] | None) -> str:
    """Which menu paths callers take and where they give up (the flows' path report)."""
    if not paths:
        return ""
    nodes = [n for n in paths["nodes"] if n["choices"] or n["hangups"] or n["timeouts"]]
    nodes.sort(key=lambda n: -n["reached"])
    rows = "".join(
        f"<tr><td>{html.escape(n['flow'])}/{html.escape(n['node'])}</td><td>{n['reached']}</td>"
        f"<td style='text-align:left'>"
        + html.escape(", ".join(f"{k}: {v}" for k, v in n["choices"].items()))
        + f"</td><td>{n['timeouts']}</td><td>{n['hangups']} ({n['hangup_share']:.1%})</td></tr>"
        for n in nodes[:25]
    )
    queues = "".join(
        f"<tr><td>{html.escape(q['queue'])}</td><td>{q['calls']}</td><td>{q['mean_path_s']:.0f}</td>"
        f"<td>{q['median_path_s']:.0f}</td><td>{q['p90_path_s']:.0f}</td></tr>"
        for q in paths.get("queues", [])
    )
    return (
        f"<h2>Menu paths</h2><div class='muted'>{paths['calls']:,} calls; "
        f"{paths['menu_hangups']:,} hung up in the menus.</div>"
        "<table><tr><th>menu</th><th>reached</th><th>choices</th><th>time-outs</th>"
        f"<th>hung up here</th></tr>{rows}</table>"
        "<h2>Time in the menus before each queue (s)</h2><table><tr><th>queue</th><th>calls</th>"
        f"<th>mean</th><th>median</th><th>p90</th></tr>{queues}</table>"
    )


def write_html(doc: dict[str, Any], path: str | Path, title: str = "ivr: a simulated day") -> None:
    Path(path).write_text(html_report(doc, title), encoding="utf-8")
