"""A harness for testing routing rules in a few lines: a centre, a manual clock, timers that fire.

Operations teams can test their own ``skills/`` with it as we test ours::

    desk = Desk(centre)
    desk.login("s1", "s2")
    desk.call("c1", queue="billing", tier=Tier.VIP)
    assert desk.offered_to("c1") == "s2"
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from ivr.clock import ManualClock
from ivr.model.commands import OfferCall
from ivr.model.events import (
    CallEnded,
    CallEnqueued,
    SeatAnswered,
    SeatLoggedIn,
    TransferRequested,
)
from ivr.model.outputs import Output
from ivr.model.skills import CentreConfig, QueueConfig, SeatConfig, SkillConfig
from ivr.routing.core import RoutingCore
from ivr.scheduling import ListScheduler

T = TypeVar("T")


def centre(
    queues: Iterable[QueueConfig | Mapping[str, Any]],
    seats: Iterable[SeatConfig | Mapping[str, Any]],
    **settings: Any,
) -> CentreConfig:
    """A centre from short specs; skills are the ones the queues and seats name."""
    qs = [q if isinstance(q, QueueConfig) else QueueConfig(**q) for q in queues]
    ss = [s if isinstance(s, SeatConfig) else SeatConfig(**s) for s in seats]
    skills = sorted({q.skill for q in qs if q.skill} | {k for s in ss for k in s.skills})
    settings.setdefault("general_queue", "general")
    return CentreConfig(
        skills=tuple(SkillConfig(name=n) for n in skills),
        queues=tuple(qs),
        seats=tuple(ss),
        **settings,
    )


class Desk:
    """A routing core on a manual clock, recording every output."""

    def __init__(self, config: CentreConfig, start: float = 1_000_000.0, seed: int = 0) -> None:
        import random

        self.clock = ManualClock(start)
        self.scheduler = ListScheduler()
        self.core = RoutingCore(
            config, clock=self.clock, scheduler=self.scheduler, rng=random.Random(seed)
        )
        self.outputs: list[Output] = []
        # Called with each batch of outputs as it is produced, while the state is as it left it.
        self.observer: Callable[[list[Output]], None] | None = None

    def _record(self, out: list[Output]) -> None:
        self.outputs.extend(out)
        if self.observer is not None:
            self.observer(out)

    def send(self, event: object) -> list[Output]:
        out = self.core.handle(event)
        self._record(out)
        return out

    def advance(self, seconds: float) -> list[Output]:
        """Move time on, firing every timer that falls due on the way, in order."""
        target = self.clock.now() + seconds
        out: list[Output] = []
        while True:
            when = self.scheduler.next_when()
            if when is None or when > target:
                break
            self.clock.set(max(when, self.clock.now()))
            for timer in self.scheduler.due(self.clock.now()):
                fired = self.core.fire(timer)
                self._record(fired)
                out.extend(fired)
        self.clock.set(target)
        return out

    def login(self, *seat_ids: str) -> None:
        for seat_id in seat_ids:
            self.send(SeatLoggedIn(seat_id=seat_id))

    def call(self, call_id: str, queue: str, **kwargs: Any) -> list[Output]:
        return self.send(CallEnqueued(call_id=call_id, queue=queue, **kwargs))

    def answer(self, call_id: str) -> list[Output]:
        return self.send(SeatAnswered(call_id=call_id, seat_id=self.offered_to(call_id)))

    def hang_up(self, call_id: str, by: str = "caller") -> list[Output]:
        return self.send(CallEnded(call_id=call_id, by=by))  # type: ignore[arg-type]

    def transfer(self, call_id: str, **kwargs: Any) -> list[Output]:
        return self.send(TransferRequested(call_id=call_id, **kwargs))

    def offered_to(self, call_id: str) -> str:
        """The seat the call was last offered to."""
        for out in reversed(self.outputs):
            if isinstance(out, OfferCall) and out.call_id == call_id:
                return out.seat_id
        msg = f"call {call_id} was never offered to a seat"
        raise AssertionError(msg)

    def offers(self) -> list[tuple[str, str]]:
        return [(o.call_id, o.seat_id) for o in self.outputs if isinstance(o, OfferCall)]

    def of_type(self, kind: type[T]) -> list[T]:
        return [o for o in self.outputs if isinstance(o, kind)]

    def state_of(self, seat_id: str) -> str:
        return self.core.seats[seat_id].state.value
