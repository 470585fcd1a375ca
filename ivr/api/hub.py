"""Where the engine's outputs meet the floor, the metrics and the live stream.

:meth:`Hub.observe` takes every batch of outputs that ``Engine.handle``/``Engine.fire``
returned. That is the one hook the supervisor's side needs from a driver. Who calls it:

- ``ivr serve``: :mod:`ivr.cli.serve` gives ``hub.observe`` to the live service as an
  output sink, and the live driver (:class:`ivr.live.driver.LiveDriver`) hands it each batch;
- :class:`ivr.api.control.LocalControl`, the engine with no telephone behind it (the
  tests, the wallboard screenshot);
- ``bench/bench_supervision.py``, which wraps the engine of a simulated centre to measure
  what watching costs.

The simulator itself (``ivr simulate``, ``sim/``) never does: it reports from its own
:class:`ivr.measures.Measures`, with no floor, hub or stream.
"""

from __future__ import annotations

from collections.abc import Iterable

from ivr.api.schemas import CallOut, CentreOut, QueueOut, SeatOut
from ivr.api.stream import EventBus, Message
from ivr.clock import Clock
from ivr.obs.floor import Floor
from ivr.obs.health import Health
from ivr.obs.metrics import Metrics
from ivr.secret import mask_secrets


class Hub:
    def __init__(self, floor: Floor, *, clock: Clock, metrics: Metrics | None = None) -> None:
        self.floor = floor
        self.clock = clock
        self.metrics = metrics if metrics is not None else Metrics(floor)
        self.health = Health()
        self.bus = EventBus()

    def observe(self, outputs: Iterable[object]) -> None:
        batch = list(outputs)
        if not batch:
            return
        changes = self.floor.observe(batch)
        self.metrics.observe(batch)
        if self.bus.subscribers == 0:
            return
        now = self.clock.now()
        for alarm in changes.alarms:
            self.bus.publish(
                Message(
                    "alarm",
                    {
                        "scope": alarm.scope,
                        "level": alarm.level,
                        "previous": alarm.previous,
                        "waiting": alarm.waiting,
                        "open_seats": alarm.open_seats,
                        "at": alarm.at,
                    },
                )
            )
        if changes.queues:
            centre = CentreOut.of(self.floor.centre_now(), now).model_dump(mode="json")
            self.bus.publish(Message("centre", centre))
        for name in sorted(changes.queues):
            if self.floor.has_queue(name):
                data = QueueOut.of(self.floor.queue(name), now).model_dump(mode="json")
                self.bus.publish(Message("queue", data))
        for sid in sorted(changes.seats):
            seat = self.floor.seats.get(sid)
            if seat is not None:
                self.bus.publish(Message("seat", SeatOut.of(seat).model_dump(mode="json")))
        for cid in sorted(changes.calls - changes.ended):
            call = self.floor.calls.get(cid)
            if call is not None:
                data = CallOut.of(call, self.floor).model_dump(mode="json")
                self.bus.publish(Message("call", data))
        for cid in sorted(changes.ended):
            self.bus.publish(Message("call_ended", {"call_id": cid}))
        for offer in changes.offers:
            self.bus.publish(
                Message(
                    "offer",
                    {
                        "call_id": offer.call_id,
                        "seat_id": offer.seat_id,
                        "queue": offer.queue,
                        "context": mask_secrets(dict(offer.context)),
                    },
                    seat_id=offer.seat_id,
                )
            )
