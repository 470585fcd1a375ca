"""A read-only view of queue state, for flows that branch on it (alarm level, estimated wait)."""

from __future__ import annotations

from typing import Protocol

from ivr.model.skills import Tier


class QueueView(Protocol):
    def alarm_level(self, queue: str) -> int:
        """0 (none), 1 or 2; for ``"*"`` the centre-wide level."""
        ...

    def estimated_wait(self, queue: str, tier: Tier = Tier.NORMAL) -> float:
        """Seconds a caller of ``tier`` entering ``queue`` now would wait, by the core's estimate."""
        ...

    def seats_open(self, queue: str) -> int:
        """Logged-in, unpaused seats that may take the queue's calls."""
        ...

    def waiting(self, queue: str) -> int: ...
