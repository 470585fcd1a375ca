"""How the flow interpreter hands a call back to the journey.

The interpreter's outputs are the media commands of :mod:`ivr.model.commands`
(which the journey passes to the driver), facts (:mod:`ivr.model.facts`), and
one of these when the flow is done with the call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ivr.model.facts import Outcome
from ivr.model.skills import Tier


@dataclass(frozen=True, slots=True, kw_only=True)
class ToQueue:
    """The flow hands the call to a queue (a ``queue`` node).

    ``context`` is what the seat will see (the screen pop): the variables the
    menu collected and the customer record, never a secret.
    """

    call_id: str
    queue: str
    service: str | None
    tier: Tier
    priority: int | None = None
    owner_seat: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowDone:
    """The flow ended the journey itself (hang-up, transfer out, callback, voicemail)."""

    call_id: str
    outcome: Outcome
    reason: str
