"""Peak alarms (REQUIREMENTS §4): the ratio of waiting callers to open seats, per queue and centre.

Level 1 is raised at ``level1`` × open seats (2.5 by default), level 2 at
``level2`` × (3.5). To keep an alarm from flapping when one caller comes and
goes, a level is cleared only when the ratio falls below ``clear_factor`` ×
its own threshold. With no seat open, any waiting caller is level 2: nobody
can answer.
"""

from __future__ import annotations

from ivr.clock import Clock
from ivr.model.facts import AlarmChanged
from ivr.model.outputs import Output
from ivr.model.skills import AlarmConfig
from ivr.routing.state import QueueState, Seat

CENTRE = "*"  # the scope of the whole centre's alarm, beside each queue's name


def next_level(config: AlarmConfig, current: int, waiting: int, open_seats: int) -> int:
    if open_seats == 0:
        ratio = float("inf") if waiting > 0 else 0.0
    else:
        ratio = waiting / open_seats
    thresholds = (0.0, config.level1, config.level2)
    raised = 2 if ratio >= config.level2 else 1 if ratio >= config.level1 else 0
    level = current
    while level > 0 and ratio < thresholds[level] * config.clear_factor:
        level -= 1
    return max(level, raised)


class PeakAlarms:
    """Callers on the line and open seats, per queue and for the whole centre, and their alarms.

    The counts change where a call joins or leaves the line (:meth:`line`) and
    where a seat opens or closes (:meth:`seat_opened`); the levels are
    re-evaluated by :meth:`check` where the routing core says, so each
    ``AlarmChanged`` fact comes after the fact that caused it.
    """

    __slots__ = ("_clock", "centre", "level", "open_seats", "waiting")

    def __init__(self, centre: AlarmConfig, clock: Clock) -> None:
        self.centre = centre
        self._clock = clock
        self.waiting = 0  # callers on the line in every queue, not yet answered
        self.open_seats = 0  # seats logged in and not paused
        self.level = 0  # the centre's alarm level

    def line(self, q: QueueState, delta: int) -> None:
        """A caller joins (+1) or leaves (-1) the line of ``q``."""
        q.waiting += delta
        self.waiting += delta

    def seat_opened(self, seat: Seat, delta: int, out: list[Output]) -> None:
        """A seat opens (+1) or closes (-1): it counts in every queue it serves."""
        self.open_seats += delta
        for q, _after, _rank in seat.serves:
            q.open_seats += delta
            self.check_queue(q, out)
        self.check_centre(out)

    def check(self, q: QueueState, out: list[Output]) -> None:
        """Re-evaluate the queue's and the centre's alarm after a count changed."""
        self.check_queue(q, out)
        self.check_centre(out)

    def check_queue(self, q: QueueState, out: list[Output]) -> None:
        q.alarm_level = self._level(
            q.name, q.config.alarm, q.alarm_level, q.waiting, q.open_seats, out
        )

    def check_centre(self, out: list[Output]) -> None:
        self.level = self._level(
            CENTRE, self.centre, self.level, self.waiting, self.open_seats, out
        )

    def _level(
        self,
        scope: str,
        config: AlarmConfig,
        current: int,
        waiting: int,
        open_seats: int,
        out: list[Output],
    ) -> int:
        """The alarm level of ``scope`` now; a change is a fact."""
        # Quiet is the usual case: no alarm and under level 1, nothing to compute.
        if not current and waiting < config.level1 * open_seats:
            return 0
        level = next_level(config, current, waiting, open_seats)
        if level != current:
            out.append(
                AlarmChanged(
                    scope=scope,
                    level=level,
                    previous=current,
                    waiting=waiting,
                    open_seats=open_seats,
                    at=self._clock.now(),
                )
            )
        return level
