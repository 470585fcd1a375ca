"""When the fake Asterisk does what it does later: on the asyncio loop, or on a manual clock.

The fake's telephony (:mod:`.pbx`, :mod:`.agi`) never touches the loop itself:
it asks its timers to run a callback *soon* (after what is being handled now,
as ``loop.call_soon`` does) or *later* (after a delay). :class:`LoopTimers`
serves the TCP fake; :class:`ManualTimers` lets a test run the very same fake
with no socket and no sleeping, on a :class:`~ivr.clock.ManualClock`, so a
failure replays exactly.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import deque
from collections.abc import Callable
from typing import Protocol

from ivr.clock import ManualClock


class FakeTimers(Protocol):
    def soon(self, callback: Callable[[], None]) -> None: ...

    def later(self, delay_s: float, callback: Callable[[], None]) -> None: ...

    def cancel_all(self) -> None:
        """Forget every ``later`` not yet run (a restart, a stop)."""


class LoopTimers:
    """The running asyncio loop's ``call_soon`` and ``call_later``."""

    def __init__(self) -> None:
        self._handles: set[asyncio.TimerHandle] = set()

    def soon(self, callback: Callable[[], None]) -> None:
        asyncio.get_running_loop().call_soon(callback)

    def later(self, delay_s: float, callback: Callable[[], None]) -> None:
        handle: asyncio.TimerHandle

        def run() -> None:
            self._handles.discard(handle)
            callback()

        handle = asyncio.get_running_loop().call_later(delay_s, run)
        self._handles.add(handle)

    def cancel_all(self) -> None:
        for handle in self._handles:
            handle.cancel()
        self._handles.clear()


class ManualTimers:
    """Callbacks run only when the test says: :meth:`run_ready`, :meth:`advance`.

    Equal times run in the order they were asked for (a sequence number breaks
    ties), and every ``soon`` a callback asks for runs before the clock moves on.
    """

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self._ready: deque[Callable[[], None]] = deque()
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    def soon(self, callback: Callable[[], None]) -> None:
        self._ready.append(callback)

    def later(self, delay_s: float, callback: Callable[[], None]) -> None:
        heapq.heappush(self._due, (self.clock.now() + delay_s, next(self._seq), callback))

    def cancel_all(self) -> None:
        self._due.clear()

    def run_ready(self) -> None:
        """Run what was asked for ``soon``, and what that asks for, until nothing is left."""
        while self._ready:
            self._ready.popleft()()

    def advance(self, seconds: float) -> None:
        """Move the clock on by ``seconds``, running every callback due on the way, in order."""
        until = self.clock.now() + seconds
        self.run_ready()
        while self._due and self._due[0][0] <= until:
            when, _, callback = heapq.heappop(self._due)
            self.clock.set(max(when, self.clock.now()))
            callback()
            self.run_ready()
        self.clock.set(until)

    def next_due(self) -> float | None:
        return self._due[0][0] if self._due else None
