"""KPIs per queue and per 15-minute interval, streamed from facts (simulator report and live wallboard)."""

from ivr.measures.config import ConnectionBasis, MeasuresConfig, ServiceLevelBasis
from ivr.measures.histogram import WaitHistogram
from ivr.measures.kpis import CENTRE, Measures, seat_group

__all__ = [
    "CENTRE",
    "ConnectionBasis",
    "Measures",
    "MeasuresConfig",
    "ServiceLevelBasis",
    "WaitHistogram",
    "seat_group",
]
