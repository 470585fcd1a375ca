"""How long to wait before trying again: exponential, capped, optionally jittered.

One helper for every retry loop in ``ivr`` (the AMI reconnection, the record
writer's database writes), so both grow and cap their delays the same way and
are tested without sleeping: :meth:`Backoff.delays` is a plain iterator of
seconds, and the loop that sleeps them is the caller's. Pure: no clock, no
asyncio; randomness only from the ``random.Random`` the caller passes, so a
seeded run waits the same delays every time.

::

    delays = Backoff(initial_s=0.5, max_s=30, factor=2, jitter=0.2).delays(rng)
    next(delays)  # 0.5 ± 20 %, then 1 ± 20 %, 2, 4 ... 30, 30 ...

A success starts a fresh iterator (``delays = backoff.delays(rng)``): the next
failure waits ``initial_s`` again.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """``initial_s``, times ``factor`` after each failure, never above ``max_s``; ± ``jitter``."""

    initial_s: float
    max_s: float
    factor: float = 2.0
    jitter: float = 0.0  # each delay is spread uniformly over ± this fraction of it

    def __post_init__(self) -> None:
        # initial_s above max_s is allowed: the first delay is initial_s, the rest max_s (the
        # record writer's settings never forbade it, and its loop behaved so).
        if self.initial_s <= 0 or self.max_s <= 0:
            msg = f"a backoff needs delays above 0 s, not initial_s={self.initial_s}, max_s={self.max_s}"
            raise ValueError(msg)
        if self.factor < 1 or not 0 <= self.jitter <= 1:
            msg = f"a backoff needs factor >= 1 and 0 <= jitter <= 1, not {self.factor}, {self.jitter}"
            raise ValueError(msg)

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        """The delays before each retry, without end. Jitter needs ``rng``; without one there is none.

        With an ``rng``, every delay draws one ``rng.uniform`` (even at ``jitter=0``), so a
        shared generator is advanced the same way whatever the jitter.
        """
        if self.jitter and rng is None:
            msg = "a jittered backoff needs a random.Random (seeded, so that runs repeat)"
            raise ValueError(msg)
        delay = self.initial_s
        while True:
            if rng is None:
                yield delay
            else:
                spread = delay * self.jitter
                yield max(0.0, delay + rng.uniform(-spread, spread))
            delay = min(self.max_s, delay * self.factor)
