"""Calls for ``ivr fake-asterisk`` to ring in, so that ``ivr serve`` has something to route."""

from __future__ import annotations

import asyncio
import functools

from ivr.ami.fake.pbx import FakePbx


async def demo_traffic(
    fake: FakePbx,
    *,
    calls: int,
    every_s: float,
    keys: str = "1",
    dnis: str = "10000",
    hang_up_after_s: float = 120.0,
) -> None:
    """Ring ``calls`` calls into the fake, one every ``every_s``: callers press ``keys`` and stay
    until a seat hangs up (see :attr:`SeatScript.talk_s`) or ``hang_up_after_s`` passes."""
    for i in range(calls):
        chan = fake.place_call(caller=f"1390000{i % 10000:04d}", dnis=dnis, keys=keys)
        fake.later(hang_up_after_s, functools.partial(fake.caller_hangs_up, chan))
        await asyncio.sleep(every_s)
