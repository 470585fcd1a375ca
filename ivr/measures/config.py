"""The KPI definitions that differ between vendors: configuration, stated in every report."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ServiceLevelBasis(StrEnum):
    """What the calls answered within the limit are divided by."""

    OFFERED = "offered"  # every call that entered the queue
    OFFERED_MINUS_SHORT = "offered_minus_short_abandons"  # short abandons are not counted at all
    ANSWERED = "answered"  # only the calls a seat answered


class ConnectionBasis(StrEnum):
    """What 'call attempts' are, for the connection rate (REQUIREMENTS §5)."""

    OFFERED = "offered"  # calls that asked for a seat
    ALL_CALLS = "all_calls"  # every call that reached the centre, self-service included


class MeasuresConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    interval_s: float = Field(900.0, gt=0)  # 15-minute intervals
    short_abandon_s: float = Field(5.0, ge=0)
    service_level_basis: ServiceLevelBasis = ServiceLevelBasis.OFFERED_MINUS_SHORT
    short_abandons_are_abandons: bool = False
    callbacks_are_abandons: bool = False  # else a callback leaves the basis like a short abandon
    connection_basis: ConnectionBasis = ConnectionBasis.OFFERED
    default_answer_time_limit_s: float = Field(15.0, gt=0)  # for queues the centre does not name
    service_level_target: float = Field(0.8, gt=0, le=1)  # drawn on charts; 80/15 by default

    def describe(self) -> dict[str, object]:
        """The definitions in words, for the report."""
        basis = {
            ServiceLevelBasis.OFFERED: "answered within the limit / offered",
            ServiceLevelBasis.OFFERED_MINUS_SHORT: (
                "answered within the limit / (offered - short abandons"
                + ("" if self.callbacks_are_abandons else " - callbacks")
                + ")"
            ),
            ServiceLevelBasis.ANSWERED: "answered within the limit / answered",
        }[self.service_level_basis]
        return {
            "interval_s": self.interval_s,
            "service_level_target": self.service_level_target,
            "service_level": basis,
            "short_abandon_s": self.short_abandon_s,
            "short_abandons_are_abandons": self.short_abandons_are_abandons,
            "callbacks_are_abandons": self.callbacks_are_abandons,
            "connection_rate": "answered / "
            + ("offered" if self.connection_basis is ConnectionBasis.OFFERED else "all calls"),
            "answer_overdue_rate": "answered after the limit / answered",
            "abandon_rate": "abandoned / offered (same exclusions as the service level)",
            "asa": "mean wait of answered calls, from entering the queue to the seat answering",
            "occupancy": "(talking + wrap-up) / (available + ringing + talking + wrap-up)",
            "transfers": "a journey with several legs counts once in the centre's measures;"
            " transferred legs count as transfers_in in the queue that took them",
            "wait_estimate_error": "estimated wait at queueing - wait then had, answered callers only",
        }
