"""Small hand-written SVG charts for the HTML report: no plotting library, works offline."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

W, H = 860, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 56, 24, 50
PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563")


def _frame(body: str, title: str, width: int = W, height: int = H) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}">'
        f'<rect width="{width}" height="{height}" fill="white"/>{body}</svg>'
    )


def _hhmm(seconds: float) -> str:
    s = int(seconds) % 86400
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * exp:
            return m * exp
    return 10 * exp


def interval_chart(
    x_seconds: Sequence[float],
    width_s: float,
    rates: Sequence[float | None],
    target: float,
    counts: Sequence[Sequence[float]],
    count_labels: Sequence[str],
    bands: Sequence[tuple[float, float, int]] = (),
    title: str = "",
) -> str:
    """Service level per interval (bars, left axis, 0-100 %) against the target (dashed line),
    waiting callers (lines, right axis), and alarm periods (shaded bands: level 1 amber, 2 red)."""
    if not x_seconds:
        return _frame('<text x="20" y="40">no intervals</text>', title)
    x0, x1 = x_seconds[0], x_seconds[-1] + width_s
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(t: float) -> float:
        return LEFT + (t - x0) / (x1 - x0) * pw

    def y_rate(r: float) -> float:
        return TOP + (1 - r) * ph

    cmax = _nice_max(max((v for series in counts for v in series), default=1.0))

    def y_count(v: float) -> float:
        return TOP + (1 - v / cmax) * ph

    parts: list[str] = []
    for start, end, level in bands:
        s, e = max(start, x0), min(end, x1)
        if e > s:
            colour = "#fde68a" if level == 1 else "#fecaca"
            parts.append(
                f'<rect x="{x(s):.1f}" y="{TOP}" width="{x(e) - x(s):.1f}" height="{ph}" '
                f'fill="{colour}" opacity="0.7"><title>alarm level {level}: {_hhmm(s)}-{_hhmm(e)}</title></rect>'
            )
    bw = pw * width_s / (x1 - x0)
    for t, r in zip(x_seconds, rates, strict=True):
        if r is None:
            continue
        colour = "#93c5fd" if r >= target else "#fca5a5"
        parts.append(
            f'<rect x="{x(t) + 1:.1f}" y="{y_rate(r):.1f}" width="{max(bw - 2, 1):.1f}" '
            f'height="{TOP + ph - y_rate(r):.1f}" fill="{colour}">'
            f"<title>{_hhmm(t)} service level {r:.0%}</title></rect>"
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{y_rate(target):.1f}" y2="{y_rate(target):.1f}" '
        f'stroke="#111" stroke-dasharray="6 4"/><text x="{LEFT + 4}" y="{y_rate(target) - 4:.1f}" '
        f'font-size="11">target {target:.0%}</text>'
    )
    for i, (series, label) in enumerate(zip(counts, count_labels, strict=True)):
        colour = PALETTE[(i + 1) % len(PALETTE)]
        pts = " ".join(
            f"{x(t) + bw / 2:.1f},{y_count(v):.1f}" for t, v in zip(x_seconds, series, strict=True)
        )
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts.append(
            f'<text x="{LEFT + 190 * i}" y="{H - 4}" font-size="11" fill="{colour}">'
            f"— {escape(label)}</text>"
        )
    parts.extend(_axes(x0, x1, x, ph))
    for frac in (0, 0.25, 0.5, 0.75, 1):
        yy = y_rate(frac)
        parts.append(
            f'<text x="{LEFT - 6}" y="{yy + 4:.1f}" font-size="10" text-anchor="end">{frac:.0%}</text>'
        )
        parts.append(
            f'<text x="{LEFT + pw + 6}" y="{yy + 4:.1f}" font-size="10">{cmax * frac:g}</text>'
        )
    parts.append(
        f'<text x="{LEFT}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>'
    )
    return _frame("".join(parts), title)


def _axes(x0: float, x1: float, x: object, ph: float) -> list[str]:
    fx = x  # a callable
    assert callable(fx)
    out = [
        f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{TOP + ph}" y2="{TOP + ph}" stroke="#444"/>',
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + ph}" stroke="#444"/>',
    ]
    span = x1 - x0
    step = 3600.0 if span <= 86400 * 1.01 else 86400.0 / 4
    if span <= 6 * 3600:
        step = 1800.0
    t = math.ceil(x0 / step) * step
    while t <= x1:
        xx = fx(t)
        out.append(
            f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{TOP + ph}" y2="{TOP + ph + 4}" stroke="#444"/>'
            f'<text x="{xx:.1f}" y="{TOP + ph + 16}" font-size="10" text-anchor="middle">{_hhmm(t)}</text>'
        )
        t += step
    return out


def bar_chart(labels: Sequence[str], values: Sequence[float], title: str, unit: str = "") -> str:
    """Vertical bars with a label under each (the waiting-time distribution)."""
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    vmax = _nice_max(max(values, default=1.0))
    n = max(len(values), 1)
    bw = pw / n
    parts = [f'<text x="{LEFT}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>']
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        h = v / vmax * ph
        xx = LEFT + i * bw
        parts.append(
            f'<rect x="{xx + 2:.1f}" y="{TOP + ph - h:.1f}" width="{bw - 4:.1f}" height="{h:.1f}" '
            f'fill="{PALETTE[0]}"><title>{escape(label)}: {v:g}{unit}</title></rect>'
            f'<text x="{xx + bw / 2:.1f}" y="{TOP + ph + 14}" font-size="10" text-anchor="middle">'
            f"{escape(label)}</text>"
            f'<text x="{xx + bw / 2:.1f}" y="{TOP + ph - h - 3:.1f}" font-size="9" text-anchor="middle">'
            f"{v:.3g}{unit}</text>"
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{TOP + ph}" y2="{TOP + ph}" stroke="#444"/>'
    )
    return _frame("".join(parts), title)


def hbar_chart(labels: Sequence[str], values: Sequence[float | None], title: str) -> str:
    """Horizontal bars of shares, 0-100 % (occupancy per seat group)."""
    row = 22
    height = TOP + row * max(len(labels), 1) + 20
    label_w = 190
    pw = W - label_w - RIGHT
    parts = [f'<text x="10" y="14" font-size="12" font-weight="bold">{escape(title)}</text>']
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        yy = TOP + i * row
        share = v or 0.0
        parts.append(
            f'<text x="{label_w - 6}" y="{yy + 14}" font-size="11" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{yy + 3}" width="{pw * share:.1f}" height="{row - 6}" fill="{PALETTE[2]}"/>'
            f'<text x="{label_w + pw * share + 4:.1f}" y="{yy + 14}" font-size="10">'
            f"{'-' if v is None else f'{v:.0%}'}</text>"
        )
    return _frame("".join(parts), title, height=height)
