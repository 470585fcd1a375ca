"""Peak alarms (REQUIREMENTS §4): the ratio of waiting callers to open seats.

Level 1 is raised at ``level1`` × open seats (2.5 by default), level 2 at
``level2`` × (3.5). To keep an alarm from flapping when one caller comes and
goes, a level is cleared only when the ratio falls below ``clear_factor`` ×
its own threshold. With no seat open, any waiting caller is level 2: nobody
can answer.
"""

from __future__ import annotations

from ivr.model.skills import AlarmConfig


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
