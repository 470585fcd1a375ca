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

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ivr.api.hub import Hub
from ivr.errors import (
    ConfigError,
    ConfigInvalidError,
    IllegalTransitionError,
    RoutingError,
    UnknownCallError,
    UnknownQueueError,
    UnknownSeatError,
)
from ivr.model.facts import Refused

if TYPE_CHECKING:
    from ivr.config.flow_files import FlowReloader


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


def flow_reloader(reloader: FlowReloader) -> Callable[[], Awaitable[str]]:
    """``reload_flows`` through the service's :class:`~ivr.config.flow_files.FlowReloader`.

    The flows' own hot reload, off the event loop: a broken file keeps its previous
    version. Any problem is raised with every message, so the API answers 422 and says
    which files kept their previous version.
    """

    async def reload() -> str:
        result = await reloader.reload()
        if result.problems:
            exc = ConfigInvalidError(result.problems)
            exc.details = {"running_version": result.version, "kept_previous": result.kept}
            raise exc
        return result.version

    return reload


_REFUSAL_ERRORS: dict[str, type[RoutingError]] = {
    cls.error_id: cls
    for cls in (UnknownCallError, UnknownSeatError, UnknownQueueError, IllegalTransitionError)
}


def raise_if_refused(outputs: Sequence[object]) -> None:
    """The engine's ``Refused`` as the error the API maps to a status (409, or 404)."""
    for out in outputs:
        if isinstance(out, Refused):
            cls = _REFUSAL_ERRORS.get(out.error_id, IllegalTransitionError)
            phase = f" (the call is {out.phase})" if out.phase else ""
            raise cls(
                f"{out.event} refused: {out.reason}{phase}",
                event=out.event,
                call_id=out.call_id,
                seat_id=out.seat_id,
                phase=out.phase,
            )


class DriverControl:
    """:class:`Control` for the live driver (:class:`ivr.live.driver.LiveDriver`).

    The driver hands API events to the engine and carries out what it answers; an event
    the engine refuses comes back as a ``Refused``, raised here as the matching error
    (a 409, or a 404 for a call or seat the engine does not hold).
    """

    def __init__(self, driver: Any, *, reload: Callable[[], Awaitable[str]] | None = None) -> None:
        self._driver = driver
        self._reload = reload

    async def submit(self, event: object) -> None:
        raise_if_refused(self._driver.submit(event))

    async def reload_flows(self) -> str:
        if self._reload is None:
            msg = "this engine was started without flow files; there is nothing to reload"
            raise ConfigError(msg)
        return await self._reload()


class LocalControl:
    def __init__(
        self,
        engine: Handles,
        hub: Hub,
        *,
        reload: Callable[[], Awaitable[str]] | None = None,
        sinks: Sequence[Callable[[Sequence[object]], None]] = (),
    ) -> None:
        self._engine = engine
        self._hub = hub
        self._reload = reload
        self._sinks = list(
            sinks
        )  # more observers of the outputs (a recorder), as the live driver has

    def send(self, event: object) -> Sequence[object]:
        """Synchronously: for tests and demos that play the caller's side."""
        with self._hub.metrics.handling(event):
            outputs = self._engine.handle(event)
        for sink in self._sinks:
            sink(outputs)
        self._hub.observe(outputs)
        return outputs

    async def submit(self, event: object) -> None:
        raise_if_refused(self.send(event))

    async def reload_flows(self) -> str:
        if self._reload is None:
            msg = "this engine was started without flow files; there is nothing to reload"
            raise ConfigError(msg)
        return await self._reload()
