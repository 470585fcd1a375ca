"""The engine's timers on the asyncio loop.

The engine asks :class:`LoopScheduler` for a :class:`~ivr.scheduling.Timer`;
it is put on the loop with ``call_later`` (the delay measured on the injected
clock) and, when due and not cancelled, handed to ``on_due`` — the driver,
which calls ``engine.fire``. Every handle is kept, so :meth:`close` cancels
them all: nothing outlives the driver.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ivr.clock import Clock
from ivr.scheduling import Timer


class LoopScheduler:
    def __init__(self, clock: Clock, on_due: Callable[[Timer], None] | None = None) -> None:
        self._clock = clock
        self._on_due = on_due
        self._handles: dict[int, asyncio.TimerHandle] = {}
        self._seq = 0

    def bind(self, on_due: Callable[[Timer], None]) -> None:
        self._on_due = on_due

    def schedule(self, timer: Timer) -> None:
        self._seq += 1
        timer.seq = self._seq
        key = self._seq
        delay = max(0.0, timer.when - self._clock.now())
        loop = asyncio.get_running_loop()
        self._handles[key] = loop.call_later(delay, self._due, key, timer)

    def _due(self, key: int, timer: Timer) -> None:
        self._handles.pop(key, None)
        if not timer.cancelled and self._on_due is not None:
            self._on_due(timer)

    @property
    def pending(self) -> int:
        return len(self._handles)

    def close(self) -> None:
        for handle in self._handles.values():
            handle.cancel()
        self._handles.clear()
