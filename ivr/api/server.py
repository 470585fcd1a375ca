"""The HTTP server inside the engine's own event loop (uvicorn), started and stopped by ``ivr serve``.

``await server.start()`` binds (port 0 picks a free one: see :attr:`HttpServer.port`) and
returns once it listens; ``await server.stop()`` ends the event streams, lets requests in
flight finish and closes the sockets. The task that runs uvicorn is owned by this object.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from ivr.api.stream import EventBus


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handlers: ``ivr serve``'s shutdown owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpServer:
    def __init__(
        self,
        app: FastAPI,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        bus: EventBus | None = None,
    ) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,  # our structlog setup owns the output
            access_log=False,  # an access log would write ?token= query strings
            lifespan="off",
            timeout_graceful_shutdown=5,
        )
        self._server = _QuietServer(config)
        self._bus = bus
        self._task: asyncio.Task[None] | None = None
        self.host = host
        self.port = port

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(), name="http-server")
        while not self._server.started:
            if self._task.done():
                await self._task  # raises what stopped it (the port is taken, say)
                msg = f"the HTTP server on {self.host}:{self.port} stopped while starting"
                raise OSError(msg)
            await asyncio.sleep(0.01)
        sockets = [s for srv in self._server.servers for s in srv.sockets]
        if sockets:
            self.port = sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._bus is not None:
            self._bus.close()
        self._server.should_exit = True
        if self._task is not None:
            await self._task
            self._task = None
