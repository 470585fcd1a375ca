"""The live event stream: one bounded queue per subscriber, filled by the hub.

Publishing never blocks the engine: a subscriber that falls more than
``max_backlog`` messages behind is dropped (its stream ends, and the browser's
``EventSource`` reconnects and reloads the state). Closing the bus ends every
stream, so the HTTP server can stop promptly at shutdown.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Message:
    kind: str  # queue | centre | seat | call | call_ended | offer | alarm
    data: dict[str, Any]
    seat_id: str | None = None  # an offer is for this seat's desktop


_CLOSE = Message("close", {})


@dataclass(eq=False)
class Subscription:
    accepts: Callable[[Message], bool]
    queue: asyncio.Queue[Message] = field(default_factory=lambda: asyncio.Queue(maxsize=1000))
    dropped: bool = False


class EventBus:
    def __init__(self, *, max_backlog: int = 1000) -> None:
        self._subs: set[Subscription] = set()
        self._max = max_backlog
        self._closed = False

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def publish(self, message: Message) -> None:
        for sub in list(self._subs):
            if not sub.accepts(message):
                continue
            try:
                sub.queue.put_nowait(message)
            except asyncio.QueueFull:
                sub.dropped = True
                self._subs.discard(sub)
                self._force_close(sub)

    @staticmethod
    def _force_close(sub: Subscription) -> None:
        while True:
            try:
                sub.queue.get_nowait()
            except asyncio.QueueEmpty:
                break
        sub.queue.put_nowait(_CLOSE)

    def subscribe(self, accepts: Callable[[Message], bool]) -> Subscription:
        sub = Subscription(accepts, asyncio.Queue(maxsize=self._max))
        if self._closed:
            sub.queue.put_nowait(_CLOSE)
        else:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    async def messages(self, sub: Subscription) -> AsyncIterator[Message]:
        try:
            while True:
                message = await sub.queue.get()
                if message is _CLOSE:
                    return
                yield message
        finally:
            self.unsubscribe(sub)

    def close(self) -> None:
        """End every stream (shutdown)."""
        self._closed = True
        for sub in list(self._subs):
            self._force_close(sub)
        self._subs.clear()
