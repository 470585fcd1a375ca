"""What the live driver counts: read by the benchmarks, the tests and anyone watching it run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class DriverStats:
    ami_events: int = 0
    engine_events: int = 0
    engine_errors: int = 0  # an error the engine raised (a bug): logged with its message
    engine_refusals: int = 0  # events the engine refused in the call's or seat's state
    actions_sent: int = 0
    action_errors: int = 0
    resyncs: int = 0
    calls_vanished: int = 0
