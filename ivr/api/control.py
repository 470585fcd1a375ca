"""The way from the API into the engine: a small interface the live driver implements.

The API never calls the engine directly: a seat action or a transfer must go
through the driver that owns the engine, so that the commands it answers with
(ring a seat, cancel an offer) are carried out and its outputs reach the
:class:`~ivr.api.hub.Hub`. :class:`LocalControl` is that driver for an engine
with no telephone behind it (tests, demos): it hands the event to anything with
``handle(event) -> outputs`` (``Engine`` or ``RoutingCore``) and the outputs to
the hub.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from ivr.api.hub import Hub


class Control(Protocol):
    async def submit(self, event: object) -> None:
        """Hand a routing event (SeatLoggedIn ... TransferRequested) to the engine.

        Raises the routing core's errors (UnknownSeatError, IllegalTransitionError, ...).
        """
        ...

    async def reload_flows(self) -> str:
        """Validate the flow files and swap them in; the new version.

        Raises ConfigError (with every problem) and keeps the running version.
        """
        ...


class Handles(Protocol):
    def handle(self, event: object) -> Sequence[object]: ...


class LocalControl:
    def __init__(
        self,
        engine: Handles,
        hub: Hub,
        *,
        reload: Callable[[], str] | None = None,
    ) -> None:
        self._engine = engine
        self._hub = hub
        self._reload = reload

    def send(self, event: object) -> Sequence[object]:
        """Synchronously: for tests and demos that play the caller's side."""
        with self._hub.metrics.handling(event):
            outputs = self._engine.handle(event)
        self._hub.observe(outputs)
        return outputs

    async def submit(self, event: object) -> None:
        self.send(event)

    async def reload_flows(self) -> str:
        if self._reload is None:
            from ivr.errors import ConfigError

            msg = "this engine was started without flow files; there is nothing to reload"
            raise ConfigError(msg)
        return self._reload()
