"""What the measures remember of each call in progress, and where the unfinished ones stand.

A :class:`Track` is made at ``CallStarted`` and dropped at ``JourneyEnded``.
A report made while calls are still in progress (live, or a simulated run that
ended before its calls did: no seat to answer them, endless patience) counts
those calls by where they stand, so that no call drops out of the report:

- ``calls`` = the sum of ``outcomes`` + the sum of the ``unfinished`` counts;
- ``offered`` = ``answered`` + ``abandoned`` + ``short_abandoned`` + ``diverted`` +
  ``callbacks`` + ``cut_off`` + ``unfinished_waiting``, for the centre and for each queue,
  except that a callback later answered (or diverted) is counted under both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class Track:
    """What the measures remember of a call in progress."""

    __slots__ = (
        "answered",
        "callback",
        "entered_at",
        "estimate",
        "interval",
        "leg_entered_at",
        "leg_interval",
        "leg_queue",
        "leg_transfer",
        "pending_transfer",
        "start_interval",
        "transferred",
        "waiting",
    )

    def __init__(self, start_interval: int) -> None:
        self.start_interval = start_interval
        self.interval = -1  # interval of the first queue entry; -1 until queued
        self.entered_at = 0.0
        self.estimate: float | None = None
        self.answered = False
        self.callback = False  # a callback was queued for it
        self.leg_queue = ""
        self.leg_entered_at = 0.0
        self.leg_interval = -1
        self.leg_transfer = False
        self.pending_transfer = False
        self.transferred = False
        self.waiting = False


def unfinished(tracks: Iterable[Track], end: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """The calls still in progress at ``end``: for the centre, and per queue.

    The centre's ``unfinished`` counts every journey in progress by where it
    stands: ``in_menus`` (in the flow, before a queue or after leaving one),
    ``waiting`` (offered, in a queue or ringing, never answered),
    ``awaiting_callback`` (off the line, its callback not yet answered) and
    ``answered`` (answered, not yet ended: talking, or waiting again after a
    transfer). A queue's ``unfinished_waiting`` counts the legs waiting in it
    that its ``offered`` counted (a transferred caller's leg is a ``transfers_in``),
    the centre's the same as its ``unfinished.waiting``; ``unfinished_wait_max_s`` is
    the longest of those waits so far.
    """
    centre = {"in_menus": 0, "waiting": 0, "awaiting_callback": 0, "answered": 0}
    centre_wait = 0.0
    queues: dict[str, dict[str, Any]] = {}
    for t in tracks:
        if t.answered:
            centre["answered"] += 1
        elif t.waiting:
            centre["waiting"] += 1
            centre_wait = max(centre_wait, end - t.entered_at)
        elif t.callback:
            centre["awaiting_callback"] += 1
        else:
            centre["in_menus"] += 1
        if t.waiting and not t.leg_transfer:
            q = queues.setdefault(t.leg_queue, {"waiting": 0, "wait_max_s": 0.0})
            q["waiting"] += 1
            q["wait_max_s"] = max(q["wait_max_s"], end - t.leg_entered_at)
    overall = {
        "unfinished": centre,
        "unfinished_waiting": centre["waiting"],  # named as a queue's, for the same sum
        "unfinished_wait_max_s": centre_wait,
    }
    return overall, queues
