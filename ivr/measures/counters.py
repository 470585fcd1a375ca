"""Counters of one queue (or the whole centre) over one period, and the KPIs derived from them."""

from __future__ import annotations

import math
from typing import Any

from ivr.measures.config import ConnectionBasis, MeasuresConfig, ServiceLevelBasis
from ivr.measures.histogram import WaitHistogram

PERCENTILES = (50, 80, 90, 95, 99)


class Counters:
    """What happened to the calls that entered a queue in one period (attributed to their entry)."""

    __slots__ = (
        "abandon_waits",
        "abandoned",
        "answered",
        "answered_within_limit",
        "callbacks",
        "calls",
        "cut_off",
        "diverted",
        "estimate_abs_error",
        "estimate_count",
        "estimate_error",
        "estimate_sq_error",
        "offered",
        "outcomes",
        "ring_no_answer",
        "short_abandoned",
        "talk_count",
        "talk_total",
        "transfers_in",
        "transfers_out",
        "wait_max",
        "wait_total",
        "waits",
    )

    def __init__(self, histograms: bool = True) -> None:
        self.calls = 0  # journeys that reached the centre (centre-wide counters only)
        self.offered = 0
        self.answered = 0
        self.answered_within_limit = 0
        self.abandoned = 0  # every abandon, short ones included
        self.short_abandoned = 0
        self.diverted = 0
        self.cut_off = 0  # cut by the PBX (a restart) while waiting: nobody gave up
        self.callbacks = 0
        self.transfers_in = 0
        self.transfers_out = 0
        self.ring_no_answer = 0
        self.talk_total = 0.0
        self.talk_count = 0
        self.estimate_count = 0
        self.estimate_error = 0.0
        self.estimate_abs_error = 0.0
        self.estimate_sq_error = 0.0
        self.outcomes: dict[str, int] = {}
        self.waits: WaitHistogram | None = WaitHistogram() if histograms else None
        self.abandon_waits: WaitHistogram | None = WaitHistogram() if histograms else None
        self.wait_total = 0.0  # the answered waits' sum and maximum, kept without a histogram too
        self.wait_max = 0.0

    def add_wait(self, wait_s: float) -> None:
        self.wait_total += wait_s
        if wait_s > self.wait_max:
            self.wait_max = wait_s
        if self.waits is not None:
            self.waits.add(wait_s)

    def add_estimate(self, estimated_s: float, wait_s: float) -> None:
        err = estimated_s - wait_s
        self.estimate_count += 1
        self.estimate_error += err
        self.estimate_abs_error += abs(err)
        self.estimate_sq_error += err * err

    def kpis(self, cfg: MeasuresConfig, *, centre: bool = False) -> dict[str, Any]:
        """The counters and the KPIs, as plain JSON values (rates are 0..1, times in seconds)."""
        short = self.short_abandoned
        counted_abandons = self.abandoned - (0 if cfg.short_abandons_are_abandons else short)
        # A caller the PBX cut off did not give up and was not served: outside every rate.
        excluded = (0 if cfg.short_abandons_are_abandons else short) + self.cut_off
        if cfg.callbacks_are_abandons:
            counted_abandons += self.callbacks
        else:
            excluded += self.callbacks
        if cfg.service_level_basis is ServiceLevelBasis.OFFERED:
            sl_basis = self.offered - self.cut_off
        elif cfg.service_level_basis is ServiceLevelBasis.ANSWERED:
            sl_basis = self.answered
        else:
            sl_basis = self.offered - excluded
        abandon_basis = self.offered - (
            self.cut_off if cfg.service_level_basis is ServiceLevelBasis.OFFERED else excluded
        )
        if centre and cfg.connection_basis is ConnectionBasis.ALL_CALLS:
            attempts = self.calls
        else:
            attempts = self.offered
        out: dict[str, Any] = {
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": counted_abandons,
            "short_abandoned": short,
            "answered_within_limit": self.answered_within_limit,
            "diverted": self.diverted,
            "cut_off": self.cut_off,
            "callbacks": self.callbacks,
            "transfers_in": self.transfers_in,
            "transfers_out": self.transfers_out,
            "ring_no_answer": self.ring_no_answer,
            "service_level": _ratio(self.answered_within_limit, sl_basis),
            "answer_overdue_rate": _ratio(
                self.answered - self.answered_within_limit, self.answered
            ),
            "connection_rate": _ratio(self.answered, attempts),
            "abandon_rate": _ratio(counted_abandons, abandon_basis),
            "asa_s": _ratio(self.wait_total, self.answered, empty=0.0),
            "wait_max_s": self.wait_max,
            "aht_talk_s": _ratio(self.talk_total, self.talk_count, empty=0.0),
        }
        if centre:
            out["calls"] = self.calls
            out["outcomes"] = dict(sorted(self.outcomes.items()))
            out["containment"] = _ratio(self.outcomes.get("self_service", 0), self.calls)
        if self.waits is not None:
            for p in PERCENTILES:
                out[f"wait_p{p}_s"] = self.waits.percentile(p)
        if self.abandon_waits is not None:
            out["abandon_wait_mean_s"] = self.abandon_waits.mean
        if self.estimate_count:
            n = self.estimate_count
            out["wait_estimate"] = {
                "callers": n,
                "mean_error_s": self.estimate_error / n,
                "mean_abs_error_s": self.estimate_abs_error / n,
                "rmse_s": math.sqrt(self.estimate_sq_error / n),
            }
        return out


def _ratio(num: float, den: float, empty: float | None = None) -> float | None:
    """``num / den``, or ``empty`` (None: not defined, shown as a dash) when nothing was counted."""
    return num / den if den else empty
