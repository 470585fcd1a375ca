"""The routing core's wake-ups: what kinds there are, and one way to start and stop them.

Each kind is woken for one owner (a call or a seat id) and taken by one handler
of the core; a stale timer (cancelled, or no longer the one its owner holds) is
dropped by that handler, so cancelling is only ever an optimisation.
"""

from __future__ import annotations

from enum import StrEnum

from ivr.scheduling import Scheduler, Timer


class TimerKind(StrEnum):
    """What a routing timer is for; the value is what ``ivr_engine_work`` metrics label it."""

    RING = "ring"  # an offered seat did not answer within the queue's ring timeout
    WRAP = "wrap"  # a seat's wrap-up after a call ends
    PENALTY = "penalty"  # a seat skipped after a ring-no-answer may be offered calls again
    WIDEN = "widen"  # a waiting call reaches the next step of its queue
    MAX_WAIT = "max_wait"  # a waiting call reaches its queue's maximum wait
    ANNOUNCE = "announce"  # tell a waiting caller their position again
    FIRST_CONTACT = "first_contact"  # the owner of a caller's open request did not free in time


class Timers:
    """Starts the core's timers on the injected scheduler."""

    __slots__ = ("_schedule",)

    def __init__(self, scheduler: Scheduler) -> None:
        self._schedule = scheduler.schedule

    def start(self, when: float, kind: TimerKind, owner: str) -> Timer:
        timer = Timer(when, kind, owner)
        self._schedule(timer)
        return timer


def stop(timer: Timer | None) -> None:
    """Cancel ``timer`` if there is one; the caller then forgets it (``x = None``)."""
    if timer is not None:
        timer.cancel()
